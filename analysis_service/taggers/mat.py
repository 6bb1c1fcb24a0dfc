"""MAT1h/MAT4h/MAT1d: passes when the moving-average trend `mat1` of that timeframe agrees with
the entry (UP for buys, DN for sells); no tag while that ticker has no mat1
(seed: src/vm/Orders/taggers/list_static/mat.js)."""

from __future__ import annotations

from analysis_service.engine.flags import js_truthy
from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import FAIL, PASS, StaticTagger, TagContext

INDICATOR = "mat1"
TIMEFRAMES = ("1h", "4h", "1d")


class MATTagger(StaticTagger):
    KIND = "mat"
    DESCRIPTIONS = tuple(
        TagDescription(f"MAT{tf}", ("P", "F"), "Pass (P) if MATREND is inline with order (F) otherwise.")
        for tf in TIMEFRAMES
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        out: dict[str, Tag] = {}
        for tf in TIMEFRAMES:
            mat = ctx.flag(entry.symbol, tf, INDICATOR)
            if not js_truthy(mat):
                continue
            ok = (entry.is_long and mat == "UP") or (not entry.is_long and mat == "DN")
            out[f"MAT{tf}"] = PASS if ok else FAIL
        return out
