"""Bollinger bands, population stddev (÷n) over the last `period` values including the
current one → `bb<source>-<period>-<stddev> = {u, d, m}` (seed:
src/vm/Analyzers/list/bbands.js, helpers/STDDEV.js). Set from the `period`-th candle."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from analysis_service.analyzers._source import source_getter
from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.helpers.averages import seq_sum


class BBands(Analyzer):
    KIND = "bbands"
    PARAMS = (
        Param("source", str, "c", "candle value: c, o, h or l"),
        Param("period", int, 20, "window length"),
        Param("stddev", int, 2, "band width in standard deviations"),
    )
    INSTANCES: ClassVar[Instances] = {"bbands": {}}
    WRITES = ("{id}",)
    CHART = "onchart"

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        p = self.params
        self.period: int = p["period"]
        self.mult: int = p["stddev"]
        self.get_value = source_getter(p["source"])
        self.flag = f"bb{p['source']}-{p['period']}-{p['stddev']}"
        self.values: list[float] = []

    @property
    def id(self) -> str:
        return self.flag

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        values = self.values
        values.append(self.get_value(candle))
        n = len(values)
        if n < self.period:
            return
        if n > self.period:
            del values[0]
            n -= 1
        total = seq_sum(values)
        mean = total / n
        sumsq = seq_sum([(b - mean) * (b - mean) for b in values])
        dev = self.mult * math.sqrt(sumsq / n)
        res = {"u": mean + dev, "d": mean - dev, "m": mean}
        io.flags[self.flag] = res
