"""The paper broker over a real candle_service (CandleServicer on loopback over exchange_sim, chDB
store in tmp_path): fills at live prices with slippage and fees, stop/take on price updates, durable
balance and positions, the same gRPC interface."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from broker_service.accounts import AccountConfig
from broker_service.paper import CandlePriceFeed, PaperAccount
from broker_service.server import BrokerServicer
from broker_service.service import BrokerService
from broker_service.store import BrokerStore
from candle_service.market import Market
from candle_service.server import CandleServicer
from candle_service.service import CandleService
from candle_service.store import CandleStore, default_dsn
from exchange_sim.testing import SimHandle, running_sim
from parayok.bootstrap import wait_serving
from parayok.supervisor import dies_with_parent
from parayok.v1 import broker_pb2, broker_pb2_grpc, candles_pb2_grpc, common_pb2
from tests.conftest import free_port, grpc_test_server

from .conftest import bracket_req, eventually


@contextlib.asynccontextmanager
async def candle_server(sim: SimHandle, data: Path) -> AsyncIterator[str]:
    store = CandleStore.open(default_dsn(data))
    service = CandleService(store, Market("sim", sim.base_url, attempts=4), late_candle_wait_ms=500)
    server = grpc_test_server()
    candles_pb2_grpc.add_CandleServiceServicer_to_server(CandleServicer(service), server)
    addr = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(addr)
    await server.start()
    try:
        yield addr
    finally:
        await server.stop(0)
        await service.close()


@contextlib.asynccontextmanager
async def paper_broker(
    candle_addr: str, db: Path
) -> AsyncIterator[tuple[broker_pb2_grpc.BrokerServiceStub, PaperAccount]]:
    store = BrokerStore(db, "NORMAL")
    acct = PaperAccount(
        AccountConfig(id="paper", kind="paper", leverage=10),
        store,
        CandlePriceFeed(candle_addr),
        start_balance=10_000,
        slippage_percent=0.02,
        fee_percent=0.05,
    )
    service = BrokerService(store, [acct])
    server = grpc_test_server()
    broker_pb2_grpc.add_BrokerServiceServicer_to_server(BrokerServicer(service), server)
    addr = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(addr)
    await server.start()
    await service.start()
    channel = grpc.aio.insecure_channel(addr)
    try:
        yield broker_pb2_grpc.BrokerServiceStub(channel), acct
    finally:
        await channel.close()
        await server.stop(0)
        await service.close()


async def test_paper_bracket_fills_closes_and_persists(tmp_path: Path) -> None:
    async with running_sim(symbols=["BTCUSDT", "ETHUSDT"]) as sim, candle_server(sim, tmp_path / "candles") as caddr:
        db = tmp_path / "broker.sqlite3"
        async with paper_broker(caddr, db) as (stub, acct):
            last = await acct.feed.price("BTCUSDT")
            req = bracket_req("pp-1", qty=0.1, sl=round(last * 0.97), tp=round(last * 1.02), account="paper")
            b = await stub.PlaceBracketOrder(req)
            assert b.state == broker_pb2.BRACKET_STATE_OPEN and b.filled_quantity == pytest.approx(0.1)
            assert b.average_entry_price == pytest.approx(last * 1.0002, abs=0.1)  # slippage, rounded to tick
            fee = b.average_entry_price * 0.1 * 0.0005
            assert b.entry.commission == pytest.approx(fee)
            assert await stub.PlaceBracketOrder(req) == b  # idempotent
            a = await stub.GetAccount(broker_pb2.GetAccountRequest(account_id="paper"))
            assert a.kind == 2 and a.balance == pytest.approx(10_000 - fee)
            assert [(p.symbol, p.position_side, p.quantity) for p in a.positions] == [
                ("BTCUSDT", broker_pb2.POSITION_SIDE_LONG, pytest.approx(0.1))
            ]
            orders = await stub.ListOpenOrders(broker_pb2.ListOpenOrdersRequest(account_id="paper"))
            assert sorted(o.client_order_id for o in orders.orders) == ["pp-1.sl", "pp-1.tp"]
            with pytest.raises(grpc.aio.AioRpcError) as e:
                await stub.PlaceBracketOrder(bracket_req("pp-2", qty=0.00001, sl=1, tp=10**6, account="paper"))
            assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            # the market rises through the take: a live price update closes the bracket
            await asyncio.sleep(0.5)  # the feed's pulse stream subscribes
            await sim.admin.set_price("BTCUSDT", str(round(last * 1.03)))
            await sim.admin.step(minutes=1)

            async def closed() -> bool:
                got = await stub.GetBracket(broker_pb2.GetBracketRequest(account_id="paper", client_order_id="pp-1"))
                return got.state == broker_pb2.BRACKET_STATE_CLOSED

            await eventually(closed, 30, "the paper take to fill")
            c = await stub.GetBracket(broker_pb2.GetBracketRequest(account_id="paper", client_order_id="pp-1"))
            assert c.exit_price == pytest.approx(c.take_profit)
            assert c.realized_pnl == pytest.approx((c.take_profit - c.average_entry_price) * 0.1)
            exit_fee = c.take_profit * 0.1 * 0.0005
            balance = 10_000 - fee + c.realized_pnl - exit_fee
            assert acct.balance == pytest.approx(balance)
        # a restart keeps the balance, the closed bracket and the idempotency
        async with paper_broker(caddr, db) as (stub, acct):
            a = await stub.GetAccount(broker_pb2.GetAccountRequest(account_id="paper"))
            assert a.balance == pytest.approx(balance) and list(a.positions) == []
            again = await stub.PlaceBracketOrder(req)
            assert again.state == broker_pb2.BRACKET_STATE_CLOSED
            short = await stub.PlaceBracketOrder(
                bracket_req(
                    "pp-3", common_pb2.SIDE_SELL, 0.1, sl=round(last * 1.5), tp=round(last * 0.5), account="paper"
                )
            )
            assert short.state == broker_pb2.BRACKET_STATE_OPEN
            closed_by_hand = await stub.ClosePosition(
                broker_pb2.ClosePositionRequest(
                    account_id="paper", symbol="BTCUSDT", position_side=broker_pb2.POSITION_SIDE_SHORT
                )
            )
            assert closed_by_hand.status == broker_pb2.ORDER_STATUS_FILLED
            a = await stub.GetAccount(broker_pb2.GetAccountRequest(account_id="paper"))
            assert list(a.positions) == []


async def test_default_process_has_one_paper_account(suite_env: dict[str, str]) -> None:
    """`make run`'s broker: no keys, one account "paper"; without candle_service it still serves."""
    env = dict(suite_env)
    env["PARAYOK_CANDLE_ADDR"] = f"127.0.0.1:{free_port()}"  # nobody listens there
    proc = subprocess.Popen(dies_with_parent([sys.executable, "-m", "broker_service"]), env=env,
                            stderr=subprocess.DEVNULL)
    try:
        await wait_serving(env["PARAYOK_BROKER_ADDR"], timeout=30)
        async with grpc.aio.insecure_channel(env["PARAYOK_BROKER_ADDR"]) as ch:
            stub = broker_pb2_grpc.BrokerServiceStub(ch)
            accounts = (await stub.ListAccounts(broker_pb2.ListAccountsRequest(), timeout=10)).accounts
            assert [(a.account_id, a.kind, a.balance) for a in accounts] == [("paper", 2, 10_000.0)]
            with pytest.raises(grpc.aio.AioRpcError) as e:
                await stub.PlaceBracketOrder(bracket_req("nope-1", account="paper"), timeout=30)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 15)
