"""PlaceBracketOrders, the placement stream order_service keeps open: every request answered once with its
client order id, failures answered in place with PlaceBracketOrder's status (the stream goes on), the same
idempotency; and order_service's BrokerClient over it, through a restart of the broker."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import grpc
import pytest

from exchange_sim.testing import running_sim
from order_service.clients import BrokerClient
from order_service.model import Unavailable
from order_service.ports import BracketRequest, BrokerRejected
from parayok.v1 import broker_pb2
from tests.conftest import free_port

from .conftest import BrokerStack, bracket_req, broker_on, sim_account_state


async def test_one_stream_answers_every_request_by_its_id_and_errors_in_place(hedge: BrokerStack) -> None:
    call = hedge.stub.PlaceBracketOrders()
    sent = [
        bracket_req("st-1"),
        bracket_req("st-2", symbol="ETHUSDT", qty=0.1, sl=2900, tp=3100),
        bracket_req("st-bad", qty=0),  # no size
        bracket_req("st-3", account="nobody"),
        bracket_req("st-1"),  # the same id again: the same bracket, no second position
        bracket_req("st-4"),  # a second long on BTCUSDT: refused by the plan's one-bracket rule
    ]
    for request in sent:
        await call.write(request)
    await call.done_writing()
    answers = [a async for a in call]  # ends once every request is answered
    assert await call.code() == grpc.StatusCode.OK
    assert sorted(a.client_order_id for a in answers) == sorted(r.client_order_id for r in sent)
    by_id: dict[str, list[broker_pb2.BracketPlacement]] = {}
    for a in answers:
        by_id.setdefault(a.client_order_id, []).append(a)

    first, again = by_id["st-1"]
    assert first.error_code == 0 and first.bracket.state == broker_pb2.BRACKET_STATE_OPEN
    assert again.bracket == first.bracket
    assert by_id["st-2"][0].bracket.symbol == "ETHUSDT" and by_id["st-2"][0].bracket.stop.is_algo
    bad = by_id["st-bad"][0]
    assert bad.error_code == grpc.StatusCode.INVALID_ARGUMENT.value[0] and "quantity" in bad.error_message
    assert not bad.HasField("bracket")
    unknown = by_id["st-3"][0]
    assert unknown.error_code == grpc.StatusCode.NOT_FOUND.value[0] and "nobody" in unknown.error_message
    refused = by_id["st-4"][0]
    assert refused.error_code == grpc.StatusCode.FAILED_PRECONDITION.value[0] and "st-1" in refused.error_message

    # the unary call agrees with what the stream placed
    assert await hedge.stub.PlaceBracketOrder(bracket_req("st-1")) == first.bracket
    state = await sim_account_state(hedge.sim)
    positions = {(p["symbol"], p["positionSide"]): Decimal(p["amt"]) for p in state["positions"]
                 if Decimal(p["amt"]) != 0}
    assert positions == {("BTCUSDT", "LONG"): Decimal("0.010"), ("ETHUSDT", "LONG"): Decimal("0.100")}
    assert len(state["open_algo_orders"]) == 4


def request(cid: str, symbol: str = "BTCUSDT", side: str = "buy") -> BracketRequest:
    prices = {"BTCUSDT": (0.01, 49000.0, 51000.0), "ETHUSDT": (0.1, 2900.0, 3100.0)}
    qty, sl, tp = prices[symbol]
    if side == "sell":
        sl, tp = tp, sl
    return BracketRequest(account_id="sim", symbol=symbol, side=side, quantity=qty, stop_loss=sl, take_profit=tp,
                          client_order_id=cid)


async def test_broker_client_places_over_one_stream_and_outlives_a_broker_restart(tmp_path: Path) -> None:
    async with running_sim(hedge=True, symbols=["BTCUSDT", "ETHUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        await sim.admin.set_price("ETHUSDT", "3000")
        db, addr = tmp_path / "broker.sqlite3", f"127.0.0.1:{free_port()}"
        client = BrokerClient(addr, timeout=5.0)
        try:
            async with broker_on(sim, db, addr=addr):
                # concurrent placements share one stream, each gets its own answer
                long_btc, long_eth = await asyncio.gather(client.place_bracket(request("bc-1")),
                                                          client.place_bracket(request("bc-2", "ETHUSDT")))
                stream = client._placements
                assert long_btc.client_order_id == "bc-1" and long_btc.state == "open"
                assert long_eth.client_order_id == "bc-2" and long_eth.state == "open"
                with pytest.raises(BrokerRejected, match="FAILED_PRECONDITION"):
                    await client.place_bracket(request("bc-3"))  # a second long on BTCUSDT
                with pytest.raises(BrokerRejected, match="INVALID_ARGUMENT"):
                    await client.place_bracket(request("bc-4", side="hold"))
                assert client._placements is stream  # refusals leave the stream open
            # the broker is gone: a placement fails as Unavailable (order_service resends it), never hangs
            with pytest.raises(Unavailable):
                await client.place_bracket(request("bc-5", side="sell"))
            async with broker_on(sim, db, addr=addr):
                # the same client, on a new stream once the channel has reconnected (bounded)
                async with asyncio.timeout(30):
                    while True:
                        try:
                            again = await client.place_bracket(request("bc-1"))  # a resend after the restart
                            break
                        except Unavailable:
                            await asyncio.sleep(0.2)
                assert client._placements is not stream
                assert again.client_order_id == "bc-1" and again.entry_order_id == long_btc.entry_order_id
                short = await client.place_bracket(request("bc-5", side="sell"))
                assert short.state == "open"
        finally:
            await client.close()
        state = await sim_account_state(sim)
        positions = {(p["symbol"], p["positionSide"]): Decimal(p["amt"]) for p in state["positions"]
                     if Decimal(p["amt"]) != 0}
        assert positions == {("BTCUSDT", "LONG"): Decimal("0.010"), ("ETHUSDT", "LONG"): Decimal("0.100"),
                             ("BTCUSDT", "SHORT"): Decimal("-0.010")}
        assert len(state["open_algo_orders"]) == 6
