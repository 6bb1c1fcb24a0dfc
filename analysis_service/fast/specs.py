"""Batch versions of the built-in indicators, one `Spec` per analyzer instance.

A spec computes its analyzer's flags over a whole known series (numba kernels in
`kernels`), hands them out as per-chunk Python value lists (`Slot`s, in the order
the analyzer writes its keys) and restores the incremental analyzer's state as after
the first k candles, so a ticker can leave batch mode at any candle and continue
candle by candle with identical results.

Only the exact built-in classes get a spec (a subclass may override `add_candle`).
An analyzer is batched only when every flag it reads comes from a batched analyzer
earlier in the same box (`needs`); otherwise it stays incremental.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis_service.analyzers.atr import ATR
from analysis_service.analyzers.bbands import BBands
from analysis_service.analyzers.btctrend import PERIODS as BT_PERIODS
from analysis_service.analyzers.btctrend import SYMBOL as BT_SYMBOL
from analysis_service.analyzers.btctrend import TIMEFRAMES as BT_TIMEFRAMES
from analysis_service.analyzers.btctrend import BTCTrend
from analysis_service.analyzers.cdlpatts import CandlePatterns
from analysis_service.analyzers.ema import EMA
from analysis_service.analyzers.extremum import Extremum
from analysis_service.analyzers.hills import FOLLOW_MA, Hills
from analysis_service.analyzers.hl_trend import HLTrend
from analysis_service.analyzers.hos import HOS
from analysis_service.analyzers.impulse import AVG_CANDLES, Impulse
from analysis_service.analyzers.ma import MA
from analysis_service.analyzers.macd import MACD
from analysis_service.analyzers.macdf import MACDF
from analysis_service.analyzers.matrend import MATrend
from analysis_service.analyzers.rma import RMA
from analysis_service.analyzers.rsi import RSI
from analysis_service.analyzers.wfractals import WFractals
from analysis_service.engine.candle import Candle
from analysis_service.engine.plugin import Analyzer
from analysis_service.fast import kernels as K
from analysis_service.helpers.averages import EMA as EMAHelper
from analysis_service.helpers.averages import RMA as RMAHelper

F64 = npt.NDArray[np.float64]
Chunk = Callable[[int, int], list[Any]]


class Series:
    """One ticker's known candles as arrays, plus the numeric flag columns (NaN = absent)
    and event codes the specs computed so far, by flag name."""

    def __init__(self, candles: Sequence[Candle]) -> None:
        self.candles = list(candles)
        self.n = n = len(self.candles)
        self.cobj = np.empty(n, dtype=object)
        self.cobj[:] = self.candles
        self.src: dict[str, F64] = {
            code: np.fromiter(map(attrgetter(attr), self.candles), np.float64, n)
            for code, attr in (("o", "open"), ("h", "high"), ("l", "low"), ("c", "close"), ("v", "volume"))
        }
        self.num: dict[str, Any] = {}
        if n:
            self.symbol = self.candles[0].symbol
            self.timeframe = self.candles[0].timeframe
        else:
            self.symbol = self.timeframe = ""

    def prefix(self, k: int) -> Series:
        return Series(self.candles[:k])

    def events(self, idx: npt.NDArray[np.int64]) -> list[Candle | None]:
        """Candles at indices (-1 = None) as a list."""
        out: list[Candle | None] = [None] * len(idx)
        for pos in np.flatnonzero(idx >= 0).tolist():
            out[pos] = self.candles[int(idx[pos])]
        return out


class Slot:
    """One flag key of a spec. `first`: the key is absent before this index (warm-up);
    `sparse`: may be absent anywhere (None in the chunk lists means absent)."""

    __slots__ = ("chunk", "first", "key", "sparse")

    def __init__(self, key: str, chunk: Chunk, first: int = 0, sparse: bool = False) -> None:
        self.key = key
        self.chunk = chunk
        self.first = first
        self.sparse = sparse


def _scatter(length: int, idx: npt.NDArray[np.int64], values: list[Any]) -> list[Any]:
    """A list of `length` Nones with `values` at `idx`."""
    if not values:
        return [None] * length
    arr = np.full(length, None, dtype=object)
    arr[idx] = values
    return arr.tolist()  # type: ignore[no-any-return]


def _floats(a: F64, first: int) -> Chunk:
    def chunk(lo: int, hi: int) -> list[Any]:
        vals: list[Any] = a[lo:hi].tolist()
        if lo < first:
            vals[: min(first, hi) - lo] = [None] * (min(first, hi) - lo)
        return vals

    return chunk


def _coded(codes: npt.NDArray[Any], table: Sequence[Any]) -> Chunk:
    arr = np.empty(len(table), dtype=object)
    arr[:] = list(table)

    def chunk(lo: int, hi: int) -> list[Any]:
        return arr[codes[lo:hi]].tolist()  # type: ignore[no-any-return]

    return chunk


def _candles_at(s: Series, mask: npt.NDArray[np.bool_], offset: int) -> Chunk:
    """The candle `offset` before each candle where mask is set, else None."""

    def chunk(lo: int, hi: int) -> list[Any]:
        idx = np.flatnonzero(mask[lo:hi])
        return _scatter(hi - lo, idx, s.cobj[idx + (lo - offset)].tolist())

    return chunk


def _candle_refs(s: Series, ref: npt.NDArray[np.int64]) -> Chunk:
    """The candle at index ref[i] on each candle i, None where ref is -1."""

    def chunk(lo: int, hi: int) -> list[Any]:
        part = ref[lo:hi]
        idx = np.flatnonzero(part >= 0)
        return _scatter(hi - lo, idx, s.cobj[part[idx]].tolist())

    return chunk


def _nan_to_zero(a: F64) -> F64:
    return np.where(np.isnan(a), 0.0, a)


def _truthy(a: F64) -> npt.NDArray[np.bool_]:
    """flag_get truthiness of a numeric column: present, not NaN, not 0."""
    return (a == a) & (a != 0)  # type: ignore[no-any-return]


def _restore_warm(helper: EMAHelper | RMAHelper, has: bool, prev: float, total: float, count: int) -> None:
    helper.prev = float(prev) if has else None
    helper.total = float(total)
    helper.count = int(count)


class Spec:
    """Batch form of one analyzer instance."""

    def __init__(self, a: Any) -> None:
        self.a = a
        self.slots: list[Slot] = []

    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        """Numeric/event columns (by flag name) this analyzer reads."""
        return ()

    def compute(self, s: Series) -> None:
        raise NotImplementedError

    def restore(self, s: Series) -> None:
        """Set the analyzer's incremental state to what it is after all of `s`."""
        raise NotImplementedError


