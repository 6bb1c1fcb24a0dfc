"""Bounce off levels (seed: src/vm/Analyzers/list/st_bounce.js, helpers/levels.js).

Setup: a candle entirely below emac21 (→ long; above → short) that is a bounce pattern
(hammer, engulfing or railway tracks up; mirrored for shorts) whose touch range
(low…body low) reaches levels of total weight ≥ `min_level_weight` (the higher
timeframe's levels when present). It starts an `EntryFinder` over the touched levels'
range. The finder dies after `max_length` candles or when a body closes through the
range; it needs more than `min_candles_beyond` candles entirely beyond the range and an
opposite extremum (a high for longs), then a second bounce pattern touching the range;
after that the first candle of the trade's colour enters. Stop = min(range low, candle
low) − `stop_atr`·atr14 (mirrored), take = `rr_ratio` × stop distance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from analysis_service.analyzers.strategies._levels import (
    bouncy_candle,
    closes_through,
    fully_beyond,
    levels_from_flags,
    levels_in_range,
    levels_y_range,
    touch_range,
    touches_range,
)
from analysis_service.engine.candle import Candle
from analysis_service.engine.finder import CONTINUE, KILL, EntryFinder, FinderPool, FinderResult, FoundEntry
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param

TREND_MA = "emac21"


class BounceFinder(EntryFinder):
    def __init__(
        self,
        finder_id: int,
        start_candle: Candle,
        is_long: bool,
        io: AnalyzerIO,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(finder_id, start_candle, is_long, io, params)
        p = self.params
        self.y0: float = p["level_y0"]
        self.y1: float = p["level_y1"]
        self.level_weight: float = p["level_weight"]
        self.first_ma: float = p["ma"]
        self.max_length: int = p["max_length"]
        self.min_candles_beyond: int = p["min_candles_beyond"]
        self.stop_atr: float = p["stop_atr"]
        self.length = 0
        self.count_beyond = 0
        self.extremum_candle: Candle | None = None
        self.criteria_met = False
        self.lbot(start_candle, "^" if is_long else "v")

    def add_candle(self, candle: Candle, current: bool) -> FinderResult:
        is_long = self.is_long
        self.length += 1
        if self.length > self.max_length:
            self.ltop(candle, "xL")
            return KILL
        if closes_through(candle, is_long, self.y0, self.y1):
            self.ltop(candle, "xB")
            return KILL
        if fully_beyond(candle, is_long, self.y0, self.y1):
            self.count_beyond += 1
        flags = self.io.flags
        ext = flags.get("extremum")
        if ext and ext["high" if is_long else "low"]:
            self.extremum_candle = ext["candle"]
        if not self.criteria_met and self.count_beyond > self.min_candles_beyond and self.extremum_candle is not None:
            pattern = bouncy_candle(is_long, flags)
            if pattern is not None and touches_range(pattern, is_long, self.y0, self.y1):
                self.criteria_met = True
                self.lbot(pattern, "^" if is_long else "v")
        if self.criteria_met and (candle.open < candle.close if is_long else candle.open > candle.close):
            atr = flags.get("atr14") or 0.0
            if is_long:
                stop = min(self.y0, candle.low) - self.stop_atr * atr
            else:
                stop = max(self.y1, candle.high) + self.stop_atr * atr
            self.ltop(candle, "E")
            return FoundEntry(is_long, {"stop_loss": stop})
        return CONTINUE


class Bounce(Analyzer):
    KIND = "bounce"
    DESCRIPTION = "Bounce off levels: pattern into levels, move away, second pattern, entry on the trade's colour"
    IS_STRATEGY = True
    PARAMS = (
        Param("min_level_weight", int, 1, "minimum total weight of the levels the first pattern touches"),
        Param("max_length", int, 50, "candles a search may last"),
        Param("min_candles_beyond", int, 3, "candles entirely beyond the levels needed (strictly more than this)"),
        Param("stop_atr", float, 1.5, "stop margin beyond the levels / entry candle, in atr14"),
        Param("rr_ratio", float, 1.5, "take distance / stop distance"),
    )
    INSTANCES: ClassVar[Instances] = {"bounce": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        p = self.params
        self.min_level_weight: int = p["min_level_weight"]
        self.rr_ratio: float = p["rr_ratio"]
        self.finder_params = {k: p[k] for k in ("max_length", "min_candles_beyond", "stop_atr")}
        self.finders = FinderPool(BounceFinder)

    def requires(self) -> tuple[str, ...]:
        return ("vlevels", TREND_MA, "cdlpatts", "extremum", "atr14")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        ma = flags.get(TREND_MA) or 0.0
        is_long: bool | None = None
        if candle.high < ma:
            is_long = True
        elif candle.low > ma:
            is_long = False
        if is_long is not None:
            pattern = bouncy_candle(is_long, flags)
            if pattern is not None:
                self._start(is_long, pattern, ma, candle, io)
        if self.finders.finders:
            for e in self.finders.run(candle):
                io.make_entry(self, "buy" if e.is_long else "sell", rr_ratio=self.rr_ratio, **e.params)

    def _start(self, is_long: bool, pattern: Candle, ma: float, candle: Candle, io: AnalyzerIO) -> None:
        t0, t1 = touch_range(pattern, is_long)
        touched = levels_in_range(levels_from_flags(io.flags), t0, t1)
        if not touched:
            return
        weight = sum(lvl.resist_weight for lvl in touched) + sum(lvl.support_weight for lvl in touched)
        if weight < self.min_level_weight:
            return
        y0, y1 = levels_y_range(touched)
        params = {"level_y0": y0, "level_y1": y1, "level_weight": weight, "ma": ma, **self.finder_params}
        self.finders.start(is_long, pattern, candle, io, params)
