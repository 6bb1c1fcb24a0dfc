"""Entry emulation: signals become entries at phase end, limit entries wait for their price, and
every price update closes entries at their stop or take
(seed: src/vm/Orders/OrdersManager.js — queueEntry, processEntriesQueue, marketEntry, limitEntry,
adjustSLTP, priceUpdate, limitEntriesPriceUpdate, closeEntry).

Implements the engine's `EntrySink`. Per pulse the engine calls `price_update` (closes, then
limit triggers), processes candles (strategies call `queue_entry`), then `phase_end` (queued
signals become entries or pending limits, in queue order). Events are emitted in that order to
`listeners` and buffered for `drain_events()`. Deterministic: no clock, no randomness.

Deviations from the seed: a limit signal whose stop/take cannot be aligned is dropped by the seed
without a trace; we emit `EntryRejected(reason=bad_order_params, is_limit=True)`. Limit expiry is
emitted as `LimitExpired` (the seed only logs it). No EntryPlan/orders here (order_service).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis_service.engine.entries import EntrySignal
from analysis_service.engine.timeframes import tf_length
from analysis_service.entries.entry import (
    ACTIVE,
    OPENED_AT_PHASE_END,
    OPENED_AT_PRICE_UPDATE,
    PENDING,
    Entry,
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
from analysis_service.entries.snapshot import json_snapshot
from analysis_service.taggers import StaticTagger, TagContext, apply_static_tags, default_tagger_registry

if TYPE_CHECKING:
    from analysis_service.engine.engine import Engine, SymbolInfo
    from analysis_service.engine.flags import FlagStore

LIMIT_ORDER_TIMEOUT_CANDLES = 1


class NotFound(LookupError):
    """No entry with that id (mapped to NOT_FOUND by parayok.errors)."""


@dataclass(slots=True)
class _Queued:
    """A signal on its way to becoming an entry (the seed's mutable `params`)."""

    id: str
    strategy: str
    symbol: str
    timeframe: str
    type: str
    time: int
    entry_price: float
    stop_loss: float | None
    take_profit: float | None
    is_limit: bool
    comment: str = ""
    expire: int = 0

    @property
    def is_long(self) -> bool:
        return self.type == "buy"

    def as_entry(self, result: str) -> Entry:
        e = Entry.open(
            symbol=self.symbol,
            timeframe=self.timeframe,
            strategy=self.strategy,
            type=self.type,
            time=self.time,
            entry_price=self.entry_price,
            stop_loss=self.stop_loss if self.stop_loss is not None else float("nan"),
            take_profit=self.take_profit if self.take_profit is not None else float("nan"),
            is_limit=self.is_limit,
        )
        e.result = result
        return e


class EntryEmulator:
    def __init__(
        self,
        symbols: Iterable[SymbolInfo],
        flags: FlagStore,
        *,
        taggers: list[StaticTagger] | None = None,
        flags_snapshot: bool = True,
    ) -> None:
        self.symbols = {s.symbol: s for s in symbols}
        self.flags = flags
        self.taggers = taggers if taggers is not None else default_tagger_registry().create_all()
        self.flags_snapshot = flags_snapshot
        self.listeners: list[Callable[[EntryEvent], None]] = []
        self.entries: list[Entry] = []
        self.active: list[Entry] = []
        self._active_ids: set[str] = set()
        self._by_id: dict[str, Entry] = {}
        self._queue: list[_Queued] = []
        self._limits: list[_Queued] = []
        self._events: list[EntryEvent] = []
        self.last_update_time: int | None = None
        self._snapshot_cache: dict[int, tuple[Any, int, Any]] = {}  # see json_snapshot

    @classmethod
    def attach(cls, engine: Engine, **kwargs: object) -> EntryEmulator:
        """An emulator over the engine's symbols and flag store, installed as its entry sink."""
        emu = cls(engine.symbols.values(), engine.flags, **kwargs)  # type: ignore[arg-type]
        engine.entry_sink = emu
        return emu

    # --- EntrySink ---------------------------------------------------------------------

    def queue_entry(self, signal: EntrySignal) -> None:
        self._queue.append(
            _Queued(
                id=entry_id(signal.symbol, signal.timeframe, signal.strategy, signal.time),
                strategy=signal.strategy,
                symbol=signal.symbol,
                timeframe=signal.timeframe,
                type=signal.type,
                time=signal.time,
                entry_price=signal.entry_price,
                stop_loss=signal.stop_loss,
                take_profit=signal.take_profit,
                is_limit=signal.is_limit,
            )
        )

    def phase_end(self, pulse_time: int) -> None:
        if not self._queue:
            return  # most pulses queue nothing
        queue, self._queue = self._queue, []
        for q in queue:
            if q.is_limit:
                self._place_limit(q, pulse_time)
            else:
                self._open(q, pulse_time, OPENED_AT_PHASE_END)

    def price_update(self, symbol: str, event_time: int, low: float, high: float, current: float) -> None:
        if self.last_update_time is None or event_time > self.last_update_time:
            self.last_update_time = event_time
        entries = [e for e in self.active if e.symbol == symbol] if self.active else None
        if entries:
            # is_long / active, inlined: this runs for every open entry on every price update
            longs: list[Entry] = []
            shorts: list[Entry] = []
            for e in entries:
                (longs if e.type == "buy" else shorts).append(e)
            # stops first: a bar that reaches both is a loss (the worst case)
            for e in shorts:
                if high >= e.stop_loss:
                    self._close(e, False, e.stop_loss)
            for e in longs:
                if low <= e.stop_loss:
                    self._close(e, False, e.stop_loss)
            for e in shorts:
                if e.result == ACTIVE and low <= e.take_profit:
                    self._close(e, True, e.take_profit)
            for e in longs:
                if e.result == ACTIVE and high >= e.take_profit:
                    self._close(e, True, e.take_profit)
            for e in entries:
                if e.result == ACTIVE and e.current_price != current:
                    e.update_current_price(current)
        if self._limits:
            self._limits_update(symbol, event_time, low, high)

    # --- events ------------------------------------------------------------------------

    def drain_events(self) -> list[EntryEvent]:
        out, self._events = self._events, []
        return out

    def _emit(self, event: EntryEvent) -> None:
        self._events.append(event)
        for listener in self.listeners:
            listener(event)

    # --- the seed's OrdersManager steps -----------------------------------------------------

    def _align(self, q: _Queued) -> str | None:
        """adjustSLTP: round stop/take in place; the error text when they cannot be aligned."""
        info = self.symbols.get(q.symbol)
        if info is None:
            return f"no symbol info for {q.symbol}"
        try:
            a = align_entry(info, q.entry_price, q.stop_loss, q.take_profit)
        except BadOrderParams as exc:
            return str(exc)
        q.stop_loss = a.stop_loss
        q.take_profit = a.take_profit
        return None

    def _reject(self, q: _Queued, at: int, reason: str, message: str = "") -> None:
        self._emit(
            EntryRejected(
                id=q.id,
                strategy=q.strategy,
                symbol=q.symbol,
                timeframe=q.timeframe,
                time=q.time,
                type=q.type,
                is_limit=q.is_limit,
                at=at,
                reason=reason,
                message=message,
            )
        )

    def _open(self, q: _Queued, at: int, opened_in: str) -> Entry | None:
        error = self._align(q)
        if error is not None:
            # labelled as the reference harness does: a duplicate id wins over the params error
            self._reject(q, at, DUPLICATE_ACTIVE_ID if q.id in self._active_ids else BAD_ORDER_PARAMS, error)
            return None
        if q.id in self._active_ids:
            self._reject(q, at, DUPLICATE_ACTIVE_ID)
            return None
        assert q.stop_loss is not None and q.take_profit is not None
        e = Entry.open(
            symbol=q.symbol,
            timeframe=q.timeframe,
            strategy=q.strategy,
            type=q.type,
            time=q.time,
            entry_price=q.entry_price,
            stop_loss=q.stop_loss,
            take_profit=q.take_profit,
            is_limit=q.is_limit,
        )
        e.opened_at = at
        e.opened_in = opened_in
        e.comment = q.comment
        if self.flags_snapshot:
            e.flags = json_snapshot(self.flags.tickers.get(f"{q.symbol}-{q.timeframe}"), self._snapshot_cache)
        e.tags = apply_static_tags(self.taggers, e, TagContext(self.flags, self.entries))
        e.seq = len(self.entries)
        self.entries.append(e)
        self.active.append(e)
        self._active_ids.add(e.id)
        self._by_id.setdefault(e.id, e)
        self._emit(EntryOpened(e.copy()))
        return e

    def _place_limit(self, q: _Queued, at: int) -> None:
        error = self._align(q)
        if error is not None:
            self._reject(q, at, BAD_ORDER_PARAMS, error)
            return
        q.expire = q.time + LIMIT_ORDER_TIMEOUT_CANDLES * tf_length(q.timeframe)
        self._limits.append(q)
        self._emit(LimitPlaced(q.as_entry(PENDING), q.expire))

    def _limits_update(self, symbol: str, event_time: int, low: float, high: float) -> None:
        for q in [x for x in self._limits if x.symbol == symbol]:
            # the trigger is checked before the expiry
            if (high >= q.entry_price) if q.is_long else (low <= q.entry_price):
                self._limits.remove(q)
                self._open(q, event_time, OPENED_AT_PRICE_UPDATE)
        for q in [x for x in self._limits if x.symbol == symbol]:
            if event_time >= q.expire:
                self._limits.remove(q)
                self._emit(LimitExpired(q.as_entry(PENDING), event_time))

    def _close(self, e: Entry, won: bool, price: float) -> None:
        if not e.active:
            return
        assert self.last_update_time is not None
        e.close(won, price, self.last_update_time)
        self.active.remove(e)
        self._active_ids.discard(e.id)
        self._emit(EntryClosed(e.copy()))

    # --- queries -------------------------------------------------------------------------

    def get(self, entry_id: str) -> Entry:
        e = self._by_id.get(entry_id)
        if e is None:
            raise NotFound(f"entry_id: no entry {entry_id!r}")
        return e

    def list_entries(self, active_only: bool = False) -> list[Entry]:
        """Creation order (= time order of opening)."""
        return list(self.active if active_only else self.entries)

    def page(self, active_only: bool = False, after: int = -1, size: int = 100) -> tuple[list[Entry], int | None]:
        """Up to `size` entries created after cursor `after` (an entry's `seq`; -1 = from the start),
        and the cursor for the next page (None on the last page). Stable while entries are added."""
        if size <= 0:
            raise ValueError("page_size: must be positive")
        out: list[Entry] = []
        for e in self.entries[after + 1 :]:
            if active_only and not e.active:
                continue
            if len(out) == size:
                return out, out[-1].seq
            out.append(e)
        return out, None

    def pending_limits(self) -> list[Entry]:
        return [q.as_entry(PENDING) for q in self._limits]

    def tag_descriptions(self) -> list[TagDescription]:
        return [d for t in self.taggers for d in t.DESCRIPTIONS]