class EMASpec(Spec):
    def compute(self, s: Series) -> None:
        a = self.a
        h: EMAHelper = a.ema
        out, *self.state = K.warm_ema(s.src[a.params["source"]], h.size, h.mult, h.one_minus)
        s.num[a.name] = out
        self.slots = [Slot(a.name, _floats(out, 0))]

    def restore(self, s: Series) -> None:
        _restore_warm(self.a.ema, *self.state)


class RMASpec(Spec):
    def compute(self, s: Series) -> None:
        a = self.a
        h: RMAHelper = a.rma
        out, *self.state = K.warm_rma(s.src[a.params["source"]], h.size, h.n1)
        s.num[a.name] = out
        self.slots = [Slot(a.name, _floats(out, 0))]

    def restore(self, s: Series) -> None:
        _restore_warm(self.a.rma, *self.state)


class MASpec(Spec):
    def compute(self, s: Series) -> None:
        a = self.a
        p = a.period
        out = K.window_mean(s.src[a.params["source"]], p, p - 1, 0)
        s.num[a.name] = out
        self.slots = [Slot(a.name, _floats(out, p - 1), p - 1)]

    def restore(self, s: Series) -> None:
        a = self.a
        a.values = [a.get_value(c) for c in s.candles[max(0, s.n - a.period) :]]


