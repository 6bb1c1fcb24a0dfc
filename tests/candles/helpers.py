"""Test data builders shared by the candle tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from candle_service.candles import CandleColumns
from candle_service.timeframes import parse_timeframe

# 2024-01-01 00:00 UTC, a Monday
T0 = 1_704_067_200_000
MakeCols = Callable[..., CandleColumns]


def series(
    symbol: str,
    timeframe: str,
    open_times: Sequence[int] | np.ndarray,
    seed: int = 0,
) -> CandleColumns:
    """Deterministic random candles at the given open times."""
    tf = parse_timeframe(timeframe)
    ot = np.asarray(open_times, dtype=np.int64)
    rng = np.random.default_rng(seed)
    n = len(ot)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    open_ = close + rng.normal(0, 0.5, n)
    high = np.maximum(open_, close) + rng.random(n)
    low = np.minimum(open_, close) - rng.random(n)
    vol = rng.random(n) * 10
    return CandleColumns(
        symbol,
        tf.name,
        open_time=ot,
        close_time=ot + tf.length_ms - 1,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=vol,
        quote_volume=vol * close,
        trades=rng.integers(0, 1000, n),
        taker_buy_base=vol * rng.random(n),
        taker_buy_quote=vol * close * rng.random(n),
    )
