from __future__ import annotations

import json

import numpy as np
import pytest

from candle_service.candles import CandleColumns, SymbolInfo, TimeRange
from candle_service.store import CandleStore, connect
from candle_service.timeframes import MINUTE_MS

from .helpers import T0, MakeCols


def minutes(*idx: int) -> list[int]:
    return [T0 + i * MINUTE_MS for i in idx]


def test_schema_is_idempotent(store: CandleStore, symbol: str, make_cols: MakeCols) -> None:
    store.migrate()
    cols = make_cols(symbol, "1m", minutes(*range(5)))
    store.insert(cols)
    store.migrate()
    again = CandleStore(store.client, store.database)  # a restart runs the migration again
    assert {"candles", "symbol_info", "known_gaps"} <= set(again.table_names())
    assert again.read(symbol, "1m") == cols
    engine = store.client.command(
        "SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'candles'",
        parameters={"db": store.database},
    )
    assert "ReplacingMergeTree" in str(engine)
    assert "ORDER BY (symbol, timeframe, open_time)" in str(engine)
    assert "PARTITION BY toYYYYMM" in str(engine)


def test_reinsert_and_overlap_never_duplicate(store: CandleStore, symbol: str, make_cols: MakeCols) -> None:
    first = make_cols(symbol, "1m", minutes(*range(100)), seed=1)
    store.insert(first)
    store.insert(first)
    assert store.count(symbol, "1m") == 100
    assert store.read(symbol, "1m") == first
    # the overlapping part carries new values: the later insert wins, once
    second = make_cols(symbol, "1m", minutes(*range(50, 150)), seed=2)
    store.insert(second)
    got = store.read(symbol, "1m")
    assert len(got) == 150
    assert np.array_equal(got.open_time, np.array(minutes(*range(150))))
    assert np.array_equal(got.close[:50], first.close[:50])
    assert np.array_equal(got.close[50:], second.close)
    assert store.count(symbol, "1m") == 150
    # other reads deduplicate too
    assert len(store.read_last(symbol, "1m", 1000)) == 150
    assert store.missing_ranges(symbol, "1m", T0, T0 + 150 * MINUTE_MS) == []
    [stats] = store.series(symbol)
    assert (stats.count, stats.first_open_time, stats.last_open_time) == (150, T0, minutes(149)[0])


def test_insert_many_series_in_one_insert(store: CandleStore, symbol: str, make_cols: MakeCols) -> None:
    """A live pulse stores klines of several symbols and timeframes at once: each series reads back."""
    other = symbol + "X"
    parts = [make_cols(symbol, "1m", minutes(0), seed=1), make_cols(other, "1m", minutes(0), seed=2),
             make_cols(symbol, "5m", [T0], seed=3), make_cols(other, "1m", minutes(1, 2), seed=4),
             CandleColumns.empty(symbol, "1h")]
    assert store.insert_many(parts) == 5
    assert store.read(symbol, "1m") == parts[0]
    assert store.read(symbol, "5m") == parts[2]
    assert store.read(other, "1m") == CandleColumns.concat([parts[1], parts[3]])
    assert store.insert_many([]) == 0
    with pytest.raises(ValueError, match="open_time"):  # one bad series refuses the whole insert
        store.insert_many([make_cols(symbol, "1m", minutes(5)), make_cols(symbol, "5m", [T0 + MINUTE_MS])])
    assert store.count(symbol, "1m") == 1


def test_read_windows(store: CandleStore, symbol: str, make_cols: MakeCols) -> None:
    cols = make_cols(symbol, "5m", [T0 + i * 300_000 for i in range(20)])
    store.insert(cols)
    t = cols.open_time
    assert store.read(symbol, "5m", int(t[3]), int(t[7])) == cols.take(slice(3, 7))
    assert store.read(symbol, "5m", int(t[3]) + 1, int(t[7]) + 1) == cols.take(slice(4, 8))
    assert store.read(symbol, "5m", end=int(t[2])) == cols.take(slice(0, 2))
    assert store.read_last(symbol, "5m", 3) == cols.take(slice(17, 20))
    assert store.read_last(symbol, "5m", 3, before=int(t[5])) == cols.take(slice(2, 5))
    assert store.read_around(symbol, "5m", int(t[10]), 6) == cols.take(slice(7, 13))
    # near an end the window shifts to stay `limit` long
    assert store.read_around(symbol, "5m", int(t[1]), 6) == cols.take(slice(0, 6))
    assert store.read_around(symbol, "5m", int(t[19]), 6) == cols.take(slice(14, 20))
    assert len(store.read(symbol, "1h")) == 0
    assert store.read(symbol, "1h").timeframe == "1h"