class ATRSpec(Spec):
    def compute(self, s: Series) -> None:
        a = self.a
        tr = K.true_range(s.src["h"], s.src["l"], s.src["c"])
        out = K.window_mean(tr, a.period, 1, 1)
        s.num[a.name] = out
        self.slots = [Slot(a.name, _floats(out, 1), 1)]

    def restore(self, s: Series) -> None:
        a = self.a
        cs = s.candles
        a.prev_close = cs[-1].close if cs else None
        ranges = []
        for i in range(max(1, s.n - a.period), s.n):
            h, lo, pc = cs[i].high, cs[i].low, cs[i - 1].close
            ranges.append(max(h - lo, abs(h - pc), abs(lo - pc)))
        a.ranges = ranges


class RSISpec(Spec):
    def compute(self, s: Series) -> None:
        a = self.a
        out, *self.state = K.rsi(s.src["c"], a.up.size, a.up.n1)
        s.num[a.name] = out
        self.slots = [Slot(a.name, _floats(out, 1), 1)]

    def restore(self, s: Series) -> None:
        a = self.a
        st = self.state
        a.prev_close = s.candles[-1].close if s.n else None
        _restore_warm(a.up, *st[0:4])
        _restore_warm(a.dn, *st[4:8])


class BBSpec(Spec):
    def compute(self, s: Series) -> None:
        a = self.a
        p = a.period
        u, d, m = K.bbands(s.src[a.params["source"]], p, float(a.mult))

        def chunk(lo: int, hi: int) -> list[Any]:
            out: list[Any] = [None] * (hi - lo)
            start = max(lo, p - 1)
            if start < hi:
                out[start - lo :] = [
                    {"u": x, "d": y, "m": z}
                    for x, y, z in zip(u[start:hi].tolist(), d[start:hi].tolist(), m[start:hi].tolist(), strict=True)
                ]
            return out

        self.slots = [Slot(a.flag, chunk, p - 1)]

    def restore(self, s: Series) -> None:
        a = self.a
        a.values = [a.get_value(c) for c in s.candles[max(0, s.n - a.period) :]]


class MACDSpec(Spec):
    def compute(self, s: Series) -> None:
        a = self.a
        c = s.src["c"]
        slow, *st_slow = K.warm_ema(c, a.slow.size, a.slow.mult, a.slow.one_minus)
        fast, *st_fast = K.warm_ema(c, a.fast.size, a.fast.mult, a.fast.one_minus)
        m = fast - slow
        sig, *st_sig = K.warm_ema(m, a.signal.size, a.signal.mult, a.signal.one_minus)
        h = m - sig
        prev = np.concatenate((np.zeros(1), h[:-1])) if s.n else h
        d = np.where(prev > h, -1, np.where(prev < h, 1, 0))
        self.state = (st_slow, st_fast, st_sig, float(h[-1]) if s.n else 0.0)
        s.num[a.flag + ".m"] = m
        s.num[a.flag + ".h"] = h

        def chunk(lo: int, hi: int) -> list[Any]:
            return [
                {"m": w, "s": x, "h": y, "d": z}
                for w, x, y, z in zip(
                    m[lo:hi].tolist(), sig[lo:hi].tolist(), h[lo:hi].tolist(), d[lo:hi].tolist(), strict=True
                )
            ]

        self.slots = [Slot(a.flag, chunk)]

    def restore(self, s: Series) -> None:
        a = self.a
        st_slow, st_fast, st_sig, prev_hist = self.state
        _restore_warm(a.slow, *st_slow)
        _restore_warm(a.fast, *st_fast)
        _restore_warm(a.signal, *st_sig)
        a.prev_hist = prev_hist


