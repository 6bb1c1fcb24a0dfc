"""Rob Hoffman's inventory retracement bar (seed: src/vm/Analyzers/list/st_hoffman1.js).

A bar whose upper tail is more than `tail_ratio` of its range, in a Hoffman uptrend
(mac5 above emac18, the bar's low above mac5, and emac20, mac50, mac89, emac144,
emac35 and emac35 ± rma35(TR)/2 all below emac18), places a **limit** buy
`entry_ticks` above its high with the stop `stop_ticks` below its low; take =
`rr_ratio` × stop distance. Mirrored: a lower tail above `tail_ratio` in a downtrend
places a limit sell below the low. Missing averages compare as 0, as in JavaScript.
The seed crashes on its first limit entry (a missing import); here limits just work.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.helpers.averages import RMA

FAST = "mac5"
SLOW = "emac18"
MIDLINE = "emac35"
OTHERS = ("emac20", "mac50", "mac89", "emac144")


class Hoffman1(Analyzer):
    KIND = "hoffman1"
    DESCRIPTION = "Hoffman inventory retracement bar in trend: limit entry beyond the bar"
    IS_STRATEGY = True
    PARAMS = (
        Param("tail_ratio", float, 0.45, "retracement bar: tail longer than this share of the range"),
        Param("entry_ticks", int, 5, "limit entry distance beyond the bar's high/low, in ticks"),
        Param("stop_ticks", int, 0, "stop distance beyond the bar's low/high, in ticks"),
        Param("rr_ratio", float, 1.5, "take distance / stop distance"),
        Param("range_period", int, 35, "RMA period of the true range for the no-trend zone"),
    )
    INSTANCES: ClassVar[Instances] = {"hoffman1": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        p = self.params
        self.tail_ratio: float = p["tail_ratio"]
        self.entry_ticks: int = p["entry_ticks"]
        self.stop_ticks: int = p["stop_ticks"]
        self.rr_ratio: float = p["rr_ratio"]
        self.range_rma = RMA(p["range_period"])
        self.prev_close: float | None = None

    def requires(self) -> tuple[str, ...]:
        return (FAST, SLOW, "emac20", "mac50", "mac89", "emac144", MIDLINE)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        o = candle.open
        h = candle.high
        lo = candle.low
        c = candle.close
        pc = self.prev_close if self.prev_close is not None else c
        r = self.range_rma.update(max(h - lo, abs(h - pc), abs(lo - pc)))
        self.prev_close = c
        min_tail = abs(h - lo) * self.tail_ratio
        upper_tail = h - (o if o > c else c) > min_tail
        lower_tail = (o if o < c else c) - lo > min_tail
        if not upper_tail and not lower_tail:
            return
        get = io.flags.get
        fast = get(FAST) or 0.0
        slow = get(SLOW) or 0.0
        k = get(MIDLINE) or 0.0
        ku = k + r * 0.5
        kl = k - r * 0.5
        others = [get(n) or 0.0 for n in OTHERS]
        others += (k, ku, kl)
        dbg = io.debug if io.annotate else None
        if dbg is not None:
            dbg.on_chart(candle, "ku", ku)
            dbg.on_chart(candle, "kl", kl)
        tick = io.symbol_info.tick_size
        if upper_tail:
            if dbg is not None:
                dbg.label_bottom(candle, "^")
            if slow < fast and lo > fast and max(others) < slow:
                if dbg is not None:
                    dbg.label_top(candle, "E")
                io.make_entry(
                    self,
                    "buy",
                    entry_price=h + self.entry_ticks * tick,
                    rr_ratio=self.rr_ratio,
                    stop_loss=lo - self.stop_ticks * tick,
                )
                return
        if lower_tail:
            if dbg is not None:
                dbg.label_top(candle, "v")
            if slow > fast and h < fast and min(others) > slow:
                if dbg is not None:
                    dbg.label_bottom(candle, "E")
                io.make_entry(
                    self,
                    "sell",
                    entry_price=lo - self.entry_ticks * tick,
                    rr_ratio=self.rr_ratio,
                    stop_loss=h + self.stop_ticks * tick,
                )
