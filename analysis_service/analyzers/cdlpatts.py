"""Candle patterns → one-candle events `cdlpatts.new.{shu,ham,egd,egu,rtd,rtu}` and the
persistent `cdlpatts.bias` (seed: src/vm/Analyzers/list/cdlpatts.js).

Shooting star / hammer: (open−low) and (close−low) both < 0.382·range / > 0.618·range.
Engulfing and railway tracks use the seed's strict and exact float comparisons."""

from __future__ import annotations

from typing import ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances


class CandlePatterns(Analyzer):
    KIND = "cdlpatts"
    INSTANCES: ClassVar[Instances] = {"cdlpatts": {}}
    WRITES = (
        "cdlpatts.new.shu",
        "cdlpatts.new.ham",
        "cdlpatts.new.egd",
        "cdlpatts.new.egu",
        "cdlpatts.new.rtd",
        "cdlpatts.new.rtu",
        "cdlpatts.bias",
    )

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.prev: Candle | None = None
        self.bias: str | None = None

    def _set(self, candle: Candle, code: str, bias: str, io: AnalyzerIO) -> None:
        if io.annotate:
            io.debug.circle_middle(candle, color="cyan", radius=3, alpha=0.1)
            io.debug.label_bottom(candle, code)
        io.flags["cdlpatts.new." + code] = candle
        self.bias = bias

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        o, h, lo, c = candle.open, candle.high, candle.low, candle.close
        rng = h - lo
        co = c - lo
        oo = o - lo
        t = rng * 0.382
        if oo < t and co < t:
            self._set(candle, "shu", "down", io)
        else:
            t = rng * 0.618
            if oo > t and co > t:
                self._set(candle, "ham", "up", io)
        p = self.prev
        if p is not None:
            if p.open < p.close and o > c and c < p.low:
                # green then red closing below the previous low
                if (
                    o == p.close
                    and h - (o if o > c else c) == 0
                    and p.high - (p.open if p.open > p.close else p.close) == 0
                ):
                    self._set(candle, "rtd", "down", io)
                elif o >= p.close:
                    self._set(candle, "egd", "down", io)
            if p.open > p.close and o < c and c > p.high:
                if (
                    o == p.close
                    and (o if o < c else c) - lo == 0
                    and (p.open if p.open < p.close else p.close) - p.low == 0
                ):
                    self._set(candle, "rtu", "up", io)
                elif o <= p.close:
                    self._set(candle, "egu", "up", io)
        self.prev = candle
        if self.bias:
            io.flags["cdlpatts.bias"] = self.bias
