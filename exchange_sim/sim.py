"""The simulator's state in one object (market, clock, engine, listen keys, limits, faults),
independent of the HTTP layer so it can be driven directly in tests and benchmarks."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .clock import SimClock, wall_ms
from .engine import Account, Engine
from .errors import LISTEN_KEY_UNKNOWN, ApiError
from .faults import FaultBook
from .intervals import bucket_start, is_valid
from .limits import LimitConfig, RateLimiter
from .market import Market, MinuteSource, SyntheticSource
from .stamps import Stamps
from .symbols import DEFAULT_SPECS, SymbolSpec, synthetic_specs

LISTEN_KEY_MS = 60 * 60 * 1000
Event = dict[str, Any]


@dataclass
class SimConfig:
    seed: int = 1
    symbols: list[str] | None = None
    speed: float = 1.0
    start_ms: int | None = None
    accounts: list[dict[str, Any]] = field(default_factory=list)
    data_dir: str | None = None
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    slippage_bps: Decimal = Decimal(0)
    limits: LimitConfig = field(default_factory=LimitConfig)
    push_interval: float = 0.25
    synthetic_symbols: int = 0  # SYN001USDT… beside the known symbols (load tests)


def load_accounts(path: str) -> list[dict[str, Any]]:
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict):
        data = data.get("accounts", [data])
    return list(data)


def make_account(d: dict[str, Any]) -> Account:
    return Account(
        api_key=str(d.get("api_key", d.get("key", "sim-key"))),
        secret=str(d.get("secret", d.get("api_secret", "sim-secret"))),
        wallet=Decimal(str(d.get("balance", d.get("usdt", "10000")))),
        dual=bool(d.get("dual", d.get("hedge", False))),
    )


@dataclass(frozen=True)
class KlineSub:
    symbol: str
    interval: str
    continuous: bool


@dataclass(frozen=True)
class MarkSub:
    """``<symbol>@markPrice`` (every 3 s on Binance) or ``<symbol>@markPrice@1s``: here both are pushed
    on every clock advance that moves the time."""

    symbol: str
    every_1s: bool


Sub = KlineSub | MarkSub
FUNDING_MS = 8 * 60 * 60 * 1000
FUNDING_RATE = "0.00010000"  # fixed: no funding is simulated


def next_funding_ms(now: int) -> int:
    return (now // FUNDING_MS + 1) * FUNDING_MS


def parse_stream(name: str) -> Sub | None:
    """'btcusdt@kline_1m', 'btcusdt_perpetual@continuousKline_1m' -> KlineSub;
    'btcusdt@markPrice', 'btcusdt@markPrice@1s' -> MarkSub."""
    if "@" not in name:
        return None
    left, right = name.split("@", 1)
    if right in ("markPrice", "markPrice@1s"):
        return MarkSub(left.upper(), right.endswith("@1s"))
    if right.startswith("kline_"):
        interval = right[len("kline_") :]
        return KlineSub(left.upper(), interval, False) if is_valid(interval) else None
    if right.startswith("continuousKline_"):
        interval = right[len("continuousKline_") :]
        pair, _, ct = left.rpartition("_")
        if ct.lower() != "perpetual" or not is_valid(interval):
            return None
        return KlineSub(pair.upper(), interval, True)
    return None


class Simulator:
    def __init__(self, cfg: SimConfig, source: MinuteSource | None = None) -> None:
        self.cfg = cfg
        specs: dict[str, SymbolSpec]
        if source is None and cfg.data_dir:
            from .replay import load_replay

            source, specs = load_replay(cfg.data_dir, cfg.symbols)
        else:
            known = DEFAULT_SPECS | synthetic_specs(cfg.synthetic_symbols)
            names = cfg.symbols or list(known)
            unknown = [s for s in names if s not in known]
            if unknown:
                raise ValueError(f"unknown symbols {unknown}; known: {sorted(known)}")
            specs = {s: known[s] for s in names}
        if source is None:
            source = SyntheticSource(specs, cfg.seed)
        self.market = Market(specs, source)
        self.clock = SimClock(cfg.start_ms, cfg.speed)
        accts = [make_account(a) for a in cfg.accounts] or [make_account({})]
        self._user_sinks: list[Callable[[str, Event], None]] = []
        self.engine = Engine(
            self.market,
            accts,
            maker_fee=cfg.maker_fee,
            taker_fee=cfg.taker_fee,
            slippage_bps=cfg.slippage_bps,
            emit=self._emit_user,
        )
        self.limiter = RateLimiter(cfg.limits)
        self.faults = FaultBook()
        self.listen_keys: dict[str, tuple[str, int]] = {}  # key -> (api key, expires wall ms)
        self.last_advance = self.clock.now()
        self.moved = False
        self.stamps = Stamps()  # the exchange's own stopwatch (/_sim/stamps)

    # ---- user stream -------------------------------------------------------------------
    def add_user_sink(self, sink: Callable[[str, Event], None]) -> None:
        self._user_sinks.append(sink)

    def _emit_user(self, api_key: str, ev: Event) -> None:
        for s in self._user_sinks:
            s(api_key, ev)

    def listen_key_create(self, api_key: str) -> str:
        """An account has one active key; asking again returns it and extends it."""
        now = wall_ms()
        for k, (owner, exp) in self.listen_keys.items():
            if owner == api_key and exp > now:
                self.listen_keys[k] = (owner, now + LISTEN_KEY_MS)
                return k
        k = secrets.token_urlsafe(48)[:64]
        self.listen_keys[k] = (api_key, now + LISTEN_KEY_MS)
        return k

    def listen_key_owner(self, key: str) -> str:
        ent = self.listen_keys.get(key)
        if ent is None or ent[1] <= wall_ms():
            raise ApiError(*LISTEN_KEY_UNKNOWN)
        return ent[0]

    def listen_key_keepalive(self, api_key: str, key: str) -> None:
        owner = self.listen_key_owner(key)
        if owner != api_key:
            raise ApiError(*LISTEN_KEY_UNKNOWN)
        self.listen_keys[key] = (owner, wall_ms() + LISTEN_KEY_MS)

    def listen_key_delete(self, api_key: str, key: str) -> None:
        owner = self.listen_key_owner(key)
        if owner != api_key:
            raise ApiError(*LISTEN_KEY_UNKNOWN)
        del self.listen_keys[key]

    def expired_listen_keys(self) -> list[str]:
        now = wall_ms()
        return [k for k, (_, exp) in self.listen_keys.items() if exp <= now]

    def expire_listen_keys(self, key: str | None = None) -> list[str]:
        keys = [key] if key else list(self.listen_keys)
        for k in keys:
            if k in self.listen_keys:
                owner, _ = self.listen_keys[k]
                self.listen_keys[k] = (owner, 0)
        return keys

    # ---- time ----------------------------------------------------------------------------
    def now(self) -> int:
        return self.clock.now()

    def advance(self, subs: list[KlineSub]) -> list[tuple[KlineSub, Event]]:
        """Move the market to the clock's now: match orders along the price path, then
        produce kline events for each subscription: every bucket that closed since the
        last advance (x=true, in time order), then the current unclosed one. The closed
        klines of all subscriptions come before the unclosed ones: Binance pushes a candle's
        close at once and the next candle's first update with its next push, so a client
        never waits for other symbols' fresh candles before it has every close.
        ``moved`` tells whether the clock moved (mark prices are pushed only then)."""
        t0, t1 = self.last_advance, self.clock.now()
        if t1 < t0:
            t1 = t0
        self.engine.advance(t0, t1)
        self.last_advance = t1
        self.moved = t1 > t0
        out: list[tuple[KlineSub, Event]] = []
        unclosed: list[tuple[KlineSub, Event]] = []
        for sub in subs:
            if sub.symbol not in self.market.specs:
                continue
            if t1 == t0:
                # Binance repeats the current kline every 250 ms even when nothing traded
                cs = self.market.klines(sub.symbol, sub.interval, t1, limit=1)
                for r in self.market.format_rows(sub.symbol, cs):
                    out.append((sub, self.kline_event(sub, r, int(r[6]) < t1, t1)))  # type: ignore[call-overload]
                continue
            start = bucket_start(sub.interval, t0)
            cs = self.market.klines(sub.symbol, sub.interval, t1, start=start, end=t1, limit=10**7)
            rows = self.market.format_rows(sub.symbol, cs)
            for r in rows:
                close_t = int(r[6])  # type: ignore[call-overload]
                closed = close_t < t1
                if closed and close_t < t0:
                    continue
                (out if closed else unclosed).append((sub, self.kline_event(sub, r, closed, t1)))
        return out + unclosed

    def kline_event(self, sub: KlineSub, r: list[Any], closed: bool, now: int) -> Event:
        k: Event = {
            "t": r[0],
            "T": r[6],
            "s": sub.symbol,
            "i": sub.interval,
            "f": 0,
            "L": 0,
            "o": r[1],
            "c": r[4],
            "h": r[2],
            "l": r[3],
            "v": r[5],
            "n": r[8],
            "x": closed,
            "q": r[7],
            "V": r[9],
            "Q": r[10],
            "B": "0",
        }
        if sub.continuous:
            del k["s"]
            return {"e": "continuous_kline", "E": now, "ps": sub.symbol, "ct": "PERPETUAL", "k": k}
        return {"e": "kline", "E": now, "s": sub.symbol, "k": k}

    def mark_price_json(self, symbols: list[str]) -> dict[str, str]:
        """One ``markPriceUpdate`` payload per symbol, already JSON (shared by every connection).
        The mark is the contract price (what MARK_PRICE triggers use here); index and settle equal it."""
        now = self.last_advance
        nxt = next_funding_ms(now)
        out: dict[str, str] = {}
        for s in symbols:
            sp = self.market.specs.get(s)
            if sp is None:
                continue
            p = sp.price_str(self.market.price(s, now))
            out[s] = (
                f'{{"e":"markPriceUpdate","E":{now},"s":"{s}","p":"{p}","i":"{p}","P":"{p}",'
                f'"r":"{FUNDING_RATE}","T":{nxt}}}'
            )
        return out

    # ---- admin state ---------------------------------------------------------------------
    def state(self) -> Event:
        now = self.now()
        accts = []
        for a in self.engine.accounts.values():
            accts.append(
                {
                    "api_key": a.api_key,
                    "wallet": str(a.wallet),
                    "dual": a.dual,
                    "positions": [
                        {
                            "symbol": p.symbol,
                            "positionSide": p.side,
                            "amt": self.market.specs[p.symbol].qty_str(p.amt),
                            "entry": str(p.entry),
                        }
                        for p in a.positions.values()
                        if p.amt != 0
                    ],
                    "open_orders": [self.engine.order_json(o) for o in a.open_orders()],
                    "open_algo_orders": [self.engine.algo_json(x) for x in a.open_algos()],
                }
            )
        return {
            "now": now,
            "speed": self.clock.speed,
            "symbols": list(self.market.specs),
            "prices": {s: sp.price_str(self.market.price(s, now)) for s, sp in self.market.specs.items()},
            "accounts": accts,
            "listen_keys": len(self.listen_keys),
            "faults": self.faults.pending(),
            "reject_new_orders": self.engine.reject_new_orders,
        }
