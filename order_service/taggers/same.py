"""SAME: no other active order with the same symbol and timeframe and strategy? (seed: taggers/list_dynamic/same.js)."""

from __future__ import annotations

from collections.abc import Mapping

from order_service.model import Order, Tag
from order_service.taggers import PlanView, TagDescription


class SameStrategyTagger:
    descriptions = (
        TagDescription(
            "SAME", ("F", "P"), "Pass (P) if there is no active orders with same symbol and timeframe and strategy."
        ),
    )

    def tags(self, order: Order, view: PlanView) -> Mapping[str, Tag]:
        e = order.entry
        return _FAIL if view.by_strategy.get((e.symbol, e.timeframe, e.strategy)) else _PASS


# Shared, never mutated: one allocation per plan engine instead of one per order.
_PASS = {"SAME": Tag("P")}
_FAIL = {"SAME": Tag("F")}

TAGGER = SameStrategyTagger()
