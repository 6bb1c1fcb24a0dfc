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
        return _FAIL if view.by_timeframe.get((e.symbol, e.timeframe)) else _PASS


# Shared, never mutated: one allocation per plan engine instead of one per order.
_PASS = {"SAME-TF": Tag("P")}
_FAIL = {"SAME-TF": Tag("F")}

TAGGER = SameTimeframeTagger()
