"""A JSON-safe copy of a ticker's flags for an entry (seed: OrdersManager.marketEntry's
`JSON.parse(JSON.stringify(flags))`).

Non-finite numbers become null, as JSON.stringify writes them; candles become their fields;
analyzer objects their `to_json()` (vlevels: the level list) or, failing that, their
`fixture_json()` summary. Values that are None (JS undefined) are dropped from objects.
An object with `json_safe()` gives that JSON itself, already converted (vlevels keeps each
level's; prev_swing, magnets and prices return their summary), and one with a `version` counter
has its JSON kept between snapshots while the counter stands (see `json_snapshot`).
"""

from __future__ import annotations

import math
from typing import Any

from analysis_service.engine.candle import Candle


def json_value(v: Any) -> Any:
    cls = v.__class__
    if cls is float:
        return v if math.isfinite(v) else None
    if v is None or cls is int or cls is str or cls is bool:
        return v
    if cls is dict:
        # the flag dicts hold mostly numbers: handled here rather than by a call per value
        out: dict[str, Any] = {}
        for k, x in v.items():
            c = x.__class__
            key = k if k.__class__ is str else str(k)
            if c is float:
                out[key] = x if x - x == 0.0 else None
            elif x is None:
                continue
            elif c is int or c is str or c is bool:
                out[key] = x
            else:
                out[key] = json_value(x)
        return out
    if cls is list or cls is tuple:
        items: list[Any] = []
        for x in v:
            c = x.__class__
            if c is float:
                items.append(x if x - x == 0.0 else None)
            elif x is None or c is int or c is str or c is bool:
                items.append(x)
            else:
                items.append(json_value(x))
        return items
    if cls is Candle:
        return {
            "openTime": v.open_time,
            "open": json_value(v.open),
            "high": json_value(v.high),
            "low": json_value(v.low),
            "close": json_value(v.close),
            "volume": json_value(v.volume),
            "closeTime": v.close_time,
            "symbol": v.symbol,
            "timeframe": v.timeframe,
        }
    safe = getattr(v, "json_safe", None)
    if safe is not None:
        return safe()  # already what json_value would make of its to_json()
    for attr in ("to_json", "fixture_json"):
        fn = getattr(v, attr, None)
        if fn is not None:
            return json_value(fn())
    return {"$obj": cls.__name__}


def json_snapshot(flags: dict[str, Any] | None, cache: dict[int, tuple[Any, int, Any]] | None = None) -> dict[str, Any]:
    """`cache` (id → (object, its `version`, its JSON)) keeps the JSON of analyzer objects that
    count their changes in `version` (vlevels, magnets) for the next snapshot while they do not
    change. Snapshots then share those parts: nobody mutates a snapshot (they are copied out)."""
    if not flags:
        return {}
    out: dict[str, Any] = {}
    for k, v in flags.items():
        cls = v.__class__
        if cls is float:
            out[k] = v if v - v == 0.0 else None  # inf − inf and NaN − NaN are NaN: not finite
        elif v is None:
            continue
        elif cls is int or cls is str or cls is bool:
            out[k] = v
        elif cache is None or cls is dict or cls is list or cls is tuple or cls is Candle:
            out[k] = json_value(v)
        else:
            version = getattr(v, "version", None)
            if version is None:
                out[k] = json_value(v)
                continue
            hit = cache.get(id(v))
            if hit is None or hit[0] is not v or hit[1] != version:
                hit = cache[id(v)] = (v, version, json_value(v))
            out[k] = hit[2]
    return out
