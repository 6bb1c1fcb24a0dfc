"""Entry emulation (seed: src/vm/Orders/OrdersManager.js, src/types/Entry.js): signals from the
strategies become entries, limit entries wait for their price, price updates close them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis_service.entries.entry import (
    ACTIVE,
    LOST,
    OPENED_AT_PHASE_END,
    OPENED_AT_PRICE_UPDATE,
    PENDING,
    WON,
    Entry,
    Tag,
    TagDescription,
    entry_id,
)
from analysis_service.entries.events import (
    BAD_ORDER_PARAMS,
    DUPLICATE_ACTIVE_ID,
    EntryClosed,
    EntryEvent,
    EntryOpened,
    EntryRejected,
    LimitExpired,
    LimitPlaced,
)
from analysis_service.entries.rules import BadOrderParams, align_entry

if TYPE_CHECKING:
    from analysis_service.entries.emulator import EntryEmulator, NotFound

__all__ = [
    "ACTIVE",
    "BAD_ORDER_PARAMS",
    "DUPLICATE_ACTIVE_ID",
    "LOST",
    "OPENED_AT_PHASE_END",
    "OPENED_AT_PRICE_UPDATE",
    "PENDING",
    "WON",
    "BadOrderParams",
    "Entry",
    "EntryClosed",
    "EntryEmulator",
    "EntryEvent",
    "EntryOpened",
    "EntryRejected",
    "LimitExpired",
    "LimitPlaced",
    "NotFound",
    "Tag",
    "TagDescription",
    "align_entry",
    "entry_id",
]


def __getattr__(name: str) -> Any:
    # lazy: the emulator imports the taggers, which import this package's entry types
    if name in ("EntryEmulator", "NotFound"):
        from analysis_service.entries import emulator

        return getattr(emulator, name)
    raise AttributeError(name)
