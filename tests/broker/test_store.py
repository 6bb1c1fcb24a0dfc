"""BrokerStore's durability levels: under FULL an ordinary commit is fsynced before it returns, a relaxed one by
a group fsync in a worker thread (stream readers hear of it only after that fsync), and ``await durable()``
returns only once an fsync begun after the commit has finished — without blocking the event loop meanwhile.
NORMAL never fsyncs."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker_service.models import OrderInfo
from broker_service.store import BrokerStore


class FsyncSpy:
    """Records which thread each fsync ran on; ``hold()`` makes the next fsyncs wait for ``release()``."""

    def __init__(self) -> None:
        self.threads: list[int] = []
        self.started = threading.Event()
        self._gate = threading.Event()
        self._gate.set()
        self._real = os.fsync

    def __call__(self, fd: int) -> None:
        self.started.set()
        assert self._gate.wait(10), "fsync held for more than 10 s"
        self._real(fd)
        self.threads.append(threading.get_ident())

    def hold(self) -> None:
        self._gate.clear()
        self.started.clear()

    def release(self) -> None:
        self._gate.set()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[FsyncSpy]:
    s = FsyncSpy()
    monkeypatch.setattr(os, "fsync", s)
    yield s
    s.release()


def _order(cid: str) -> OrderInfo:
    return OrderInfo(client_order_id=cid, status="NEW")


async def test_full_commit_is_fsynced_on_return_and_announced_at_once(tmp_path: Path, spy: FsyncSpy) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        waiter = store.waiter()
        before = len(spy.threads)
        store.append_event("a", "order", _order("x1"))
        assert len(spy.threads) == before + 1 and spy.threads[-1] == threading.get_ident()
        assert waiter.is_set()
        # a transaction is one commit, one fsync
        with store.transaction():
            store.put("a", "k", 1)
            store.put("a", "k2", 2)
        assert len(spy.threads) == before + 2
        # the connection itself never fsyncs (this class does): it runs synchronous=NORMAL
        assert int(store.db.execute("PRAGMA synchronous").fetchone()[0]) == 1
    finally:
        store.close()


async def test_relaxed_commit_is_fsynced_by_a_worker_and_announced_after_it(tmp_path: Path, spy: FsyncSpy) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        waiter = store.waiter()
        before = len(spy.threads)
        with store.relaxed():
            eid = store.append_event("a", "order", _order("x1"))
            eid2 = store.append_event("a", "order", _order("x2"))
        assert len(spy.threads) == before  # not yet on disk ...
        assert not waiter.is_set()  # ... so not yet announced
        assert [e.event_id for e in store.events_after(0, "a")] == [eid, eid2]
        await asyncio.wait_for(waiter.wait(), 10)
        assert len(spy.threads) == before + 1  # one group fsync for both
        assert spy.threads[-1] != threading.get_ident()
    finally:
        store.close()


async def test_durable_waits_for_an_fsync_after_the_commit_without_blocking_the_loop(
    tmp_path: Path, spy: FsyncSpy
) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        spy.hold()
        with store.relaxed(), store.transaction():
            store.put("a", "k", 1)
        done = asyncio.Event()

        async def wait_durable() -> None:
            await store.durable()
            done.set()

        task = asyncio.create_task(wait_durable())
        assert await asyncio.to_thread(spy.started.wait, 10)
        # the fsync is under way in a worker; the loop still runs other work, durable() has not returned
        for _ in range(5):
            await asyncio.sleep(0)
        assert not done.is_set()
        spy.release()
        await asyncio.wait_for(task, 10)
        assert spy.threads[-1] != threading.get_ident()
        # nothing new committed: durable() returns at once, no fsync
        n = len(spy.threads)
        await store.durable()
        assert len(spy.threads) == n
    finally:
        spy.release()
        store.close()


async def test_commit_made_while_an_fsync_runs_needs_another(tmp_path: Path, spy: FsyncSpy) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        spy.hold()
        with store.relaxed():
            store.put("a", "k", 1)
        assert await asyncio.to_thread(spy.started.wait, 10)  # the group fsync started, before the next commit
        with store.relaxed():
            store.put("a", "k", 2)
        n = len(spy.threads)
        durable = asyncio.create_task(store.durable())
        spy.release()
        await asyncio.wait_for(durable, 10)
        assert len(spy.threads) >= n + 2  # the running fsync did not count for the later commit
    finally:
        spy.release()
        store.close()


async def test_relaxed_inside_a_transaction_commits_fully(tmp_path: Path, spy: FsyncSpy) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        before = len(spy.threads)
        with store.transaction(), store.relaxed():
            store.put("a", "k", 1)
        # the commit came after relaxed() ended: fsynced inline
        assert len(spy.threads) == before + 1 and spy.threads[-1] == threading.get_ident()
        assert store.get("a", "k") == 1
    finally:
        store.close()


def test_relaxed_without_an_event_loop_fsyncs_at_once(tmp_path: Path, spy: FsyncSpy) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "FULL")
    try:
        before = len(spy.threads)
        with store.relaxed():
            store.append_event("a", "order", _order("x1"))
        assert len(spy.threads) == before + 1
        assert not store._unsynced and not store._notify_after_sync
    finally:
        store.close()


async def test_normal_store_never_fsyncs(tmp_path: Path, spy: FsyncSpy) -> None:
    store = BrokerStore(tmp_path / "b.sqlite3", "NORMAL")
    try:
        waiter = store.waiter()
        with store.relaxed():
            store.put("a", "k", 2)
            store.append_event("a", "order", _order("x1"))
        store.append_event("a", "order", _order("x2"))
        await store.durable()
        assert waiter.is_set()
        assert store.get("a", "k") == 2
        assert spy.threads == []
    finally:
        store.close()


async def test_checkpoints_run_in_a_worker_not_inside_a_commit(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite3"
    store = BrokerStore(db, "FULL")
    try:
        assert int(store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 0
        store.checkpointer.every = 20
        for i in range(50):
            with store.relaxed():
                store.put("a", f"k{i}", i)
        assert store.checkpointer._running is not None
        await asyncio.wait_for(store.checkpointer._running, 10)
        assert store.checkpointer.checkpoints >= 1
        assert threading.get_ident() not in store.checkpointer.threads
    finally:
        store.close()
    reopened = BrokerStore(db, "FULL")
    try:
        assert [reopened.get("a", f"k{i}") for i in range(50)] == list(range(50))
    finally:
        reopened.close()


def test_an_accounts_events_after_an_id_are_a_seek_not_a_scan(tmp_path: Path) -> None:
    """A stream reader asks after every event; scanning and sorting all of an account's events each time
    grew with the account's history (it was most of broker_service's CPU after a few thousand brackets)."""
    store = BrokerStore(tmp_path / "b.sqlite3", "NORMAL")
    try:
        ids = [store.append_event("a" if i % 2 else "b", "order", _order(f"x{i}")) for i in range(6)]
        assert [e.event_id for e in store.events_after(ids[2], "a")] == [ids[3], ids[5]]
        executed: list[str] = []
        store.db.set_trace_callback(executed.append)  # the statement as run, values bound
        store.events_after(ids[2], "a")
        store.db.set_trace_callback(None)
        (query,) = [q for q in executed if q.lstrip().upper().startswith("SELECT")]
        plan = " ".join(str(row) for row in store.db.execute("EXPLAIN QUERY PLAN " + query))
        assert "events_account" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        store.close()
