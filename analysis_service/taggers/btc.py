"""BT9 / BT20: passes when BTCUSDT's trend flag `bt-{tf}-{9|20}` on the entry's timeframe agrees
with the entry (positive for buys, negative for sells); no tag while it is 0 or absent
(seed: src/vm/Orders/taggers/list_static/btc.js)."""

from __future__ import annotations

from analysis_service.engine.flags import js_truthy
from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import FAIL, PASS, StaticTagger, TagContext

SYMBOL = "BTCUSDT"
MA_PERIODS = (9, 20)


class BTCTagger(StaticTagger):
    KIND = "btc"
    DESCRIPTIONS = tuple(
        TagDescription(
            f"BT{p}",
            ("P", "F", "N"),
            f"Pass (P) if {SYMBOL} is above (buy entries) or below (sell entries) EMA {p} on current timeframe, "
            "(F) otherwise. When not enough data returns (N).",
        )
        for p in MA_PERIODS
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        out: dict[str, Tag] = {}
        tf = entry.timeframe
        for p in MA_PERIODS:
            trend = ctx.flag(SYMBOL, tf, f"bt-{tf}-{p}")
            if not js_truthy(trend):
                continue
            fail = (trend > 0 and not entry.is_long) or (trend < 0 and entry.is_long)
            out[f"BT{p}"] = FAIL if fail else PASS
        return out
