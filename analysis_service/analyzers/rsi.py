"""Relative strength index with RMA-smoothed gains/losses, zeros included
(seed: src/vm/Analyzers/list/rsi.js). Not set on the first candle; 100 when the
average loss is exactly 0."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.helpers.averages import RMA

_NAME = re.compile(r"rsi(\d+)$")


class RSI(Analyzer):
    KIND = "rsi"
    PARAMS = (Param("period", int, 14, "RMA length of gains and losses"),)
    INSTANCES: ClassVar[Instances] = {"rsi14": {"period": 14}}
    WRITES = ("{id}",)
    CHART = "offchart"

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        period = self.params["period"]
        self.up = RMA(period)
        self.dn = RMA(period)
        self.prev_close: float | None = None

    @classmethod
    def instance_params(cls, name: str) -> dict[str, Any] | None:
        m = _NAME.match(name)
        return {"period": int(m.group(1))} if m else None

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        pc = self.prev_close
        self.prev_close = candle.close
        if pc is None:
            return
        diff = candle.close - pc
        if diff > 0:
            up = self.up.update(diff)
            dn = self.dn.update(0.0)
        elif diff < 0:
            up = self.up.update(0.0)
            dn = self.dn.update(-1 * diff)
        else:
            up = self.up.update(0.0)
            dn = self.dn.update(0.0)
        rsi = 100.0
        if dn != 0:
            rsi = 100 - (100 / (1 + up / dn))
        io.flags[self.name] = rsi