def test_missing_ranges_head_tail_holes_and_known_gaps(store: CandleStore, symbol: str, make_cols: MakeCols) -> None:
    have = [*range(3, 10), *range(12, 20), *range(25, 30)]
    store.insert(make_cols(symbol, "1m", minutes(*have)))
    start, end = minutes(0)[0], minutes(35)[0]
    m = minutes
    assert store.missing_ranges(symbol, "1m", start, end) == [
        TimeRange(m(0)[0], m(3)[0]),
        TimeRange(m(10)[0], m(12)[0]),
        TimeRange(m(20)[0], m(25)[0]),
        TimeRange(m(30)[0], m(35)[0]),
    ]
    # unaligned bounds are rounded up to the grid: the candle opening at 0 is not asked for
    assert store.missing_ranges(symbol, "1m", start + 1, end - 1)[0] == TimeRange(m(1)[0], m(3)[0])
    assert store.missing_ranges(symbol, "1m", m(4)[0], m(9)[0]) == []
    store.record_gap(symbol, "1m", m(10)[0], m(12)[0])
    store.record_gap(symbol, "1m", m(22)[0], m(23)[0])  # part of a hole
    assert store.missing_ranges(symbol, "1m", start, end) == [
        TimeRange(m(0)[0], m(3)[0]),
        TimeRange(m(20)[0], m(22)[0]),
        TimeRange(m(23)[0], m(25)[0]),
        TimeRange(m(30)[0], m(35)[0]),
    ]
    gaps = store.known_gaps(symbol, "1m")
    assert [(g.start, g.end) for g in gaps] == [(m(10)[0], m(12)[0]), (m(22)[0], m(23)[0])]
    store.record_gap(symbol, "1m", m(10)[0], m(12)[0])  # recording twice keeps one
    assert len(store.known_gaps(symbol, "1m")) == 2
    # nothing stored at all
    assert store.missing_ranges(symbol, "4h", start, end) == [TimeRange(T0, T0 + 4 * 3_600_000)]
    assert store.missing_ranges(symbol, "1m", start, start) == []


def test_symbol_info_roundtrip_newest_wins(store: CandleStore) -> None:
    raw = {
        "symbol": "BTCUSDT",
        "pricePrecision": 2,
        "quantityPrecision": 3,
        "status": "TRADING",
        "filters": [
            {"filterType": "PRICE_FILTER", "tickSize": "0.10", "minPrice": "556.80"},
            {"filterType": "LOT_SIZE", "stepSize": "0.001", "minQty": "0.001"},
            {"filterType": "MARKET_LOT_SIZE", "stepSize": "0.001", "minQty": "0.002"},
            {"filterType": "MIN_NOTIONAL", "notional": "100"},
        ],
    }
    info = SymbolInfo.from_exchange_info(raw, updated=1000)
    assert (info.tick_size, info.step_size, info.min_qty, info.min_notional) == (0.1, 0.001, 0.002, 100.0)
    assert (info.price_precision, info.quantity_precision, info.status) == (2, 3, "TRADING")
    store.upsert_symbol_info([info])
    newer = SymbolInfo.from_exchange_info({**raw, "status": "BREAK"}, updated=2000)
    store.upsert_symbol_info([newer])
    store.upsert_symbol_info([info])  # an older snapshot arriving late does not win
    got = store.get_symbol_info("BTCUSDT")
    assert got == newer
    assert got is not None and got.raw_json()["filters"][0]["tickSize"] == "0.10"
    assert json.loads(got.raw)["status"] == "BREAK"
    assert store.get_symbol_info("NOPEUSDT") is None
    assert [i.symbol for i in store.symbol_info()] == ["BTCUSDT"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.read("btcusdt", "1m"), "symbol"),
        (lambda s: s.read("BTCUSDT", "7m"), "timeframe"),
        (lambda s: s.read("BTCUSDT", "1m", "2024", None), "start"),
        (lambda s: s.read("BTCUSDT", "1m", 10, 5), "end"),
        (lambda s: s.read_last("BTCUSDT", "1m", 0), "limit"),
        (lambda s: s.read_around("BTCUSDT", "1m", 1.5, 10), "at"),
        (lambda s: s.missing_ranges("BTCUSDT", "1M", 0, 10), "timeframe"),
        (lambda s: s.record_gap("BTCUSDT", "1m", 10, 10), "end"),
        (lambda s: s.derive("BTCUSDT", "1m", source="5m"), "target"),
        (lambda s: s.derive("BTCUSDT", "5m", source="3m"), "target"),
        (lambda s: s.symbol_info(["bad symbol"]), "symbols"),
    ],
)
def test_bad_arguments_name_the_field(store: CandleStore, call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=rf"^{field}:"):
        call(store)


def test_bad_inserts_name_the_field(store: CandleStore, symbol: str, make_cols: MakeCols) -> None:
    good = make_cols(symbol, "1m", minutes(0, 1))
    arrays = good.arrays()
    with pytest.raises(ValueError, match=r"^open_time:"):
        store.insert(
            CandleColumns(
                symbol, "1m", **{**arrays, "open_time": arrays["open_time"] + 1, "close_time": arrays["close_time"] + 1}
            )
        )
    with pytest.raises(ValueError, match=r"^close_time:"):
        store.insert(CandleColumns(symbol, "1m", **{**arrays, "close_time": arrays["close_time"] + 1}))
    with pytest.raises(ValueError, match=r"^high:"):
        CandleColumns(symbol, "1m", **{**arrays, "high": arrays["high"][:1]})
    with pytest.raises(ValueError, match=r"^timeframe:"):
        store.insert(good.with_series(symbol, "2m"))
    with pytest.raises(ValueError, match=r"^dsn:"):
        connect("postgres://x")
    assert store.count(symbol, "1m") == 0
