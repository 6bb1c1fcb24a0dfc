"""Smoothed (rolling) moving average `rma<source><period>`, seeded with the running
mean (seed: src/vm/Analyzers/list/rma.js, helpers/RMA.js)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from analysis_service.analyzers._source import source_getter
from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.helpers.averages import RMA as RMAHelper

_NAME = re.compile(r"rma([cohlv])(\d+)$")


class RMA(Analyzer):
    KIND = "rma"
    PARAMS = (
        Param("source", str, "c", "candle value: c, o, h, l or v"),
        Param("period", int, 20, "RMA length"),
    )
    INSTANCES: ClassVar[Instances] = {f"rmac{p}": {"source": "c", "period": p} for p in (9, 30, 75, 21, 50, 200)}
    WRITES = ("{id}",)
    CHART = "onchart"

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.get_value = source_getter(self.params["source"])
        self.on_close = self.params["source"] == "c"
        self.rma = RMAHelper(self.params["period"])

    @classmethod
    def instance_params(cls, name: str) -> dict[str, Any] | None:
        m = _NAME.match(name)
        return {"source": m.group(1), "period": int(m.group(2))} if m else None

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        v = self.rma.update(candle.close if self.on_close else self.get_value(candle))
        io.flags[self.name] = v
