"""Volume impulses → one-candle events `impulse.start|end|candle|tall|trend|gap`
(seed: src/vm/Analyzers/list/impulse.js).

The volume RMA(5) is updated with the current candle *before* the tests. Start:
vol/2 > avg. End: vol/0.5 < avg, or a colour flip by `isRed()` (a doji is not red).
Tall: body/1.5 > atr14. Gap: fair-value gap around the previous (tall) candle."""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.flags import flag_get
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances
from analysis_service.helpers.averages import RMA

AVG_CANDLES = 5
START_MULT = 2
END_MULT = 0.5
ATR_MULT = 1.5


class Impulse(Analyzer):
    KIND = "impulse"
    INSTANCES: ClassVar[Instances] = {"impulse": {}}
    WRITES = ("impulse.start", "impulse.end", "impulse.candle", "impulse.tall", "impulse.trend", "impulse.gap")

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.rma = RMA(AVG_CANDLES)
        self.in_impulse = False
        self.prev_tall = False
        self.prev_prev: Candle | None = None
        self.prev: Candle | None = None
        self.trend_first: Candle | None = None

    def requires(self) -> tuple[str, ...]:
        return ("atr14",)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        vol = candle.volume
        avg = self.rma.update(vol)
        prev = self.prev
        is_red = candle.open > candle.close
        res: dict[str, Any] = {}
        dbg = io.debug if io.annotate else None
        if self.in_impulse:
            if vol / END_MULT < avg:
                if dbg is not None:
                    dbg.label_bottom(candle, "xM")
                self.in_impulse = False
            elif prev is not None and (prev.open > prev.close) != is_red:
                if dbg is not None:
                    dbg.label_bottom(candle, "xS")
                self.in_impulse = False
            if not self.in_impulse:
                res["impulse.end"] = prev
        if not self.in_impulse and vol / START_MULT > avg:
            self.in_impulse = True
            res["impulse.start"] = candle
            is_green = candle.open < candle.close
            tf = self.trend_first
            if tf is None or (tf.open < tf.close) != is_green:
                res["impulse.trend"] = candle
                self.trend_first = candle
        tall = False
        if self.in_impulse:
            atr = flag_get(io.flags, "atr14")
            # JS: body/1.5 > null compares with 0
            tall = abs(candle.open - candle.close) / ATR_MULT > (atr if atr is not None else 0)
            if dbg is not None:
                if is_red:
                    dbg.label_top(candle, "V")
                    if tall:
                        dbg.circle_middle(candle, color="red", radius=3)
                else:
                    dbg.label_bottom(candle, "^")
                    if tall:
                        dbg.circle_middle(candle, color="green", radius=3)
            res["impulse.candle"] = candle
        if tall:
            res["impulse.tall"] = candle
        pp = self.prev_prev
        if self.prev_tall and pp is not None and prev is not None:
            if prev.open < prev.close:
                y0 = pp.high
                y1 = candle.low
            else:
                y1 = pp.low
                y0 = candle.high
            if y1 > y0:
                res["impulse.gap"] = {"y0": y0, "y1": y1, "candle": prev}
        self.prev_prev = prev
        self.prev = candle
        self.prev_tall = tall
        if res:
            io.flags.update(res)
