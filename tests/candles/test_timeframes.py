from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candle_service.candles import CandleColumns
from candle_service.store import CandleStore
from candle_service.timeframes import MINUTE_MS, TIMEFRAMES, aggregate, higher_timeframe, parse_timeframe

from .helpers import T0, series


def reference_aggregate(cols: CandleColumns, tf_name: str) -> dict[int, tuple]:  # type: ignore[type-arg]
    """The fixtures README's rule, in plain Python: bucket, first/max/min/last, sums in time order."""
    tf = parse_timeframe(tf_name)
    out: dict[int, list] = {}  # type: ignore[type-arg]
    for i in range(len(cols)):
        t = int(cols.open_time[i])
        b = tf.bucket(t)
        if b not in out:
            out[b] = [float(cols.open[i]), float(cols.high[i]), float(cols.low[i]), 0.0, 0.0, 0.0, 0, 0.0, 0.0, 0]
        r = out[b]
        r[1] = max(r[1], float(cols.high[i]))
        r[2] = min(r[2], float(cols.low[i]))
        r[3] = float(cols.close[i])
        r[4] += float(cols.volume[i])
        r[5] += float(cols.quote_volume[i])
        r[6] += int(cols.trades[i])
        r[7] += float(cols.taker_buy_base[i])
        r[8] += float(cols.taker_buy_quote[i])
        r[9] += 1
    return {b: tuple(v) for b, v in out.items()}


def as_dict(cols: CandleColumns) -> dict[int, tuple]:  # type: ignore[type-arg]
    return {
        int(cols.open_time[i]): (
            float(cols.open[i]), float(cols.high[i]), float(cols.low[i]), float(cols.close[i]),
            float(cols.volume[i]), float(cols.quote_volume[i]), int(cols.trades[i]),
            float(cols.taker_buy_base[i]), float(cols.taker_buy_quote[i]),
        )
        for i in range(len(cols))
    }  # fmt: skip


def test_table_and_higher_timeframes() -> None:
    assert list(TIMEFRAMES) == ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w"]
    assert TIMEFRAMES["4h"].length_ms == 4 * 3_600_000
    htf = {
        name: (h.name if (h := higher_timeframe(name)) else None)
        for name in ("1w", "1d", "4h", "1h", "30m", "15m", "5m", "3m", "1m")
    }
    assert htf == {
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
    for bad in ("7m", "1H", "", None, 5, "1M"):
        with pytest.raises(ValueError, match=r"^timeframe: "):
            parse_timeframe(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^interval: unknown timeframe '2x'"):
        parse_timeframe("2x", "interval")


def test_week_buckets_start_on_monday() -> None:
    w = TIMEFRAMES["1w"]
    for days in range(0, 400, 13):
        t = T0 + days * 86_400_000 + 12_345_000
        start = dt.datetime.fromtimestamp(w.bucket(t) / 1000, tz=dt.UTC)
        assert start.weekday() == 0 and start.hour == 0
        assert w.bucket(t) <= t < w.bucket(t) + w.length_ms
    assert TIMEFRAMES["1d"].bucket(T0 + 5) == T0


def test_complete_buckets_only_unless_asked() -> None:
    idx = [i for i in range(15) if i != 7]
    cols = series("BTCUSDT", "1m", [T0 + i * MINUTE_MS for i in idx])
    assert aggregate(cols, "5m").open_time.tolist() == [T0, T0 + 10 * MINUTE_MS]
    assert len(aggregate(cols, "5m", include_partial=True)) == 3
    assert len(aggregate(cols, "5m", complete_before=T0 + 10 * MINUTE_MS)) == 3
    assert len(aggregate(cols, "5m", complete_before=T0 + 9 * MINUTE_MS)) == 2
    with pytest.raises(ValueError, match=r"^target:"):
        aggregate(cols, "1m")


_derive_counter = iter(range(10**6))


@pytest.fixture(scope="module")
def shared_store(store: CandleStore) -> CandleStore:
    return store


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    span=st.integers(1, 3 * 1440),
    tf=st.sampled_from(["3m", "5m", "15m", "1h", "4h", "1d", "1w"]),
)
def test_derived_equals_direct_aggregation(shared_store: CandleStore, data, span, tf) -> None:  # type: ignore[no-untyped-def]
    store = shared_store
    symbol = f"D{next(_derive_counter):05d}USDT"
    offset = data.draw(st.integers(0, 10 * 1440))
    holes = data.draw(st.lists(st.tuples(st.integers(0, span), st.integers(1, 120)), max_size=5))
    keep = np.ones(span, dtype=bool)
    for a, w in holes:
        keep[a : a + w] = False
    idx = np.flatnonzero(keep)
    m1 = series(symbol, "1m", T0 + (offset + idx) * MINUTE_MS, seed=span)
    store.insert(m1)
    expected = reference_aggregate(m1, tf)
    per_bucket = TIMEFRAMES[tf].length_ms // MINUTE_MS
    # complete buckets first: only those with every minute present
    written = store.derive(symbol, tf)
    got = as_dict(store.read(symbol, tf))
    assert written == len(got)
    assert got == {b: v[:9] for b, v in expected.items() if v[9] == per_bucket}
    # all buckets, bit-exact with the direct Python aggregation and with the numpy one
    store.derive(symbol, tf, include_partial=True)
    got = as_dict(store.read(symbol, tf))
    assert got == {b: v[:9] for b, v in expected.items()}
    assert got == as_dict(aggregate(m1, tf, include_partial=True))
    assert store.count(symbol, tf) == len(expected)


def test_derive_counts_known_gaps_as_complete(store: CandleStore, symbol: str) -> None:
    idx = [i for i in range(20) if i not in (6, 7)]
    store.insert(series(symbol, "1m", [T0 + i * MINUTE_MS for i in idx]))
    assert store.derive(symbol, "5m") == 3
    store.record_gap(symbol, "1m", T0 + 6 * MINUTE_MS, T0 + 8 * MINUTE_MS)
    assert store.derive(symbol, "5m") == 4
    assert store.read(symbol, "5m").open_time.tolist() == [T0 + i * 5 * MINUTE_MS for i in range(4)]
    assert store.derive(symbol, "1h") == 0  # the hour is not over in the store
    assert store.derive("NODATAUSDT", "1h") == 0
