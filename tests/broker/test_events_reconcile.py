"""OCO live and while down, reconciliation (orphans, missing stops), the user stream's failures
(listen key expiry, websocket drop mid-fill) and StreamAccountEvents (order/balance/position/bracket
events, durable ids, resume)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc
import pytest

from broker_service.exchange import BinanceRest
from exchange_sim.testing import SimHandle, running_sim
from parayok.v1 import broker_pb2, broker_pb2_grpc, common_pb2

from .conftest import ACCOUNT, BrokerStack, bracket_req, broker_on, eventually, sim_account_state, stack_ctx


async def bracket_state(stack: BrokerStack, cid: str) -> broker_pb2.Bracket:
    return await stack.stub.GetBracket(broker_pb2.GetBracketRequest(account_id=ACCOUNT, client_order_id=cid))


async def wait_state(stack: BrokerStack, cid: str, state: int, timeout: float = 15.0) -> broker_pb2.Bracket:
    async def check() -> bool:
        return (await bracket_state(stack, cid)).state == state

    await eventually(check, timeout, f"bracket {cid} in state {state}")
    return await bracket_state(stack, cid)


async def open_algos(sim: SimHandle) -> list[str]:
    return sorted(a["clientAlgoId"] for a in (await sim_account_state(sim))["open_algo_orders"])


async def test_oco_stop_fill_cancels_take_and_take_fill_cancels_stop(hedge_full: BrokerStack) -> None:
    hedge = hedge_full
    assert hedge.store.full
    await hedge.stub.PlaceBracketOrder(bracket_req("c-1"))
    await hedge.stub.PlaceBracketOrder(bracket_req("c-2", symbol="ETHUSDT", qty=0.1, sl=2900, tp=3100))
    await hedge.sim.admin.set_price("BTCUSDT", "48500")  # gap through the stop
    b = await wait_state(hedge, "c-1", broker_pb2.BRACKET_STATE_CLOSED)
    assert b.exit_price == pytest.approx(48500) and b.realized_pnl == pytest.approx(-15)
    assert b.take.status == broker_pb2.ORDER_STATUS_CANCELED
    await hedge.sim.admin.set_price("ETHUSDT", "3150")
    e = await wait_state(hedge, "c-2", broker_pb2.BRACKET_STATE_CLOSED)
    assert e.realized_pnl == pytest.approx(15) and e.stop.status == broker_pb2.ORDER_STATUS_CANCELED
    assert await open_algos(hedge.sim) == []
    # a new bracket on the same side is possible once the old one is closed
    n = await hedge.stub.PlaceBracketOrder(bracket_req("c-3", sl=48000, tp=49000))
    assert n.state == broker_pb2.BRACKET_STATE_OPEN
    # every commit so far is on disk (the store fsynced after them), none pending
    await hedge.store.durable()
    assert hedge.store.fsyncs > 0 and hedge.store._synced_no == hedge.store._commit_no


async def test_oco_while_the_service_was_down(tmp_path: Path) -> None:
    db = tmp_path / "broker.sqlite3"
    async with running_sim(hedge=True, symbols=["BTCUSDT", "ETHUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        async with broker_on(sim, db) as s:
            await s.stub.PlaceBracketOrder(bracket_req("d-1"))
        await sim.admin.set_price("BTCUSDT", "51500")  # take fills while nobody listens
        assert await open_algos(sim) == ["d-1.sl"]
        async with broker_on(sim, db) as s:
            b = await bracket_state(s, "d-1")  # reconciled before the fixture yields
            assert b.state == broker_pb2.BRACKET_STATE_CLOSED and b.exit_price == pytest.approx(51500)
            assert b.realized_pnl == pytest.approx(15)
            assert await open_algos(sim) == []


async def test_reconcile_cancels_orphans_and_reprotects(hedge: BrokerStack) -> None:
    other = BinanceRest(hedge.sim.api_key, hedge.sim.api_secret, hedge.sim.futures_url)
    try:
        # an orphaned stop: closing order on a side with no position
        await other.client.futures_create_order(
            symbol="ETHUSDT",
            side="SELL",
            positionSide="LONG",
            type="STOP_MARKET",
            stopPrice="2500",
            quantity="0.1",
            clientAlgoId="stray-1",
        )
        await hedge.stub.PlaceBracketOrder(bracket_req("g-1"))
        # somebody cancels our stop: the position must get a new one
        await other.client.futures_cancel_algo_order(clientAlgoId="g-1.sl")
        await eventually(lambda: _has(hedge.sim, "g-1.sl1"), what="a re-placed stop")
        await hedge.account.reconcile()
        assert await open_algos(hedge.sim) == ["g-1.sl1", "g-1.tp"]
        b = await bracket_state(hedge, "g-1")
        assert b.state == broker_pb2.BRACKET_STATE_OPEN and b.stop.client_order_id == "g-1.sl1"
        # the re-placed stop still closes the bracket (OCO with the take)
        await hedge.sim.admin.set_price("BTCUSDT", "48000")
        await wait_state(hedge, "g-1", broker_pb2.BRACKET_STATE_CLOSED)
        assert await open_algos(hedge.sim) == []
    finally:
        await other.close()


async def _has(sim: SimHandle, cid: str) -> bool:
    return cid in await open_algos(sim)


async def test_listen_key_expiry_and_ws_drop_mid_fill(hedge: BrokerStack) -> None:
    first_key = hedge.account.stream.listen_key
    connects = hedge.account.stream.connects
    await hedge.sim.admin.expire_listen_keys()
    await eventually(
        lambda: _async(hedge.account.stream.connects > connects and hedge.account.connected), what="a reconnect"
    )
    assert hedge.account.stream.listen_key != first_key
    # fills still arrive on the new stream
    await hedge.stub.PlaceBracketOrder(bracket_req("w-1"))
    await hedge.sim.admin.set_price("BTCUSDT", "48000")
    await wait_state(hedge, "w-1", broker_pb2.BRACKET_STATE_CLOSED)
    # the socket drops and the stop fills before it is back: the reconnect's reconcile does the OCO
    await hedge.stub.PlaceBracketOrder(bracket_req("w-2", sl=47000, tp=49000))
    reconciles = hedge.account.reconciles
    await hedge.sim.admin.drop_websockets("user")
    await hedge.sim.admin.set_price("BTCUSDT", "46000")
    b = await wait_state(hedge, "w-2", broker_pb2.BRACKET_STATE_CLOSED)
    assert b.exit_price == pytest.approx(46000)
    await eventually(lambda: _async(hedge.account.reconciles > reconciles), what="a reconcile")
    assert await open_algos(hedge.sim) == []


async def _async(value: bool) -> bool:
    return value


async def collect(stub: broker_pb2_grpc.BrokerServiceStub, after: int, until: Any, timeout: float = 15) -> list[Any]:
    out: list[Any] = []
    call = stub.StreamAccountEvents(broker_pb2.StreamAccountEventsRequest(account_id=ACCOUNT, after_event_id=after))

    async def read() -> None:
        async for ev in call:
            out.append(ev)
            if until(out):
                return

    try:
        await asyncio.wait_for(read(), timeout)
    finally:
        call.cancel()
    return out


async def test_account_events_and_resume(hedge: BrokerStack) -> None:
    live: list[Any] = []
    call = hedge.stub.StreamAccountEvents(broker_pb2.StreamAccountEventsRequest(account_id=ACCOUNT))

    async def read() -> None:
        async for ev in call:
            live.append(ev)

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.2)  # let the subscription start (events after it are the ones asserted)
    await hedge.stub.PlaceBracketOrder(bracket_req("v-1"))
    await hedge.sim.admin.set_price("BTCUSDT", "51200")

    def closed(evs: list[Any]) -> bool:
        return any(e.HasField("bracket") and e.bracket.state == broker_pb2.BRACKET_STATE_CLOSED for e in evs)

    await eventually(lambda: _async(closed(live)), what="a closed bracket event")
    call.cancel()
    reader.cancel()
    ids = [e.event_id for e in live]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    kinds = {e.WhichOneof("event") for e in live}
    assert {"order", "balance", "position", "bracket"} <= kinds
    states = [e.bracket.state for e in live if e.HasField("bracket")]
    assert states[0] == broker_pb2.BRACKET_STATE_PENDING and broker_pb2.BRACKET_STATE_OPEN in states
    fills = [e.order for e in live if e.HasField("order") and e.order.status == broker_pb2.ORDER_STATUS_FILLED]
    entry = next(o for o in fills if o.client_order_id == "v-1")
    assert entry.last_fill_price == pytest.approx(50000) and entry.commission == pytest.approx(0.25)
    assert entry.commission_asset == "USDT"
    take = next(o for o in fills if o.client_order_id == "v-1.tp")
    assert take.realized_pnl == pytest.approx(12)
    assert any(e.HasField("balance") and e.balance.asset == "USDT" for e in live)
    # every event is forwarded (no 5 USD threshold): the entry's fee moved the balance by 0.25
    assert any(e.HasField("balance") and abs(e.balance.change) < 1 and e.balance.change != 0 for e in live)
    # resume after the third event: exactly the rest, same ids and contents
    rest = await collect(hedge.stub, ids[2], lambda evs: evs[-1].event_id >= ids[-1])
    assert [e.event_id for e in rest] == ids[3:] and rest == live[3:]
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await _bad_account(hedge)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


async def _bad_account(stack: BrokerStack) -> None:
    call = stack.stub.StreamAccountEvents(broker_pb2.StreamAccountEventsRequest(account_id="nobody"))
    async for _ in call:
        pass


async def test_cancel_order_and_close_position(hedge: BrokerStack) -> None:
    await hedge.stub.PlaceBracketOrder(bracket_req("k-1", common_pb2.SIDE_SELL, sl=51000, tp=49000))
    o = await hedge.stub.CancelOrder(
        broker_pb2.CancelOrderRequest(account_id=ACCOUNT, symbol="BTCUSDT", client_order_id="k-1.tp", is_algo=True)
    )
    assert o.status == broker_pb2.ORDER_STATUS_CANCELED and o.is_algo
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.CancelOrder(
            broker_pb2.CancelOrderRequest(account_id=ACCOUNT, symbol="BTCUSDT", client_order_id="k-9", is_algo=False)
        )
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    closed = await hedge.stub.ClosePosition(
        broker_pb2.ClosePositionRequest(
            account_id=ACCOUNT, symbol="BTCUSDT", position_side=broker_pb2.POSITION_SIDE_SHORT
        )
    )
    assert closed.status == broker_pb2.ORDER_STATUS_FILLED and closed.filled_quantity == pytest.approx(0.01)
    state = await sim_account_state(hedge.sim)
    assert all(float(p["amt"]) == 0 for p in state["positions"]) and state["open_algo_orders"] == []
    b = await bracket_state(hedge, "k-1")
    assert b.state == broker_pb2.BRACKET_STATE_CLOSED
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.ClosePosition(
            broker_pb2.ClosePositionRequest(
                account_id=ACCOUNT, symbol="BTCUSDT", position_side=broker_pb2.POSITION_SIDE_SHORT
            )
        )
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


async def test_keepalive_silence_probe_and_1125(tmp_path: Path) -> None:
    async with stack_ctx(tmp_path, hedge=True, keepalive_s=0.3, silence_s=0.4) as s:
        stream = s.account.stream
        await eventually(lambda: _async(stream.keepalives >= 2 and stream.probes >= 1), what="keep-alives and a probe")
        assert s.account.connected and stream.connects == 1  # a quiet account is not a dead one
        # the key dies behind our back: the next keep-alive gets -1125, a new key, a reconnect
        other = BinanceRest(s.sim.api_key, s.sim.api_secret, s.sim.futures_url)
        try:
            await other.client.futures_stream_close(listenKey=stream.listen_key)
        finally:
            await other.close()
        old = stream.listen_key
        await eventually(
            lambda: _async(stream.connects >= 2 and stream.listen_key not in (None, old)), what="a new listen key"
        )
        await eventually(lambda: _async(s.account.connected), what="the reconnect")
        b = await s.stub.PlaceBracketOrder(bracket_req("ka-1"))
        await s.sim.admin.set_price("BTCUSDT", "48000")
        await wait_state(s, "ka-1", broker_pb2.BRACKET_STATE_CLOSED)
        assert b.state == broker_pb2.BRACKET_STATE_OPEN


async def test_one_way_oco(oneway: BrokerStack) -> None:
    await oneway.stub.PlaceBracketOrder(bracket_req("ow-1", common_pb2.SIDE_SELL, 0.02, sl=50500, tp=49000))
    await oneway.sim.admin.set_price("BTCUSDT", "48800")
    b = await wait_state(oneway, "ow-1", broker_pb2.BRACKET_STATE_CLOSED)
    assert b.realized_pnl == pytest.approx(24) and b.stop.status == broker_pb2.ORDER_STATUS_CANCELED
    assert await open_algos(oneway.sim) == []
