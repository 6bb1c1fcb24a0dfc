"""web_bridge end to end: the bridge's aiohttp app on loopback, the REAL candle_service (exchange_sim
+ chDB) for candles, and gRPC doubles of analysis, order and broker services.

chDB allows one store per process at a time: the candle stack is module-scoped, so every test of a
module shares one event loop (``pytestmark`` in each module) and one store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio
import socketio
from aiohttp import web

from candle_service.market import Market
from candle_service.server import CandleServicer
from candle_service.service import CandleService
from candle_service.store import CandleStore, default_dsn
from exchange_sim.testing import SimHandle, running_sim
from parayok.v1 import analysis_pb2_grpc, broker_pb2_grpc, candles_pb2_grpc, orders_pb2_grpc
from tests.conftest import free_port, grpc_test_server
from web_bridge.app import HUB_KEY, build_app
from web_bridge.settings import WebSettings

from .doubles import AnalysisDouble, BrokerDouble, Calls, DoubleServer, OrderDouble

WAIT = 15.0  # bound of any wait for a reply (generous: other engineers' tests share the 2 cores)


@dataclass
class CandleStack:
    sim: SimHandle
    service: CandleService
    addr: str


@contextlib.asynccontextmanager
async def candle_stack(data: Path) -> AsyncIterator[CandleStack]:
    async with running_sim(start="2026-01-05T00:00:00Z") as sim:  # type: ignore[arg-type]
        store = CandleStore.open(default_dsn(data))
        service = CandleService(store, Market("sim", sim.base_url, attempts=4), late_candle_wait_ms=300)
        server = grpc_test_server()
        candles_pb2_grpc.add_CandleServiceServicer_to_server(CandleServicer(service), server)
        addr = f"127.0.0.1:{free_port()}"
        server.add_insecure_port(addr)
        await server.start()
        try:
            yield CandleStack(sim, service, addr)
        finally:
            await server.stop(0)
            await service.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def candles(tmp_path_factory: Any) -> AsyncIterator[CandleStack]:
    async with candle_stack(tmp_path_factory.mktemp("store")) as s:
        yield s


@dataclass
class Stack:
    candles: CandleStack
    calls: Calls
    analysis: AnalysisDouble
    orders: OrderDouble
    broker: BrokerDouble
    servers: dict[str, DoubleServer]
    url: str
    settings: WebSettings
    app: web.Application

    @property
    def hub(self) -> Any:
        return self.app[HUB_KEY]


@contextlib.asynccontextmanager
async def bridge_stack(candles: CandleStack, **settings_kw: Any) -> AsyncIterator[Stack]:
    calls = Calls()
    analysis, orders, broker = AnalysisDouble(calls), OrderDouble(calls), BrokerDouble(calls)
    servers = {
        "analysis": DoubleServer(f"127.0.0.1:{free_port()}",
                                 lambda s: analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(analysis, s)),
        "order": DoubleServer(f"127.0.0.1:{free_port()}",
                              lambda s: orders_pb2_grpc.add_OrderServiceServicer_to_server(orders, s)),
        "broker": DoubleServer(f"127.0.0.1:{free_port()}",
                               lambda s: broker_pb2_grpc.add_BrokerServiceServicer_to_server(broker, s)),
    }
    for srv in servers.values():
        await srv.start()
    port = free_port()
    kw: dict[str, Any] = dict(candle_addr=candles.addr, analysis_addr=servers["analysis"].addr,
                              order_addr=servers["order"].addr, broker_addr=servers["broker"].addr,
                              web_addr=f"127.0.0.1:{port}", web_ping_interval=5.0, web_ping_timeout=10.0)
    kw.update(settings_kw)
    settings = WebSettings(**kw)
    app, _ = build_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield Stack(candles, calls, analysis, orders, broker, servers, f"http://127.0.0.1:{port}", settings, app)
    finally:
        await runner.cleanup()
        for srv in servers.values():
            await srv.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def stack(candles: CandleStack) -> AsyncIterator[Stack]:
    async with bridge_stack(candles) as s:
        yield s


class Client:
    """A python-socketio (Engine.IO v4) client with request → reply helpers."""

    def __init__(self, sio: socketio.AsyncClient) -> None:
        self.sio = sio
        self.received: dict[str, asyncio.Queue[Any]] = {}

        async def any_event(event: str, data: Any = None, *_: Any) -> None:
            self.queue(event).put_nowait(data)  # every event is kept from the start: none is missed

        sio.on("*", any_event)

    def queue(self, event: str) -> asyncio.Queue[Any]:
        q = self.received.get(event)
        if q is None:
            q = self.received[event] = asyncio.Queue()
        return q

    async def next(self, event: str, timeout: float = WAIT) -> Any:
        return await asyncio.wait_for(self.queue(event).get(), timeout)

    async def request(self, event: str, payload: Any, reply: str, timeout: float = WAIT) -> Any:
        q = self.queue(reply)
        if payload is ...:
            await self.sio.emit(event)
        else:
            await self.sio.emit(event, payload)
        return await asyncio.wait_for(q.get(), timeout)


@contextlib.asynccontextmanager
async def v4_client(url: str, transports: list[str] | None = None, token: str | None = None,
                    headers: dict[str, str] | None = None) -> AsyncIterator[Client]:
    sio = socketio.AsyncClient(reconnection=False)
    client = Client(sio)
    await sio.connect(url, transports=transports or ["websocket"], auth={"token": token} if token else None,
                      headers=headers or {}, wait_timeout=WAIT)
    try:
        yield client
    finally:
        if sio.transport() == "polling":
            # python-engineio ends a closed session's held poll only at its ping timeout, and the
            # python client would wait for it: leave without waiting (the server still gets the close).
            await sio.eio.disconnect(abort=True)
        else:
            await sio.disconnect()


async def eventually(check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = WAIT) -> None:
    """Polls ``check`` until it holds (bounded)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
