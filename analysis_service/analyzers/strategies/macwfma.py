"""The Moving Average Channel "smoothed MAs + Williams fractal + RSI"
(seed: src/vm/Analyzers/list/st_mac_wfma.js).

On a Williams fractal low with rmac9 > rmac30 > rmac75, the current candle's low above
rmac9 and rsi14 >= 50: buy with the stop at the fractal candle's low (take =
`rr_ratio` × stop distance). Mirrored for a fractal high (low < … , high below rmac9,
rsi14 <= 50). A missing RSI compares as 0, as in JavaScript.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


class MacWfma(Analyzer):
    KIND = "macwfma"
    DESCRIPTION = "Williams fractal with stacked smoothed MAs (rmac9/30/75) and RSI on the trend side"
    IS_STRATEGY = True
    PARAMS = (
        Param("fast", str, "rmac9", "fast smoothed average; the candle must stay beyond it"),
        Param("middle", str, "rmac30", "middle smoothed average"),
        Param("slow", str, "rmac75", "slow smoothed average"),
        Param("rsi_level", float, 50.0, "buys need rsi14 >= this, sells rsi14 <= this"),
        Param("rr_ratio", float, 1.5, "take distance / stop distance"),
    )
    INSTANCES: ClassVar[Instances] = {"macwfma": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.fast: str = self.params["fast"]
        self.middle: str = self.params["middle"]
        self.slow: str = self.params["slow"]
        self.rsi_level: float = self.params["rsi_level"]
        self.rr_ratio: float = self.params["rr_ratio"]

    def requires(self) -> tuple[str, ...]:
        return ("wfractals", "atr14", "rsi14", self.fast, self.middle, self.slow)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        wf = flags.get("wfractals")
        if not wf:
            return
        fast = flags.get(self.fast) or 0.0
        middle = flags.get(self.middle) or 0.0
        slow = flags.get(self.slow) or 0.0
        rsi = flags.get("rsi14") or 0.0
        wf_candle: Candle = wf["candle"]
        if wf["type"] == "low":
            if not (fast > middle > slow) or candle.low <= fast or rsi < self.rsi_level:
                return
            io.make_entry(self, "buy", stop_loss=wf_candle.low, rr_ratio=self.rr_ratio)
        else:
            if not (fast < middle < slow) or candle.high >= fast or rsi > self.rsi_level:
                return
            io.make_entry(self, "sell", stop_loss=wf_candle.high, rr_ratio=self.rr_ratio)