class MACDFSpec(Spec):
    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        return ("macd.h", "macd.m")

    def compute(self, s: Series) -> None:
        a = self.a
        _present, dval, dint, mval, mint, rcode, *self.state = K.macdf(s.num["macd.h"], s.num["macd.m"], a.swlen)
        rs = np.array(["", "ds", "db"], dtype=object)

        def chunk(lo: int, hi: int) -> list[Any]:
            dobj = dval[lo:hi].astype(object)
            dobj[dint[lo:hi]] = 0  # the seed's integer 0 before the first switch and after the count runs out
            mobj = mval[lo:hi].astype(object)
            mobj[mint[lo:hi]] = 0
            vals: list[Any] = [
                {"d": d, "m": m, "r": r}
                for d, m, r in zip(dobj.tolist(), mobj.tolist(), rs[rcode[lo:hi]].tolist(), strict=True)
            ]
            if lo == 0 and vals:
                vals[0] = None  # the first candle only seeds the previous sign
            return vals

        self.slots = [Slot("macdf", chunk, 1)]

    def restore(self, s: Series) -> None:
        a = self.a
        count, direction, dint, line, lint, has_prev, prev_sign = self.state
        a.count = int(count)
        a.direction = 0 if dint else float(direction)
        a.line = 0 if lint else float(line)
        a.prev_sign = float(prev_sign) if has_prev else None


class ExtremumSpec(Spec):
    def compute(self, s: Series) -> None:
        e = K.extremum(s.src["o"], s.src["h"], s.src["l"], s.src["c"])
        s.num["extremum"] = e

        kinds = ["low" if x & 4 else "high" for x in range(8)]
        highs = [bool(x & 1) for x in range(8)]
        lows = [bool(x & 2) for x in range(8)]

        def chunk(lo: int, hi: int) -> list[Any]:
            idx = np.flatnonzero(e[lo:hi])
            vals = [
                {"type": kinds[x], "high": highs[x], "low": lows[x], "candle": c}
                for x, c in zip(e[lo + idx].tolist(), s.cobj[idx + (lo - 1)].tolist(), strict=True)
            ]
            return _scatter(hi - lo, idx, vals)

        self.slots = [Slot("extremum", chunk, sparse=True)]

    def restore(self, s: Series) -> None:
        a = self.a
        cs = s.candles
        a.first = cs[-2] if s.n >= 2 else (cs[0] if s.n == 1 else None)
        a.middle = cs[-1] if s.n >= 2 else None


class WFractalsSpec(Spec):
    def compute(self, s: Series) -> None:
        w = K.wfractals(s.src["h"], s.src["l"])

        kinds = [None, "high", "low"]

        def chunk(lo: int, hi: int) -> list[Any]:
            idx = np.flatnonzero(w[lo:hi])
            vals = [
                {"type": kinds[x], "candle": c}
                for x, c in zip(w[lo + idx].tolist(), s.cobj[idx + (lo - 2)].tolist(), strict=True)
            ]
            return _scatter(hi - lo, idx, vals)

        self.slots = [Slot("wfractals", chunk, sparse=True)]

    def restore(self, s: Series) -> None:
        self.a.candles = s.candles[max(0, s.n - 5) :]


class CdlSpec(Spec):
    def compute(self, s: Series) -> None:
        a_, b_, d_, bias = K.cdlpatts(s.src["o"], s.src["h"], s.src["l"], s.src["c"])
        self.last_bias = int(bias[-1]) if s.n else 0
        nz = np.flatnonzero(bias)
        first = int(nz[0]) if len(nz) else s.n
        self.slots = [
            Slot("cdlpatts.new.shu", _candles_at(s, a_ == 1, 0), sparse=True),
            Slot("cdlpatts.new.ham", _candles_at(s, a_ == 2, 0), sparse=True),
            Slot("cdlpatts.new.rtd", _candles_at(s, b_ == 1, 0), sparse=True),
            Slot("cdlpatts.new.egd", _candles_at(s, b_ == 2, 0), sparse=True),
            Slot("cdlpatts.new.rtu", _candles_at(s, d_ == 1, 0), sparse=True),
            Slot("cdlpatts.new.egu", _candles_at(s, d_ == 2, 0), sparse=True),
            Slot("cdlpatts.bias", _coded(bias, (None, "down", "up")), first),
        ]

    def restore(self, s: Series) -> None:
        self.a.prev = s.candles[-1] if s.n else None
        self.a.bias = (None, "down", "up")[self.last_bias]


