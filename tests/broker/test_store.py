"""BrokerStore's relaxed commits: the configured fsync level comes back after them, the group fsync runs off
the event loop, and stream readers hear of a relaxed event only once it has been fsynced."""

from __future__ import annotations

import asyncio
from pathlib import Path

from broker_service.models import OrderInfo
from broker_service.store import BrokerStore

SYNC_LEVEL = {"NORMAL": 1, "FULL": 2}


def _level(store: BrokerStore) -> int:
    return int(store.db.execute("PRAGMA synchronous").fetchone()[0])


async def test_relaxed_commit_restores_full_and_wakes_readers_after_the_fsync(tmp_path: Path) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        waiter = store.waiter()
        with store.relaxed():
            assert _level(store) == SYNC_LEVEL["NORMAL"]
            eid = store.append_event("a", "order", OrderInfo(client_order_id="x1", status="NEW"))
        assert _level(store) == SYNC_LEVEL["FULL"]
        # committed but not yet announced: the fsync is still pending
        assert not waiter.is_set()
        assert [e.event_id for e in store.events_after(0, "a")] == [eid]
        await asyncio.wait_for(waiter.wait(), 10)
        assert store._syncer is not None and store._syncer.done()
        # a FULL commit announces at once
        waiter.clear()
        store.append_event("a", "order", OrderInfo(client_order_id="x2", status="NEW"))
        assert waiter.is_set()
    finally:
        store.close()


async def test_relaxed_inside_a_transaction_keeps_full(tmp_path: Path) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        with store.transaction(), store.relaxed():
            store.put("a", "k", 1)
            assert _level(store) == SYNC_LEVEL["FULL"]
        assert store.get("a", "k") == 1
    finally:
        store.close()


def test_relaxed_without_an_event_loop_fsyncs_at_once(tmp_path: Path) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        with store.relaxed():
            store.append_event("a", "order", OrderInfo(client_order_id="x1", status="NEW"))
        assert not store._unsynced and not store._notify_after_sync
        assert _level(store) == SYNC_LEVEL["FULL"]
    finally:
        store.close()


def test_normal_store_is_untouched_by_relaxed(tmp_path: Path) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "NORMAL")
    try:
        with store.relaxed():
            store.put("a", "k", 2)
        assert _level(store) == SYNC_LEVEL["NORMAL"]
        assert store.get("a", "k") == 2
    finally:
        store.close()
