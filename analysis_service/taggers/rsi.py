"""RSI: passes buys when rsi14 > 50 and sells when rsi14 < 50 (exactly 50 passes both); no tag
while rsi14 is falsy (seed: src/vm/Orders/taggers/list_static/rsi.js)."""

from __future__ import annotations

from analysis_service.engine.flags import js_truthy
from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import FAIL, PASS, StaticTagger, TagContext


class RSITagger(StaticTagger):
    KIND = "rsi"
    DESCRIPTIONS = (
        TagDescription(
            "RSI", ("P", "F"), "Pass (P) buy entries when RSI>50, pass sell when RSI<50. Otherwise filters (F)."
        ),
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        rsi = ctx.flag(entry.symbol, entry.timeframe, "rsi14")
        if not js_truthy(rsi):
            return None
        value = "P"
        if (rsi < 50 and entry.is_long) or (rsi > 50 and not entry.is_long):
            value = "F"
        return {"RSI": PASS if value == "P" else FAIL}