class ImpulseSpec(Spec):
    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        return ("atr14",)

    def compute(self, s: Series) -> None:
        atr = _nan_to_zero(s.num["atr14"])
        bits, _gy0, _gy1, *self.state = K.impulse(
            s.src["o"], s.src["h"], s.src["l"], s.src["c"], s.src["v"], atr, AVG_CANDLES, AVG_CANDLES - 1
        )

        def gap(lo: int, hi: int) -> list[Any]:
            out: list[Any] = [None] * (hi - lo)
            cands = s.candles
            for j in np.flatnonzero(bits[lo:hi] & 32).tolist():
                i = lo + j
                pp, prev, cur = cands[i - 2], cands[i - 1], cands[i]
                # the candles' own attribute values (not the float64 copies): same objects, same types
                if prev.open < prev.close:
                    y0, y1 = pp.high, cur.low
                else:
                    y0, y1 = cur.high, pp.low
                out[j] = {"y0": y0, "y1": y1, "candle": prev}
            return out

        self.slots = [
            Slot("impulse.end", _candles_at(s, (bits & 1) != 0, 1), sparse=True),
            Slot("impulse.start", _candles_at(s, (bits & 2) != 0, 0), sparse=True),
            Slot("impulse.trend", _candles_at(s, (bits & 4) != 0, 0), sparse=True),
            Slot("impulse.candle", _candles_at(s, (bits & 8) != 0, 0), sparse=True),
            Slot("impulse.tall", _candles_at(s, (bits & 16) != 0, 0), sparse=True),
            Slot("impulse.gap", gap, sparse=True),
        ]

    def restore(self, s: Series) -> None:
        a = self.a
        has, prev_avg, total, count, in_imp, prev_tall, pp, prev, tfirst = self.state
        _restore_warm(a.rma, has, prev_avg, total, count)
        a.in_impulse = bool(in_imp)
        a.prev_tall = bool(prev_tall)
        cs = s.candles
        a.prev_prev = cs[pp] if pp >= 0 else None
        a.prev = cs[prev] if prev >= 0 else None
        a.trend_first = cs[tfirst] if tfirst >= 0 else None


class HillsSpec(Spec):
    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        return ("atr14", FOLLOW_MA, "extremum")

    def compute(self, s: Series) -> None:
        nh, nl, *self.state = K.hills(s.src["h"], s.src["l"], s.num["atr14"], s.num[FOLLOW_MA], s.num["extremum"])
        self.slots = [
            Slot("hills.new.high", _candle_refs(s, nh), sparse=True),
            Slot("hills.new.low", _candle_refs(s, nl), sparse=True),
        ]

    def restore(self, s: Series) -> None:
        a = self.a
        has_prev_mac, prev_mac, has_sign, prev_sign, has_switch, switch, top, bottom = self.state
        a.prev_mac = float(prev_mac) if has_prev_mac else None
        a.prev_sign = int(prev_sign) if has_sign else None
        a.switch_level = float(switch) if has_switch else None
        a.top = s.candles[top] if top >= 0 else None
        a.bottom = s.candles[bottom] if bottom >= 0 else None


class HLTrendSpec(Spec):
    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        return ("extremum",)

    def compute(self, s: Series) -> None:
        nh, nl, low_first, td, ud, *self.state = K.hl_trend(s.src["h"], s.src["l"], s.num["extremum"])
        nl_first = np.where(low_first, nl, -1)
        nl_last = np.where(low_first, -1, nl)

        trend = td != 0
        swings = np.abs(ud)

        def dense(lo: int, hi: int) -> list[Any]:
            return [
                {"trend": a, "direction": b, "swings": c, "bias": d}
                for a, b, c, d in zip(
                    trend[lo:hi].tolist(), td[lo:hi].tolist(), swings[lo:hi].tolist(), ud[lo:hi].tolist(), strict=True
                )
            ]

        self.slots = [
            Slot("hl_trend.new.low", _candle_refs(s, nl_first), sparse=True),
            Slot("hl_trend.new.high", _candle_refs(s, nh), sparse=True),
            Slot("hl_trend.new.low", _candle_refs(s, nl_last), sparse=True),
            Slot("hl_trend", dense),
        ]

    def restore(self, s: Series) -> None:
        a = self.a
        last_high, last_low, lowest, highest, ud, td = self.state
        cs = s.candles
        a.last_high = cs[last_high] if last_high >= 0 else None
        a.last_low = cs[last_low] if last_low >= 0 else None
        a.lowest_on_swing = cs[lowest] if lowest >= 0 else None
        a.highest_on_swing = cs[highest] if highest >= 0 else None
        a.update_direction = int(ud)
        a.trend_direction = int(td)


