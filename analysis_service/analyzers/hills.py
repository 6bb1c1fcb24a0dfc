"""Hill tops/bottoms: when mac18 turns and has moved more than atr/2 since its last turn,
the most extreme extremum candle seen since is flagged as `hills.new.high|low`
(seed: src/vm/Analyzers/list/hills.js; the seed's header says mac20, the code follows
mac18). The first delta always counts as a turn (`Math.sign(undefined)` is NaN)."""

from __future__ import annotations

from typing import ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.flags import flag_get
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances

FOLLOW_MA = "mac18"


class Hills(Analyzer):
    KIND = "hills"
    INSTANCES: ClassVar[Instances] = {"hills": {}}
    WRITES = ("hills.new.high", "hills.new.low")

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.prev_mac: float | None = None
        self.prev_sign: int | None = None  # None plays NaN: differs from every sign
        self.switch_level: float | None = None
        self.top: Candle | None = None
        self.bottom: Candle | None = None

    def requires(self) -> tuple[str, ...]:
        return ("atr14", FOLLOW_MA, "extremum")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        atr = flag_get(flags, "atr14")
        mac = flag_get(flags, FOLLOW_MA)
        if not atr or not mac:
            return
        if self.switch_level is None:
            self.switch_level = mac
        ext = flags.get("extremum")  # a dict or absent
        if ext:
            c = ext["candle"]
            if ext["high"] and (self.top is None or c.high > self.top.high):
                self.top = c
            if ext["low"] and (self.bottom is None or c.low < self.bottom.low):
                self.bottom = c
        if self.prev_mac is None:
            self.prev_mac = mac
            return
        delta = mac - self.prev_mac
        sign = (delta > 0) - (delta < 0)
        if sign != self.prev_sign:
            if abs(self.switch_level - mac) > atr / 2:
                if sign < 0:
                    if self.top is not None:
                        if io.annotate:
                            io.debug.circle_high(self.top, color="pink", radius=2)
                        flags["hills.new.high"] = self.top
                    self.top = None
                    self.bottom = None
                elif sign > 0:
                    if self.bottom is not None:
                        if io.annotate:
                            io.debug.circle_low(self.bottom, color="pink", radius=2)
                        flags["hills.new.low"] = self.bottom
                    self.bottom = None
                    self.top = None
            self.switch_level = mac
        self.prev_sign = sign
        self.prev_mac = mac
