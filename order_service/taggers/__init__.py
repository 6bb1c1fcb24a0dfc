"""Dynamic taggers (the seed's TaggersDynamic): tags on orders that read the other orders of the plan.

One module per tagger in this package, each exposing ``TAGGER`` (a :class:`Tagger`); they are found by
scanning the package, so adding a module adds a tagger. They run in module-name order, and a later
tagger's tag replaces an earlier one of the same name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from order_service.model import Order, Plan, Tag


@dataclass(frozen=True, slots=True)
class TagDescription:
    name: str
    vals: tuple[str, ...]
    desc: str


class PlanView(Protocol):
    """What a tagger may read of the plan while a new order is tagged."""

    # Active orders per symbol / (symbol, timeframe) / (symbol, timeframe, strategy); absent = 0.
    @property
    def plan(self) -> Plan: ...
    @property
    def by_symbol(self) -> Mapping[str, int]: ...
    @property
    def by_timeframe(self) -> Mapping[tuple[str, str], int]: ...
    @property
    def by_strategy(self) -> Mapping[tuple[str, str, str], int]: ...


class Tagger(Protocol):
    descriptions: tuple[TagDescription, ...]

    def tags(self, order: Order, view: PlanView) -> Mapping[str, Tag]: ...


@cache
def discover() -> tuple[Tagger, ...]:
    found: list[Tagger] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        tagger = getattr(module, "TAGGER", None)
        if tagger is not None:
            found.append(tagger)
    return tuple(found)


def descriptions() -> list[TagDescription]:
    return [d for t in discover() for d in t.descriptions]
