"""MAXPRF / MAXLSS: percent gained at the take profit and lost at the stop loss, rounded with the
seed's `fnum(x, 3)` (halves toward +∞) (seed: src/vm/Orders/taggers/list_static/maxprf.js)."""

from __future__ import annotations

from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.entries.jsnum import fnum, js_div
from analysis_service.taggers._base import StaticTagger, TagContext


def gain_percent(is_long: bool, entry_price: float, price: float) -> float:
    if is_long:
        return js_div(price - entry_price, entry_price) * 100
    return js_div(entry_price - price, entry_price) * 100


class MAXPRFTagger(StaticTagger):
    KIND = "maxprf"
    DESCRIPTIONS = (
        TagDescription("MAXPRF", (), "Shows maximum price percent increase on takeProfit"),
        TagDescription("MAXLSS", (), "Shows price percent loss on stopLoss"),
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        return {
            "MAXPRF": Tag(fnum(gain_percent(entry.is_long, entry.entry_price, entry.take_profit), 3)),
            "MAXLSS": Tag(fnum(gain_percent(entry.is_long, entry.entry_price, entry.stop_loss), 3)),
        }
