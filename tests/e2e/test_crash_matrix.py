"""Crash matrix (part): SIGKILL candle_service, analysis_service and order_service in turn while a VM
is live at exchange_sim's accelerated clock; the supervisor restarts each, the VM comes back live, and
no entry or order is duplicated."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import grpc

from parayok.v1 import common_pb2, orders_pb2, orders_pb2_grpc
from tests.conftest import PYTHON, free_port


def events(log: Path) -> list[dict[str, object]]:
    out = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):  # a line cut by a killed writer
                out.append(json.loads(line))
    return out


def child_pid(log: Path, name: str) -> int:
    return int([e for e in events(log) if e.get("event") == "child_started" and e.get("child") == name][-1]["pid"])  # type: ignore[call-overload]


async def wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # bounded poll of a real system's state
        try:
            if await predicate():
                return
        except grpc.aio.AioRpcError:
            pass  # the service is restarting
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


async def test_each_service_killed_while_live_nothing_duplicated(suite_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(suite_env, PARAYOK_MARKET="sim", PARAYOK_SIM_URL=f"http://127.0.0.1:{free_port()}",
               PARAYOK_SIM_SPEED="10", PARAYOK_DEFAULT_VM_SYMBOLS="BTCUSDT,ETHUSDT",
               PARAYOK_DEFAULT_VM_TIMEFRAMES="5m,1m", PARAYOK_DEFAULT_VM_HISTORY_DAYS="1")
    log = tmp_path / "suite.log"
    with log.open("wb") as err:
        suite = subprocess.Popen([PYTHON, "-m", "parayok", "up"], env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        async def ready() -> bool:
            return any(e.get("event") == "suite_ready" for e in events(log))
        await wait_for(ready, 90, "the suite")
        async with grpc.aio.insecure_channel(env["PARAYOK_ORDER_ADDR"]) as channel:
            orders = orders_pb2_grpc.OrderServiceStub(channel)

            async def default_vm_live() -> bool:
                vms = (await orders.ListVms(orders_pb2.ListVmsRequest(), timeout=5)).vms
                return bool(vms) and vms[0].state == orders_pb2.VM_STATE_LIVE
            await wait_for(default_vm_live, 120, "the default VM to go live")
            vm_id = (await orders.ListVms(orders_pb2.ListVmsRequest(), timeout=5)).vms[0].id

            async def entry_ids() -> list[str]:
                listed = await orders.ListEntries(orders_pb2.ListEntriesRequest(
                    vm_id=vm_id, page=common_pb2.PageRequest(page_size=10_000)), timeout=10)
                return [e.id for e in listed.entries]

            before = await entry_ids()
            assert before and len(before) == len(set(before))
            for name in ("analysis_service", "candle_service", "order_service"):
                victim = child_pid(log, name)
                os.kill(victim, signal.SIGKILL)

                async def restarted(name: str = name, victim: int = victim) -> bool:
                    return child_pid(log, name) != victim
                await wait_for(restarted, 60, f"{name} to be restarted")
                await asyncio.sleep(2)
                await wait_for(default_vm_live, 120, f"the VM to be live again after killing {name}")
            after = await entry_ids()
            assert len(after) == len(set(after)), "an entry was recorded twice"
            assert set(before) <= set(after), "an entry was lost"
            listed = await orders.ListOrders(orders_pb2.ListOrdersRequest(
                vm_id=vm_id, page=common_pb2.PageRequest(page_size=10_000)), timeout=10)
            order_ids = [o.id for o in listed.orders]
            assert len(order_ids) == len(set(order_ids)), "an order was made twice"
            assert set(order_ids) <= set(after)
    finally:
        suite.send_signal(signal.SIGTERM)
        try:
            suite.wait(timeout=30)
        except subprocess.TimeoutExpired:
            suite.kill()
