"""broker_service end to end: exchange_sim on loopback, real python-binance, a real gRPC server.

Each test gets its own simulator (stepped clock from 2026-01-05), SQLite file and server; the
simulator runs in the test's event loop (in-process), the broker talks to it over HTTP/WS.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest_asyncio
from pydantic import SecretStr

from broker_service.accounts import AccountConfig
from broker_service.binance_account import BinanceAccount
from broker_service.server import BrokerServicer
from broker_service.service import BrokerService
from broker_service.store import BrokerStore
from exchange_sim.testing import SimHandle, running_sim
from parayok.v1 import broker_pb2, broker_pb2_grpc, common_pb2
from tests.conftest import free_port, grpc_test_server

ACCOUNT = "sim"


@dataclass
class BrokerStack:
    sim: SimHandle
    service: BrokerService
    account: BinanceAccount
    stub: broker_pb2_grpc.BrokerServiceStub
    store: BrokerStore
    addr: str


def sim_account(sim: SimHandle, hedge: bool, **kw: Any) -> AccountConfig:
    return AccountConfig(
        id=ACCOUNT,
        kind="sim",
        api_key=SecretStr(sim.api_key),
        api_secret=SecretStr(sim.api_secret),
        position_mode="hedge" if hedge else "one-way",
        margin_type="ISOLATED",
        leverage=10,
        symbols=["BTCUSDT"],
        url=sim.base_url,
        **kw,
    )


@contextlib.asynccontextmanager
async def broker_on(
    sim: SimHandle,
    db: Path,
    hedge: bool = True,
    time_source: str = "local",
    synchronous: str = "NORMAL",
    addr: str | None = None,
    **acct_kw: Any,
) -> AsyncIterator[BrokerStack]:
    store = BrokerStore(db, synchronous)
    kw: dict[str, Any] = {"timeout_s": 2.0, "resume_window_s": 60.0}
    kw.update(acct_kw)
    account = BinanceAccount(sim_account(sim, hedge, time_source=time_source), store, **kw)
    service = BrokerService(store, [account])
    server = grpc_test_server()
    broker_pb2_grpc.add_BrokerServiceServicer_to_server(BrokerServicer(service), server)
    addr = addr or f"127.0.0.1:{free_port()}"
    server.add_insecure_port(addr)
    await server.start()
    await service.start()
    channel = grpc.aio.insecure_channel(addr)
    try:
        await asyncio.wait_for(account.reconciled.wait(), 20)
        yield BrokerStack(sim, service, account, broker_pb2_grpc.BrokerServiceStub(channel), store, addr)
    finally:
        await channel.close()
        await server.stop(0)
        await service.close()


@contextlib.asynccontextmanager
async def stack_ctx(tmp_path: Path, hedge: bool = True, **acct_kw: Any) -> AsyncIterator[BrokerStack]:
    async with running_sim(hedge=hedge, symbols=["BTCUSDT", "ETHUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        await sim.admin.set_price("ETHUSDT", "3000")
        async with broker_on(sim, tmp_path / "broker.sqlite3", hedge, **acct_kw) as s:
            yield s


@pytest_asyncio.fixture
async def hedge(tmp_path: Path) -> AsyncIterator[BrokerStack]:
    async with stack_ctx(tmp_path, hedge=True) as s:
        yield s


@pytest_asyncio.fixture
async def hedge_full(tmp_path: Path) -> AsyncIterator[BrokerStack]:
    """The FULL store level (fsyncs awaited before entries and acted-on fills; the service's default is NORMAL)."""
    async with stack_ctx(tmp_path, hedge=True, synchronous="FULL") as s:
        yield s


@pytest_asyncio.fixture
async def oneway(tmp_path: Path) -> AsyncIterator[BrokerStack]:
    async with stack_ctx(tmp_path, hedge=False) as s:
        yield s


def bracket_req(
    cid: str,
    side: common_pb2.Side = common_pb2.SIDE_BUY,
    qty: float = 0.01,
    sl: float = 49000,
    tp: float = 51000,
    symbol: str = "BTCUSDT",
    account: str = ACCOUNT,
) -> broker_pb2.PlaceBracketOrderRequest:
    return broker_pb2.PlaceBracketOrderRequest(
        account_id=account, symbol=symbol, side=side, quantity=qty, stop_loss=sl, take_profit=tp, client_order_id=cid
    )


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0, what: str = "condition") -> None:
    """Polls ``check`` until true (bounded): for effects that arrive over the user stream."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def sim_account_state(sim: SimHandle) -> dict[str, Any]:
    state = await sim.admin.state()
    return state["accounts"][0] if isinstance(state["accounts"], list) else next(iter(state["accounts"].values()))
