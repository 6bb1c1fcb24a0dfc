"""Faults injected on demand by the admin API, consumed by the next matching requests."""

from __future__ import annotations

from dataclasses import dataclass, field

# 503: answer 503 without doing anything.
# accept_503: do the request (the order exists) but answer 503, so the client cannot know.
# timeout: hang `seconds` (longer than the client's timeout), then answer 503.
# close: drop the TCP connection without an answer.
# 429: answer 429 -1003 with Retry-After.
# 1021: answer 400 -1021 (timestamp outside recvWindow).
KINDS = ("503", "accept_503", "timeout", "close", "429", "1021")


@dataclass
class Fault:
    kind: str
    count: int = 1
    path: str | None = None  # substring of the request path
    method: str | None = None
    seconds: float = 30.0

    def matches(self, method: str, path: str) -> bool:
        if self.path and self.path not in path:
            return False
        return not (self.method and self.method.upper() != method.upper())


@dataclass
class FaultBook:
    faults: list[Fault] = field(default_factory=list)
    fired: int = 0

    def add(self, f: Fault) -> None:
        if f.kind not in KINDS:
            raise ValueError(f"unknown fault kind {f.kind!r}; one of {KINDS}")
        if f.count < 1:
            raise ValueError("count must be >= 1")
        self.faults.append(f)

    def take(self, method: str, path: str) -> Fault | None:
        """The first pending fault matching this request, consumed once."""
        if path.startswith("/_sim"):
            return None
        for f in self.faults:
            if f.matches(method, path):
                f.count -= 1
                if f.count <= 0:
                    self.faults.remove(f)
                self.fired += 1
                return f
        return None

    def clear(self) -> None:
        self.faults.clear()

    def pending(self) -> list[dict[str, object]]:
        return [{"kind": f.kind, "count": f.count, "path": f.path, "method": f.method} for f in self.faults]
