"""Support/resistance levels ("areas of value", ATR high) built from hill points (weight
30, may start a level) and hl_trend points (weight 10, only join existing levels)
(seed: src/vm/Analyzers/list/vlevels.js, helpers/levels.js).

Points are forgotten after `levelDays` of the timeframe and, through the ticker's
`forget_before`, when their candle leaves the 300-candle window. Flags: `vlevels` (this
object) and `vlevels_high` (the higher timeframe ticker's current `vlevels`, absent when
that ticker has no flags yet).

Deviation: the seed adds `null` heights as 0 (JS `x + null`); we do the same
explicitly. `exactPriceMatch` (always null in the seed, unused) is not ported.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.flags import flag_get
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances
from analysis_service.engine.timeframes import LEVEL_LIMIT_MS

HILL_WEIGHT = 30
TREND_WEIGHT = 10
NEW_LEVEL_MIN_WEIGHT = 30

# (time, level, bounce_up, height, weight)
Point = tuple[int, float, bool, float | None, int]


def _num(v: float) -> Any:
    return v if math.isfinite(v) else str(v).replace("inf", "Infinity").replace("nan", "NaN")


class Level:
    __slots__ = (
        "_json",
        "count_resist",
        "count_support",
        "from_x",
        "id",
        "middle_y",
        "min_time",
        "points",
        "prices",
        "res_y0",
        "res_y1",
        "resist_weight",
        "support_weight",
        "total_weight",
        "y0",
        "y1",
    )

    def __init__(self, level_id: int) -> None:
        self.id = level_id
        self.points: list[Point] = []
        self.y0 = math.nan
        self.y1 = math.nan
        self.res_y0 = math.nan
        self.res_y1 = math.nan
        self.middle_y = math.nan
        self.count_resist = 0
        self.count_support = 0
        self.from_x = 0
        self.total_weight = 0
        self.support_weight = 0
        self.resist_weight = 0
        self.prices: list[float] = []
        self.min_time = 0
        self._json: dict[str, Any] | None = None  # json_safe(), until the next recalc

    def add_point(self, time: int, level: float, bounce_up: bool, height: float | None, weight: int) -> bool:
        for p in self.points:
            if p[0] == time:
                return False
        self.points.append((time, level, bounce_up, height, weight))
        self.recalc()
        return True

    def recalc(self) -> None:
        self._json = None
        points = self.points
        count = len(points)
        height = 0.0
        level = 0.0
        cr = cs = tw = sw = rw = 0
        prices = []
        for _t, y, up, h, w in points:
            if h is not None:
                height += h
            level += y
            tw += w
            prices.append(y)
            if up:
                cs += 1
                sw += w
            else:
                cr += 1
                rw += w
        self.count_resist = cr
        self.count_support = cs
        self.total_weight = tw
        self.support_weight = sw
        self.resist_weight = rw
        self.prices = prices
        self.from_x = points[0][0]
        self.min_time = min(p[0] for p in points)
        y_mid = level / count
        avg_h = height / count
        self.y0 = y_mid - avg_h / 2
        self.y1 = y_mid + avg_h / 2
        self.res_y0 = y_mid - avg_h / 4
        self.res_y1 = y_mid + avg_h / 4
        self.middle_y = y_mid

    def forget_before(self, time: int) -> bool:
        """Drop points at or before `time`; False when the level is left empty."""
        if self.min_time > time:
            return True
        kept = [p for p in self.points if p[0] > time]
        if not kept:
            return False
        self.points = kept
        self.recalc()
        return True

    # --- consumer side (strategies, taggers) -----------------------------------------

    def in_search_level(self, y: float) -> bool:
        return self.y0 <= y <= self.y1

    def is_price_in_level(self, y: float) -> bool:
        return self.res_y0 <= y <= self.res_y1

    def is_range_intersects_level(self, y0: float, y1: float) -> bool:
        return not (y0 > self.res_y1 or y1 < self.res_y0)

    def lower_edge(self) -> float:
        return self.res_y0

    def to_json(self) -> dict[str, Any]:
        return {
            "i": self.id,
            "y0": self.res_y0,
            "y1": self.res_y1,
            "r": self.count_resist,
            "s": self.count_support,
            "rW": self.resist_weight,
            "sW": self.support_weight,
            "x0": self.from_x,
            "w": self.total_weight,
            "alpha": min(0.8, self.total_weight / 200),
        }

    def json_safe(self) -> dict[str, Any]:
        """`to_json()` as a flag snapshot writes it (non-finite numbers as null), kept until the
        level changes (every value comes from recalc). Shared: callers must not mutate it."""
        out = self._json
        if out is None:
            from analysis_service.entries.snapshot import json_value  # the entries package imports analyzers

            out = self._json = json_value(self.to_json())
        return out

    def fixture_json(self) -> dict[str, Any]:
        return {
            "i": self.id,
            "y0": _num(self.y0),
            "y1": _num(self.y1),
            "ry0": _num(self.res_y0),
            "ry1": _num(self.res_y1),
            "m": _num(self.middle_y),
            "r": self.count_resist,
            "s": self.count_support,
            "rW": self.resist_weight,
            "sW": self.support_weight,
            "w": self.total_weight,
            "x0": self.from_x,
            "pts": [[t, _num(y), 1 if up else 0, None if h is None else _num(h), w] for t, y, up, h, w in self.points],
        }


class VLevels(Analyzer):
    KIND = "vlevels"
    INSTANCES: ClassVar[Instances] = {"vlevels": {}}
    WRITES = ("vlevels", "vlevels_high")

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.levels: list[Level] = []
        self.level_id = 0
        self.version = 0  # bumped on every change, so consumers can cache
        self._min_time = 0  # earliest point time over all levels
        self._limit: int | None = None  # LEVEL_LIMIT_MS of the ticker's timeframe

    def requires(self) -> tuple[str, ...]:
        return ("hl_trend", "hills", "extremum")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        limit = self._limit
        if limit is None:
            limit = self._limit = LEVEL_LIMIT_MS[candle.timeframe]
        t = candle.open_time - limit
        if self._min_time <= t and self.levels:
            self.forget_before(t)
        flags = io.flags
        get = flags.get
        hl = get("hills.new.low")
        hh = get("hills.new.high")
        th = get("hl_trend.new.high")
        tl = get("hl_trend.new.low")
        if hl or hh or th or tl:
            atr = flag_get(flags, "atr14")
            if hl:
                self._add(True, hl.open_time, hl.low, atr, HILL_WEIGHT, hl, io)
            if hh:
                self._add(False, hh.open_time, hh.high, atr, HILL_WEIGHT, hh, io)
            if th:
                self._add(False, th.open_time, th.high, atr, TREND_WEIGHT, th, io)
            if tl:
                self._add(True, tl.open_time, tl.low, atr, TREND_WEIGHT, tl, io)
        flags["vlevels"] = self
        htf_id = io.htf_id
        if htf_id is not None:
            # io.get_htf, inlined: the higher timeframe ticker's current vlevels
            ht = io.engine.flags.tickers.get(htf_id)
            if ht is not None:
                high = ht.get("vlevels")
                if high is not None:
                    flags["vlevels_high"] = high

    def _add(
        self, bounce_up: bool, time: int, y: float, atr: float | None, weight: int, candle: Candle, io: AnalyzerIO
    ) -> None:
        found = False
        for lvl in self.levels:
            if lvl.y0 <= y <= lvl.y1:
                if lvl.add_point(time, y, bounce_up, atr, weight):
                    self._changed(lvl, candle, bounce_up, io)
                found = True
        if found or weight < NEW_LEVEL_MIN_WEIGHT:
            return
        self.level_id += 1
        lvl = Level(self.level_id)
        lvl.add_point(time, y, bounce_up, atr, weight)
        self._changed(lvl, candle, bounce_up, io)
        self.levels.append(lvl)
        if io.annotate:
            label = f"NL={self.level_id}"
            if bounce_up:
                io.debug.label_bottom(candle, label)
            else:
                io.debug.label_top(candle, label)

    def _changed(self, lvl: Level, candle: Candle, bounce_up: bool, io: AnalyzerIO) -> None:
        self.version += 1
        if not self.levels or lvl.min_time < self._min_time:
            self._min_time = lvl.min_time
        if io.annotate:
            msg = f"[{lvl.support_weight}/{lvl.resist_weight}]"
            if bounce_up:
                io.debug.label_bottom(candle, msg)
            else:
                io.debug.label_top(candle, msg)

    def forget_before(self, time: int) -> None:
        if self._min_time > time or not self.levels:
            return
        kept = []
        changed = False
        for lvl in self.levels:
            if lvl.min_time > time:
                kept.append(lvl)
                continue
            # it holds a point at or before `time`, which it drops
            changed = True
            if lvl.forget_before(time):
                kept.append(lvl)
        self.levels = kept
        if changed:
            self.version += 1
        self._min_time = min((lvl.min_time for lvl in kept), default=0)

    # --- consumer side (strategies, taggers) -----------------------------------------

    def get_levels(self) -> list[Level]:
        return self.levels

    def levels_older_than(self, timestamp: int | None) -> list[Level]:
        return [lvl for lvl in self.levels if lvl.from_x < timestamp] if timestamp else self.levels

    def _touch(self, price: float, older_than: int | None) -> dict[str, Any]:
        lv = [lvl for lvl in self.levels_older_than(older_than) if lvl.is_price_in_level(price)]
        return {
            "rw": sum(lvl.resist_weight for lvl in lv),
            "sw": sum(lvl.support_weight for lvl in lv),
            "ids": [lvl.id for lvl in lv],
        }

    def bottom_touch_weights(self, candle: Candle, older_than: int | None = None) -> dict[str, Any]:
        return self._touch(candle.low, older_than)

    def top_touch_weights(self, candle: Candle, older_than: int | None = None) -> dict[str, Any]:
        return self._touch(candle.high, older_than)

    def find_upper_target(
        self, start_price: float, max_price: float, req_total: int = 0, req_support: int = 0, req_resist: int = 0
    ) -> float:
        best = 0.0
        for lvl in self.levels:
            edge = lvl.res_y0
            if start_price < edge < max_price:
                if req_total and req_total > lvl.total_weight:
                    continue
                if req_support and req_support > lvl.support_weight:
                    continue
                if req_resist and req_resist > lvl.resist_weight:
                    continue
                if edge > best:
                    best = edge
        return best

    def to_json(self) -> list[dict[str, Any]]:
        return [lvl.to_json() for lvl in self.levels]

    def json_safe(self) -> list[dict[str, Any]]:
        """`to_json()` as a flag snapshot writes it, from the levels' kept JSON."""
        return [lvl.json_safe() for lvl in self.levels]

    def fixture_json(self) -> dict[str, Any]:
        return {
            "$vlevels": {
                "n": len(self.levels),
                "maxId": self.level_id,
                "w": sum(lvl.total_weight for lvl in self.levels),
            }
        }

    def fixture_levels(self) -> list[dict[str, Any]]:
        return [lvl.fixture_json() for lvl in self.levels]
