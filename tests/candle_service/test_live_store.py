"""Live candles reach the store in few, large inserts (PARAYOK_LIVE_FLUSH_MS), and still every store call
made after a pulse sees that pulse's candles: a read, a graceful stop, a full buffer all flush first.
Real exchange_sim, real chDB, real gRPC; inserts are counted by wrapping the store's insert_many."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from candle_service.candles import CandleColumns
from candle_service.store import CandleStore, default_dsn
from parayok.v1 import candles_pb2, common_pb2

from .conftest import SIM_START, CandleStack, candle_stack
from .test_stream_pulses import Reader

M1 = common_pb2.TIMEFRAME_1M
MIN = 60_000
SYMBOLS = ["BTCUSDT", "ETHUSDT"]


@dataclass
class Inserts:
    """The store's insert_many, wrapped: rows per call, when it returned, and an optional failure."""

    store: CandleStore
    rows: list[int] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    fail_next: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.real = self.store.insert_many
        self.loop = asyncio.get_running_loop()
        self.store.insert_many = self._insert  # type: ignore[method-assign]

    def _insert(self, series: Iterable[CandleColumns]) -> int:
        parts = list(series)
        try:
            if self.fail_next:
                self.fail_next -= 1
                raise OSError("disk full (test)")
            return self.real(parts)
        finally:
            self.rows.append(sum(len(c) for c in parts))
            self.done_at.append(time.monotonic())
            self.loop.call_soon_threadsafe(self.changed.set)

    async def wait(self, n: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.rows) < n:  # bounded by the timeout
                self.changed.clear()
                await self.changed.wait()

    def clear(self) -> None:
        self.rows.clear()
        self.done_at.clear()


async def live_reader(stack: CandleStack) -> Reader:
    """A live StreamPulses of SYMBOLS on 1m, switched to live after 5 history pulses."""
    reader = Reader(stack.stub.StreamPulses(candles_pb2.StreamPulsesRequest(
        symbols=SYMBOLS, timeframes=[M1], from_ms=SIM_START - 5 * MIN, live=True, late_candle_wait_ms=5000)))
    async with asyncio.timeout(30):
        await reader.live.wait()
    assert len(reader.closed()) == 5
    await asyncio.sleep(0.3)  # let the websocket subscribe
    return reader


async def open_times(stack: CandleStack, symbol: str, start: int, end: int) -> list[int]:
    out: list[int] = []
    async for batch in stack.stub.GetCandles(candles_pb2.GetCandlesRequest(symbol=symbol, timeframe=M1,
                                                                           from_ms=start, to_ms=end)):
        out.extend(batch.open_time)
    return out


@contextlib.asynccontextmanager
async def live_stack(tmp_path: Path, **service_kw: int) -> AsyncIterator[tuple[CandleStack, Reader, Inserts]]:
    async with candle_stack(tmp_path / "store", service_kw) as stack:
        reader = await live_reader(stack)
        try:
            yield stack, reader, Inserts(stack.store)  # counting from the live switch on
        finally:
            await reader.close()


async def test_several_live_pulses_go_to_the_store_in_one_insert_after_the_interval(tmp_path: Path) -> None:
    async with live_stack(tmp_path, live_flush_ms=3000) as (stack, reader, inserts):
        await stack.sim.admin.step(minutes=3)
        await reader.wait_closed(5 + 3)
        published = time.monotonic()
        await inserts.wait(1)
        assert inserts.rows == [3 * len(SYMBOLS)], "one insert for the three pulses, not one per pulse"
        # The timer started at the first pulse's hand-over, just before it was published to us.
        assert inserts.done_at[0] - published >= 1.5, "inserted before the flush interval"
        for s in SYMBOLS:
            got = await stack.service.run(stack.store.read, s, "1m", SIM_START, SIM_START + 3 * MIN)
            assert list(got.open_time) == [SIM_START, SIM_START + MIN, SIM_START + 2 * MIN]


