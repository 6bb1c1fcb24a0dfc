"""Moving-average trend `mat<name>` = 'UP' | 'DN' | 'NO' from three averages in order
(seed: src/vm/Analyzers/list/matrend.js). After a trend breaks, the same trend is not
reported again until the averages switch. A missing average reads as 0, as JS's
`null > x` coercion does."""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


class MATrend(Analyzer):
    KIND = "matrend"
    PARAMS = (
        Param("ma1", str, "emac20", "fastest average"),
        Param("ma2", str, "emac50", "middle average"),
        Param("ma3", str, "emac100", "slowest average"),
        Param("suffix", str, "1", "flag name is 'mat' + suffix"),
    )
    INSTANCES: ClassVar[Instances] = {"mat1": {"ma1": "emac20", "ma2": "emac50", "ma3": "emac100", "suffix": "1"}}
    WRITES = ("{id}",)

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        p = self.params
        self.ma1: str = p["ma1"]
        self.ma2: str = p["ma2"]
        self.ma3: str = p["ma3"]
        self.flag = "mat" + p["suffix"]
        self.prev_trend: str | None = None
        self.current = "NO"

    @property
    def id(self) -> str:
        return self.flag

    def requires(self) -> tuple[str, ...]:
        return (self.ma1, self.ma2, self.ma3)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        # averages of finite prices are never NaN: `or 0.0` is JS's null coercion
        a = flags.get(self.ma1) or 0.0
        b = flags.get(self.ma2) or 0.0
        c = flags.get(self.ma3) or 0.0
        trend = "NO"
        if a > b and b > c:
            trend = "UP"
        if a < b and b < c:
            trend = "DN"
        if self.prev_trend and self.prev_trend != trend:
            self.prev_trend = None
        if trend == "NO":
            if self.current != "NO":
                self.prev_trend = self.current
                self.current = "NO"
                if io.annotate:
                    io.debug.label_bottom(candle, "X")
            flags[self.flag] = trend
            return
        if self.current == "NO" and self.prev_trend == trend:
            flags[self.flag] = "NO"
            return
        if trend != self.current:
            self.current = trend
            if io.annotate:
                io.debug.label_bottom(candle, trend)
            flags[self.flag] = trend
            return
        if io.annotate:
            if trend == "UP":
                io.debug.label_bottom(candle, "^")
            else:
                io.debug.label_top(candle, "v")
        flags[self.flag] = trend
