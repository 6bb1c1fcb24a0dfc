"""3-candle local high/low, flagged on the following candle → `extremum = {type, high,
low, candle}` (seed: src/vm/Analyzers/list/extremum.js). Strict comparisons; when the
middle candle is both, type is 'low' if it is green."""

from __future__ import annotations

from typing import ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances


class Extremum(Analyzer):
    KIND = "extremum"
    INSTANCES: ClassVar[Instances] = {"extremum": {}}
    WRITES = ("extremum",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.first: Candle | None = None
        self.middle: Candle | None = None

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        first = self.first
        if first is None:
            self.first = candle
            return
        middle = self.middle
        if middle is None:
            self.middle = candle
            return
        self.first = middle
        self.middle = candle
        mh = middle.high
        ml = middle.low
        high = mh > first.high and mh > candle.high
        low = ml < first.low and ml < candle.low
        if not high and not low:
            return
        kind = "high" if high else "low"
        if high and low and middle.open - middle.close < 0:
            kind = "low"
        if io.annotate:
            if high:
                io.debug.circle_high(middle, color="green", radius=0.5)
            if low:
                io.debug.circle_low(middle, color="red", radius=0.5)
        io.flags["extremum"] = {"type": kind, "high": high, "low": low, "candle": middle}
