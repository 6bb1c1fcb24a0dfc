"""Bad input on every RPC: a clear status naming the field, never UNKNOWN/INTERNAL; and the default VM."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from order_service.clients import AnalysisClient, BrokerClient, CandleClient
from order_service.service import OrderService, VmHandle, default_vm_from_settings
from order_service.store import Store
from parayok.v1 import common_pb2, orders_pb2
from tests.orders.conftest import T0, Harness, wait_for
from tests.orders.doubles import Doubles

OK_VM = orders_pb2.Vm(id="ok", symbols=["BTCUSDT"], timeframes=[common_pb2.TIMEFRAME_5M], history_from_ms=T0)


def vm(**changes: Any) -> orders_pb2.Vm:
    msg = orders_pb2.Vm()
    msg.CopyFrom(OK_VM)
    for key, value in changes.items():
        if key == "plan":
            msg.plan.CopyFrom(value)
        elif isinstance(value, list):
            field = getattr(msg, key)
            del field[:]
            field.extend(value)
        else:
            setattr(msg, key, value)
    return msg


INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION

CASES: list[tuple[str, Callable[[Any], Awaitable[Any]], grpc.StatusCode, str]] = [
    ("create without vm", lambda s: s.CreateVm(orders_pb2.CreateVmRequest()), INVALID, "vm"),
    ("bad id", lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(id="a b/c"))), INVALID, "vm.id"),
    ("no symbols", lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(symbols=[]))), INVALID, "vm.symbols"),
    (
        "bad symbol",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(symbols=["btc usdt"]))),
        INVALID,
        "vm.symbols",
    ),
    (
        "dup symbols",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(symbols=["BTCUSDT", "BTCUSDT"]))),
        INVALID,
        "vm.symbols",
    ),
    ("no timeframes", lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(timeframes=[]))), INVALID, "vm.timeframes"),
    (
        "bad timeframe",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(timeframes=[99]))),
        INVALID,
        "vm.timeframes",
    ),
    (
        "no history",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(history_from_ms=0))),
        INVALID,
        "vm.history_days",
    ),
    (
        "negative days",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(history_days=-1))),
        INVALID,
        "vm.history_days",
    ),
    ("end before start", lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(end_ms=T0 - 1))), INVALID, "vm.end_ms"),
    (
        "live trading without account",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(live_trading=True))),
        INVALID,
        "vm.live_trading",
    ),
    (
        "bad broker kind",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(broker_kind=42))),
        INVALID,
        "vm.broker_kind",
    ),
    (
        "bad plan in vm",
        lambda s: s.CreateVm(orders_pb2.CreateVmRequest(vm=vm(plan=orders_pb2.Plan(leverage=-2)))),
        INVALID,
        "plan.leverage",
    ),
    ("update without id", lambda s: s.UpdateVm(orders_pb2.UpdateVmRequest(vm=vm(id=""))), INVALID, "vm.id"),
    ("update unknown", lambda s: s.UpdateVm(orders_pb2.UpdateVmRequest(vm=vm(id="nope"))), NOT_FOUND, "vm_id"),
    ("start unknown", lambda s: s.StartVm(orders_pb2.VmRef(vm_id="nope")), NOT_FOUND, "vm_id"),
    ("start empty", lambda s: s.StartVm(orders_pb2.VmRef()), INVALID, "vm_id"),
    ("stop unknown", lambda s: s.StopVm(orders_pb2.VmRef(vm_id="nope")), NOT_FOUND, "vm_id"),
    ("delete unknown", lambda s: s.DeleteVm(orders_pb2.VmRef(vm_id="nope")), NOT_FOUND, "vm_id"),
    ("get empty", lambda s: s.GetVm(orders_pb2.VmRef()), INVALID, "vm_id"),
    ("entries unknown vm", lambda s: s.ListEntries(orders_pb2.ListEntriesRequest(vm_id="nope")), NOT_FOUND, "vm_id"),
    (
        "entries bad page size",
        lambda s: s.ListEntries(
            orders_pb2.ListEntriesRequest(vm_id="ok", page=common_pb2.PageRequest(page_size=10_001))
        ),
        INVALID,
        "page.page_size",
    ),
    (
        "entries bad token",
        lambda s: s.ListEntries(
            orders_pb2.ListEntriesRequest(vm_id="ok", page=common_pb2.PageRequest(page_token="abc"))
        ),
        INVALID,
        "page.page_token",
    ),
    (
        "entries bad timeframe",
        lambda s: s.ListEntries(orders_pb2.ListEntriesRequest(vm_id="ok", filter=orders_pb2.EntryFilter(timeframe=77))),  # type: ignore[arg-type]
        INVALID,
        "filter.timeframe",
    ),
    (
        "entries bad result",
        lambda s: s.ListEntries(orders_pb2.ListEntriesRequest(vm_id="ok", filter=orders_pb2.EntryFilter(result=9))),  # type: ignore[arg-type]
        INVALID,
        "filter.result",
    ),
    (
        "entries negative time",
        lambda s: s.ListEntries(orders_pb2.ListEntriesRequest(vm_id="ok", filter=orders_pb2.EntryFilter(from_ms=-5))),
        INVALID,
        "filter.from_ms",
    ),
    ("get entry empty", lambda s: s.GetEntry(orders_pb2.GetEntryRequest(vm_id="ok")), INVALID, "entry_id"),
    (
        "get entry unknown",
        lambda s: s.GetEntry(orders_pb2.GetEntryRequest(vm_id="ok", entry_id="x")),
        NOT_FOUND,
        "entry_id",
    ),
    ("orders unknown vm", lambda s: s.ListOrders(orders_pb2.ListOrdersRequest(vm_id="nope")), NOT_FOUND, "vm_id"),
    (
        "orders bad page",
        lambda s: s.ListOrders(orders_pb2.ListOrdersRequest(vm_id="ok", page=common_pb2.PageRequest(page_size=-1))),
        INVALID,
        "page.page_size",
    ),
    ("plan unknown vm", lambda s: s.GetPlan(orders_pb2.VmRef(vm_id="nope")), NOT_FOUND, "vm_id"),
    ("set plan without plan", lambda s: s.SetPlan(orders_pb2.SetPlanRequest(vm_id="ok")), INVALID, "plan"),
    ("set plan without vm", lambda s: s.SetPlan(orders_pb2.SetPlanRequest(plan=orders_pb2.Plan())), INVALID, "vm_id"),
    (
        "set plan bad expression",
        lambda s: s.SetPlan(orders_pb2.SetPlanRequest(vm_id="ok", plan=orders_pb2.Plan(expression="tag('A') =="))),
        INVALID,
        "position 11",
    ),
    (
        "set plan bad fee",
        lambda s: s.SetPlan(orders_pb2.SetPlanRequest(vm_id="ok", plan=orders_pb2.Plan(cost_sell_percent=2))),
        INVALID,
        "cost_sell_percent",
    ),
    (
        "set plan bad stake mode",
        lambda s: s.SetPlan(orders_pb2.SetPlanRequest(vm_id="ok", plan=orders_pb2.Plan(stake_mode=7))),  # type: ignore[arg-type]
        INVALID,
        "plan.stake_mode",
    ),
    (
        "set plan bad timeframe",
        lambda s: s.SetPlan(orders_pb2.SetPlanRequest(vm_id="ok", plan=orders_pb2.Plan(timeframes=[55]))),  # type: ignore[list-item]
        INVALID,
        "plan.timeframes",
    ),
    ("report without interval", lambda s: s.GetReport(orders_pb2.GetReportRequest(vm_id="ok")), INVALID, "interval"),
    (
        "report bad range",
        lambda s: s.GetReport(
            orders_pb2.GetReportRequest(vm_id="ok", interval=orders_pb2.REPORT_INTERVAL_DAY, from_ms=10, to_ms=5)
        ),
        INVALID,
        "to_ms",
    ),
    (
        "report unknown vm",
        lambda s: s.GetReport(orders_pb2.GetReportRequest(vm_id="nope", interval=orders_pb2.REPORT_INTERVAL_DAY)),
        NOT_FOUND,
        "vm_id",
    ),
    (
        "real order without account",
        lambda s: s.MakeRealOrder(orders_pb2.MakeRealOrderRequest(vm_id="ok", entry_id="x")),
        PRECONDITION,
        "broker account",
    ),
    (
        "real order without entry",
        lambda s: s.MakeRealOrder(orders_pb2.MakeRealOrderRequest(vm_id="ok")),
        INVALID,
        "entry_id",
    ),
    (
        "real order unknown vm",
        lambda s: s.MakeRealOrder(orders_pb2.MakeRealOrderRequest(vm_id="nope", entry_id="x")),
        NOT_FOUND,
        "vm_id",
    ),
]


@pytest.mark.parametrize(("name", "call", "code", "needle"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input(
    harness: Harness, name: str, call: Callable[[Any], Awaitable[Any]], code: grpc.StatusCode, needle: str
) -> None:
    await harness.stub.CreateVm(orders_pb2.CreateVmRequest(vm=OK_VM))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call(harness.stub)
    assert err.value.code() == code, err.value.details()
    assert needle in (err.value.details() or "")


async def test_duplicate_id_running_update_and_stream_of_unknown_vm(harness: Harness) -> None:
    s = harness.stub
    await s.CreateVm(orders_pb2.CreateVmRequest(vm=OK_VM, start=True))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await s.CreateVm(orders_pb2.CreateVmRequest(vm=OK_VM))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await s.UpdateVm(orders_pb2.UpdateVmRequest(vm=OK_VM))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in s.StreamEvents(orders_pb2.StreamEventsRequest(vm_id="nope")):
            pass
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    # Stop, update (history config changed → history reset), delete.
    await s.StopVm(orders_pb2.VmRef(vm_id="ok"))
    updated = await s.UpdateVm(orders_pb2.UpdateVmRequest(vm=vm(symbols=["ETHUSDT"], name="renamed")))
    assert list(updated.symbols) == ["ETHUSDT"] and updated.name == "renamed" and updated.last_pulse_ms == 0
    assert (await s.ListEntries(orders_pb2.ListEntriesRequest(vm_id="ok"))).total == 0
    await s.DeleteVm(orders_pb2.VmRef(vm_id="ok"))
    assert not (await s.ListVms(orders_pb2.ListVmsRequest())).vms


def is_live(handle: VmHandle) -> bool:
    return handle.status.state.value == "live"


async def test_default_vm_is_created_once_and_started(doubles: Doubles, tmp_path: Path) -> None:
    for round_ in range(2):
        store = Store(tmp_path / "orders.sqlite3")
        clients = (AnalysisClient(doubles.addr), CandleClient(doubles.addr), BrokerClient(doubles.addr))
        service = OrderService(store, *clients, retry_max_wait=0.5)
        default = default_vm_from_settings("BTCUSDT,ETHUSDT", "1h,15m,5m", 14, "paper")
        try:
            await service.start(default)
            assert list(service.vms) == ["default"]
            vm = service.vms["default"].config
            assert vm.is_default and vm.symbols == ["BTCUSDT", "ETHUSDT"] and vm.timeframes == ["1h", "15m", "5m"]
            assert vm.history_days == 14 and vm.broker_kind == "paper" and not vm.live_trading
            await wait_for(functools.partial(is_live, service.vms["default"]), 30, f"default VM live {round_}")
        finally:
            await service.close()
            for c in clients:
                await c.close()
            store.close()
