"""Domain events of the entry emulation, emitted in pulse order (seed: the OrdersManager steps
that the reference harness records as `entry`, `limit`, `entry_rejected`, `close`)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.entries.entry import Entry

DUPLICATE_ACTIVE_ID = "duplicate_active_id"
BAD_ORDER_PARAMS = "bad_order_params"


@dataclass(frozen=True, slots=True)
class EntryOpened:
    """A market entry at phase end, or a limit entry whose price was reached (a copy of the entry
    as it opened; `entry.opened_in` tells which)."""

    entry: Entry


@dataclass(frozen=True, slots=True)
class LimitPlaced:
    """A limit entry waits for its price until `expire` (entry.result == 'pending', stop and take
    already rounded; no tags or flags yet: they are taken when it triggers)."""

    entry: Entry
    expire: int


@dataclass(frozen=True, slots=True)
class LimitExpired:
    """A pending limit entry reached its expiry without triggering (no seed record)."""

    entry: Entry
    at: int


@dataclass(frozen=True, slots=True)
class EntryRejected:
    """An entry that was not opened: `reason` is DUPLICATE_ACTIVE_ID (an active entry has the same
    id) or BAD_ORDER_PARAMS (no stop/take, or 1000 USD buys less than the minimum quantity)."""

    id: str
    strategy: str
    symbol: str
    timeframe: str
    time: int
    type: str
    is_limit: bool
    at: int  # pulse time (phase end) or price-update time (limit trigger)
    reason: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class EntryClosed:
    """An entry reached its stop (result 'lost') or take (result 'won'); a copy at closing."""

    entry: Entry


EntryEvent = EntryOpened | LimitPlaced | LimitExpired | EntryRejected | EntryClosed
