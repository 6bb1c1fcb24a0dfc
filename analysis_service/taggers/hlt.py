"""HLT15m/HLT1h/HLT1d: the higher-high/lower-low trend of that timeframe seen from the entry,
-3..3 (3 strong trend the same way, 2 a trend, 1 a bias, negative against); 0 writes no tag
(seed: src/vm/Orders/taggers/list_static/hlt.js)."""

from __future__ import annotations

from typing import Any

from analysis_service.engine.flags import js_truthy
from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import StaticTagger, TagContext

TIMEFRAMES = ("15m", "1h", "1d")


def hlt_value(is_long: bool, hl_trend: dict[str, Any]) -> int:
    module = 0
    if hl_trend["trend"]:
        module = 3 if hl_trend["swings"] > 3 else 2
    elif hl_trend["bias"] != 0:
        module = 1
    bias = hl_trend["bias"]
    if (is_long and bias > 0) or (not is_long and bias < 0):
        return module
    return -module


class HLTTagger(StaticTagger):
    KIND = "hlt"
    DESCRIPTIONS = tuple(
        TagDescription(
            f"HLT{tf}",
            ("-3", "-2", "-1", "0", "1", "2", "3"),
            "Value 3 - strong trend in same direction. Value 2 - new trend in same direction "
            "1 - possible trend in same direction. 0 - no trend. Negative value - trend in oposite direction.",
        )
        for tf in TIMEFRAMES
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        out: dict[str, Tag] = {}
        for tf in TIMEFRAMES:
            hl = ctx.flag(entry.symbol, tf, "hl_trend")
            if not js_truthy(hl):
                continue
            v = hlt_value(entry.is_long, hl)
            if v:
                out[f"HLT{tf}"] = Tag(v)
        return out
