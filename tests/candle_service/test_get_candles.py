"""GetCandles, symbols and bad input, through real gRPC against exchange_sim and chDB."""

from __future__ import annotations

import grpc
import numpy as np
import pytest

from exchange_sim.testing import make_async_client
from parayok.v1 import candles_pb2, common_pb2

from .conftest import SIM_START, CandleStack

H1 = common_pb2.TIMEFRAME_1H
M1 = common_pb2.TIMEFRAME_1M
DAY = 86_400_000


async def collect(stack: CandleStack, **kw: object) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {}
    async for batch in stack.stub.GetCandles(candles_pb2.GetCandlesRequest(**kw)):  # type: ignore[arg-type]
        assert len(batch.open_time) <= 10_000
        for f in ("open_time", "close_time", "open", "high", "low", "close", "volume", "trades"):
            out.setdefault(f, []).extend(getattr(batch, f))
    return {k: np.array(v) for k, v in out.items()}


async def exchange_rows(stack: CandleStack, symbol: str, interval: str, start: int, end: int) -> list[list[str]]:
    client = await make_async_client(stack.sim)
    try:
        rows: list[list[str]] = []
        cursor = start
        while cursor < end:  # pages of the exchange's own answer, the reference
            page = await client.futures_klines(symbol=symbol, interval=interval, startTime=cursor,
                                               endTime=end - 1, limit=1500)
            if not page:
                break
            rows.extend(page)
            cursor = int(page[-1][6]) + 1
        return rows
    finally:
        await client.close_connection()


async def test_history_is_loaded_once_and_equals_the_exchange(stack: CandleStack) -> None:
    start = SIM_START - 3 * DAY
    got = await collect(stack, symbol="BTCUSDT", timeframe=M1, from_ms=start, to_ms=SIM_START)
    rows = await exchange_rows(stack, "BTCUSDT", "1m", start, SIM_START)
    assert len(got["open_time"]) == 3 * 1440 == len(rows)
    assert got["open_time"].tolist() == [int(r[0]) for r in rows]
    assert got["close"].tolist() == [float(r[4]) for r in rows]
    assert got["volume"].tolist() == [float(r[5]) for r in rows]
    assert np.all(np.diff(got["open_time"]) == 60_000)
    # Loaded again, overlapping: nothing is fetched twice and nothing is duplicated.
    used_before = stack.service.market.weight.used
    again = await collect(stack, symbol="BTCUSDT", timeframe=M1, from_ms=start - DAY, to_ms=SIM_START)
    assert len(again["open_time"]) == 4 * 1440
    assert len(np.unique(again["open_time"])) == len(again["open_time"])
    assert stack.store.count("BTCUSDT", "1m") == 4 * 1440
    assert stack.service.market.weight.used >= used_before


async def test_holes_in_the_store_are_filled(stack: CandleStack) -> None:
    # Two separate loads leave a hole between them; a wide request fills exactly the hole.
    await collect(stack, symbol="ETHUSDT", timeframe=H1, from_ms=SIM_START - 10 * DAY, to_ms=SIM_START - 8 * DAY)
    await collect(stack, symbol="ETHUSDT", timeframe=H1, from_ms=SIM_START - 4 * DAY, to_ms=SIM_START - 2 * DAY)
    assert stack.store.missing_ranges("ETHUSDT", "1h", SIM_START - 10 * DAY, SIM_START - 2 * DAY) != []
    got = await collect(stack, symbol="ETHUSDT", timeframe=H1, from_ms=SIM_START - 10 * DAY, to_ms=SIM_START)
    assert len(got["open_time"]) == 240
    assert np.all(np.diff(got["open_time"]) == 3_600_000)
    assert stack.store.missing_ranges("ETHUSDT", "1h", SIM_START - 10 * DAY, SIM_START) == []


async def test_the_unclosed_candle_is_never_served_or_stored(stack: CandleStack) -> None:
    await stack.sim.admin.step(minutes=30)  # now = 00:30: the 00:00 hour is open
    got = await collect(stack, symbol="BTCUSDT", timeframe=H1, limit=5)
    assert len(got["open_time"]) == 5
    assert got["close_time"][-1] == SIM_START - 1
    assert stack.store.read_last("BTCUSDT", "1h", 1).close_time[-1] == SIM_START - 1


async def test_limit_and_around(stack: CandleStack) -> None:
    got = await collect(stack, symbol="BTCUSDT", timeframe=H1, limit=1000)
    assert len(got["open_time"]) == 1000 and got["close_time"][-1] == SIM_START - 1
    at = SIM_START - 20 * DAY
    around = await collect(stack, symbol="BTCUSDT", timeframe=H1, around_ms=at, limit=100)
    assert len(around["open_time"]) == 100
    assert around["open_time"][50] == at


async def test_symbols(stack: CandleStack) -> None:
    reply = await stack.stub.ListSymbols(candles_pb2.ListSymbolsRequest())
    names = [s.symbol for s in reply.symbols]
    assert "BTCUSDT" in names and "ETHUSDT" in names
    info = await stack.stub.GetSymbolInfo(candles_pb2.GetSymbolInfoRequest(symbol="BTCUSDT"))
    assert info.tick_size > 0 and info.step_size > 0 and info.min_qty > 0 and info.min_notional > 0
    assert info.quote_asset == "USDT" and info.base_asset == "BTC" and info.status == "TRADING"


@pytest.mark.parametrize(
    ("request_kw", "code", "text"),
    [
        ({"symbol": "BTCUSDT", "limit": 5}, grpc.StatusCode.INVALID_ARGUMENT, "timeframe"),
        ({"symbol": "BTCUSDT", "timeframe": H1, "limit": 100_001}, grpc.StatusCode.INVALID_ARGUMENT, "limit"),
        ({"symbol": "BTCUSDT", "timeframe": H1, "limit": -1}, grpc.StatusCode.INVALID_ARGUMENT, "limit"),
        ({"symbol": "BTCUSDT", "timeframe": H1, "from_ms": SIM_START, "to_ms": SIM_START - 1},
         grpc.StatusCode.INVALID_ARGUMENT, "from_ms"),
        ({"symbol": "BTCUSDT", "timeframe": H1}, grpc.StatusCode.INVALID_ARGUMENT, "limit"),
        ({"symbol": "NOSUCHUSDT", "timeframe": H1, "limit": 5}, grpc.StatusCode.NOT_FOUND, "NOSUCHUSDT"),
        ({"symbol": "btc usdt", "timeframe": H1, "limit": 5}, grpc.StatusCode.INVALID_ARGUMENT, "symbol"),
    ],
)
async def test_bad_arguments(stack: CandleStack, request_kw: dict[str, object], code: grpc.StatusCode,
                             text: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await collect(stack, **request_kw)
    assert info.value.code() == code
    assert text in (info.value.details() or "")


async def test_unknown_symbol_info_is_not_found(stack: CandleStack) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stack.stub.GetSymbolInfo(candles_pb2.GetSymbolInfoRequest(symbol="NOSUCHUSDT"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
