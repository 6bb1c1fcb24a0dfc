"""Turns OrderService and BrokerService events into messages for the subscribers.

Each event is handled once: its messages are queued under the event's key together with the
stream's new cursor, in one transaction (see :mod:`notify_service.store`).

What is pushed, and from which stream (each fact from one stream only, so nothing comes twice):
- order stream: real orders (sent, filled, closed with PnL, failed), VM errors, and — for chats that
  switched them on — emulated entries opened and closed while live;
- account stream: an account halted (ban), a bracket whose stop loss could not be placed, balance
  moves of at least the threshold since the last balance told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from parayok.v1 import broker_pb2, orders_pb2

from . import render
from .store import Message, NotifyStore

log = logging.getLogger("notify_service.events")

ORDER_STREAM = "order"
ACCOUNT_STREAM = "account"

# Emulated entries are pushed only when they happen live: a VM replaying history emits thousands of
# old ones. An entry counts as live when the event comes within this long after its pulse.
LIVE_WINDOW_MS = 60 * 60_000

# Cursors of events that queue nothing are saved every this many events or seconds.
CURSOR_BATCH = 200
CURSOR_SAVE_S = 2.0

# (vm_id, client_order_id) → the order behind a real order, or None (asked of OrderService).
OrderLookup = Callable[[str, str], Awaitable[orders_pb2.Order | None]]
# vm_id → its name, or None.
VmLookup = Callable[[str], Awaitable[str | None]]


async def _no_order(vm_id: str, client_order_id: str) -> orders_pb2.Order | None:
    return None


async def _no_vm(vm_id: str) -> str | None:
    return None


class EventRouter:
    def __init__(
        self,
        store: NotifyStore,
        allowed_chats: frozenset[int],
        balance_threshold: float,
        on_queued: Callable[[], None] = lambda: None,
        find_order: OrderLookup = _no_order,
        vm_name: VmLookup = _no_vm,
    ) -> None:
        self._store = store
        self._allowed = allowed_chats
        self._threshold = balance_threshold
        self._on_queued = on_queued
        self._find_order = find_order
        self._vm_name = vm_name
        self._unsaved: dict[str, int] = {}
        self._unsaved_count = 0
        self._saved_at = time.monotonic()

    def _chats(self, entries: bool = False) -> list[int]:
        # A chat removed from the allowed list keeps its subscription row but gets nothing.
        return [s.chat_id for s in self._store.subscribers()
                if s.chat_id in self._allowed and (s.entries_enabled or not entries)]

    def _queue(self, stream: str, event_id: int, text: str | None, entries: bool = False) -> None:
        if text is None:
            # Most events say nothing to Telegram (a replaying VM emits thousands): their cursor is
            # saved in batches, not with one fsync each. Read again after a crash, they still say nothing.
            self._unsaved[stream] = event_id
            self._unsaved_count += 1
            if self._unsaved_count >= CURSOR_BATCH or time.monotonic() - self._saved_at >= CURSOR_SAVE_S:
                self.save_cursors()
            return
        messages = [Message(chat, text) for chat in self._chats(entries)]
        self._unsaved.pop(stream, None)
        if self._store.enqueue(f"{stream}:{event_id}", messages, (stream, event_id)):
            self._on_queued()

    def save_cursors(self) -> None:
        """Saves the cursors of the silent events handled since the last save."""
        for stream, event_id in self._unsaved.items():
            self._store.set_cursor(stream, event_id)
        self._unsaved.clear()
        self._unsaved_count = 0
        self._saved_at = time.monotonic()

    async def on_order_event(self, ev: orders_pb2.OrderEvent) -> None:
        kind = ev.WhichOneof("event")
        text: str | None = None
        entries = False
        if kind == "real_order":
            text = render.real_order(ev.real_order, await self._real_order_doc(ev.vm_id, ev.real_order))
        elif kind == "order_created" and ev.order_created.real.client_order_id:
            self._store.remember_real_order(ev.order_created.real.client_order_id,
                                            render.order_doc(ev.order_created))
        elif kind == "vm_status" and ev.vm_status.state == orders_pb2.VM_STATE_ERROR:
            name = await self._vm_name(ev.vm_id) or ev.vm_id
            text = render.vm_error(name, ev.vm_status)
        elif kind == "entry_opened" and ev.time_ms - ev.entry_opened.opened_at_ms <= LIVE_WINDOW_MS:
            text, entries = render.emulated_entry_opened(ev.entry_opened), True
        elif kind == "entry_closed" and ev.time_ms - ev.entry_closed.close_time_ms <= LIVE_WINDOW_MS:
            text, entries = render.emulated_entry_closed(ev.entry_closed), True
        self._queue(ORDER_STREAM, ev.event_id, text, entries)

    async def _real_order_doc(self, vm_id: str, real: orders_pb2.RealOrder) -> dict[str, Any] | None:
        doc = self._store.real_order(real.client_order_id)
        if doc is not None:
            return doc
        try:
            order = await self._find_order(vm_id, real.client_order_id)
        except Exception as exc:  # the message goes out without the entry's details
            log.warning("cannot look up a real order", extra={"event": "real_order_lookup_failed",
                                                               "client_order_id": real.client_order_id,
                                                               "error": str(exc)})
            return None
        if order is None:
            return None
        doc = render.order_doc(order)
        self._store.remember_real_order(real.client_order_id, doc)
        return doc

    async def on_account_event(self, ev: broker_pb2.AccountEvent) -> None:
        kind = ev.WhichOneof("event")
        text: str | None = None
        new_reference: float | None = None
        if kind == "halted":
            text = render.account_halted(ev.account_id, ev.halted)
        elif kind == "bracket":
            b = ev.bracket
            if b.state == broker_pb2.BRACKET_STATE_OPEN and b.error and not b.stop.exchange_order_id:
                text = render.stop_failed(b)
        elif kind == "balance" and ev.balance.asset in ("USDT", ""):
            text, new_reference = self._balance_move(ev.account_id, ev.balance)
        self._queue(ACCOUNT_STREAM, ev.event_id, text)
        # After the queue: a stop in between makes the next message measure from the older reference
        # (one move told late), never a lost or repeated message.
        if new_reference is not None:
            self._store.set_notified_balance(ev.account_id, new_reference)

    def _balance_move(self, account_id: str, update: broker_pb2.BalanceUpdate) -> tuple[str | None, float | None]:
        """The message if the balance moved at least the threshold since the last one told, and the new reference."""
        told = self._store.notified_balance(account_id)
        if told is None:
            # First balance ever seen: the one before this update is the reference.
            told = update.wallet_balance - update.change
            self._store.set_notified_balance(account_id, told)
        moved = update.wallet_balance - told
        if abs(moved) + 1e-9 < self._threshold:
            return None, None
        text = render.balance_moved(account_id, update.asset or "USDT", update.wallet_balance, moved)
        return text, update.wallet_balance
