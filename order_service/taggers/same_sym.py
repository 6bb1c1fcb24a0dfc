"""SAME-SYM: no other active order with the same symbol? (seed: taggers/list_dynamic/same.js)."""

from __future__ import annotations

from collections.abc import Mapping

from order_service.model import Order, Tag
from order_service.taggers import PlanView, TagDescription


class SameSymbolTagger:
    descriptions = (TagDescription("SAME-SYM", ("F", "P"), "Pass (P) if there is no active orders with same symbol."),)

    def tags(self, order: Order, view: PlanView) -> Mapping[str, Tag]:
        e = order.entry
        return _FAIL if view.by_symbol.get(e.symbol) else _PASS


# Shared, never mutated: one allocation per plan engine instead of one per order.
_PASS = {"SAME-SYM": Tag("P")}
_FAIL = {"SAME-SYM": Tag("F")}

TAGGER = SameSymbolTagger()
