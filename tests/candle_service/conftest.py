"""candle_service end to end: exchange_sim on loopback, a real chDB store, a real gRPC server.

chDB allows one store directory per process at a time, so each test module opens one store and
tests keep apart by symbol; the simulator's stepped clock keeps runs reproducible.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest_asyncio

from candle_service.market import Market
from candle_service.server import CandleServicer
from candle_service.service import CandleService
from candle_service.store import CandleStore, default_dsn
from exchange_sim.testing import SimHandle, running_sim
from parayok.v1 import candles_pb2_grpc
from tests.conftest import free_port, grpc_test_server

# 2026-01-05 00:00 UTC (a Monday): the simulator's clock starts here, with history before it.
SIM_START = 1_767_571_200_000


@dataclass
class CandleStack:
    sim: SimHandle
    service: CandleService
    stub: candles_pb2_grpc.CandleServiceStub
    store: CandleStore
    addr: str


@contextlib.asynccontextmanager
async def candle_stack(data: Path, service_kw: dict[str, int] | None = None,
                       **sim_kw: object) -> AsyncIterator[CandleStack]:
    async with running_sim(start="2026-01-05T00:00:00Z", **sim_kw) as sim:  # type: ignore[arg-type]
        store = CandleStore.open(default_dsn(data))
        kw = {"late_candle_wait_ms": 1000, **(service_kw or {})}
        service = CandleService(store, Market("sim", sim.base_url, attempts=4), **kw)
        server = grpc_test_server()
        candles_pb2_grpc.add_CandleServiceServicer_to_server(CandleServicer(service), server)
        addr = f"127.0.0.1:{free_port()}"
        server.add_insecure_port(addr)
        await server.start()
        channel = grpc.aio.insecure_channel(addr)
        try:
            yield CandleStack(sim, service, candles_pb2_grpc.CandleServiceStub(channel), store, addr)
        finally:
            await channel.close()
            await server.stop(0)
            await service.close()


@pytest_asyncio.fixture
async def stack(tmp_path: Path) -> AsyncIterator[CandleStack]:
    async with candle_stack(tmp_path / "store") as s:
        yield s
