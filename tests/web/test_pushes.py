"""Live pushes the seed never had: order_service events to the clients of their VM, broker account
events to the clients of VMs on that account, candles and prices of watched tickers from the real
candle_service following exchange_sim's clock — to v4 (python-socketio) and v3 (Node) clients."""

from __future__ import annotations

import asyncio

import pytest

from parayok.v1 import broker_pb2, orders_pb2

from .conftest import Stack, eventually, v4_client
from .doubles import E_ACTIVE, E_ALT, E_WON, SIM_START, order, real_order
from .node_client import ensure_node_modules, node_v3_client
from .shapes import ENTRY_KEYS, ORDER_KEYS

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


async def subscribed(stack: Stack) -> None:
    await asyncio.wait_for(stack.orders.events.subscribed.wait(), 15)
    await asyncio.wait_for(stack.broker.events.subscribed.wait(), 15)


def order_event(n: int, vm: str, **kw: object) -> orders_pb2.OrderEvent:
    return orders_pb2.OrderEvent(event_id=n, time_ms=SIM_START, vm_id=vm, **kw)  # type: ignore[arg-type]


async def test_vm_events_reach_the_clients_of_that_vm_on_both_protocols(stack: Stack) -> None:
    await subscribed(stack)
    async with v4_client(stack.url) as main, v4_client(stack.url, transports=["polling"]) as alt, \
            node_v3_client(stack.url) as v3:
        assert (await alt.request("select_vm", {"vmId": "vm-alt"}, "vm_selected"))["id"] == "vm-alt"
        pub = stack.orders.events.publish
        pub(order_event(1, "vm-main", entry_opened=E_ACTIVE))
        pub(order_event(2, "vm-main", order_created=order(E_ACTIVE)))
        pub(order_event(3, "vm-main", entry_closed=E_WON))
        pub(order_event(4, "vm-main", order_closed=order(E_WON)))
        pub(order_event(5, "vm-main", real_order=real_order()))
        pub(order_event(6, "vm-main", vm_status=orders_pb2.VmStatus(state=orders_pb2.VM_STATE_LOADING,
                                                                    progress_percent=37.5)))
        pub(order_event(7, "vm-alt", entry_opened=E_ALT))
        for client in (main, v3):
            opened = await client.next("entry_opened") if client is main else await v3.wait("entry_opened")
            assert set(opened) == ENTRY_KEYS | {"vmId"} and opened["id"] == E_ACTIVE.id
            get = client.next if client is main else v3.wait
            assert set(await get("order_opened")) == ORDER_KEYS | {"vmId"}
            closed = await get("entry_closed")
            assert closed["id"] == E_WON.id and closed["result"] == "won"
            assert (await get("order_closed"))["gain"] == 1.235
            real = await get("real_order")
            assert real["entry"] == {"id": "101"} and real["sl"] == {"id": "102"} and real["status"] == "open"
            status = await get("vm_status")
            assert status == {"vmId": "vm-main", "state": "loading", "percent": 37.5, "error": None}
        # the vm-alt client got its VM's entry first: none of vm-main's events reached it
        first = await alt.next("entry_opened")
        assert first["id"] == E_ALT.id and first["vmId"] == "vm-alt"
        assert alt.queue("order_opened").empty() and alt.queue("vm_status").empty()


async def test_account_events_reach_clients_of_vms_on_that_account(stack: Stack) -> None:
    await subscribed(stack)
    async with v4_client(stack.url) as main, node_v3_client(stack.url) as v3:
        await main.request("list_vms", "", "vms")  # the bridge knows the VMs
        stack.broker.events.publish(broker_pb2.AccountEvent(
            event_id=1, time_ms=SIM_START, account_id="paper-1",
            balance=broker_pb2.BalanceUpdate(asset="USDT", wallet_balance=10_005.5, change=5.5, reason="ORDER")))
        stack.broker.events.publish(broker_pb2.AccountEvent(event_id=2, account_id="nobody's",
                                                            halted=broker_pb2.AccountHalted(reason="x")))
        stack.broker.events.publish(broker_pb2.AccountEvent(
            event_id=3, account_id="paper-1", position=broker_pb2.Position(
                symbol="BTCUSDT", position_side=broker_pb2.POSITION_SIDE_LONG, quantity=0.002, entry_price=90001.0)))
        for get in (main.next, v3.wait):
            bal = await get("account")
            assert bal == {"accountId": "paper-1", "time": SIM_START, "kind": "balance", "vmId": "vm-main",
                           "data": {"asset": "USDT", "walletBalance": 10005.5, "change": 5.5, "reason": "ORDER"}}
            pos = await get("account")  # the other account's halt was not for these clients
            assert pos["kind"] == "position" and pos["data"]["positionSide"] == "POSITION_SIDE_LONG"


async def test_watched_ticker_gets_live_candles_and_prices(stack: Stack) -> None:
    async with v4_client(stack.url) as c, v4_client(stack.url) as bystander, node_v3_client(stack.url) as v3:
        assert await c.request("watch_ticker", {"tickerId": "BTCUSDT-1m"}, "watching") == {"tickerId": "BTCUSDT-1m"}
        assert await v3.request("watch_ticker", {"tickerId": "BTCUSDT-1m"}, "watching") == {
            "tickerId": "BTCUSDT-1m"}
        await eventually(lambda: stack.hub.streams_up["pulses"] and bool(stack.hub.watched))
        candle_q = c.queue("candle")

        async def step_until_candle() -> None:
            while candle_q.empty():  # the stream subscribes to klines asynchronously: keep the clock moving
                await stack.candles.sim.admin.step(minutes=1)
                await asyncio.sleep(0.3)

        await asyncio.wait_for(step_until_candle(), 30)
        pushed = await c.next("candle")
        assert pushed["tickerId"] == "BTCUSDT-1m"
        k = pushed["candle"]
        assert set(k) == {"openTime", "open", "high", "low", "close", "volume", "closeTime"}
        assert k["closeTime"] == k["openTime"] + 59_999 and k["openTime"] >= SIM_START
        price = await c.next("price")
        assert price["symbol"] == "BTCUSDT" and price["low"] <= price["close"] <= price["high"]
        v3_candle = await v3.wait("candle")
        assert v3_candle["tickerId"] == "BTCUSDT-1m"
        assert bystander.queue("candle").empty()  # not watching
        assert await c.request("unwatch_ticker", {"tickerId": "BTCUSDT-1m"}, "unwatched") == {
            "tickerId": "BTCUSDT-1m"}
    await eventually(lambda: not stack.hub.watched)


async def test_streams_resume_after_the_order_service_restarts(stack: Stack) -> None:
    await subscribed(stack)
    async with v4_client(stack.url) as c:
        stack.orders.events.publish(order_event(10, "vm-main", entry_opened=E_ACTIVE))
        assert (await c.next("entry_opened"))["id"] == E_ACTIVE.id
        await stack.servers["order"].stop()
        await stack.servers["order"].start()
        await asyncio.wait_for(stack.orders.events.subscribed.wait(), 15)
        assert stack.calls.of("StreamEvents")[-1].after_event_id == 10  # resumes after the last event seen
        stack.orders.events.publish(order_event(11, "vm-main", entry_closed=E_WON))
        assert (await c.next("entry_closed"))["id"] == E_WON.id
