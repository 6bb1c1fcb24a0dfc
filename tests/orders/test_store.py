"""order_service's store: a pulse's write, as it is read back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from order_service.model import RealOrder, RealStatus
from order_service.store import PulseWrite, Store, real_from_json


def real(entry_id: str) -> RealOrder:
    return RealOrder(vm_id="vm", entry_id=entry_id, client_order_id=f"c-{entry_id}", account_id="acct",
                     status=RealStatus.OPEN, filled_quantity=0.5, average_price=101.25, created_ms=7, symbol="BTCUSDT",
                     side="buy", quantity=0.5, stop_loss=99.0, take_profit=103.0)


def test_a_pulse_commit_returns_the_ids_its_events_are_read_back_with(tmp_path: Path) -> None:
    store = Store(tmp_path / "orders.sqlite3")
    try:
        store.add_event("other", 1, b"before")  # ids do not start at 1 for this VM
        first = PulseWrite("vm", 60_000, 0, events=[(1, b"a"), (2, b"b"), (3, b"c")])
        second = PulseWrite("vm", 120_000, 0, events=[(4, b"d")])
        ids = store.commit_pulse(first) + store.commit_pulse(second) + store.commit_pulse(PulseWrite("vm", 1, 0))
        rows = store.events_after(0, "vm")
        assert ids == [r[0] for r in rows] and [r[3] for r in rows] == [b"a", b"b", b"c", b"d"]
    finally:
        store.close()


def test_a_real_order_is_stored_as_the_json_of_all_its_fields(tmp_path: Path) -> None:
    store = Store(tmp_path / "orders.sqlite3")
    try:
        r = real("e1")
        store.commit_pulse(PulseWrite("vm", 60_000, 0, real_orders=[r]))
        (text,) = store.db.execute("SELECT data FROM real_orders").fetchone()
        assert json.loads(text) == dataclasses.asdict(r) | {"status": "open"}
        assert real_from_json(text) == r == store.real_by_client_id("c-e1")
    finally:
        store.close()


async def test_checkpoints_run_in_a_worker_not_inside_a_pulse_commit(tmp_path: Path) -> None:
    import asyncio
    import threading

    store = Store(tmp_path / "orders.sqlite3")
    try:
        assert int(store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 0
        store.checkpointer.every = 10
        for i in range(25):
            store.commit_pulse(PulseWrite("vm", 60_000 * (i + 1), 0, events=[(i, b"e")]))
        assert store.checkpointer._running is not None
        await asyncio.wait_for(store.checkpointer._running, 10)
        assert store.checkpointer.checkpoints >= 1 and threading.get_ident() not in store.checkpointer.threads
    finally:
        store.close()
