"""The Trading Channel "wick off the 20 EMA" (seed: src/vm/Analyzers/list/st_ttc_woff.js).

After at least `min_length` candles entirely above emac20, a hammer (cdlpatts) whose
wick reaches the EMA while its body stays above enters long; mirrored with a shooting
star after candles entirely below. Candles with a body above `max_body_atr`·atr14 or
`max_body_ticks` ticks are skipped. Stop = low − (`stop_ticks_big` ticks when atr14 >
`big_atr`, else `stop_ticks`); take = `rr_ratio` × stop distance. A candle that reaches
the EMA resets the count on its side.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


class TtcWoff(Analyzer):
    KIND = "ttcwoff"
    DESCRIPTION = "Hammer / shooting star wicking off EMA 20 after candles entirely beyond it"
    IS_STRATEGY = True
    PARAMS = (
        Param("ma", str, "emac20", "the average the wick must touch"),
        Param("min_length", int, 2, "candles entirely beyond the average before the touch"),
        Param("max_body_atr", float, 2.0, "skip candles whose body exceeds this many atr14"),
        Param("max_body_ticks", int, 300, "skip candles whose body exceeds this many ticks"),
        Param("big_atr", float, 100.0, "atr14 above this (in price units) uses the big stop margin"),
        Param("stop_ticks", int, 20, "stop margin beyond the candle, in ticks"),
        Param("stop_ticks_big", int, 50, "stop margin when atr14 > big_atr, in ticks"),
        Param("rr_ratio", float, 1.0, "take distance / stop distance"),
    )
    INSTANCES: ClassVar[Instances] = {"ttcwoff": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        p = self.params
        self.ma: str = p["ma"]
        self.min_length: int = p["min_length"]
        self.max_body_atr: float = p["max_body_atr"]
        self.max_body_ticks: int = p["max_body_ticks"]
        self.big_atr: float = p["big_atr"]
        self.stop_ticks: int = p["stop_ticks"]
        self.stop_ticks_big: int = p["stop_ticks_big"]
        self.rr_ratio: float = p["rr_ratio"]
        self.above_count = 0
        self.below_count = 0

    def requires(self) -> tuple[str, ...]:
        return ("atr14", self.ma, "cdlpatts")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        atr = flags.get("atr14")
        ma = flags.get(self.ma)
        if not ma or not atr:
            return
        if candle.low > ma:
            self.above_count += 1
            return
        if candle.high < ma:
            self.below_count += 1
            return
        tick = io.symbol_info.tick_size
        o = candle.open
        c = candle.close
        body = abs(o - c)
        too_big = body > self.max_body_atr * atr or body > self.max_body_ticks * tick
        # here low <= ma <= high: the candle reaches the average from both sides' view
        if (
            (o if o < c else c) > ma
            and self.above_count >= self.min_length
            and not too_big
            and flags.get("cdlpatts.new.ham")
        ):
            self._entry(True, candle, atr, tick, io)
        self.above_count = 0
        if (
            (o if o > c else c) < ma
            and self.below_count >= self.min_length
            and not too_big
            and flags.get("cdlpatts.new.shu")
        ):
            self._entry(False, candle, atr, tick, io)
        self.below_count = 0

    def _entry(self, is_long: bool, candle: Candle, atr: float, tick: float, io: AnalyzerIO) -> None:
        margin = tick * (self.stop_ticks_big if atr > self.big_atr else self.stop_ticks)
        stop = candle.low - margin if is_long else candle.high + margin
        io.make_entry(self, "buy" if is_long else "sell", rr_ratio=self.rr_ratio, stop_loss=stop)
