"""The simulated market: 1m candles (synthetic or replayed), their intra-minute price path,
price overrides, and every higher timeframe aggregated from 1m.

Prices are integer ticks and volumes integer steps, so aggregation is exact in any order.
Each 1m candle carries a fixed intra-minute path: open at +0 s, first extreme at +20 s, second
extreme at +40 s, close at +59.999 s (low first on an up candle, high first on a down one). The
matching engine, the live klines and the "current price" all read that one path, so what a
client sees on the kline stream is exactly what its orders were matched against.
"""

from __future__ import annotations

import math
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .intervals import (
    MS_DAY,
    MS_MIN,
    bucket_start,
    bucket_starts,
    ceil_bucket,
    next_bucket,
    nominal_ms,
    prev_bucket,
)
from .symbols import SymbolSpec, fmt_units

IntArr = npt.NDArray[np.int64]
FloatArr = npt.NDArray[np.float64]
VERTEX_OFFSETS = (0, 20_000, 40_000, 59_999)


_MISSING = object()


@dataclass
class Minutes:
    """Present 1m candles of one symbol (a replay may have gaps), prices in ticks."""

    t: IntArr
    o: IntArr
    x1: IntArr
    x2: IntArr
    c: IntArr
    v: IntArr  # volume in units of 10**-vol_dp
    q: IntArr  # quote volume in units of 10**-quote_dp
    n: IntArr
    tbv: IntArr
    tbq: IntArr

    def __len__(self) -> int:
        return len(self.t)

    def take(self, sel: slice | npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> Minutes:
        return Minutes(*(getattr(self, f)[sel] for f in _MIN_FIELDS))

    @staticmethod
    def concat(parts: list[Minutes]) -> Minutes:
        if not parts:
            return empty_minutes()
        if len(parts) == 1:
            return parts[0]
        return Minutes(*(np.concatenate([getattr(p, f) for p in parts]) for f in _MIN_FIELDS))


_MIN_FIELDS = ("t", "o", "x1", "x2", "c", "v", "q", "n", "tbv", "tbq")


def empty_minutes() -> Minutes:
    z = np.zeros(0, dtype=np.int64)
    return Minutes(z, z, z, z, z, z, z, z, z, z)


@dataclass
class Candles:
    t: IntArr
    close_time: IntArr
    o: IntArr
    h: IntArr
    lo: IntArr
    c: IntArr
    v: IntArr
    q: IntArr
    n: IntArr
    tbv: IntArr
    tbq: IntArr

    def __len__(self) -> int:
        return len(self.t)


class MinuteSource(Protocol):
    """Where base (un-overridden) 1m candles come from."""

    vol_dp: dict[str, int]
    quote_dp: dict[str, int]
    derived_quote: bool  # quote volume = volume x close, recomputed after price overrides

    def day(self, symbol: str, day: int) -> Minutes: ...

    def first_time(self, symbol: str) -> int | None: ...


def _u32(x: int) -> int:
    return x & 0xFFFFFFFF


class SyntheticSource:
    """Deterministic random market, generated per (seed, symbol, UTC day).

    Each day is an independent block: its 00:00 price comes from a closed-form anchor curve
    (slow sinusoidal trends plus per-day jitter), and the day's minutes are a Brownian bridge
    from that anchor to the next day's, with AR(1) log-volatility (clustering) and random
    drift segments (intraday trends). So any day can be generated without its predecessors
    and consecutive days join exactly (a day's last close is the next day's first open).
    """

    derived_quote = True

    def __init__(self, specs: dict[str, SymbolSpec], seed: int, cache_days: int = 384) -> None:
        self.specs = specs
        self.seed = seed
        self.vol_dp = {s: sp.qty_dp for s, sp in specs.items()}
        self.quote_dp = {s: sp.qty_dp + sp.price_dp for s, sp in specs.items()}
        self._cache: OrderedDict[tuple[str, int], Minutes] = OrderedDict()
        self._cache_days = cache_days
        self._shape: dict[str, tuple[FloatArr, FloatArr, FloatArr]] = {}
        kernel_len = 300
        self._phi = 0.985
        self._kernel = self._phi ** np.arange(kernel_len, dtype=np.float64)

    def first_time(self, symbol: str) -> int | None:
        sp = self.specs.get(symbol)
        return None if sp is None else sp.listed_ms // MS_MIN * MS_MIN

    def _symbol_shape(self, symbol: str) -> tuple[FloatArr, FloatArr, FloatArr]:
        if symbol not in self._shape:
            rng = np.random.default_rng([_u32(self.seed), zlib.crc32(symbol.encode()), 0xA11C])
            periods = np.array([730.0, 190.0, 47.0, 13.0]) * rng.uniform(0.8, 1.25, 4)
            amps = np.array([0.32, 0.18, 0.09, 0.045]) * rng.uniform(0.7, 1.3, 4)
            phases = rng.uniform(0, 2 * math.pi, 4)
            self._shape[symbol] = (periods, amps, phases)
        return self._shape[symbol]

    def _day_rng(self, symbol: str, day: int, salt: int) -> np.random.Generator:
        return np.random.default_rng([_u32(self.seed), zlib.crc32(symbol.encode()), day + 1_000_000, salt])

    def anchor(self, symbol: str, day: int) -> float:
        """Log price at 00:00 UTC of `day` (days since epoch)."""
        sp = self.specs[symbol]
        periods, amps, phases = self._symbol_shape(symbol)
        waves = float(np.sum(amps * np.sin(2 * math.pi * day / periods + phases)))
        jitter = float(self._day_rng(symbol, day, 1).normal()) * sp.daily_vol * 0.6
        return math.log(sp.base_price) + waves + jitter

    def _day_vol(self, symbol: str, day: int) -> float:
        sp = self.specs[symbol]
        _, _, phases = self._symbol_shape(symbol)
        regime = 0.35 * math.sin(2 * math.pi * day / 37.0 + phases[0]) + 0.2 * float(
            self._day_rng(symbol, day, 2).normal()
        )
        return sp.daily_vol * math.exp(regime)

    def day(self, symbol: str, day: int) -> Minutes:
        key = (symbol, day)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        m = self._generate(symbol, day)
        self._cache[key] = m
        if len(self._cache) > self._cache_days:
            self._cache.popitem(last=False)
        return m

    def _generate(self, symbol: str, day: int) -> Minutes:
        sp = self.specs[symbol]
        day_start = day * MS_DAY
        if day_start + MS_DAY <= sp.listed_ms:
            return empty_minutes()
        n = 1440
        rng = self._day_rng(symbol, day, 0)
        sig = 0.45 * self._day_vol(symbol, day) / math.sqrt(n)
        # AR(1) log-volatility as a truncated convolution: vectorised and exact enough.
        s_h = 0.12
        e = rng.normal(0.0, s_h, n + len(self._kernel))
        h = np.convolve(e, self._kernel, mode="full")[len(self._kernel) : len(self._kernel) + n]
        h = np.clip(h, -2.0, 2.0)
        vol = sig * np.exp(h)
        # Trending regimes: piecewise-constant drift.
        n_seg = 1 + int(rng.poisson(3))
        cuts = np.sort(rng.integers(0, n, n_seg - 1))
        seg_drift = rng.normal(0.0, 0.09, n_seg) * sig
        drift = np.repeat(seg_drift, np.diff(np.r_[0, cuts, n]))
        shocks = rng.standard_t(5, n) * math.sqrt(3 / 5)
        r = drift + vol * shocks
        w = np.r_[0.0, np.cumsum(r)]
        a0 = self.anchor(symbol, day)
        a1 = self.anchor(symbol, day + 1)
        x = a0 + w - np.linspace(0.0, 1.0, n + 1) * (w[-1] - (a1 - a0))
        scale = 10.0**sp.price_dp
        p = np.exp(x)
        ticks = np.maximum(np.rint(p * scale), 1).astype(np.int64)
        o = ticks[:-1]
        c = ticks[1:]
        hi_ext = np.abs(rng.normal(0.0, 1.0, n)) * vol * 0.6
        lo_ext = np.abs(rng.normal(0.0, 1.0, n)) * vol * 0.6
        mx = np.maximum(o, c).astype(np.float64)
        mn = np.minimum(o, c).astype(np.float64)
        hi = np.maximum(np.ceil(mx * np.exp(hi_ext)), mx).astype(np.int64)
        lo = np.maximum(np.minimum(np.floor(mn * np.exp(-lo_ext)), mn), 1).astype(np.int64)
        up = c >= o
        x1 = np.where(up, lo, hi)
        x2 = np.where(up, hi, lo)
        base_units = sp.minute_volume * 10.0**sp.qty_dp
        move = np.abs(r) / sig
        v = np.maximum(
            np.rint(base_units * np.exp(0.8 * h) * rng.lognormal(0.0, 0.35, n) * (0.7 + 0.3 * move)), 1
        ).astype(np.int64)
        trades = np.maximum(np.rint(v / base_units * 900.0 * rng.lognormal(0.0, 0.2, n)), 1).astype(np.int64)
        rng_span = (hi - lo + 1).astype(np.float64)
        frac = np.clip(0.5 + 0.3 * (c - o) / rng_span + rng.normal(0.0, 0.05, n), 0.05, 0.95)
        tbv = np.rint(v * frac).astype(np.int64)
        t = day_start + np.arange(n, dtype=np.int64) * MS_MIN
        m = Minutes(t, o, x1, x2, c, v, v * c, trades, tbv, tbv * c)
        if day_start < sp.listed_ms:
            m = m.take(t >= sp.listed_ms)
        return m


def _minutes_from_rows(rows: IntArr) -> Minutes:
    """rows columns: t, o, h, l, c, v, q, n, tbv, tbq."""
    t, o, h, lo, c, v, q, n, tbv, tbq = (rows[:, i].copy() for i in range(10))
    up = c >= o
    return Minutes(t, o, np.where(up, lo, h), np.where(up, h, lo), c, v, q, n, tbv, tbq)


class ReplaySource:
    """1m candles replayed from data.binance.vision kline files (see replay.py for parsing)."""

    derived_quote = False

    def __init__(self, data: dict[str, Minutes], vol_dp: dict[str, int], quote_dp: dict[str, int]) -> None:
        self.data = data
        self.vol_dp = vol_dp
        self.quote_dp = quote_dp

    def first_time(self, symbol: str) -> int | None:
        m = self.data.get(symbol)
        return None if m is None or len(m) == 0 else int(m.t[0])

    def day(self, symbol: str, day: int) -> Minutes:
        m = self.data.get(symbol)
        if m is None:
            return empty_minutes()
        i0, i1 = np.searchsorted(m.t, [day * MS_DAY, (day + 1) * MS_DAY])
        return m.take(slice(int(i0), int(i1)))


class Market:
    """Candles and prices for all symbols, with admin price overrides."""

    def __init__(self, specs: dict[str, SymbolSpec], source: MinuteSource) -> None:
        self.specs = specs
        self.source = source
        # per symbol: sorted (time, factor); factor applies from its time on.
        self.overrides: dict[str, list[tuple[int, float]]] = {}
        self._day_summary: dict[tuple[str, int], Minutes] = {}
        self._vertices: dict[tuple[str, int], tuple[int, int, int, int] | None] = {}

    # ---- overrides -------------------------------------------------------------------
    def _factor_at(self, symbol: str, t: int) -> float:
        f = 1.0
        for ot, of in self.overrides.get(symbol, ()):
            if ot <= t:
                f = of
            else:
                break
        return f

    def set_price(self, symbol: str, t: int, ticks: int) -> None:
        """From time t on, the market continues from `ticks` (the base path scaled)."""
        base = self._base_price(symbol, t)
        lst = [o for o in self.overrides.get(symbol, []) if o[0] < t]
        lst.append((t, ticks / base))
        self.overrides[symbol] = lst

    # ---- minutes ---------------------------------------------------------------------
    def first_time(self, symbol: str) -> int | None:
        return self.source.first_time(symbol)

    def _base_minutes(self, symbol: str, start: int, end: int) -> Minutes:
        if end <= start:
            return empty_minutes()
        parts = []
        for d in range(start // MS_DAY, (end - 1) // MS_DAY + 1):
            m = self.source.day(symbol, d)
            if len(m) == 0:
                continue
            if m.t[0] < start or m.t[-1] >= end:
                i0, i1 = np.searchsorted(m.t, [start, end])
                m = m.take(slice(int(i0), int(i1)))
            parts.append(m)
        return Minutes.concat(parts)

    def _scaled(self, symbol: str, m: Minutes) -> Minutes:
        ovs = self.overrides.get(symbol)
        if not ovs or len(m) == 0 or m.t[-1] + MS_MIN <= ovs[0][0]:
            return m
        fac = np.ones(len(m), dtype=np.float64)
        for ot, of in ovs:
            fac[m.t >= ot] = of
        o, x1, x2, c = (np.maximum(np.rint(a * fac), 1).astype(np.int64) for a in (m.o, m.x1, m.x2, m.c))
        out = Minutes(m.t, o, x1, x2, c, m.v, m.q, m.n, m.tbv, m.tbq)
        # minutes an override falls inside of: old path before it, new after it
        for ot, of in ovs:
            if ot % MS_MIN == 0:
                continue
            mt = ot // MS_MIN * MS_MIN
            idx = np.flatnonzero(m.t == mt)
            if len(idx) == 0:
                continue
            i = int(idx[0])
            old = self._factor_at(symbol, ot - 1)
            pts = [
                (mt + off, float(v)) for off, v in zip(VERTEX_OFFSETS, (m.o[i], m.x1[i], m.x2[i], m.c[i]), strict=True)
            ]
            before = [round(v * old) for tt, v in pts if tt < ot]
            after = [round(v * of) for tt, v in pts if tt >= ot]
            b_at = self._base_price(symbol, ot)
            seq = [*before, round(b_at * old), round(b_at * of), *after]
            out.o[i] = seq[0]
            out.c[i] = seq[-1]
            hi, lo = max(seq), min(seq)
            up = out.c[i] >= out.o[i]
            out.x1[i] = lo if up else hi
            out.x2[i] = hi if up else lo
        if self.source.derived_quote:
            out.q = out.v * out.c
            out.tbq = out.tbv * out.c
        return out

    def minutes(self, symbol: str, start: int, end: int, now: int) -> Minutes:
        """Scaled 1m candles opening in [start, end) and at or before `now`; the one holding
        `now` is cut at `now` (partial, unclosed)."""
        end = min(end, now // MS_MIN * MS_MIN + MS_MIN)
        m = self._scaled(symbol, self._base_minutes(symbol, start, end))
        if len(m) and m.t[-1] + MS_MIN > now:
            m = self._cut_last(symbol, m, now)
        return m

    def _cut_last(self, symbol: str, m: Minutes, now: int) -> Minutes:
        i = len(m) - 1
        frac = (now - int(m.t[i])) / MS_MIN
        cur = self.price(symbol, now)
        seen = [int(m.o[i]), cur]
        if now - m.t[i] >= 20_000:
            seen.append(int(m.x1[i]))
        if now - m.t[i] >= 40_000:
            seen.append(int(m.x2[i]))
        hi, lo = max(seen), min(seen)
        up = cur >= m.o[i]
        cols = {f: getattr(m, f).copy() for f in _MIN_FIELDS}
        cols["x1"][i] = lo if up else hi
        cols["x2"][i] = hi if up else lo
        cols["c"][i] = cur
        for f in ("v", "n", "tbv"):
            cols[f][i] = int(cols[f][i] * frac)
        if self.source.derived_quote:
            cols["q"][i] = cols["v"][i] * cur
            cols["tbq"][i] = cols["tbv"][i] * cur
        else:
            cols["q"][i] = int(cols["q"][i] * frac)
            cols["tbq"][i] = int(cols["tbq"][i] * frac)
        return Minutes(**cols)

    def days(self, symbol: str, start: int, end: int, now: int) -> Minutes:
        """Like minutes(), but one summary row per UTC day (open, low, high, close, sums):
        daily and longer buckets aggregate these exactly as they would the minutes."""
        parts = []
        ovs = self.overrides.get(symbol, ())
        for d in range(start // MS_DAY, (end - 1) // MS_DAY + 1):
            d0, d1 = d * MS_DAY, (d + 1) * MS_DAY
            if d0 > now:
                break
            untouched = d1 <= now // MS_MIN * MS_MIN and all(ot >= d1 for ot, _ in ovs)
            hit = self._day_summary.get((symbol, d)) if untouched else None
            if hit is None:
                hit = _summarise(self.minutes(symbol, d0, d1, now))
                if untouched:
                    self._day_summary[(symbol, d)] = hit
            if len(hit):
                parts.append(hit)
        return Minutes.concat(parts)

    # ---- prices and paths ------------------------------------------------------------
    def _minute_vertices(self, symbol: str, mt: int) -> tuple[int, int, int, int] | None:
        # Every order asks for the current price: the (deterministic) base vertices of a minute are kept.
        key = (symbol, mt)
        hit = self._vertices.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        m = self._base_minutes(symbol, mt, mt + MS_MIN)
        vx = None if len(m) == 0 else (int(m.o[0]), int(m.x1[0]), int(m.x2[0]), int(m.c[0]))
        if len(self._vertices) >= 4096:
            self._vertices.clear()
        self._vertices[key] = vx
        return vx

    def _base_price(self, symbol: str, t: int) -> float:
        mt = t // MS_MIN * MS_MIN
        vx = self._minute_vertices(symbol, mt)
        if vx is None:
            prev = self._base_minutes(symbol, max(mt - 7 * MS_DAY, 0), mt)
            if len(prev):
                return float(prev.c[-1])
            nxt = self.first_time(symbol)
            if nxt is not None and nxt > t:
                v2 = self._minute_vertices(symbol, nxt)
                if v2 is not None:
                    return float(v2[0])
            raise KeyError(f"no price for {symbol} at {t}")
        off = t - mt
        for k in range(3):
            a, b = VERTEX_OFFSETS[k], VERTEX_OFFSETS[k + 1]
            if off <= b:
                return vx[k] + (vx[k + 1] - vx[k]) * (off - a) / (b - a)
        return float(vx[3])

    def price(self, symbol: str, t: int) -> int:
        """Contract (and mark) price in ticks at time t."""
        return max(1, round(self._base_price(symbol, t) * self._factor_at(symbol, t)))

    def path(self, symbol: str, t0: int, t1: int) -> tuple[IntArr, IntArr]:
        """Price vertices visited in (t0, t1], in order, ending with the price at t1.

        Between consecutive vertices the price moves linearly, so a level is crossed in
        (t0, t1] exactly when it lies between two consecutive entries of [price(t0), *path].
        """
        if t1 <= t0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        m = self._scaled(symbol, self._base_minutes(symbol, t0 // MS_MIN * MS_MIN, t1 // MS_MIN * MS_MIN + MS_MIN))
        offs = np.array(VERTEX_OFFSETS, dtype=np.int64)
        times = (m.t[:, None] + offs[None, :]).ravel()
        prices = np.stack([m.o, m.x1, m.x2, m.c], axis=1).ravel()
        jt: list[int] = []
        jp: list[int] = []
        for ot, of in self.overrides.get(symbol, ()):
            if t0 < ot <= t1:
                old = self._factor_at(symbol, ot - 1)
                b = self._base_price(symbol, ot)
                jt += [ot, ot]
                jp += [max(1, round(b * old)), max(1, round(b * of))]
        if jt:
            times = np.r_[times, np.array(jt, dtype=np.int64)]
            prices = np.r_[prices, np.array(jp, dtype=np.int64)]
            order = np.argsort(times, kind="stable")
            times, prices = times[order], prices[order]
        sel = (times > t0) & (times <= t1)
        times = np.r_[times[sel], t1].astype(np.int64)
        prices = np.r_[prices[sel], self.price(symbol, t1)].astype(np.int64)
        return times, prices

    # ---- klines ----------------------------------------------------------------------
    def klines(
        self,
        symbol: str,
        interval: str,
        now: int,
        start: int | None = None,
        end: int | None = None,
        limit: int = 500,
    ) -> Candles:
        """Binance's selection: openTime in [startTime, endTime] and <= now; with startTime
        the oldest `limit`, otherwise the newest `limit`."""
        first = self.first_time(symbol)
        if first is None or limit <= 0:
            return aggregate(empty_minutes(), interval)
        lo_b = bucket_start(interval, first)
        if start is not None:
            lo_b = max(lo_b, ceil_bucket(interval, max(start, 0)))
        hi_b = bucket_start(interval, min(now, end) if end is not None else now)
        if hi_b < lo_b:
            return aggregate(empty_minutes(), interval)
        span = nominal_ms(interval)
        fetch = self.days if interval in ("1d", "3d", "1w", "1M") else self.minutes
        got: list[Candles] = []
        count = 0
        if start is not None:
            cur = lo_b
            while cur <= hi_b and count < limit:
                stop = min(next_bucket(interval, hi_b), bucket_start(interval, cur + (limit - count) * span))
                if stop <= cur:
                    stop = next_bucket(interval, cur)
                cs = _clip(aggregate(fetch(symbol, cur, stop, now), interval), cur, hi_b)
                take = min(len(cs), limit - count)
                got.append(_slice(cs, 0, take))
                count += take
                cur = stop
            return _concat(got)
        cur_end = next_bucket(interval, hi_b)
        while cur_end > lo_b and count < limit:
            begin = max(lo_b, bucket_start(interval, cur_end - (limit - count) * span))
            if begin >= cur_end:
                begin = prev_bucket(interval, cur_end)
            cs = aggregate(fetch(symbol, begin, cur_end, now), interval)
            cs = _clip(cs, begin, hi_b)
            take = min(len(cs), limit - count)
            got.insert(0, _slice(cs, len(cs) - take, len(cs)))
            count += take
            cur_end = begin
        return _concat(got)

    def format_rows(self, symbol: str, cs: Candles) -> list[list[object]]:
        sp = self.specs[symbol]
        vdp = self.source.vol_dp.get(symbol, sp.qty_dp)
        qdp = self.source.quote_dp.get(symbol, sp.qty_dp + sp.price_dp)
        pdp = sp.price_dp
        rows: list[list[object]] = []
        for i in range(len(cs)):
            rows.append(
                [
                    int(cs.t[i]),
                    fmt_units(int(cs.o[i]), pdp),
                    fmt_units(int(cs.h[i]), pdp),
                    fmt_units(int(cs.lo[i]), pdp),
                    fmt_units(int(cs.c[i]), pdp),
                    fmt_units(int(cs.v[i]), vdp),
                    int(cs.close_time[i]),
                    fmt_units(int(cs.q[i]), qdp),
                    int(cs.n[i]),
                    fmt_units(int(cs.tbv[i]), vdp),
                    fmt_units(int(cs.tbq[i]), qdp),
                    "0",
                ]
            )
        return rows


def aggregate(m: Minutes, interval: str) -> Candles:
    """Group 1m candles into `interval` buckets: open first, high max, low min, close last,
    volumes summed (integers, so exact)."""
    if len(m) == 0:
        z = np.zeros(0, dtype=np.int64)
        return Candles(z, z, z, z, z, z, z, z, z, z, z)
    h = np.maximum(np.maximum(m.o, m.c), np.maximum(m.x1, m.x2))
    lo = np.minimum(np.minimum(m.o, m.c), np.minimum(m.x1, m.x2))
    if interval == "1m":
        return Candles(m.t, m.t + (MS_MIN - 1), m.o, h, lo, m.c, m.v, m.q, m.n, m.tbv, m.tbq)
    b = bucket_starts(interval, m.t)
    starts = np.r_[0, np.flatnonzero(np.diff(b)) + 1]
    ends = np.r_[starts[1:], len(b)]
    bt = b[starts]
    if interval == "1M":
        close_t = np.array([next_bucket("1M", int(x)) - 1 for x in bt], dtype=np.int64)
    else:
        close_t = bt + (next_bucket(interval, 0) - 1)
    return Candles(
        bt,
        close_t,
        m.o[starts],
        np.maximum.reduceat(h, starts),
        np.minimum.reduceat(lo, starts),
        m.c[ends - 1],
        np.add.reduceat(m.v, starts),
        np.add.reduceat(m.q, starts),
        np.add.reduceat(m.n, starts),
        np.add.reduceat(m.tbv, starts),
        np.add.reduceat(m.tbq, starts),
    )


def _summarise(m: Minutes) -> Minutes:
    if len(m) == 0:
        return m
    h = int(max(m.o.max(), m.c.max(), m.x1.max(), m.x2.max()))
    lo = int(min(m.o.min(), m.c.min(), m.x1.min(), m.x2.min()))

    def one(x: int) -> IntArr:
        return np.array([x], dtype=np.int64)

    return Minutes(
        one(int(m.t[0])),
        one(int(m.o[0])),
        one(lo),
        one(h),
        one(int(m.c[-1])),
        one(int(m.v.sum())),
        one(int(m.q.sum())),
        one(int(m.n.sum())),
        one(int(m.tbv.sum())),
        one(int(m.tbq.sum())),
    )


_C_FIELDS = ("t", "close_time", "o", "h", "lo", "c", "v", "q", "n", "tbv", "tbq")


def _slice(cs: Candles, a: int, b: int) -> Candles:
    return Candles(*(getattr(cs, f)[a:b] for f in _C_FIELDS))


def _clip(cs: Candles, lo_t: int, hi_t: int) -> Candles:
    sel = (cs.t >= lo_t) & (cs.t <= hi_t)
    return Candles(*(getattr(cs, f)[sel] for f in _C_FIELDS))


def _concat(parts: list[Candles]) -> Candles:
    if not parts:
        return aggregate(empty_minutes(), "1m")
    return Candles(*(np.concatenate([getattr(p, f) for p in parts]) for f in _C_FIELDS))
