"""Hoffman overlay set trend `hos` = 'UP' | 'DN' | 'N' (seed: src/vm/Analyzers/list/hos.js).

Missing averages read as 0 in the comparisons, as JS coerces `null`; the true-range
RMA(35) uses the candle itself as previous candle on the first candle."""

from __future__ import annotations

from typing import ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances
from analysis_service.helpers.averages import RMA


class HOS(Analyzer):
    KIND = "hos"
    INSTANCES: ClassVar[Instances] = {"hos": {}}
    WRITES = ("hos",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.prev_close: float | None = None
        self.rma = RMA(35)

    def requires(self) -> tuple[str, ...]:
        return ("mac5", "emac18", "emac20", "mac50", "mac89", "emac144", "emac35")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        h = candle.high
        lo = candle.low
        pc = self.prev_close if self.prev_close is not None else candle.close
        r = self.rma.update(max(h - lo, abs(h - pc), abs(lo - pc)))
        self.prev_close = candle.close
        # `get(x) or 0.0` == JS `get(x)` coerced in a comparison: these averages of finite
        # prices are never NaN, so plain dict reads keep the seed's semantics
        get = io.flags.get
        fast = get("mac5") or 0.0
        slow = get("emac18") or 0.0
        k = get("emac35") or 0.0
        half = r * 0.5
        other = (
            get("emac20") or 0.0,
            get("mac50") or 0.0,
            get("mac89") or 0.0,
            get("emac144") or 0.0,
            k,
            k + half,
            k - half,
        )
        res = "N"
        if slow < fast and lo > fast and max(other) < slow:
            res = "UP"
        elif slow > fast and h < fast and min(other) > slow:
            res = "DN"
        io.flags["hos"] = res
