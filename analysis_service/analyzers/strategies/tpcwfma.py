"""Trade Pro channel "MA 20/50/100 + Williams fractal" (seed: src/vm/Analyzers/list/st_tpc_wfma.js).

On a Williams fractal (low → buy, high → sell) with the three averages stacked in the
trade direction (mac20 > mac50 > mac100 for a buy), when the current candle's low has
reached mac20 but stayed above mac100: stop at mac50, or at mac100 when the low went
below mac50; take at `rr_ratio` times the stop distance. Mirrored for sells.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


class TpcWfma(Analyzer):
    KIND = "tpcwfma"
    DESCRIPTION = "Williams fractal with stacked MAs (mac20/50/100); stop at mac50 or mac100"
    IS_STRATEGY = True
    PARAMS = (
        Param("fast", str, "mac20", "fast average the candle must reach"),
        Param("middle", str, "mac50", "middle average: the default stop"),
        Param("slow", str, "mac100", "slow average: the stop when the candle went past the middle one"),
        Param("rr_ratio", float, 1.5, "take distance / stop distance"),
    )
    INSTANCES: ClassVar[Instances] = {"tpcwfma": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.fast: str = self.params["fast"]
        self.middle: str = self.params["middle"]
        self.slow: str = self.params["slow"]
        self.rr_ratio: float = self.params["rr_ratio"]

    def requires(self) -> tuple[str, ...]:
        return ("wfractals", self.fast, self.middle, self.slow)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        wf = flags.get("wfractals")
        if not wf:
            return
        slow = flags.get(self.slow)
        if not slow:
            return
        fast = flags.get(self.fast) or 0.0
        middle = flags.get(self.middle) or 0.0
        if wf["type"] == "low":
            low = candle.low
            if low > fast or not (fast > middle > slow) or low < slow:
                return
            io.make_entry(self, "buy", rr_ratio=self.rr_ratio, stop_loss=slow if low < middle else middle)
        else:
            high = candle.high
            if high < fast or not (fast < middle < slow) or high > slow:
                return
            io.make_entry(self, "sell", rr_ratio=self.rr_ratio, stop_loss=slow if high > middle else middle)
