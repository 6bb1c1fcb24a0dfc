"""Average true range as a *simple* mean of the last ≤period true ranges, not Wilder's
(seed: src/vm/Analyzers/list/atr.js). Not set on the first candle."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.helpers.averages import seq_sum

_NAME = re.compile(r"atr(\d+)$")


class ATR(Analyzer):
    KIND = "atr"
    PARAMS = (Param("period", int, 14, "number of true ranges averaged"),)
    INSTANCES: ClassVar[Instances] = {"atr14": {"period": 14}}
    WRITES = ("{id}",)
    CHART = "offchart"

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.period: int = self.params["period"]
        self.ranges: list[float] = []
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
        h = candle.high
        lo = candle.low
        ranges = self.ranges
        ranges.append(max(h - lo, abs(h - pc), abs(lo - pc)))
        if len(ranges) > self.period:
            del ranges[0]
        atr = seq_sum(ranges) / len(ranges)
        io.flags[self.name] = atr
