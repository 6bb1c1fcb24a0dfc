"""Double bottom / double top (seed: src/vm/Analyzers/list/st_dblbottom.js).

Every new hill low (`hills.new.low`) starts an `EntryFinder` for a double bottom (a hill
high for a double top, mirrored). The first bottom's zone is its low … body low; a
candle reaching below the zone's low kills the search. While waiting for the second
bottom the finder tracks the neck (highest body high) and counts green and red candles
above the zone; once both counts reach `min_colour_count` and a Williams fractal high
was seen, a candle whose low is inside the zone is the second bottom — unless the neck
is the first bottom, the second candle, the previous candle or this one. Both bottoms
must touch levels older than the first bottom with support weight ≥ `min_level_weight`
in total, sharing at least one level. Entries:

* right after the second bottom, if that candle is green, above the zone, and the neck
  is more than 3× its body high above the second bottom: take = neck body high, stop at
  take distance / `rr_ratio` below;
* otherwise, a close above the neck: stop from the previous swing (`use_prev_swing`),
  take = `rr_ratio` × stop.

Searches end after `max_bottoms_length` candles without a second bottom, or
`max_entry_length` in all. While catching up (the hill is flagged a few candles late)
an entry condition is not taken: above the neck the search is dropped as stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.finder import CONTINUE, KILL, EntryFinder, FinderPool, FinderResult, FoundEntry
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param

TRIGGER = "hills"
TRIGGER_HIGH = TRIGGER + ".new.high"
TRIGGER_LOW = TRIGGER + ".new.low"


def _body_low(c: Candle) -> float:
    return c.open if c.open < c.close else c.close


def _body_high(c: Candle) -> float:
    return c.open if c.open > c.close else c.close


class DoubleBottomFinder(EntryFinder):
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
        self.max_bottoms_length: int = p["max_bottoms_length"]
        self.max_entry_length: int = p["max_entry_length"]
        self.min_level_weight: int = p["min_level_weight"]
        self.min_colour_count: int = p["min_colour_count"]
        self.rr_ratio: float = p["rr_ratio"]
        first = start_candle
        if is_long:
            self.zone_y0 = first.low
            self.zone_y1 = _body_low(first)
        else:
            self.zone_y0 = _body_high(first)
            self.zone_y1 = first.high
        self.second_bottom: Candle | None = None
        self.green_count = 0
        self.red_count = 0
        self.total_count = 0
        self.level_weight = 0
        self.neck: Candle | None = None
        self.second_candle: Candle | None = None
        self.prev_candle: Candle | None = None
        self.fractal: dict[str, Any] | None = None
        self.after_b2: Candle | None = None
        self.label(first, "B1")

    def label(self, candle: Candle, text: str) -> None:
        # the seed's own labelling: inner side (bottom for longs)
        self.lbot(candle, text)

    def add_candle(self, candle: Candle, current: bool) -> FinderResult:
        is_long = self.is_long
        if (candle.low <= self.zone_y0) if is_long else (candle.high >= self.zone_y1):
            self.label(candle, "xB")
            return KILL
        if self.total_count == 0:
            self.second_candle = candle
        self.total_count += 1
        io = self.io
        if self.total_count > 1:
            wf = io.flags.get("wfractals")
            if wf and wf["type"] == ("high" if is_long else "low"):
                self.fractal = wf
        if self.second_bottom is None:
            self._update_neck(candle)
            if self._above_zone(candle):
                if candle.open > candle.close:
                    self.red_count += 1
                else:
                    self.green_count += 1
            if self.total_count > self.max_bottoms_length:
                self.label(candle, "xL")
                return KILL
            if (
                self.green_count >= self.min_colour_count
                and self.red_count >= self.min_colour_count
                and self._touches_zone(candle)
                and self.fractal
            ):
                neck = self.neck
                if (
                    neck is self.start_candle
                    or neck is self.prev_candle
                    or neck is self.second_candle
                    or neck is candle
                ):
                    self.label(candle, "xNC")
                    return KILL
                self.second_bottom = candle
                self.label(candle, "B2")
                nok = self._bottoms_not_ok()
                if nok:
                    self.label(candle, nok)
                    return KILL
        elif self.after_b2 is None:
            self.after_b2 = candle
            if self._can_enter_after_b2(candle) and current:
                return self._entry_after_b2(candle)
        if self.second_bottom is not None and self._closes_beyond_neck(candle):
            if not current:
                self.label(candle, "xS")
                return KILL
            self._mark_up(candle, "EN")
            return FoundEntry(is_long, {"rr_ratio": self.rr_ratio, "use_prev_swing": True})
        if self.total_count > self.max_entry_length:
            self.label(candle, "xN")
            return KILL
        self.prev_candle = candle
        return CONTINUE

    def _update_neck(self, candle: Candle) -> None:
        neck = self.neck
        if self.is_long:
            if neck is None or _body_high(candle) > _body_high(neck):
                self.neck = candle
        elif neck is None or _body_low(candle) < _body_low(neck):
            self.neck = candle

    def _closes_beyond_neck(self, candle: Candle) -> bool:
        assert self.neck is not None
        if self.is_long:
            return candle.close > _body_high(self.neck)
        return candle.close < _body_low(self.neck)

    def _above_zone(self, candle: Candle) -> bool:
        # the seed compares the low on both sides
        return candle.low > self.zone_y1 if self.is_long else candle.low < self.zone_y0

    def _touches_zone(self, candle: Candle) -> bool:
        y = candle.low if self.is_long else candle.high
        return self.zone_y0 <= y <= self.zone_y1

    def _touch_weights(self, candle: Candle) -> tuple[int, list[int]]:
        vlevels = self.io.flags.get("vlevels")
        if not vlevels:
            return 0, []
        older = self.start_candle.open_time
        if self.is_long:
            t = vlevels.bottom_touch_weights(candle, older)
            return t["sw"], t["ids"]
        t = vlevels.top_touch_weights(candle, older)
        return t["rw"], t["ids"]

    def _bottoms_not_ok(self) -> str | None:
        assert self.second_bottom is not None
        w1, ids1 = self._touch_weights(self.start_candle)
        w2, ids2 = self._touch_weights(self.second_bottom)
        weight = w1 + w2
        if weight < self.min_level_weight:
            return "xQL"
        if not any(i in ids2 for i in ids1):
            return "xSL"
        self.level_weight = weight
        return None

    def _can_enter_after_b2(self, candle: Candle) -> bool:
        if not self._above_zone(candle):
            return False
        sb = self.second_bottom
        neck = self.neck
        assert sb is not None and neck is not None
        if self.is_long:
            if not candle.open < candle.close:
                return False
            ds = _body_high(candle) - sb.low
            dh = neck.high - sb.low
        else:
            if not candle.open > candle.close:
                return False
            ds = sb.high - _body_low(candle)
            dh = sb.high - neck.low
        return dh - 3 * ds > 0

    def _entry_after_b2(self, candle: Candle) -> FoundEntry:
        self._mark_up(candle, "EB")
        neck = self.neck
        assert neck is not None
        entry = candle.close
        if self.is_long:
            take = _body_high(neck)
            stop = entry - (take - entry) / self.rr_ratio
        else:
            take = _body_low(neck)
            stop = entry + (entry - take) / self.rr_ratio
        return FoundEntry(self.is_long, {"rr_ratio": self.rr_ratio, "take_profit": take, "stop_loss": stop})

    def _mark_up(self, candle: Candle, label: str) -> None:
        io = self.io
        if not io.annotate:
            return
        dbg = io.debug
        for c in (self.start_candle, self.second_bottom):
            if c is not None:
                if self.is_long:
                    dbg.circle_low(c, color="black", radius=1.7)
                else:
                    dbg.circle_high(c, color="black", radius=1.7)
        if self.neck is not None:
            self.label(self.neck, "NCK")
        self.label(candle, f"{label}:{self.level_weight}")


class DoubleBottom(Analyzer):
    KIND = "dblbottom"
    DESCRIPTION = "Double bottom/top from hills on shared levels; entry after the second bottom or above the neck"
    IS_STRATEGY = True
    PARAMS = (
        Param("max_bottoms_length", int, 100, "candles to wait for the second bottom"),
        Param("max_entry_length", int, 200, "candles a search may last in all"),
        Param("min_level_weight", int, 40, "support (resistance) weight both bottoms must touch in total"),
        Param("min_colour_count", int, 2, "green and red candles above the zone needed before the second bottom"),
        Param("rr_ratio", float, 1.5, "take distance / stop distance"),
    )
    INSTANCES: ClassVar[Instances] = {"dblbottom": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.rr_ratio: float = self.params["rr_ratio"]
        self.finder_params = dict(self.params)
        self.finders = FinderPool(DoubleBottomFinder)

    def requires(self) -> tuple[str, ...]:
        return (TRIGGER, "vlevels", "wfractals")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        top = flags.get(TRIGGER_HIGH)
        if top:
            self.finders.start(False, top, candle, io, self.finder_params)
        bottom = flags.get(TRIGGER_LOW)
        if bottom:
            self.finders.start(True, bottom, candle, io, self.finder_params)
        if self.finders.finders:
            for e in self.finders.run(candle):
                io.make_entry(self, "buy" if e.is_long else "sell", **e.params)
