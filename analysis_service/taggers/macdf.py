"""MACDF: fails buys while the MACD histogram switched below zero less than 3 candles ago, and
sells the other way round (seed: src/vm/Orders/taggers/list_static/macdf.js)."""

from __future__ import annotations

from analysis_service.engine.flags import js_truthy
from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import FAIL, PASS, StaticTagger, TagContext


class MACDFTagger(StaticTagger):
    KIND = "macdf"
    DESCRIPTIONS = (
        TagDescription(
            "MACDF",
            ("P", "F"),
            "Filters (F) buy entries when MACD histogram line switched below ZERO, less than 3 candles ago. "
            "And vice-versa for sell entries.",
        ),
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        macdf = ctx.flag(entry.symbol, entry.timeframe, "macdf")
        if not js_truthy(macdf):
            return None
        r = macdf.get("r")
        value = "P"
        if (r == "db" and entry.is_long) or (r == "ds" and not entry.is_long):
            value = "F"
        return {"MACDF": PASS if value == "P" else FAIL}
