"""Flag values in the seed-reference record encoding (tests/fixtures/README.md):
candles as {"$c": openTime}, non-finite numbers as strings, analyzer objects through
their `fixture_json()`, None (JS undefined) dropped."""

from __future__ import annotations

import math
from typing import Any

from analysis_service.engine.candle import Candle


def encode_value(v: Any) -> Any:
    cls = v.__class__
    if cls is float:
        if math.isfinite(v):
            return v
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    if cls is int or cls is str or cls is bool or v is None:
        return v
    if cls is Candle:
        return {"$c": v.open_time}
    if cls is dict:
        return {k: encode_value(x) for k, x in v.items() if x is not None}
    if cls is list or cls is tuple:
        return [encode_value(x) for x in v]
    fj = getattr(v, "fixture_json", None)
    if fj is not None:
        return fj()
    return {"$obj": cls.__name__}


def encode_flags(flags: dict[str, Any]) -> dict[str, Any]:
    return {k: encode_value(v) for k, v in flags.items() if v is not None}
