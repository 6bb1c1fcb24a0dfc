"""VMs end to end over gRPC: history → live, entries, orders, events, real orders, reports, paging."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from order_service.service import client_order_id
from parayok.v1 import analysis_pb2, common_pb2, orders_pb2
from tests.orders.conftest import T0, Harness, wait_for
from tests.orders.doubles import expected_entry_ids


def vm_msg(vm_id: str = "vm1", live_trading: bool = False, **kw: object) -> orders_pb2.Vm:
    return orders_pb2.Vm(
        id=vm_id,
        name="test",
        symbols=["BTCUSDT", "ETHUSDT"],
        timeframes=[common_pb2.TIMEFRAME_5M],
        history_from_ms=T0,
        broker_account="acc1" if live_trading else "",
        live_trading=live_trading,
        broker_kind=orders_pb2.BROKER_KIND_PAPER,
        **kw,  # type: ignore[arg-type]
    )


async def run_to_end(h: Harness, vm_id: str) -> orders_pb2.Vm:
    last = T0 + 90 * 300_000  # 60 history + 30 live pulses

    async def done() -> orders_pb2.Vm | None:
        vm = await h.stub.GetVm(orders_pb2.VmRef(vm_id=vm_id))
        return vm if vm.last_pulse_ms == last else None

    return await wait_for(done, 60, "the VM to process every pulse")


async def test_vm_runs_history_then_live_with_orders_events_and_real_orders(harness: Harness) -> None:
    h = harness
    events: list[orders_pb2.OrderEvent] = []
    first = await h.stub.CreateVm(orders_pb2.CreateVmRequest(vm=vm_msg(live_trading=True), start=False))
    assert first.state == orders_pb2.VM_STATE_STOPPED
    stream = h.stub.StreamEvents(orders_pb2.StreamEventsRequest(after_event_id=1))

    async def collect() -> None:
        async for ev in stream:
            events.append(ev)

    collector = asyncio.create_task(collect())
    await h.stub.StartVm(orders_pb2.VmRef(vm_id="vm1"))
    vm = await run_to_end(h, "vm1")
    assert vm.state == orders_pb2.VM_STATE_LIVE

    entries = await h.stub.ListEntries(
        orders_pb2.ListEntriesRequest(vm_id="vm1", page=common_pb2.PageRequest(page_size=1000))
    )
    ids = {e.id for e in entries.entries}
    assert ids == expected_entry_ids(["BTCUSDT", "ETHUSDT"], T0, vm.last_pulse_ms)
    assert entries.total == len(ids) == 60
    orders = await h.stub.ListOrders(
        orders_pb2.ListOrdersRequest(vm_id="vm1", page=common_pb2.PageRequest(page_size=1000))
    )
    # Default plan, empty filters: every entry becomes an order (5 USD × 20 = 100 USD notional).
    assert orders.total == 60
    btc = next(o for o in orders.orders if o.entry.symbol == "BTCUSDT")
    assert btc.quantity == 0.005 and btc.stake == 5.0
    assert {t.name for t in btc.tags} == {"MRG", "SAME", "SAME-SYM", "SAME-TF"}

    # Real orders only for entries opened at live pulses (pulse index ≥ 60), each sent exactly once.
    live_ids = {e.id for e in entries.entries if e.opened_at_ms > T0 + 60 * 300_000}
    assert live_ids
    expected_cids = {client_order_id("vm1", i) for i in live_ids}
    await wait_for(lambda: set(h.doubles.broker.brackets) == expected_cids, 20, "brackets of live orders")
    assert all(n == 1 for n in h.doubles.broker.calls.values())
    await wait_for(
        lambda: any(
            ev.WhichOneof("event") == "real_order" and ev.real_order.status == orders_pb2.REAL_ORDER_STATUS_OPEN
            for ev in events
        ),
        10,
        "real order OPEN event",
    )
    some = await h.stub.ListOrders(
        orders_pb2.ListOrdersRequest(vm_id="vm1", page=common_pb2.PageRequest(page_size=1000))
    )
    real_linked = [o for o in some.orders if o.HasField("real")]
    assert {o.real.client_order_id for o in real_linked} == expected_cids
    assert all(o.real.status == orders_pb2.REAL_ORDER_STATUS_OPEN and o.real.entry_order_id for o in real_linked)
    assert all(
        o.real.entry_id == o.id and o.real.symbol == o.entry.symbol and o.real.side == o.entry.side for o in real_linked
    )

    # Account events update the real order (exit, PnL).
    cid = sorted(expected_cids)[0]
    h.doubles.broker.close_bracket(cid, 20400.0, 2.0)

    async def closed() -> bool:
        listed = await h.stub.ListOrders(
            orders_pb2.ListOrdersRequest(vm_id="vm1", page=common_pb2.PageRequest(page_size=1000))
        )
        return any(
            o.real.client_order_id == cid
            and o.real.status == orders_pb2.REAL_ORDER_STATUS_CLOSED
            and o.real.realized_pnl == 2.0
            for o in listed.orders
        )

    await wait_for(closed, 20, "the account event to close the real order")

    # Events: increasing ids; every entry opened exactly once; states loading → live.
    await wait_for(lambda: sum(ev.WhichOneof("event") == "entry_opened" for ev in events) == 60, 10, "events")
    collector.cancel()
    assert [e.event_id for e in events] == sorted({e.event_id for e in events})
    opened = [ev.entry_opened.id for ev in events if ev.WhichOneof("event") == "entry_opened"]
    assert sorted(opened) == sorted(ids)
    assert not any(ev.entry_opened.HasField("flags") for ev in events if ev.WhichOneof("event") == "entry_opened")
    states = [ev.vm_status.state for ev in events if ev.WhichOneof("event") == "vm_status"]
    assert orders_pb2.VM_STATE_LOADING in states and states[-1] == orders_pb2.VM_STATE_LIVE
    created = [ev for ev in events if ev.WhichOneof("event") == "order_created"]
    closed_events = [ev for ev in events if ev.WhichOneof("event") == "order_closed"]
    assert len(created) == 60 and len(closed_events) == len({ev.order_closed.id for ev in closed_events})

    # Resuming the event stream from an id returns exactly what followed it.
    middle = events[len(events) // 2].event_id
    resumed: list[int] = []
    async for ev in h.stub.StreamEvents(orders_pb2.StreamEventsRequest(vm_id="vm1", after_event_id=middle)):
        resumed.append(ev.event_id)
        if ev.event_id >= events[-1].event_id:
            break
    assert resumed == [e.event_id for e in events if e.event_id > middle and e.vm_id == "vm1"]

    report = await h.stub.GetReport(orders_pb2.GetReportRequest(vm_id="vm1", interval=orders_pb2.REPORT_INTERVAL_HOUR))
    assert report.total.num_orders == 60
    assert report.total.num_closed + report.total.num_active == 60
    assert sum(r.num_orders for r in report.rows) == 60
    assert {r.period_name for r in report.by_symbol} == {"BTCUSDT", "ETHUSDT"}


async def test_backtest_vm_finishes_and_paging_and_filters(harness: Harness) -> None:
    h = harness
    await h.stub.CreateVm(orders_pb2.CreateVmRequest(vm=vm_msg("bt", end_ms=T0 + 61 * 300_000), start=True))
    await wait_for(lambda: h.service.vms["bt"].status.state.value == "finished", 30, "backtest end")
    vm = await h.stub.GetVm(orders_pb2.VmRef(vm_id="bt"))
    assert vm.state == orders_pb2.VM_STATE_FINISHED
    seen: list[str] = []
    token = ""
    while True:
        page = await h.stub.ListEntries(
            orders_pb2.ListEntriesRequest(
                vm_id="bt",
                page=common_pb2.PageRequest(page_size=7, page_token=token),
                filter=orders_pb2.EntryFilter(symbol="ETHUSDT"),
            )
        )
        seen += [e.id for e in page.entries]
        assert page.total == 20
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 20 and all(s.startswith("ETHUSDT") for s in seen)
    won = await h.stub.ListOrders(
        orders_pb2.ListOrdersRequest(vm_id="bt", filter=orders_pb2.EntryFilter(result=common_pb2.ENTRY_RESULT_WON))
    )
    assert won.total > 0 and all(o.entry.result == common_pb2.ENTRY_RESULT_WON and o.gain > 0 for o in won.orders)
    ranged = await h.stub.ListEntries(
        orders_pb2.ListEntriesRequest(
            vm_id="bt", filter=orders_pb2.EntryFilter(from_ms=T0 + 30 * 300_000, to_ms=T0 + 40 * 300_000)
        )
    )
    assert ranged.total and all(T0 + 30 * 300_000 <= e.time_ms < T0 + 40 * 300_000 for e in ranged.entries)
    one = await h.stub.GetEntry(orders_pb2.GetEntryRequest(vm_id="bt", entry_id=seen[0]))
    assert one.id == seen[0] and {t.name for t in one.tags} == {"MAXLSS", "NYC"}
    assert one.flags["trend"] in ("up", "down") and "rsi" in one.flags  # every field kept, flags included
    plain = await h.stub.ListEntries(orders_pb2.ListEntriesRequest(vm_id="bt"))
    assert not any(e.HasField("flags") for e in plain.entries)
    full = await h.stub.ListEntries(orders_pb2.ListEntriesRequest(vm_id="bt", with_flags=True))
    assert all("rsi" in e.flags for e in full.entries)
    # No real orders for a VM without live trading.
    assert not h.doubles.broker.calls


async def test_vm_survives_analysis_outage_with_error_state(harness: Harness) -> None:
    h = harness
    h.doubles.analysis.down = True
    await h.stub.CreateVm(orders_pb2.CreateVmRequest(vm=vm_msg("flaky"), start=True))

    async def in_error() -> bool:
        vm = await h.stub.GetVm(orders_pb2.VmRef(vm_id="flaky"))
        return vm.state == orders_pb2.VM_STATE_ERROR and "UNAVAILABLE" in vm.error

    await wait_for(in_error, 20, "ERROR state while analysis is down")
    h.doubles.analysis.down = False
    await run_to_end(h, "flaky")
    entries = await h.stub.ListEntries(orders_pb2.ListEntriesRequest(vm_id="flaky"))
    assert entries.total == 60
    # Stop / start again: the replayed history is recognised, nothing is duplicated.
    stopped = await h.stub.StopVm(orders_pb2.VmRef(vm_id="flaky"))
    assert stopped.state == orders_pb2.VM_STATE_STOPPED
    runs = h.doubles.analysis.runs
    await h.stub.StartVm(orders_pb2.VmRef(vm_id="flaky"))
    await wait_for(
        lambda: h.doubles.analysis.runs > runs and h.service.vms["flaky"].status.state.value == "live", 20, "live again"
    )
    again = await h.stub.ListEntries(orders_pb2.ListEntriesRequest(vm_id="flaky"))
    assert again.total == 60
    orders = await h.stub.ListOrders(orders_pb2.ListOrdersRequest(vm_id="flaky"))
    assert orders.total == 60


async def test_make_real_order_by_hand(harness: Harness) -> None:
    h = harness
    vm = vm_msg("manual")
    vm.broker_account = "acc2"
    await h.stub.CreateVm(orders_pb2.CreateVmRequest(vm=vm, start=True))
    await run_to_end(h, "manual")
    entries = await h.stub.ListEntries(
        orders_pb2.ListEntriesRequest(
            vm_id="manual", filter=orders_pb2.EntryFilter(result=common_pb2.ENTRY_RESULT_ACTIVE)
        )
    )
    active = entries.entries[0].id
    real = await h.stub.MakeRealOrder(orders_pb2.MakeRealOrderRequest(vm_id="manual", entry_id=active))
    assert real.client_order_id == client_order_id("manual", active)
    assert len(real.client_order_id) <= 36
    again = await h.stub.MakeRealOrder(orders_pb2.MakeRealOrderRequest(vm_id="manual", entry_id=active))
    assert again.client_order_id == real.client_order_id
    await wait_for(lambda: h.doubles.broker.calls.get(real.client_order_id) == 1, 10, "the bracket")
    closed = await h.stub.ListEntries(
        orders_pb2.ListEntriesRequest(
            vm_id="manual", filter=orders_pb2.EntryFilter(result=common_pb2.ENTRY_RESULT_LOST)
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await h.stub.MakeRealOrder(orders_pb2.MakeRealOrderRequest(vm_id="manual", entry_id=closed.entries[0].id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_broker_rejection_marks_real_order_failed(harness: Harness) -> None:
    h = harness
    h.doubles.broker.reject = True
    await h.stub.CreateVm(orders_pb2.CreateVmRequest(vm=vm_msg("rej", live_trading=True), start=True))
    await run_to_end(h, "rej")

    async def failed() -> bool:
        listed = await h.stub.ListOrders(
            orders_pb2.ListOrdersRequest(vm_id="rej", page=common_pb2.PageRequest(page_size=1000))
        )
        reals = [o.real for o in listed.orders if o.HasField("real")]
        return bool(reals) and all(
            r.status == orders_pb2.REAL_ORDER_STATUS_FAILED and "halted" in r.error for r in reals
        )

    await wait_for(failed, 20, "FAILED real orders")


async def test_taggers_and_plan_rpcs(harness: Harness) -> None:
    h = harness
    taggers = await h.stub.ListTaggers(analysis_pb2.ListTaggersRequest())
    assert {t.name for t in taggers.taggers} == {"MRG", "SAME-SYM", "SAME-TF", "SAME"}
    assert all(t.desc and list(t.vals) for t in taggers.taggers)
    await h.stub.CreateVm(orders_pb2.CreateVmRequest(vm=vm_msg("p", end_ms=T0 + 61 * 300_000), start=True))
    await wait_for(lambda: h.service.vms["p"].status.state.value == "finished", 30, "backtest end")
    plan = await h.stub.GetPlan(orders_pb2.VmRef(vm_id="p"))
    assert plan.start_sum == 1000 and plan.leverage == 20 and plan.stake_fixed == 5
    plan.symbols[:] = ["ETHUSDT"]
    plan.expression = "o.getTagValue('NYC') == 'P'"
    new = await h.stub.SetPlan(orders_pb2.SetPlanRequest(vm_id="p", plan=plan))
    assert new.expression == plan.expression
    orders = await h.stub.ListOrders(orders_pb2.ListOrdersRequest(vm_id="p"))
    assert orders.total == 10
    assert all(o.entry.symbol == "ETHUSDT" for o in orders.orders)
    plan.expression = "o.entry.__class__"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await h.stub.SetPlan(orders_pb2.SetPlanRequest(vm_id="p", plan=plan))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "position" in (err.value.details() or "")


async def test_set_plan_with_the_same_plan_changes_nothing_and_steps_match_storage(harness: Harness) -> None:
    from order_service.plan import history_steps

    h = harness
    await h.stub.CreateVm(orders_pb2.CreateVmRequest(vm=vm_msg("same", end_ms=T0 + 61 * 300_000), start=True))
    await wait_for(lambda: h.service.vms["same"].status.state.value == "finished", 30, "backtest end")
    handle = h.service.vms["same"]
    # The step list kept while receiving equals the one rebuilt from the database.
    rebuilt = history_steps(h.store.load_entries("same"))
    assert [([e.id for e in s.closes], [e.id for e in s.opens]) for s in handle.steps] == [
        ([e.id for e in s.closes], [e.id for e in s.opens]) for s in rebuilt
    ]
    page = orders_pb2.ListOrdersRequest(vm_id="same", page=common_pb2.PageRequest(page_size=1000))
    before = await h.stub.ListOrders(page)
    rows_before = h.store.load_orders("same")
    plan = await h.stub.GetPlan(orders_pb2.VmRef(vm_id="same"))
    plan.stake_mode = orders_pb2.STAKE_MODE_PERCENT  # a deposit-dependent plan makes the check sharper
    await h.stub.SetPlan(orders_pb2.SetPlanRequest(vm_id="same", plan=plan))
    first = await h.stub.ListOrders(page)
    await h.stub.SetPlan(orders_pb2.SetPlanRequest(vm_id="same", plan=plan))
    second = await h.stub.ListOrders(page)
    assert first == second and first != before
    await wait_for(lambda: h.store.load_orders("same") != rows_before, 10, "orders table synced")
    rows = h.store.load_orders("same")
    assert {o.id: (o.quantity, o.stake, o.wallet, o.gain) for o in second.orders} == {i: r[:4] for i, r in rows.items()}
