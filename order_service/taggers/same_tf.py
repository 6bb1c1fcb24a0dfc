"""SAME-TF: no other active order with the same symbol and timeframe? (seed: taggers/list_dynamic/same.js)."""

from __future__ import annotations

from collections.abc import Mapping

from order_service.model import Order, Tag
from order_service.taggers import PlanView, TagDescription


class SameTimeframeTagger:
    descriptions = (
        TagDescription("SAME-TF", ("F", "P"), "Pass (P) if there is no active orders with same symbol and timeframe."),
    )

    def tags(self, order: Order, view: PlanView) -> Mapping[str, Tag]:
        e = order.entry
        return {"SAME-TF": Tag("F" if view.active_count(e.symbol, e.timeframe) else "P")}


TAGGER = SameTimeframeTagger()