async def test_a_read_right_after_a_live_pulse_sees_its_candles_without_refetching(tmp_path: Path) -> None:
    async with live_stack(tmp_path, live_flush_ms=600_000) as (stack, reader, inserts):
        market = stack.service.market
        fetched: list[tuple[str, str, int, int]] = []
        real_klines = market.klines

        async def klines(symbol: str, timeframe: str, start: int, end: int, limit: int = 1500) -> CandleColumns:
            fetched.append((symbol, timeframe, start, end))
            return await real_klines(symbol, timeframe, start, end, limit)

        market.klines = klines  # type: ignore[method-assign,assignment]
        await stack.sim.admin.step(minutes=1)
        await reader.wait_closed(5 + 1)
        assert inserts.rows == []  # still buffered: the timer is ten minutes
        assert await open_times(stack, "ETHUSDT", SIM_START, SIM_START + MIN) == [SIM_START]
        # From the store, flushed before the read: no hole was found, nothing was asked of the exchange.
        assert fetched == []
        assert inserts.rows == [len(SYMBOLS)]
        # Any store call flushes, not only GetCandles: the next pulse, then a plain store call.
        await stack.sim.admin.step(minutes=1)
        await reader.wait_closed(5 + 2)
        got = await stack.service.run(stack.store.read, "BTCUSDT", "1m", SIM_START, SIM_START + 2 * MIN)
        assert list(got.open_time) == [SIM_START, SIM_START + MIN]
        assert inserts.rows == [len(SYMBOLS), len(SYMBOLS)]


async def test_a_graceful_stop_flushes_the_buffer(tmp_path: Path) -> None:
    async with live_stack(tmp_path, live_flush_ms=600_000) as (stack, reader, inserts):
        await stack.sim.admin.step(minutes=2)
        await reader.wait_closed(5 + 2)
        assert inserts.rows == []
    # Leaving the stack stops the server, then closes the service (as __main__'s setup does at SIGTERM).
    store = CandleStore.open(default_dsn(tmp_path / "store"))
    try:
        for s in SYMBOLS:
            got = store.read(s, "1m", SIM_START, SIM_START + 2 * MIN)
            assert list(got.open_time) == [SIM_START, SIM_START + MIN], s
    finally:
        store.close()


async def test_a_full_buffer_is_flushed_without_waiting_for_the_interval(tmp_path: Path) -> None:
    async with live_stack(tmp_path, live_flush_ms=600_000, live_flush_rows=2 * len(SYMBOLS)) as (
            stack, reader, inserts):
        await stack.sim.admin.step(minutes=1)
        await reader.wait_closed(5 + 1)
        await stack.sim.admin.step(minutes=1)
        await reader.wait_closed(5 + 2)
        await inserts.wait(1)
        assert inserts.rows == [2 * len(SYMBOLS)]


async def test_a_failed_flush_is_logged_and_the_feed_goes_on(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="candle_service")
    async with live_stack(tmp_path, live_flush_ms=300) as (stack, reader, inserts):
        inserts.fail_next = 1
        await stack.sim.admin.step(minutes=1)
        await reader.wait_closed(5 + 1)
        await inserts.wait(1)
        async with asyncio.timeout(10):
            while not any(getattr(r, "event", "") == "live_store_failed" for r in caplog.records):
                await asyncio.sleep(0.05)  # the failure is reported by the insert's done-callback
        await stack.sim.admin.step(minutes=1)
        await reader.wait_closed(5 + 2)
        await inserts.wait(2)
        assert not reader.task.done()
        assert [p.time for p in reader.closed()][-2:] == [SIM_START + MIN - 1, SIM_START + 2 * MIN - 1]
        got = await stack.service.run(stack.store.read, "BTCUSDT", "1m", SIM_START, SIM_START + 2 * MIN)
        assert list(got.open_time) == [SIM_START + MIN]  # the failed minute is a hole in the store...
        # ...that the next history request finds and fetches by REST.
        assert await open_times(stack, "BTCUSDT", SIM_START, SIM_START + 2 * MIN) == [SIM_START, SIM_START + MIN]
