"""MACD (12, 26, 9) → `macd = {m, s, h, d}` (seed: src/vm/Analyzers/list/macd.js).

`d` compares the histogram with the previous one; on the first candle the seed
compares against `null`, which JS coerces to 0, so we start from 0.0.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.helpers.averages import EMA


class MACD(Analyzer):
    KIND = "macd"
    PARAMS = (
        Param("slow", int, 26, "slow EMA length"),
        Param("fast", int, 12, "fast EMA length"),
        Param("signal", int, 9, "signal EMA length"),
        Param("suffix", str, "", "appended to the flag name 'macd'"),
    )
    INSTANCES: ClassVar[Instances] = {"macd": {}}
    WRITES = ("{id}",)
    CHART = "onchart"

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        p = self.params
        self.slow = EMA(p["slow"])
        self.fast = EMA(p["fast"])
        self.signal = EMA(p["signal"])
        self.flag = "macd" + p["suffix"]
        self.prev_hist = 0.0

    @property
    def id(self) -> str:
        return self.flag

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        close = candle.close
        slow = self.slow.update(close)
        fast = self.fast.update(close)
        m = fast - slow
        s = self.signal.update(m)
        h = m - s
        prev = self.prev_hist
        d = -1 if prev > h else (1 if prev < h else 0)
        self.prev_hist = h
        res = {"m": m, "s": s, "h": h, "d": d}
        io.flags[self.flag] = res
