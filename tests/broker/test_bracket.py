"""PlaceBracketOrder against exchange_sim: both position modes, rounding and filters, idempotency,
partial fills, a stop that cannot be placed, lost answers."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc
import pytest

from parayok.v1 import broker_pb2, common_pb2

from .conftest import ACCOUNT, BrokerStack, bracket_req, sim_account_state, stack_ctx


def legs(state: dict[str, Any]) -> list[dict[str, Any]]:
    return list(state["open_algo_orders"])


def amounts(state: dict[str, Any]) -> dict[tuple[str, str], Decimal]:
    return {(p["symbol"], p["positionSide"]): Decimal(p["amt"]) for p in state["positions"] if Decimal(p["amt"]) != 0}


async def test_hedge_happy_path_and_idempotency(hedge: BrokerStack) -> None:
    b = await hedge.stub.PlaceBracketOrder(bracket_req("e-1"))
    assert b.state == broker_pb2.BRACKET_STATE_OPEN and b.error == ""
    assert b.filled_quantity == pytest.approx(0.01) and b.average_entry_price == pytest.approx(50000)
    assert b.entry.type == broker_pb2.ORDER_TYPE_MARKET and b.entry.status == broker_pb2.ORDER_STATUS_FILLED
    assert b.stop.type == broker_pb2.ORDER_TYPE_STOP_MARKET and b.stop.stop_price == 49000 and b.stop.is_algo
    assert b.take.type == broker_pb2.ORDER_TYPE_TAKE_PROFIT_MARKET and b.take.stop_price == 51000
    assert b.stop.position_side == broker_pb2.POSITION_SIDE_LONG and not b.stop.reduce_only
    state = await sim_account_state(hedge.sim)
    assert amounts(state) == {("BTCUSDT", "LONG"): Decimal("0.010")}
    by_type = {a["orderType"]: a for a in legs(state)}
    assert set(by_type) == {"STOP_MARKET", "TAKE_PROFIT_MARKET"}
    assert all(a["side"] == "SELL" and a["positionSide"] == "LONG" and a["quantity"] == "0.010" for a in legs(state))
    # the same client order id again — sequentially and concurrently — never opens a second position
    again = await hedge.stub.PlaceBracketOrder(bracket_req("e-1"))
    assert again == b
    many = await asyncio.gather(*(hedge.stub.PlaceBracketOrder(bracket_req("e-1")) for _ in range(5)))
    assert all(m == b for m in many)
    got = await hedge.stub.GetBracket(broker_pb2.GetBracketRequest(account_id=ACCOUNT, client_order_id="e-1"))
    assert got == b
    state = await sim_account_state(hedge.sim)
    assert amounts(state) == {("BTCUSDT", "LONG"): Decimal("0.010")} and len(legs(state)) == 2
    # a short beside the long (hedge mode) on the other position side
    s = await hedge.stub.PlaceBracketOrder(bracket_req("e-2", common_pb2.SIDE_SELL, 0.02, sl=51000, tp=49000))
    assert s.state == broker_pb2.BRACKET_STATE_OPEN and s.stop.position_side == broker_pb2.POSITION_SIDE_SHORT
    # one bracket per symbol and side
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.PlaceBracketOrder(bracket_req("e-3"))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "e-1" in (e.value.details() or "")
    # reusing an id for a different bracket is refused
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.PlaceBracketOrder(bracket_req("e-1", common_pb2.SIDE_SELL, sl=51000, tp=49000))
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS
    orders = await hedge.stub.ListOpenOrders(broker_pb2.ListOpenOrdersRequest(account_id=ACCOUNT))
    assert sorted(o.client_order_id for o in orders.orders) == ["e-1.sl", "e-1.tp", "e-2.sl", "e-2.tp"]
    acct = await hedge.stub.GetAccount(broker_pb2.GetAccountRequest(account_id=ACCOUNT))
    assert acct.position_mode == broker_pb2.POSITION_MODE_HEDGE and acct.connected
    assert {(p.position_side, p.quantity) for p in acct.positions} == {
        (broker_pb2.POSITION_SIDE_LONG, 0.01),
        (broker_pb2.POSITION_SIDE_SHORT, -0.02),
    } or {(p.position_side, abs(p.quantity)) for p in acct.positions} == {
        (broker_pb2.POSITION_SIDE_LONG, 0.01),
        (broker_pb2.POSITION_SIDE_SHORT, 0.02),
    }
    assert acct.positions[0].leverage == 10 and acct.positions[0].margin_type == broker_pb2.MARGIN_TYPE_ISOLATED


async def test_one_way_happy_path(oneway: BrokerStack) -> None:
    b = await oneway.stub.PlaceBracketOrder(bracket_req("o-1", common_pb2.SIDE_SELL, 0.02, sl=50500, tp=49000))
    assert b.state == broker_pb2.BRACKET_STATE_OPEN
    assert b.stop.reduce_only and b.take.reduce_only and b.stop.position_side == broker_pb2.POSITION_SIDE_BOTH
    state = await sim_account_state(oneway.sim)
    assert amounts(state) == {("BTCUSDT", "BOTH"): Decimal("-0.020")}
    assert all(a["reduceOnly"] and a["side"] == "BUY" and a["quantity"] == "0.020" for a in legs(state))
    acct = await oneway.stub.GetAccount(broker_pb2.GetAccountRequest(account_id=ACCOUNT))
    assert acct.position_mode == broker_pb2.POSITION_MODE_ONE_WAY


async def test_rounding_and_filter_errors(hedge: BrokerStack) -> None:
    b = await hedge.stub.PlaceBracketOrder(bracket_req("r-1", qty=0.0129, sl=49000.04, tp=51000.06))
    assert b.quantity == pytest.approx(0.012) and b.stop_loss == pytest.approx(49000.0)
    assert b.take_profit == pytest.approx(51000.1)
    notional = broker_pb2.PlaceBracketOrderRequest(
        account_id=ACCOUNT,
        symbol="ETHUSDT",
        side=common_pb2.SIDE_BUY,
        quote_notional=1000,
        stop_loss=2900,
        take_profit=3100,
        client_order_id="r-2",
    )
    n = await hedge.stub.PlaceBracketOrder(notional)
    assert n.state == broker_pb2.BRACKET_STATE_OPEN and n.quantity == pytest.approx(0.333)
    cases = {
        "minQty": bracket_req("r-3", qty=0.0004),
        "MIN_NOTIONAL": bracket_req("r-4", qty=0.001),
        "stop_loss": bracket_req("r-5", sl=50100, tp=51000),
        "client_order_id": bracket_req("bad id!"),
        "symbol": bracket_req("r-6", symbol="NOPEUSDT"),
        "side": bracket_req("r-7", side=common_pb2.SIDE_UNSPECIFIED),
        "quantity": broker_pb2.PlaceBracketOrderRequest(
            account_id=ACCOUNT,
            symbol="BTCUSDT",
            side=common_pb2.SIDE_BUY,
            stop_loss=1,
            take_profit=2,
            client_order_id="r-8",
        ),
    }
    for rule, req in cases.items():
        with pytest.raises(grpc.aio.AioRpcError) as e:
            await hedge.stub.PlaceBracketOrder(req)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, rule
        assert rule in (e.value.details() or ""), (rule, e.value.details())
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.PlaceBracketOrder(bracket_req("r-9", account="nobody"))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    # nothing was recorded or sent for refused requests
    assert hedge.store.bracket(ACCOUNT, "r-3") is None
    state = await sim_account_state(hedge.sim)
    assert len(legs(state)) == 4


async def test_partial_fill_sizes_legs_to_the_filled_quantity(hedge: BrokerStack) -> None:
    sim = hedge.sim.simulator
    assert sim is not None
    engine = sim.engine
    original = engine._execute_on_arrival

    def thin_book(acct: Any, o: Any, cur: int, now: int) -> None:
        # Binance expires the rest of a MARKET order it cannot fill (thin book): fill half, expire.
        if o.type == "MARKET" and o.client_id == "p-1":
            engine._fill(acct, o, o.remaining() // 2, cur, False, now)
            engine._finish(acct, o, "EXPIRED", now)
            return
        original(acct, o, cur, now)

    engine._execute_on_arrival = thin_book  # type: ignore[method-assign]
    b = await hedge.stub.PlaceBracketOrder(bracket_req("p-1", qty=0.04))
    assert b.state == broker_pb2.BRACKET_STATE_OPEN
    assert b.quantity == pytest.approx(0.04) and b.filled_quantity == pytest.approx(0.02)
    assert b.stop.quantity == pytest.approx(0.02) and b.take.quantity == pytest.approx(0.02)
    state = await sim_account_state(hedge.sim)
    assert amounts(state) == {("BTCUSDT", "LONG"): Decimal("0.020")}
    assert {a["quantity"] for a in legs(state)} == {"0.020"}


async def test_stop_placement_failure_closes_the_position(hedge: BrokerStack) -> None:
    # every algo placement answers 503 (and is not executed): lookups find nothing, resend fails too
    await hedge.sim.admin.fault("503", count=8, path="algoOrder", method="POST")
    b = await hedge.stub.PlaceBracketOrder(bracket_req("f-1"))
    assert b.state == broker_pb2.BRACKET_STATE_FAILED
    assert "stop loss not placed" in b.error and "position closed" in b.error
    assert b.filled_quantity == pytest.approx(0.01) and b.exit_price > 0
    await hedge.sim.admin.clear_faults()
    state = await sim_account_state(hedge.sim)
    assert amounts(state) == {} and legs(state) == []


async def test_lost_answers_never_duplicate(hedge: BrokerStack) -> None:
    # the exchange executes the entry but answers 503: looked up by client id, not resent
    await hedge.sim.admin.fault("accept_503", count=1, path="/fapi/v1/order", method="POST")
    b = await hedge.stub.PlaceBracketOrder(bracket_req("u-1"))
    assert b.state == broker_pb2.BRACKET_STATE_OPEN and b.filled_quantity == pytest.approx(0.01)
    # the stop's answer is lost too
    await hedge.sim.admin.fault("accept_503", count=1, path="algoOrder", method="POST")
    s = await hedge.stub.PlaceBracketOrder(bracket_req("u-2", common_pb2.SIDE_SELL, sl=51000, tp=49000))
    assert s.state == broker_pb2.BRACKET_STATE_OPEN
    # a hanging request (longer than the client timeout) whose order did not happen: looked up, then sent
    await hedge.sim.admin.fault("timeout", count=1, path="/fapi/v1/order", method="POST", seconds=3)
    e = await hedge.stub.PlaceBracketOrder(bracket_req("u-3", symbol="ETHUSDT", qty=0.1, sl=2900, tp=3100))
    assert e.state == broker_pb2.BRACKET_STATE_OPEN
    # the connection drops without an answer (nothing executed): looked up, not found, sent once more
    await hedge.sim.admin.fault("close", count=1, path="/fapi/v1/order", method="POST")
    c = await hedge.stub.PlaceBracketOrder(
        bracket_req("u-4", common_pb2.SIDE_SELL, symbol="ETHUSDT", qty=0.1, sl=3100, tp=2900)
    )
    assert c.state == broker_pb2.BRACKET_STATE_OPEN
    state = await sim_account_state(hedge.sim)
    assert abs(amounts(state).pop(("ETHUSDT", "SHORT"))) == Decimal("0.100")
    assert len(legs(state)) == 8
    state["positions"] = [p for p in state["positions"] if (p["symbol"], p["positionSide"]) != ("ETHUSDT", "SHORT")]
    assert amounts(state) == {
        ("BTCUSDT", "LONG"): Decimal("0.010"),
        ("BTCUSDT", "SHORT"): Decimal("-0.010"),
        ("ETHUSDT", "LONG"): Decimal("0.100"),
    } or {k: abs(v) for k, v in amounts(state).items()} == {
        ("BTCUSDT", "LONG"): Decimal("0.010"),
        ("BTCUSDT", "SHORT"): Decimal("0.010"),
        ("ETHUSDT", "LONG"): Decimal("0.100"),
    }


async def test_stop_refused_by_the_exchange_rolls_back(tmp_path: Path) -> None:
    # the broker validated against a price that has moved since (cached here for a minute): the stop
    # would trigger at once, the exchange refuses it (-2021), the position is closed at market
    async with stack_ctx(tmp_path, hedge=True, price_max_age_s=60.0) as s:
        await s.stub.PlaceBracketOrder(bracket_req("m-1", symbol="ETHUSDT", qty=0.1, sl=2900, tp=3100))
        # only the REST price is stale here: the mark price feed would hear of the jump
        await s.account.marks.stop()
        await s.sim.admin.set_price("ETHUSDT", "3050")
        b = await s.stub.PlaceBracketOrder(
            bracket_req("m-2", common_pb2.SIDE_SELL, symbol="ETHUSDT", qty=0.1, sl=3020, tp=2900)
        )
        assert b.state == broker_pb2.BRACKET_STATE_FAILED and "-2021" in b.error and "stop loss" in b.error
        assert "position closed" in b.error and b.exit_price == pytest.approx(3050)
        state = await sim_account_state(s.sim)
        assert amounts(state) == {("ETHUSDT", "LONG"): Decimal("0.100")}
        assert sorted(a["clientAlgoId"] for a in legs(state)) == ["m-1.sl", "m-1.tp"]
