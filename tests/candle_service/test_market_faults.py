"""The market misbehaving: 429, 418, 503, an unreachable exchange — the service stays up, honours
the exchange's limits, serves what the store has and says why it cannot do more."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from candle_service.market import WeightBudget, klines_weight
from parayok.v1 import candles_pb2, common_pb2

from .conftest import SIM_START, CandleStack, candle_stack

H1 = common_pb2.TIMEFRAME_1H
DAY = 86_400_000


async def count(stack: CandleStack, **kw: object) -> int:
    n = 0
    async for batch in stack.stub.GetCandles(candles_pb2.GetCandlesRequest(**kw)):  # type: ignore[arg-type]
        n += len(batch.open_time)
    return n


def test_weight_budget_waits_for_the_next_minute_before_crossing_it() -> None:
    budget = WeightBudget(budget=100)
    now = 1_000_000 * 60_000 + 15_000  # 15 s into a minute
    budget.observe(95, now)
    assert budget.delay_for(5, now) == 0.0
    assert budget.delay_for(10, now) == pytest.approx(45.05)
    assert budget.delay_for(10, now + 60_000) == 0.0  # a new minute starts from zero
    assert [klines_weight(n) for n in (99, 100, 499, 500, 1000, 1001, 1500)] == [1, 2, 2, 5, 5, 10, 10]


async def test_429_and_503_are_retried_and_nothing_is_lost(stack: CandleStack) -> None:
    await stack.sim.admin.fault("429", count=2, path="/fapi/v1/klines")
    await stack.sim.admin.fault("503", count=1, path="/fapi/v1/klines")
    assert await count(stack, symbol="BTCUSDT", timeframe=H1, from_ms=SIM_START - 100 * DAY,
                       to_ms=SIM_START) == 2400
    assert stack.store.missing_ranges("BTCUSDT", "1h", SIM_START - 100 * DAY, SIM_START) == []


async def test_418_stops_calls_and_reports_unavailable_with_the_ban(stack: CandleStack) -> None:
    await count(stack, symbol="BTCUSDT", timeframe=H1, from_ms=SIM_START - 2 * DAY, to_ms=SIM_START)
    await stack.sim.admin.limits(weight_1m=1, ban_after=0, ban_seconds=300)
    # Stored candles are still served, without asking the banned exchange.
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await count(stack, symbol="ETHUSDT", timeframe=H1, from_ms=SIM_START - 2 * DAY, to_ms=SIM_START)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "418" in (info.value.details() or "") or "banned" in (info.value.details() or "")
    assert stack.service.market.banned_until_ms > 0
    assert await count(stack, symbol="BTCUSDT", timeframe=H1, from_ms=SIM_START - 2 * DAY,
                       to_ms=SIM_START - DAY) == 24


async def test_unreachable_exchange_serves_the_store(tmp_path: Path) -> None:
    async with candle_stack(tmp_path / "store") as stack:
        assert await count(stack, symbol="BTCUSDT", timeframe=H1, from_ms=SIM_START - DAY, to_ms=SIM_START) == 24
        # The exchange goes away: the service stays up and serves what it has.
        await stack.service.market.close()
        stack.service.market.sim_url = "http://127.0.0.1:9"  # nothing listens there
        stack.service.market.attempts = 2
        assert await count(stack, symbol="BTCUSDT", timeframe=H1, from_ms=SIM_START - DAY,
                           to_ms=SIM_START) == 24
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await count(stack, symbol="BTCUSDT", timeframe=H1, from_ms=SIM_START - 30 * DAY,
                        to_ms=SIM_START - 20 * DAY)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "unreachable" in (info.value.details() or "")
