"""Williams fractals over a 5-candle window, strict comparisons; 'low' overwrites 'high'
→ `wfractals = {type, candle}` (seed: src/vm/Analyzers/list/wfractals.js)."""

from __future__ import annotations

from typing import ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances


class WFractals(Analyzer):
    KIND = "wfractals"
    INSTANCES: ClassVar[Instances] = {"wfractals": {}}
    WRITES = ("wfractals",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.candles: list[Candle] = []

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        c = self.candles
        c.append(candle)
        if len(c) < 5:
            return
        if len(c) > 5:
            del c[0]
        mc = c[2]
        h = mc.high
        lo = mc.low
        if h > c[0].high and h > c[1].high and h > c[3].high and h > c[4].high:
            io.flags["wfractals"] = {"type": "high", "candle": mc}
            if io.annotate:
                io.debug.label_top(mc, "^")
        if lo < c[0].low and lo < c[1].low and lo < c[3].low and lo < c[4].low:
            io.flags["wfractals"] = {"type": "low", "candle": mc}
            if io.annotate:
                io.debug.label_bottom(mc, "v")
