"""LR (level resistance): weight of the levels in the stop zone minus the weight of those in the
take zone, over the ticker's levels plus its higher timeframe's; LR.T, LR.S, LR.M are the take,
stop and mid-zone (entry ± a quarter of the stop distance) weights
(seed: src/vm/Orders/taggers/list_static/lr.js, helpers/levels.js getLevelsInfoAtRange).

Deviation: the seed describes "LR" with vals P/F and an "LR.TP" it never writes; we describe the
four numeric tags it actually writes.
"""

from __future__ import annotations

from typing import Any

from analysis_service.engine.flags import js_truthy
from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import StaticTagger, TagContext


def weight_in_range(levels: list[Any], y0: float, y1: float) -> int:
    """Support + resist weight of the levels whose result band meets [y0, y1]."""
    w = 0
    for lvl in levels:
        if not (y0 > lvl.res_y1 or y1 < lvl.res_y0):  # Level.is_range_intersects_level, inlined
            w += lvl.resist_weight + lvl.support_weight
    return w


class LRTagger(StaticTagger):
    KIND = "lr"
    DESCRIPTIONS = (
        TagDescription(
            "LR",
            (),
            "Stop-zone minus take-zone level weight (this timeframe's and the higher one's levels): positive "
            "numbers mean more support from levels on the stop side, negative more resistance on the take side.",
        ),
        TagDescription("LR.T", (), "Weight of the levels between the entry price and the take profit."),
        TagDescription("LR.S", (), "Weight of the levels between the stop loss and the entry price."),
        TagDescription("LR.M", (), "Weight of the levels within a quarter of the stop distance around the entry."),
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        vlevels = ctx.flag(entry.symbol, entry.timeframe, "vlevels")
        if not js_truthy(vlevels):
            return None
        levels = list(vlevels.get_levels())
        high = ctx.flag(entry.symbol, entry.timeframe, "vlevels_high")
        if js_truthy(high):
            levels += high.get_levels()
        ep, tp, sl = entry.entry_price, entry.take_profit, entry.stop_loss
        if entry.is_long:
            quarter = (ep - sl) / 4
            take = (ep, tp)
            stop = (sl, ep)
        else:
            quarter = (sl - ep) / 4
            take = (tp, ep)
            stop = (ep, sl)
        mid = (ep - quarter, ep + quarter)
        take_total = weight_in_range(levels, *take)
        stop_total = weight_in_range(levels, *stop)
        mid_total = weight_in_range(levels, *mid)
        return {
            "LR": Tag(stop_total - take_total, f"{take_total} / {mid_total} / {stop_total}"),
            "LR.T": Tag(take_total),
            "LR.S": Tag(stop_total),
            "LR.M": Tag(mid_total),
        }
