"""Prices.times (the counter geroflvl asks) equals counting the remembered highs and lows."""

from __future__ import annotations

import random

from analysis_service.analyzers.prices import Prices
from analysis_service.engine.candle import Candle


class _IO:
    def __init__(self) -> None:
        self.flags: dict[str, object] = {}


def test_times_equals_counts_over_a_sliding_window() -> None:
    rnd = random.Random(7)
    for max_candles in (0, 1, 5, 100):
        p = Prices("prices", max_candles=max_candles)
        io = _IO()
        grid = [100.0 + 0.5 * k for k in range(12)]  # few distinct prices: many repeats
        for i in range(600):
            lo, hi = sorted(rnd.sample(grid, 2))
            c = Candle(i * 60_000, lo, hi, lo, hi, 1.0, i * 60_000 + 59_999, "BTCUSDT", "1m")
            p.add_candle(c, io)  # type: ignore[arg-type]
            for price in (*grid, 99.0, -0.0):
                assert p.times(price) == p.highs.count(price) + p.lows.count(price)
                assert p.times(price) == p.find_price(price)["times"]


def test_times_follows_deques_changed_from_outside() -> None:
    p = Prices("prices", max_candles=3)
    io = _IO()
    p.lows.extend([100.0, 100.0])
    p.highs.append(200.0)
    assert p.times(100.0) == 2 and p.times(200.0) == 1
    for i in range(5):
        p.add_candle(Candle(i * 60_000, 150.0, 200.0, 100.0, 150.0, 1.0, i * 60_000 + 59_999, "BTCUSDT", "1m"), io)  # type: ignore[arg-type]
        for price in (100.0, 200.0, 150.0):
            assert p.times(price) == p.highs.count(price) + p.lows.count(price)
    p.highs.clear()
    assert p.times(200.0) == 0
