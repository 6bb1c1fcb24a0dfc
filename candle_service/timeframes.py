"""Binance kline intervals, the seed's higher-timeframe table, and exchange-exact aggregation.

Bucketing follows the exchange (and the seed's reference fixtures): a candle of length L opens at
``floor(t / L) * L`` in UTC epoch ms, except ``1w``, whose buckets start on Mondays (the epoch
started on a Thursday, hence the 4-day offset). ``1M`` (calendar months) is deliberately absent:
it has no fixed length, the seed never used it, and every consumer here assumes one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from candle_service.candles import CandleColumns

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
#: 1970-01-05 00:00 UTC, the first Monday after the epoch.
WEEK_OFFSET_MS = 4 * DAY_MS


@dataclass(frozen=True, slots=True)
class Timeframe:
    name: str
    length_ms: int
    #: the seed's ``htf``: whose flags a ticker of this timeframe may read (``None`` for none)
    higher: str | None = None
    #: the seed's ``levelDays``, kept here so the analysis engine has one table to read
    level_days: int | None = None
    offset_ms: int = 0

    @property
    def higher_timeframe(self) -> Timeframe | None:
        return TIMEFRAMES[self.higher] if self.higher else None

    def bucket(self, open_time: int) -> int:
        """Open time of the bucket of this timeframe that contains ``open_time``."""
        return (open_time - self.offset_ms) // self.length_ms * self.length_ms + self.offset_ms

    def buckets(self, open_time: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        off = self.offset_ms
        out: npt.NDArray[np.int64] = (open_time - off) // self.length_ms * self.length_ms + off
        return out

    def close_time(self, open_time: int) -> int:
        return open_time + self.length_ms - 1

    def __str__(self) -> str:
        return self.name


_TABLE: tuple[Timeframe, ...] = (
    Timeframe("1m", MINUTE_MS, "1h", 1),
    Timeframe("3m", 3 * MINUTE_MS, "1h", 2),
    Timeframe("5m", 5 * MINUTE_MS, "1h", 5),
    Timeframe("15m", 15 * MINUTE_MS, "1h", 7),
    Timeframe("30m", 30 * MINUTE_MS, "4h", 17),
    Timeframe("1h", HOUR_MS, "4h", 41),
    Timeframe("2h", 2 * HOUR_MS),
    Timeframe("4h", 4 * HOUR_MS, "1d", 122),
    Timeframe("6h", 6 * HOUR_MS),
    Timeframe("8h", 8 * HOUR_MS),
    Timeframe("12h", 12 * HOUR_MS),
    Timeframe("1d", DAY_MS, "1w", 365),
    Timeframe("3d", 3 * DAY_MS),
    Timeframe("1w", WEEK_MS, None, 365, WEEK_OFFSET_MS),
)

#: All supported intervals by Binance name, shortest first.
TIMEFRAMES: dict[str, Timeframe] = {tf.name: tf for tf in _TABLE}


def parse_timeframe(value: str | Timeframe, field: str = "timeframe") -> Timeframe:
    """The :class:`Timeframe` for a Binance interval name; ValueError names ``field`` and the value."""
    if isinstance(value, Timeframe):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected an interval name such as '1m', got {value!r}")
    tf = TIMEFRAMES.get(value)
    if tf is None:
        raise ValueError(f"{field}: unknown timeframe {value!r}; expected one of {', '.join(TIMEFRAMES)}")
    return tf


def higher_timeframe(value: str | Timeframe) -> Timeframe | None:
    return parse_timeframe(value).higher_timeframe


def sort_longest_first(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: -parse_timeframe(n, "timeframes").length_ms)


def check_derivable(source: Timeframe, target: Timeframe) -> None:
    """ValueError unless every ``target`` bucket is a whole number of ``source`` buckets."""
    if target.length_ms <= source.length_ms:
        raise ValueError(f"target: {target.name} is not longer than source {source.name}")
    if target.length_ms % source.length_ms or (target.offset_ms - source.offset_ms) % source.length_ms:
        raise ValueError(f"target: {target.name} buckets are not made of whole {source.name} candles")


def aggregate(
    cols: CandleColumns,
    target: str | Timeframe,
    *,
    include_partial: bool = False,
    complete_before: int | None = None,
) -> CandleColumns:
    """Aggregate a series into ``target`` exactly as the exchange does.

    open first, high max, low min, close last, volume/quote/taker sums added **in time order**
    (bit-exact with the seed, which adds in order; numpy's own sums are pairwise and would differ
    in the last bit), trades summed, ``close_time = bucket + L - 1``.

    Without ``include_partial`` only complete buckets are returned: every source candle present,
    or, when ``complete_before`` is given, buckets that closed before it (the caller has checked
    that what is missing there is a known exchange gap).
    """
    src = parse_timeframe(cols.timeframe, "source")
    tgt = parse_timeframe(target, "target")
    check_derivable(src, tgt)
    cols = cols.sorted_unique()
    if len(cols) == 0:
        return CandleColumns.empty(cols.symbol, tgt.name)
    bucket = tgt.buckets(cols.open_time)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], len(bucket)]
    keys = bucket[starts]
    per_bucket = tgt.length_ms // src.length_ms
    counts = ends - starts
    # Position of each row inside its bucket; rows are then laid into a (buckets × slots) grid so
    # the running sum can go column by column: sequential per bucket, vectorised across buckets.
    group = np.repeat(np.arange(len(starts)), counts)
    slot = (cols.open_time - bucket[starts][group]) // src.length_ms

    def seq_sum(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        grid = np.zeros((len(starts), per_bucket), dtype=np.float64)
        grid[group, slot] = values
        acc = np.zeros(len(starts), dtype=np.float64)
        used = np.unique(slot)
        for j in used:  # adding the 0.0 of an empty slot would not change a sum, but skip it anyway
            acc += grid[:, j]
        return acc

    out = {
        "open_time": keys,
        "close_time": keys + tgt.length_ms - 1,
        "open": cols.open[starts],
        "high": np.maximum.reduceat(cols.high, starts),
        "low": np.minimum.reduceat(cols.low, starts),
        "close": cols.close[ends - 1],
        "volume": seq_sum(cols.volume),
        "quote_volume": seq_sum(cols.quote_volume),
        "trades": np.add.reduceat(cols.trades, starts),
        "taker_buy_base": seq_sum(cols.taker_buy_base),
        "taker_buy_quote": seq_sum(cols.taker_buy_quote),
    }
    result = CandleColumns(cols.symbol, tgt.name, **out)
    if include_partial:
        return result
    keep = counts == per_bucket
    if complete_before is not None:
        keep |= keys + tgt.length_ms <= complete_before
    return result.take(keep)
