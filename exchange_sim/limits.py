"""Request-weight and order-count limits, Binance style (fixed windows, 429 then 418)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LimitConfig:
    weight_1m: int = 2400
    orders_10s: int = 300
    orders_1m: int = 1200
    # requests answered 429 before the IP is banned (418)
    ban_after: int = 3
    ban_seconds: int = 120


@dataclass
class _Window:
    start: int = 0
    used: int = 0

    def roll(self, now_ms: int, size_ms: int) -> None:
        start = now_ms // size_ms * size_ms
        if start != self.start:
            self.start = start
            self.used = 0


@dataclass
class Verdict:
    status: int  # 200 = go on, 429, 418
    retry_after: int = 0
    banned_until: int = 0


@dataclass
class RateLimiter:
    cfg: LimitConfig = field(default_factory=LimitConfig)
    _weight: dict[str, _Window] = field(default_factory=dict)
    _strikes: dict[str, int] = field(default_factory=dict)
    _banned: dict[str, int] = field(default_factory=dict)
    _orders10: dict[str, _Window] = field(default_factory=dict)
    _orders60: dict[str, _Window] = field(default_factory=dict)

    def reset(self) -> None:
        self._weight.clear()
        self._strikes.clear()
        self._banned.clear()
        self._orders10.clear()
        self._orders60.clear()

    def used_weight(self, ip: str, now_ms: int) -> int:
        w = self._weight.setdefault(ip, _Window())
        w.roll(now_ms, 60_000)
        return w.used

    def charge(self, ip: str, weight: int, now_ms: int) -> Verdict:
        """Count a request's weight; tell whether it may proceed."""
        until = self._banned.get(ip, 0)
        if until > now_ms:
            return Verdict(418, retry_after=(until - now_ms + 999) // 1000, banned_until=until)
        w = self._weight.setdefault(ip, _Window())
        w.roll(now_ms, 60_000)
        w.used += weight
        if w.used <= self.cfg.weight_1m:
            self._strikes[ip] = 0
            return Verdict(200)
        strikes = self._strikes.get(ip, 0) + 1
        self._strikes[ip] = strikes
        if strikes > self.cfg.ban_after:
            until = now_ms + self.cfg.ban_seconds * 1000
            self._banned[ip] = until
            return Verdict(418, retry_after=self.cfg.ban_seconds, banned_until=until)
        return Verdict(429, retry_after=max(1, (w.start + 60_000 - now_ms + 999) // 1000))

    def order_counts(self, account: str, now_ms: int) -> tuple[int, int]:
        a = self._orders10.setdefault(account, _Window())
        b = self._orders60.setdefault(account, _Window())
        a.roll(now_ms, 10_000)
        b.roll(now_ms, 60_000)
        return a.used, b.used

    def charge_orders(self, account: str, n: int, now_ms: int) -> Verdict:
        self.order_counts(account, now_ms)
        a = self._orders10[account]
        b = self._orders60[account]
        a.used += n
        b.used += n
        if a.used > self.cfg.orders_10s:
            return Verdict(429, retry_after=max(1, (a.start + 10_000 - now_ms + 999) // 1000))
        if b.used > self.cfg.orders_1m:
            return Verdict(429, retry_after=max(1, (b.start + 60_000 - now_ms + 999) // 1000))
        return Verdict(200)
