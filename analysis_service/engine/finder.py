"""Entry finders: small state machines a strategy starts on a setup candle and feeds
every later candle until they find an entry or give up (seed:
src/vm/Analyzers/types/EntryFinder.js and the finder half of types/Strategy.js).

A strategy owns a `FinderPool`. When it spots a setup it calls
`pool.start(is_long, start_candle, candle, params)`; the pool builds a finder with
the strategy's factory and first *replays* the stored candles that closed after
`start_candle` (except the current one) so the finder catches up with the present.
A finder that dies or finds an entry while catching up is dropped: only entries on
fresh candles count. Then, on every candle, `pool.run(candle)` feeds each finder and
returns the entries found, in finder order; the strategy turns them into signals:

```python
class MyFinder(EntryFinder):
    def add_candle(self, candle, current):
        if candle.close < self.start_candle.low:
            return KILL
        if candle.close > self.start_candle.high:
            return FoundEntry(self.is_long, {"stop_loss": self.start_candle.low})
        return CONTINUE

class MyStrategy(Analyzer):
    IS_STRATEGY = True
    def __init__(self, name, **params):
        super().__init__(name, **params)
        self.finders = FinderPool(MyFinder)
    def add_candle(self, candle, io):
        if <setup on candle>:
            self.finders.start(True, candle, candle, io)
        for e in self.finders.run(candle):
            io.make_entry(self, "buy" if e.is_long else "sell", **e.params)
```

While catching up, a finder reads `io` of the *current* candle (flags included), as in
the seed; `current` tells it whether `candle` is the fresh one. Finder ids cycle
1..99 and only label annotations. Starting a second finder with the same direction
and the same start candle (identity) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from analysis_service.engine.candle import Candle
    from analysis_service.engine.io import AnalyzerIO

MAX_FINDER_ID = 99


class Verdict(Enum):
    KILL = "kill"
    CONTINUE = "continue"


KILL: Final = Verdict.KILL
CONTINUE: Final = Verdict.CONTINUE


@dataclass(slots=True)
class FoundEntry:
    """An entry a finder found: direction and keyword arguments for `io.make_entry`."""

    is_long: bool
    params: dict[str, Any] = field(default_factory=dict)


FinderResult = FoundEntry | Verdict


class EntryFinder:
    """Base class: override `add_candle`. `params` is whatever the strategy passed to `start`."""

    def __init__(
        self,
        finder_id: int,
        start_candle: Candle,
        is_long: bool,
        io: AnalyzerIO,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.id = finder_id
        self.start_candle = start_candle
        self.is_long = is_long
        self.io = io
        self.params: Mapping[str, Any] = params if params is not None else {}

    def add_candle(self, candle: Candle, current: bool) -> FinderResult:
        """KILL drops the finder, CONTINUE keeps it, a FoundEntry is an entry (and drops it)."""
        return CONTINUE

    # labels on the "outer" (ltop) or "inner" (lbot) side of the trade direction
    def ltop(self, candle: Candle, label: str) -> None:
        io = self.io
        if io.annotate:
            text = f"{self.id}.{label}"
            if self.is_long:
                io.debug.label_top(candle, text)
            else:
                io.debug.label_bottom(candle, text)

    def lbot(self, candle: Candle, label: str) -> None:
        io = self.io
        if io.annotate:
            text = f"{self.id}.{label}"
            if self.is_long:
                io.debug.label_bottom(candle, text)
            else:
                io.debug.label_top(candle, text)


FinderFactory = Callable[[int, "Candle", bool, "AnalyzerIO", Mapping[str, Any] | None], EntryFinder]


class FinderPool:
    """The running finders of one strategy on one ticker."""

    __slots__ = ("factory", "finders", "max_id")

    def __init__(self, factory: FinderFactory) -> None:
        self.factory = factory
        self.finders: list[EntryFinder] = []
        self.max_id = 0

    def next_id(self) -> int:
        self.max_id += 1
        if self.max_id > MAX_FINDER_ID:
            self.max_id = 1
        return self.max_id

    def start(
        self,
        is_long: bool,
        start_candle: Candle,
        current_candle: Candle,
        io: AnalyzerIO,
        params: Mapping[str, Any] | None = None,
    ) -> EntryFinder | None:
        """Start a finder on `start_candle` and catch it up; None if refused or it ended
        while catching up."""
        for f in self.finders:
            if f.is_long == is_long and f.start_candle is start_candle:
                return None
        finder = self.factory(self.next_id(), start_candle, is_long, io, params)
        for c in io.get_candles_from(start_candle.close_time):
            if c is not current_candle and finder.add_candle(c, False) is not CONTINUE:
                return None
        self.finders.append(finder)
        return finder

    def run(self, candle: Candle) -> Sequence[FoundEntry]:
        """Feed `candle` to every finder; return the entries found (finders that found one
        or died are removed). Allocates nothing while every finder just continues."""
        finders = self.finders
        if not finders:
            return ()
        found: list[FoundEntry] | None = None
        ended: list[EntryFinder] | None = None
        for f in finders:
            res = f.add_candle(candle, True)
            if res is CONTINUE:
                continue
            if ended is None:
                ended = []
            ended.append(f)
            if isinstance(res, FoundEntry):
                if found is None:
                    found = []
                found.append(res)
        if ended is not None:
            self.finders = [f for f in finders if not any(f is e for e in ended)]
        return () if found is None else found

    def __len__(self) -> int:
        return len(self.finders)
