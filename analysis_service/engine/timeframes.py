"""Timeframe table (seed: src/types/Timeframes.js).

`HTF` follows the seed's table exactly (1m/3m/5m/15m -> 1h, 30m/1h -> 4h, 4h -> 1d,
1d -> 1w); `LEVEL_LIMIT_MS` is `levelDays` in ms, used by vlevels to cut old points.
"""

from __future__ import annotations

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

TF_LENGTH_MS: dict[str, int] = {
    "1w": 7 * DAY_MS,
    "1d": DAY_MS,
    "4h": 4 * HOUR_MS,
    "1h": HOUR_MS,
    "30m": 30 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "1m": MINUTE_MS,
}

HTF: dict[str, str | None] = {
    "1w": None,
    "1d": "1w",
    "4h": "1d",
    "1h": "4h",
    "30m": "4h",
    "15m": "1h",
    "5m": "1h",
    "3m": "1h",
    "1m": "1h",
}

LEVEL_DAYS: dict[str, int] = {
    "1w": 365,
    "1d": 365,
    "4h": 122,
    "1h": 41,
    "30m": 17,
    "15m": 7,
    "5m": 5,
    "3m": 2,
    "1m": 1,
}

LEVEL_LIMIT_MS: dict[str, int] = {tf: days * DAY_MS for tf, days in LEVEL_DAYS.items()}

# Every ticker keeps this many closed candles (seed: Timeframes `limit`).
TICKER_WINDOW = 300

# 1970-01-01 was a Thursday; weekly buckets start on Mondays (1970-01-05).
WEEK_OFFSET_MS = 4 * DAY_MS


def tf_length(tf: str) -> int:
    try:
        return TF_LENGTH_MS[tf]
    except KeyError:
        raise ValueError(f"unknown timeframe {tf!r}") from None


def bucket_start(open_time: int, tf: str) -> int:
    length = tf_length(tf)
    if tf == "1w":
        return (open_time - WEEK_OFFSET_MS) // length * length + WEEK_OFFSET_MS
    return open_time // length * length


def sort_longest_first(tfs: list[str]) -> list[str]:
    return sorted(tfs, key=lambda t: -tf_length(t))
