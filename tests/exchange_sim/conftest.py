"""Fixtures: the simulator on a free loopback port and python-binance clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from exchange_sim.testing import SimHandle, make_async_client, running_sim


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    async with running_sim(symbols=["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]) as h:
        yield h


@pytest.fixture
async def hsim() -> AsyncIterator[SimHandle]:
    async with running_sim(symbols=["BTCUSDT", "ETHUSDT"], hedge=True) as h:
        yield h


@pytest.fixture
async def client(sim: SimHandle) -> AsyncIterator[Any]:
    c = await make_async_client(sim)
    yield c
    await c.close_connection()


@pytest.fixture
async def hclient(hsim: SimHandle) -> AsyncIterator[Any]:
    c = await make_async_client(hsim)
    yield c
    await c.close_connection()
