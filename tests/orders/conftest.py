"""Fixtures: the doubles server, an in-process OrderService, and a real OrderService gRPC server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from order_service.clients import AnalysisClient, BrokerClient, CandleClient
from order_service.server import OrderServicer
from order_service.service import OrderService
from order_service.store import Store
from parayok.v1 import orders_pb2_grpc
from tests.conftest import free_port, grpc_test_server
from tests.orders.doubles import Doubles, running_doubles

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


async def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Polls ``check`` (sync or async) until it returns something truthy; fails after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def doubles() -> AsyncIterator[Doubles]:
    async with running_doubles(free_port(), history_pulses=60, live_pulses=30, live_interval=0.01) as d:
        yield d


@dataclass
class Harness:
    service: OrderService
    store: Store
    stub: orders_pb2_grpc.OrderServiceStub
    doubles: Doubles


@pytest.fixture
async def harness(doubles: Doubles, tmp_path: Path) -> AsyncIterator[Harness]:
    store = Store(tmp_path / "orders.sqlite3")
    clients = (AnalysisClient(doubles.addr), CandleClient(doubles.addr), BrokerClient(doubles.addr))
    service = OrderService(store, *clients, retry_max_wait=0.5)
    await service.start(None)
    server = grpc_test_server()
    orders_pb2_grpc.add_OrderServiceServicer_to_server(OrderServicer(service), server)
    addr = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(addr)
    await server.start()
    channel = grpc.aio.insecure_channel(addr)
    try:
        yield Harness(service, store, orders_pb2_grpc.OrderServiceStub(channel), doubles)
    finally:
        await channel.close()
        await server.stop(0.2)
        await service.close()
        for c in clients:
            await c.close()
        store.close()
