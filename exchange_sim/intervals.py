"""Kline intervals and their UTC buckets, as Binance defines them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MS_MIN = 60_000
MS_HOUR = 3_600_000
MS_DAY = 86_400_000
MS_WEEK = 7 * MS_DAY
# 1970-01-01 was a Thursday; Binance's weeks start Monday 00:00 UTC (1970-01-05).
WEEK_OFFSET = 4 * MS_DAY

INTERVAL_MS: dict[str, int] = {
    "1m": MS_MIN,
    "3m": 3 * MS_MIN,
    "5m": 5 * MS_MIN,
    "15m": 15 * MS_MIN,
    "30m": 30 * MS_MIN,
    "1h": MS_HOUR,
    "2h": 2 * MS_HOUR,
    "4h": 4 * MS_HOUR,
    "6h": 6 * MS_HOUR,
    "8h": 8 * MS_HOUR,
    "12h": 12 * MS_HOUR,
    "1d": MS_DAY,
    "3d": 3 * MS_DAY,
    "1w": MS_WEEK,
}
# 1M is calendar-based; its nominal length is only used to size ranges.
INTERVALS = [*INTERVAL_MS, "1M"]

IntArr = npt.NDArray[np.int64]


def is_valid(interval: str) -> bool:
    return interval in INTERVAL_MS or interval == "1M"


def bucket_start(interval: str, t: int) -> int:
    if interval == "1w":
        return (t - WEEK_OFFSET) // MS_WEEK * MS_WEEK + WEEK_OFFSET
    if interval == "1M":
        m = np.datetime64(t, "ms").astype("datetime64[M]")
        return int(m.astype("datetime64[ms]").astype(np.int64))
    size = INTERVAL_MS[interval]
    return t // size * size


def next_bucket(interval: str, start: int) -> int:
    """Open time of the bucket after the one opening at `start`."""
    if interval == "1M":
        m = np.datetime64(start, "ms").astype("datetime64[M]") + 1
        return int(m.astype("datetime64[ms]").astype(np.int64))
    return start + INTERVAL_MS[interval]


def prev_bucket(interval: str, start: int) -> int:
    if interval == "1M":
        m = np.datetime64(start, "ms").astype("datetime64[M]") - 1
        return int(m.astype("datetime64[ms]").astype(np.int64))
    return start - INTERVAL_MS[interval]


def bucket_starts(interval: str, t: IntArr) -> IntArr:
    if interval == "1w":
        return (t - WEEK_OFFSET) // MS_WEEK * MS_WEEK + WEEK_OFFSET
    if interval == "1M":
        return t.astype("datetime64[ms]").astype("datetime64[M]").astype("datetime64[ms]").astype(np.int64)
    size = INTERVAL_MS[interval]
    return t // size * size


def ceil_bucket(interval: str, t: int) -> int:
    b = bucket_start(interval, t)
    return b if b == t else next_bucket(interval, b)


def nominal_ms(interval: str) -> int:
    return INTERVAL_MS.get(interval, 31 * MS_DAY)
