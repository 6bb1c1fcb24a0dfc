"""SAME-SYM: no other active order with the same symbol? (seed: taggers/list_dynamic/same.js)."""

from __future__ import annotations

from collections.abc import Mapping

from order_service.model import Order, Tag
from order_service.taggers import PlanView, TagDescription


class SameSymbolTagger:
    descriptions = (TagDescription("SAME-SYM", ("F", "P"), "Pass (P) if there is no active orders with same symbol."),)

    def tags(self, order: Order, view: PlanView) -> Mapping[str, Tag]:
        e = order.entry
        return {"SAME-SYM": Tag("F" if view.active_count(e.symbol) else "P")}


TAGGER = SameSymbolTagger()
