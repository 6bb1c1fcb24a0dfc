"""Level helpers shared by bounce and volrev (seed: src/vm/Analyzers/helpers/levels.js).

A "level range" is (y0, y1); a candle's touch range is the part of it that pokes into a
level from the trade's side: (low, body low) for a long, (body high, high) for a short.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from analysis_service.engine.candle import Candle

if TYPE_CHECKING:
    from analysis_service.analyzers.vlevels import Level

JS_MAX_VALUE = 1.7976931348623157e308
JS_MAX_SAFE_INTEGER = 9007199254740991.0


def touch_range(candle: Candle, is_long: bool) -> tuple[float, float]:
    o = candle.open
    c = candle.close
    if is_long:
        return candle.low, (o if o < c else c)
    return (o if o > c else c), candle.high


def bouncy_candle(is_long: bool, flags: dict[str, Any]) -> Candle | None:
    """The current candle's bounce pattern: hammer, engulfing or railway tracks."""
    if is_long:
        return flags.get("cdlpatts.new.ham") or flags.get("cdlpatts.new.egu") or flags.get("cdlpatts.new.rtu")
    return flags.get("cdlpatts.new.shu") or flags.get("cdlpatts.new.egd") or flags.get("cdlpatts.new.rtd")


def levels_from_flags(flags: dict[str, Any]) -> list[Level]:
    """The higher timeframe's levels when present, else this timeframe's (as the seed does)."""
    high = flags.get("vlevels_high")
    if high:
        return high.get_levels()  # type: ignore[no-any-return]
    return flags["vlevels"].get_levels()  # type: ignore[no-any-return]


def levels_in_range(levels: Sequence[Level], y0: float, y1: float) -> list[Level]:
    return [lvl for lvl in levels if not (y0 > lvl.res_y1 or y1 < lvl.res_y0)]


def levels_y_range(levels: Sequence[Level]) -> tuple[float, float]:
    """(lowest lower edge, highest upper edge), from the seed's starting values."""
    y0 = JS_MAX_VALUE
    y1 = 0.0
    for lvl in levels:
        if lvl.res_y0 < y0:
            y0 = lvl.res_y0
        if lvl.res_y1 > y1:
            y1 = lvl.res_y1
    return y0, y1


def touches_range(candle: Candle, is_long: bool, y0: float, y1: float) -> bool:
    t0, t1 = touch_range(candle, is_long)
    return not (t0 > y1 or t1 < y0)


def fully_beyond(candle: Candle, is_long: bool, y0: float, y1: float) -> bool:
    """Entirely on the trade's side of the range (above it for a long)."""
    return candle.low > y1 if is_long else candle.high < y0


def closes_through(candle: Candle, is_long: bool, y0: float, y1: float) -> bool:
    """Body beyond the range on the wrong side (below it for a long)."""
    o = candle.open
    c = candle.close
    if is_long:
        return (o if o < c else c) < y0
    return (o if o > c else c) > y1
