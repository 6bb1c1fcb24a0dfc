"""A real `python -m order_service` SIGKILLed mid-history and mid-live resumes without losing or duplicating."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc

from order_service.service import client_order_id
from order_service.store import Store
from parayok.bootstrap import wait_serving
from parayok.supervisor import dies_with_parent
from parayok.v1 import common_pb2, orders_pb2, orders_pb2_grpc
from tests.conftest import PYTHON, ROOT, free_port, stop_process
from tests.orders.conftest import T0, wait_for
from tests.orders.doubles import PULSE_MS, entry_at, expected_entry_ids, running_doubles

HISTORY, LIVE = 300, 90
SYMBOLS = ["BTCUSDT", "ETHUSDT"]


class Proc:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.p: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as fh:
            argv = dies_with_parent([PYTHON, "-m", "order_service"])
            self.p = subprocess.Popen(argv, env=self.env, cwd=ROOT, stdout=fh, stderr=fh)

    def kill(self) -> None:
        assert self.p is not None
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait(timeout=10)

    def stop(self) -> None:
        if self.p is not None:
            stop_process(self.p, 15)


def last_pulse(db: Path) -> int:
    store = Store(db)
    try:
        return int(store.db.execute("SELECT last_pulse_ms FROM vms").fetchone()[0])
    finally:
        store.close()


def stored_events(db: Path) -> Iterator[orders_pb2.OrderEvent]:
    store = Store(db)
    try:
        after = 0
        while rows := store.events_after(after, ""):
            for event_id, _vm, _t, payload in rows:
                ev = orders_pb2.OrderEvent.FromString(payload)
                ev.event_id = event_id
                after = event_id
                yield ev
    finally:
        store.close()


async def test_sigkill_mid_history_and_mid_live(suite_env: dict[str, str], tmp_path: Path) -> None:
    async with running_doubles(
        free_port(), history_pulses=HISTORY, live_pulses=LIVE, live_interval=0.03, history_delay=0.004
    ) as d:
        env = dict(suite_env)
        for name in ("ANALYSIS", "CANDLE", "BROKER"):
            env[f"PARAYOK_{name}_ADDR"] = d.addr
        env["PARAYOK_DEFAULT_VM_ENABLED"] = "false"
        env["PARAYOK_ORDER_RETRY_MAX_WAIT"] = "0.5"
        addr = env["PARAYOK_ORDER_ADDR"]
        db = Path(env["PARAYOK_DATA_DIR"]) / "orders.sqlite3"
        proc = Proc(env, tmp_path / "order_service.log")
        channel = grpc.aio.insecure_channel(addr)
        stub = orders_pb2_grpc.OrderServiceStub(channel)

        async def vm() -> orders_pb2.Vm:
            return await stub.GetVm(orders_pb2.VmRef(vm_id="crash"), timeout=5)

        try:
            proc.start()
            await wait_serving(addr, timeout=30)
            await stub.CreateVm(
                orders_pb2.CreateVmRequest(
                    start=True,
                    vm=orders_pb2.Vm(
                        id="crash",
                        symbols=SYMBOLS,
                        timeframes=[common_pb2.TIMEFRAME_5M],
                        history_from_ms=T0,
                        broker_account="acc1",
                        live_trading=True,
                    ),
                ),
                timeout=30,
            )

            # 1. Mid-history.
            async def mid_history() -> bool:
                v = await vm()
                return v.last_pulse_ms >= T0 + 100 * PULSE_MS

            await wait_for(mid_history, 60, "mid-history")
            proc.kill()
            assert T0 + 100 * PULSE_MS <= last_pulse(db) < T0 + HISTORY * PULSE_MS

            # 2. Restart, let it go live and place some brackets, then kill mid-live.
            proc.start()
            await wait_serving(addr, timeout=30)
            await wait_for(lambda: len(d.broker.brackets) >= 3, 60, "brackets placed live")
            proc.kill()
            killed_at = last_pulse(db)
            assert T0 + HISTORY * PULSE_MS < killed_at < T0 + (HISTORY + LIVE) * PULSE_MS

            # 3. Restart and run to the end.
            proc.start()
            await wait_serving(addr, timeout=30)
            last = T0 + (HISTORY + LIVE) * PULSE_MS

            async def finished() -> bool:
                v = await vm()
                return v.last_pulse_ms == last and v.state == orders_pb2.VM_STATE_LIVE

            await wait_for(finished, 90, "every pulse after the second restart")
            entries = await stub.ListEntries(
                orders_pb2.ListEntriesRequest(vm_id="crash", page=common_pb2.PageRequest(page_size=10_000)), timeout=30
            )
            expected = expected_entry_ids(SYMBOLS, T0, last)
            assert {e.id for e in entries.entries} == expected and entries.total == len(expected)
            orders = await stub.ListOrders(
                orders_pb2.ListOrdersRequest(vm_id="crash", page=common_pb2.PageRequest(page_size=10_000)), timeout=30
            )
            assert orders.total == len(expected)
            real = {o.real.client_order_id: o for o in orders.orders if o.HasField("real")}
            await wait_for(lambda: set(d.broker.brackets) >= set(real), 30, "every intent at the broker")
        finally:
            proc.stop()
            await channel.close()

        # No entry lost or duplicated in the durable event log; ids strictly increase across restarts.
        events = list(stored_events(db))
        ids = [e.event_id for e in events]
        assert ids == sorted(set(ids))
        opened = [e.entry_opened.id for e in events if e.WhichOneof("event") == "entry_opened"]
        assert len(opened) == len(set(opened)) and set(opened) == expected
        created = [e.order_created.id for e in events if e.WhichOneof("event") == "order_created"]
        assert len(created) == len(set(created)) == len(expected)
        closed = [e.entry_closed.id for e in events if e.WhichOneof("event") == "entry_closed"]
        assert len(closed) == len(set(closed))

        # No bracket sent twice; every bracket belongs to an entry opened after the live switch.
        assert d.broker.brackets and all(n == 1 for n in d.broker.calls.values()), d.broker.calls
        live_entries = {entry_at(s, k, T0, "").id for s in SYMBOLS for k in range(HISTORY, HISTORY + LIVE)}
        cids = {client_order_id("crash", i): i for i in live_entries}
        assert set(d.broker.brackets) <= set(cids)
        assert set(d.broker.brackets) == set(real)
        assert all(o.real.status == orders_pb2.REAL_ORDER_STATUS_OPEN for o in real.values())
