"""MRG: does the loss at the stop stay within the margin? (seed: taggers/list_dynamic/margin.js)."""

from __future__ import annotations

from collections.abc import Mapping

from order_service.model import Order, Tag
from order_service.taggers import PlanView, TagDescription


class MarginTagger:
    descriptions = (
        TagDescription("MRG", ("P", "F"), "Pass (P) if possible loss at stopLoss is less than margincall."),
    )

    def tags(self, order: Order, view: PlanView) -> Mapping[str, Tag]:
        leverage = view.plan.leverage
        if not leverage > 0:
            return _PASS
        # MAXLSS is the static tag analysis_service writes: the price percent lost at the stop.
        tag = order.entry.tags.get("MAXLSS")
        max_loss_percent = tag.value if tag is not None else None
        if not max_loss_percent or isinstance(max_loss_percent, str):
            return _NONE
        usd_in_game = order.quantity * order.entry.entry_price
        at_stake = usd_in_game / leverage
        loss_at_stop = abs(max_loss_percent / 100 * usd_in_game)
        return _PASS if loss_at_stop <= at_stake else _FAIL


# Shared, never mutated: one allocation per plan engine instead of one per order.
_PASS = {"MRG": Tag("P")}
_FAIL = {"MRG": Tag("F")}
_NONE: dict[str, Tag] = {}

TAGGER = MarginTagger()
