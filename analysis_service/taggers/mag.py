"""MAG: passes when the magnets between the entry and the take outweigh those between the stop
and the entry (seed: src/vm/Orders/taggers/list_static/mag.js)."""

from __future__ import annotations

from analysis_service.engine.flags import js_truthy
from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import StaticTagger, TagContext


class MAGTagger(StaticTagger):
    KIND = "mag"
    DESCRIPTIONS = (
        TagDescription("MAG", ("F", "P"), "If magnet pull is stronger in direction of a deal - then (P) passes."),
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        magnets = ctx.flag(entry.symbol, entry.timeframe, "magnets")
        if not js_truthy(magnets):
            return None
        ep, tp, sl = entry.entry_price, entry.take_profit, entry.stop_loss
        if entry.is_long:
            take = magnets.filter_range(ep, tp)
            stop = magnets.filter_range(sl, ep)
        else:
            take = magnets.filter_range(tp, ep)
            stop = magnets.filter_range(ep, sl)
        wt = magnets.info(take)["weight"]
        ws = magnets.info(stop)["weight"]
        return {"MAG": Tag("P" if wt > ws else "F", f"{wt} / {ws}")}
