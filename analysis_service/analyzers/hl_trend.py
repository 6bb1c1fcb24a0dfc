"""Higher-high / lower-low trend tracking over `extremum` → `hl_trend = {trend,
direction, swings, bias}` plus the one-candle events `hl_trend.new.high|low`; three
swings confirm a trend (seed: src/vm/Analyzers/list/hl_trend.js)."""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances


class HLTrend(Analyzer):
    KIND = "hl_trend"
    INSTANCES: ClassVar[Instances] = {"hl_trend": {}}
    WRITES = ("hl_trend", "hl_trend.new.high", "hl_trend.new.low")

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.last_high: Candle | None = None
        self.last_low: Candle | None = None
        self.lowest_on_swing: Candle | None = None
        self.highest_on_swing: Candle | None = None
        self.update_direction = 0  # bias, also the swing counter
        self.trend_direction = 0  # confirmed trend, -1 or +1

    def requires(self) -> tuple[str, ...]:
        return ("extremum",)

    # --- state predicates ------------------------------------------------------------

    def tracing_up(self) -> bool:
        return self.update_direction > 0 or self.trend_direction > 0

    def tracing_down(self) -> bool:
        return self.update_direction < 0 or self.trend_direction < 0

    def tracing_nowhere(self) -> bool:
        return self.trend_direction == 0 and self.update_direction == 0

    # --- per candle ------------------------------------------------------------------

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        ext = io.flags.get("extremum")
        if ext:
            self._process_extremum(ext, io)
        if self.tracing_up():
            if self.last_low is not None and candle.low < self.last_low.low:
                self._reset(candle, io)
        elif self.tracing_down() and self.last_high is not None and candle.high > self.last_high.high:
            self._reset(candle, io)
        ud = self.update_direction
        io.flags["hl_trend"] = {
            "trend": self.trend_direction != 0,
            "direction": self.trend_direction,
            "swings": abs(ud),
            "bias": ud,
        }

    def _reset(self, by_candle: Candle | None, io: AnalyzerIO) -> None:
        dbg = io.debug if io.annotate else None
        if self.tracing_up():
            if dbg is not None:
                if by_candle is not None:
                    dbg.label_top(by_candle, f"xU {abs(self.update_direction)}")
                if self.last_high is not None:
                    dbg.label_top(self.last_high, "nFH")
            self.last_low = None
        elif self.tracing_down():
            if dbg is not None:
                if by_candle is not None:
                    dbg.label_top(by_candle, f"xD {abs(self.update_direction)}")
                if self.last_low is not None:
                    dbg.label_bottom(self.last_low, "nFL")
            self.last_high = None
        else:
            self.last_high = None
            self.last_low = None
        self.lowest_on_swing = None
        self.highest_on_swing = None
        self.update_direction = 0
        self.trend_direction = 0

    def _process_extremum(self, ext: dict[str, Any], io: AnalyzerIO) -> None:
        c: Candle = ext["candle"]
        flags = io.flags
        dbg = io.debug if io.annotate else None
        if ext["type"] == "high":
            self._higher_high(c, io)
        else:
            self._lower_low(c, io)

        if ext["high"]:
            if self.last_high is None:
                self.last_high = c
                flags["hl_trend.new.high"] = c
                if dbg is not None:
                    dbg.label_top(c, "fH")
                    dbg.circle_high(c, color="yellow")
                if self.last_low is not None:
                    self.update_direction = 1  # hoping to find an uptrend
            elif self.highest_on_swing is None or c.high > self.highest_on_swing.high:
                self.highest_on_swing = c

        if ext["low"]:
            if self.last_low is None:
                self.last_low = c
                flags["hl_trend.new.low"] = c
                if dbg is not None:
                    dbg.label_bottom(c, "fL")
                    dbg.circle_low(c, color="yellow")
                if self.last_high is not None:
                    self.update_direction = -1  # hoping to find a downtrend
            elif self.lowest_on_swing is None or c.low < self.lowest_on_swing.low:
                self.lowest_on_swing = c

        if self.trend_direction == 0:
            if self.update_direction >= 3:
                self.trend_direction = 1
                if dbg is not None:
                    dbg.label_top(c, "UP")
                    dbg.circle_high(c, color="blue")
            elif self.update_direction <= -3:
                self.trend_direction = -1
                if dbg is not None:
                    dbg.label_bottom(c, "DN")
                    dbg.circle_low(c, color="blue")

    def _higher_high(self, c: Candle, io: AnalyzerIO) -> None:
        if self.last_high is None or not c.high > self.last_high.high:
            return
        dbg = io.debug if io.annotate else None
        if self.tracing_up() or self.tracing_nowhere():
            if self.tracing_up() and self.last_low is not None and self.lowest_on_swing is not None:
                self.last_low = self.lowest_on_swing
                self.lowest_on_swing = None
                io.flags["hl_trend.new.low"] = self.last_low
                if dbg is not None:
                    dbg.circle_low(self.last_low, color="green")
                    dbg.label_bottom(self.last_low, "HL")
                self.update_direction += 1
            self.last_high = c
            self.update_direction += 1
            io.flags["hl_trend.new.high"] = c
            if dbg is not None:
                dbg.circle_high(c, color="green")
                dbg.label_top(c, "HH")
            return
        # a higher high while tracing down breaks it
        self._reset(c, io)
        if dbg is not None:
            dbg.circle_high(c, color="red", radius=3)

    def _lower_low(self, c: Candle, io: AnalyzerIO) -> None:
        if self.last_low is None or not c.low < self.last_low.low:
            return
        dbg = io.debug if io.annotate else None
        if self.tracing_down() or self.tracing_nowhere():
            if self.tracing_down() and self.last_high is not None and self.highest_on_swing is not None:
                self.last_high = self.highest_on_swing
                self.highest_on_swing = None
                io.flags["hl_trend.new.high"] = self.last_high
                if dbg is not None:
                    dbg.circle_high(self.last_high, color="green")
                    dbg.label_top(self.last_high, "LH")
                self.update_direction -= 1
            self.last_low = c
            self.update_direction -= 1
            io.flags["hl_trend.new.low"] = c
            if dbg is not None:
                dbg.circle_low(c, color="red")
                dbg.label_bottom(c, "LL")
            return
        self._reset(c, io)
        if dbg is not None:
            dbg.circle_low(c, color="red", radius=3)
