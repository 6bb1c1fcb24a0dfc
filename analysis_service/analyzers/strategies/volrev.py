"""Volume reversal (seed: src/vm/Analyzers/list/st_volrev.js).

Follows each volume impulse (`impulse.start`) and its furthest tail. When the impulse
ends (`impulse.end`), trade against it: a buy after a red impulse, unless mat1 already
points that way; the impulse's last candle and the current one must touch levels from
the trade's side (the higher timeframe's levels when present). Take = the farthest
magnet beyond the close created since the trend started (`impulse.trend`); stop = the
impulse's extreme or the touched levels' edge, whichever is further, plus
`stop_atr`·atr14; entered only when take/stop ≥ `min_rr`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.analyzers.strategies._levels import (
    JS_MAX_SAFE_INTEGER,
    levels_from_flags,
    levels_in_range,
    levels_y_range,
    touch_range,
)
from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


def risk_ratio(entry: float, take: float, stop: float) -> float:
    """|take − entry| / |entry − stop|, 0 for a zero stop (seed: helpers/common.js)."""
    slh = abs(entry - stop)
    if slh == 0:
        return 0.0
    return abs(entry - take) / slh


class VolRev(Analyzer):
    KIND = "volrev"
    DESCRIPTION = "Trade against a volume impulse that ends on levels; take at the farthest magnet"
    IS_STRATEGY = True
    PARAMS = (
        Param("min_rr", float, 1.35, "minimum take/stop distance ratio"),
        Param("stop_atr", float, 1.1, "stop margin beyond the impulse extreme / level edge, in atr14"),
    )
    INSTANCES: ClassVar[Instances] = {"volrev": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.min_rr: float = self.params["min_rr"]
        self.stop_atr: float = self.params["stop_atr"]
        self.impulse_up = False
        self.impulse_start: Candle | None = None
        self.trend_start: Candle | None = None
        self.max_tail = 0.0

    def requires(self) -> tuple[str, ...]:
        return ("vlevels", "impulse", "magnets", "atr14", "mat1")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        start = flags.get("impulse.start")
        if start:
            self.impulse_start = start
            self.impulse_up = start.open < start.close
            self.max_tail = start.high if self.impulse_up else start.low
            trend = flags.get("impulse.trend")
            if trend:
                self.trend_start = trend
        if self.impulse_start is None:
            return
        if self.impulse_up:
            if candle.high > self.max_tail:
                self.max_tail = candle.high
        elif candle.low < self.max_tail:
            self.max_tail = candle.low
        last = flags.get("impulse.end")
        if not last:
            return
        is_long = not self.impulse_up
        mat = flags.get("mat1")
        if (is_long and mat == "UP") or (not is_long and mat == "DN"):
            self._over()
            return
        bounce = self._bounce_off_levels(is_long, (last, candle), flags)
        if bounce is not None:
            self._entry(is_long, candle, io, bounce)
        self._over()

    def _bounce_off_levels(
        self, is_long: bool, candles: tuple[Candle, ...], flags: dict[str, Any]
    ) -> tuple[float, float] | None:
        y0 = JS_MAX_SAFE_INTEGER
        y1 = 0.0
        for c in candles:
            t0, t1 = touch_range(c, is_long)
            y0 = min(y0, t0)
            y1 = max(y1, t1)
        touched = levels_in_range(levels_from_flags(flags), y0, y1)
        if not touched:
            return None
        return levels_y_range(touched)

    def _entry(self, is_long: bool, candle: Candle, io: AnalyzerIO, bounce: tuple[float, float]) -> None:
        entry = candle.close
        magnets = io.flags["magnets"]
        assert self.trend_start is not None  # set together with the first impulse start
        recent = magnets.get_since(self.trend_start.open_time)
        beyond = [m for m in recent if m.price > entry] if is_long else [m for m in recent if m.price < entry]
        info = magnets.info(beyond)
        if info["weight"] <= 0:
            if io.annotate:
                io.debug.label_bottom(candle, "xW")
            return
        take = info["maxPrice"] if is_long else info["minPrice"]
        atr = io.flags.get("atr14") or 0.0
        if is_long:
            stop = min(self.max_tail, bounce[0]) + atr * self.stop_atr * -1
        else:
            stop = max(self.max_tail, bounce[1]) + atr * self.stop_atr * 1
        if risk_ratio(entry, take, stop) >= self.min_rr:
            io.make_entry(self, "buy" if is_long else "sell", take_profit=take, stop_loss=stop)

    def _over(self) -> None:
        self.impulse_start = None
        self.impulse_up = False
        self.max_tail = 0.0
