"""The SQLite store on its own (dedupe, cursors, recovery, persistence) and the NotifyService RPCs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
import pytest

from notify_service.delivery import RateLimiter
from notify_service.store import Message, NotifyStore
from parayok.v1 import notify_pb2
from tests.notify.conftest import GROUP, OWNER, STRANGER, Stack


def test_enqueue_is_once_per_key_and_moves_the_cursor_with_it(tmp_path: Path) -> None:
    store = NotifyStore.open(tmp_path / "n.sqlite")
    assert store.enqueue("order:7", [Message(1, "a"), Message(2, "a")], ("order", 7)) == 2
    assert store.enqueue("order:7", [Message(1, "a")], ("order", 7)) == 0
    assert store.cursor("order") == 7 and store.cursor("account") == 0
    store.set_cursor("order", 5)  # never backwards
    assert store.cursor("order") == 7
    assert store.outbox_size() == 2 and sorted(store.pending_chats()) == [1, 2]
    row = store.next_for_chat(1)
    assert row is not None and row.text == "a"
    store.delivered(row.id)
    assert store.next_for_chat(1) is None and store.outbox_size() == 1
    store.close()


def test_state_survives_reopen_and_in_flight_rows_are_not_resent(tmp_path: Path) -> None:
    path = tmp_path / "n.sqlite"
    store = NotifyStore.open(path)
    store.subscribe(OWNER, "me")
    store.set_entries_enabled(OWNER, True)
    store.enqueue("k1", [Message(OWNER, "first", {"inline_keyboard": []}), Message(OWNER, "second")])
    row = store.next_for_chat(OWNER)
    assert row is not None and row.markup == {"inline_keyboard": []}
    store.set_inflight(row.id, True)
    store.set_notified_balance("paper", 100.5)
    store.close()

    store = NotifyStore.open(path)
    [sub] = store.subscribers()
    assert (sub.chat_id, sub.name, sub.entries_enabled) == (OWNER, "me", True)
    assert [store.next_for_chat(OWNER).text] == ["second"]  # type: ignore[union-attr]
    assert store.enqueue("k1", [Message(OWNER, "first")]) == 0
    assert store.notified_balance("paper") == 100.5
    assert store.unsubscribe(OWNER) and not store.unsubscribe(OWNER)
    store.close()


async def test_rate_limiter_spaces_one_chat() -> None:
    limiter = RateLimiter(rate=100, chat_interval=0.2)
    starts = []
    for _ in range(3):
        async with limiter.slot(1):
            starts.append(time.monotonic())
    assert starts[1] - starts[0] >= 0.2 and starts[2] - starts[1] >= 0.2
    before = time.monotonic()
    async with limiter.slot(2):  # another chat is not held back
        pass
    assert time.monotonic() - before < 0.15


async def test_notify_rpc(stack: Stack) -> None:
    stub = stack.stub
    reply = await stub.Notify(notify_pb2.NotifyRequest(text="to all"), timeout=5)
    assert reply.queued == 0  # nobody subscribed yet
    await stack.command(OWNER, "/start")
    await stack.command(GROUP, "/start")
    reply = await stub.Notify(notify_pb2.NotifyRequest(text="<i>to all</i>", dedupe_key="d1"), timeout=5)
    assert reply.queued == 2
    reply = await stub.Notify(notify_pb2.NotifyRequest(text="<i>to all</i>", dedupe_key="d1"), timeout=5)
    assert reply.queued == 0
    reply = await stub.Notify(notify_pb2.NotifyRequest(text="just you", chat_id=GROUP), timeout=5)
    assert reply.queued == 1
    await stack.api.wait_sent(3, GROUP)
    await stack.api.wait_sent(2, OWNER)
    assert stack.api.texts(GROUP)[1:] == ["<i>to all</i>", "just you"]
    assert stack.api.texts(OWNER)[1:] == ["<i>to all</i>"]

    for request, field in [
        (notify_pb2.NotifyRequest(text=""), "text"),
        (notify_pb2.NotifyRequest(text="x" * 4097), "text"),
        (notify_pb2.NotifyRequest(text="hi", chat_id=STRANGER), "chat_id"),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Notify(request, timeout=5)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert info.value.details().startswith(field)
    assert stack.api.texts(STRANGER) == []
    status = await stack.status()
    assert status.enabled and status.connected and status.bot_username == "parayok_test_bot"


async def test_messages_to_a_chat_taken_off_the_allowed_list_are_dropped(tmp_path: Path) -> None:
    from notify_service.delivery import Deliverer

    store = NotifyStore.open(tmp_path / "n.sqlite")
    store.enqueue("k", [Message(STRANGER, "old"), Message(OWNER, "fine")])
    sent: list[tuple[int, str]] = []
    done = asyncio.Event()

    async def send(chat_id: int, text: str, markup: object) -> None:
        sent.append((chat_id, text))
        done.set()

    deliverer = Deliverer(store, send, RateLimiter(), allowed={OWNER}.__contains__)
    deliverer.start()
    await asyncio.wait_for(done.wait(), 10)
    await deliverer.stop()
    assert sent == [(OWNER, "fine")] and store.outbox_size() == 0
    store.close()


async def test_silent_events_save_their_cursor_in_batches(tmp_path: Path) -> None:
    from notify_service.events import EventRouter
    from parayok.v1 import orders_pb2

    store = NotifyStore.open(tmp_path / "n.sqlite")
    store.subscribe(OWNER, "me")
    router = EventRouter(store, frozenset({OWNER}), 5.0)
    for n in (1, 2, 3):  # a LIVE state change says nothing
        await router.on_order_event(orders_pb2.OrderEvent(event_id=n, vm_id="vm1", vm_status=orders_pb2.VmStatus(
            state=orders_pb2.VM_STATE_LIVE)))
    assert store.cursor("order") == 0 and store.outbox_size() == 0
    router.save_cursors()
    assert store.cursor("order") == 3
    await router.on_order_event(orders_pb2.OrderEvent(event_id=4, vm_id="vm1", vm_status=orders_pb2.VmStatus(
        state=orders_pb2.VM_STATE_ERROR, error="x")))
    assert store.cursor("order") == 4 and store.outbox_size() == 1  # saved with its message
    store.close()