class MATrendSpec(Spec):
    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        return (a.ma1, a.ma2, a.ma3)

    def compute(self, s: Series) -> None:
        a = self.a
        codes, *self.state = K.matrend(
            _nan_to_zero(s.num[a.ma1]), _nan_to_zero(s.num[a.ma2]), _nan_to_zero(s.num[a.ma3])
        )
        self.slots = [Slot(a.flag, _coded(codes, ("NO", "UP", "DN")))]

    def restore(self, s: Series) -> None:
        prev_trend, current = self.state
        self.a.prev_trend = None if prev_trend < 0 else ("NO", "UP", "DN")[prev_trend]
        self.a.current = ("NO", "UP", "DN")[current]


HOS_INPUTS = ("mac5", "emac18", "emac35", "emac20", "mac50", "mac89", "emac144")


class HOSSpec(Spec):
    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        return HOS_INPUTS

    def compute(self, s: Series) -> None:
        a = self.a
        tr = K.true_range(s.src["h"], s.src["l"], s.src["c"])
        r, *self.state = K.warm_rma(tr, a.rma.size, a.rma.n1)
        ins = [_nan_to_zero(s.num[k]) for k in HOS_INPUTS]
        codes = K.hos(s.src["h"], s.src["l"], r, *ins)
        self.slots = [Slot("hos", _coded(codes, ("N", "UP", "DN")))]

    def restore(self, s: Series) -> None:
        self.a.prev_close = s.candles[-1].close if s.n else None
        _restore_warm(self.a.rma, *self.state)


class BTCTrendSpec(Spec):
    @classmethod
    def needs(cls, a: Any) -> tuple[str, ...]:
        return ("atr14", *(f"emac{p}" for p in BT_PERIODS))

    def compute(self, s: Series) -> None:
        self.slots = []
        if s.symbol != BT_SYMBOL or s.timeframe not in BT_TIMEFRAMES:
            return
        atr = s.num["atr14"]
        present = _truthy(atr)
        table = np.empty(9, dtype=object)
        table[:] = list(range(-4, 5))
        for p in BT_PERIODS:
            codes = K.btctrend(s.src["o"], s.src["h"], s.src["l"], s.src["c"], atr, s.num[f"emac{p}"])

            def chunk(lo: int, hi: int, codes: Any = codes) -> list[Any]:
                out: list[Any] = table[codes[lo:hi] + 4].tolist()
                for j in np.flatnonzero(~present[lo:hi]).tolist():
                    out[j] = None
                return out

            self.slots.append(Slot(f"bt-{s.timeframe}-{p}", chunk, sparse=True))

    def restore(self, s: Series) -> None:
        pass


SPECS: dict[type[Analyzer], type[Spec]] = {
    EMA: EMASpec,
    RMA: RMASpec,
    MA: MASpec,
    ATR: ATRSpec,
    RSI: RSISpec,
    BBands: BBSpec,
    MACD: MACDSpec,
    MACDF: MACDFSpec,
    Extremum: ExtremumSpec,
    WFractals: WFractalsSpec,
    CandlePatterns: CdlSpec,
    Impulse: ImpulseSpec,
    Hills: HillsSpec,
    HLTrend: HLTrendSpec,
    MATrend: MATrendSpec,
    HOS: HOSSpec,
    BTCTrend: BTCTrendSpec,
}


def provides(spec: Spec) -> tuple[str, ...]:
    """Column names a spec adds to `Series.num` (what later specs may need)."""
    a = spec.a
    if isinstance(spec, MACDSpec):
        return (a.flag + ".m", a.flag + ".h")
    if isinstance(spec, ExtremumSpec):
        return ("extremum",)
    if isinstance(spec, EMASpec | RMASpec | MASpec | ATRSpec | RSISpec):
        return (a.name,)
    return ()
