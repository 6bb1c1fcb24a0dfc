"""Simple moving average `ma<source><period>` (seed: src/vm/Analyzers/list/ma.js).

Set only once `period` values exist; the window sum is re-taken left to right on
every candle as the seed's `reduce` does (a running sum would round differently).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from analysis_service.analyzers._source import source_getter
from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.helpers.averages import seq_sum

_NAME = re.compile(r"ma([cohlv])(\d+)$")


class MA(Analyzer):
    KIND = "ma"
    PARAMS = (
        Param("source", str, "c", "candle value: c, o, h, l or v"),
        Param("period", int, 20, "window length in candles"),
    )
    INSTANCES: ClassVar[Instances] = {f"mac{p}": {"source": "c", "period": p} for p in (5, 9, 18, 20, 50, 89, 100, 200)}
    WRITES = ("{id}",)
    CHART = "onchart"

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.period: int = self.params["period"]
        self.get_value = source_getter(self.params["source"])
        self.values: list[float] = []
        self.on_close = self.params["source"] == "c"

    @classmethod
    def instance_params(cls, name: str) -> dict[str, Any] | None:
        m = _NAME.match(name)
        return {"source": m.group(1), "period": int(m.group(2))} if m else None

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        values = self.values
        values.append(candle.close if self.on_close else self.get_value(candle))
        n = len(values)
        if n < self.period:
            return
        if n > self.period:
            del values[0]
        result = seq_sum(values) / len(values)
        io.flags[self.name] = result
