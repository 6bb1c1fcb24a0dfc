"""The synthetic market and the kline selection, without HTTP."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange_sim.intervals import INTERVAL_MS, INTERVALS, MS_DAY, MS_MIN, bucket_start
from exchange_sim.market import Market, SyntheticSource, aggregate
from exchange_sim.replay import load_replay
from exchange_sim.symbols import DEFAULT_SPECS

NOW = 1_767_571_200_000 + 12 * 3_600_000 + 17 * MS_MIN + 23_456  # 2026-01-05 12:17:23.456 UTC


def make_market(seed: int = 7) -> Market:
    specs = {s: DEFAULT_SPECS[s] for s in ("BTCUSDT", "ETHUSDT", "XRPUSDT")}
    return Market(specs, SyntheticSource(specs, seed))


MARKET = make_market()


def one_minute_rows(m: Market, symbol: str, start: int, end: int, now: int) -> list[list[object]]:
    return m.format_rows(symbol, aggregate(m.minutes(symbol, start, end, now), "1m"))


def reference_aggregate(rows: list[list[object]], interval: str) -> list[tuple[object, ...]]:
    """Plain-Python aggregation of formatted 1m rows (Decimal strings), independent of numpy."""
    from decimal import Decimal

    out: dict[int, list[object]] = {}
    for r in rows:
        b = bucket_start(interval, int(r[0]))  # type: ignore[call-overload]
        if b not in out:
            out[b] = [b, r[1], r[2], r[3], r[4], Decimal(0), Decimal(0), 0, Decimal(0), Decimal(0)]
        agg = out[b]
        agg[2] = max(agg[2], r[2], key=Decimal)  # type: ignore[arg-type]
        agg[3] = min(agg[3], r[3], key=Decimal)  # type: ignore[arg-type]
        agg[4] = r[4]
        agg[5] += Decimal(r[5])  # type: ignore[operator, arg-type]
        agg[6] += Decimal(r[7])  # type: ignore[operator, arg-type]
        agg[7] += r[8]  # type: ignore[operator]
        agg[8] += Decimal(r[9])  # type: ignore[operator, arg-type]
        agg[9] += Decimal(r[10])  # type: ignore[operator, arg-type]
    return [tuple(v) for v in out.values()]


def as_tuple(r: list[object]) -> tuple[object, ...]:
    from decimal import Decimal

    return (r[0], r[1], r[2], r[3], r[4], Decimal(r[5]), Decimal(r[7]), r[8], Decimal(r[9]), Decimal(r[10]))  # type: ignore[arg-type]


@settings(max_examples=20, deadline=None)
@given(
    interval=st.sampled_from(["3m", "5m", "15m", "30m", "1h", "2h", "4h", "1d", "1w", "1M"]),
    symbol=st.sampled_from(["BTCUSDT", "ETHUSDT", "XRPUSDT"]),
    start_off=st.integers(min_value=0, max_value=40 * MS_DAY),
)
def test_every_timeframe_is_the_exact_aggregation_of_1m(interval: str, symbol: str, start_off: int) -> None:
    now = NOW - start_off
    cs = MARKET.klines(symbol, interval, now, limit=1 if interval in ("1w", "1M") else 8)
    rows = MARKET.format_rows(symbol, cs)
    assert rows, "there is always history before now"
    first, last_close = int(rows[0][0]), int(rows[-1][6])  # type: ignore[call-overload]
    ones = one_minute_rows(MARKET, symbol, first, last_close + 1, now)
    ref = reference_aggregate(ones, interval)
    assert [as_tuple(r) for r in rows] == ref
    # bucket boundaries and close times are Binance's
    for r in rows:
        t, close_t = int(r[0]), int(r[6])  # type: ignore[call-overload]
        assert bucket_start(interval, t) == t
        if interval in INTERVAL_MS:
            assert close_t == t + INTERVAL_MS[interval] - 1
    # the last candle holds `now` and is unclosed; nothing starts after now
    assert int(rows[-1][0]) <= now <= int(rows[-1][6])  # type: ignore[call-overload]


def test_weeks_start_monday_and_months_on_the_first() -> None:
    import datetime as dt

    for r in MARKET.format_rows("BTCUSDT", MARKET.klines("BTCUSDT", "1w", NOW, limit=10)):
        assert dt.datetime.fromtimestamp(int(r[0]) / 1000, dt.UTC).weekday() == 0  # type: ignore[call-overload]
    for r in MARKET.format_rows("BTCUSDT", MARKET.klines("BTCUSDT", "1M", NOW, limit=5)):
        d = dt.datetime.fromtimestamp(int(r[0]) / 1000, dt.UTC)  # type: ignore[call-overload]
        assert (d.day, d.hour) == (1, 0)
        nxt = dt.datetime.fromtimestamp((int(r[6]) + 1) / 1000, dt.UTC)  # type: ignore[call-overload]
        assert nxt.day == 1


def test_deterministic_random_access_and_continuous() -> None:
    a, b = make_market(7), make_market(7)
    day = NOW // MS_DAY - 100
    # b generates a later day first: a day's candles do not depend on what was generated before
    b.minutes("BTCUSDT", (day + 50) * MS_DAY, (day + 51) * MS_DAY, NOW)
    ma = a.minutes("BTCUSDT", day * MS_DAY, (day + 2) * MS_DAY, NOW)
    mb = b.minutes("BTCUSDT", day * MS_DAY, (day + 2) * MS_DAY, NOW)
    assert np.array_equal(ma.o, mb.o) and np.array_equal(ma.v, mb.v)
    assert len(ma) == 2 * 1440
    # each close is the next open, also across the day boundary
    assert np.array_equal(ma.c[:-1], ma.o[1:])
    other = make_market(8).minutes("BTCUSDT", day * MS_DAY, (day + 1) * MS_DAY, NOW)
    assert not np.array_equal(other.o, ma.o[:1440])


def test_realistic_levels_and_ranges() -> None:
    for sym, lo, hi in (("BTCUSDT", 20_000, 400_000), ("ETHUSDT", 600, 15_000), ("XRPUSDT", 0.3, 12)):
        cs = MARKET.klines(sym, "1d", NOW, limit=120)
        sp = MARKET.specs[sym]
        closes = cs.c / 10**sp.price_dp
        assert lo < closes.min() and closes.max() < hi
        day_range = np.mean((cs.h - cs.lo) / cs.o)
        assert 0.01 < day_range < 0.15
        # volatility clusters: daily ranges vary a lot
        assert np.std((cs.h - cs.lo) / cs.o) > 0.004
        m1 = MARKET.klines(sym, "1m", NOW, limit=1500)
        assert np.all(m1.h >= np.maximum(m1.o, m1.c)) and np.all(m1.lo <= np.minimum(m1.o, m1.c))
        assert np.all(m1.v > 0) and np.all(m1.tbv <= m1.v)


def test_selection_rules_like_binance() -> None:
    m = MARKET
    # no params: newest `limit`, last one unclosed
    rows = m.format_rows("BTCUSDT", m.klines("BTCUSDT", "1m", NOW, limit=5))
    assert [r[0] for r in rows] == [NOW // MS_MIN * MS_MIN - k * MS_MIN for k in range(4, -1, -1)]
    # startTime inside a bucket: the first candle is the next whole one (openTime >= startTime)
    start = NOW - 10 * 3_600_000 + 5
    rows = m.format_rows("BTCUSDT", m.klines("BTCUSDT", "1h", NOW, start=start, limit=3))
    assert rows[0][0] == (start // 3_600_000 + 1) * 3_600_000 and len(rows) == 3
    # endTime only: newest `limit` opening at or before endTime
    end = NOW - 7 * MS_DAY
    rows = m.format_rows("BTCUSDT", m.klines("BTCUSDT", "15m", NOW, end=end, limit=4))
    assert rows[-1][0] == end // 900_000 * 900_000 and len(rows) == 4
    # startTime=0: the very first candle (what python-binance uses to find the listing)
    rows = m.format_rows("BTCUSDT", m.klines("BTCUSDT", "1m", NOW, start=0, limit=1))
    assert rows[0][0] == DEFAULT_SPECS["BTCUSDT"].listed_ms
    # nothing in the future
    assert len(m.klines("BTCUSDT", "1m", NOW, start=NOW + MS_MIN, limit=10)) == 0


def test_partial_candle_follows_the_path() -> None:
    mt = NOW // MS_MIN * MS_MIN
    full = MARKET.minutes("ETHUSDT", mt, mt + MS_MIN, mt + MS_MIN)  # closed
    for off in (0, 10_000, 30_000, 59_000):
        part = MARKET.minutes("ETHUSDT", mt, mt + MS_MIN, mt + off)
        assert part.o[0] == full.o[0]
        assert part.c[0] == MARKET.price("ETHUSDT", mt + off)
        assert part.v[0] <= full.v[0]
    assert MARKET.price("ETHUSDT", mt + MS_MIN - 1) == full.c[0]


def test_price_override_continues_from_the_new_price() -> None:
    m = make_market(3)
    t = NOW
    m.set_price("BTCUSDT", t, 5_000_000)  # 500000.0
    assert m.price("BTCUSDT", t) == 5_000_000
    assert m.price("BTCUSDT", t - 1) != 5_000_000
    later = m.klines("BTCUSDT", "1m", t + 30 * MS_MIN, limit=20)
    assert abs(int(later.c[-1]) - 5_000_000) < 5_000_000 * 0.05
    # aggregation still exact across the jump
    rows = m.format_rows("BTCUSDT", m.klines("BTCUSDT", "1h", t + 2 * 3_600_000, limit=3))
    ones = one_minute_rows(m, "BTCUSDT", int(rows[0][0]), int(rows[-1][6]) + 1, t + 2 * 3_600_000)  # type: ignore[call-overload]
    assert [as_tuple(r) for r in rows] == reference_aggregate(ones, "1h")
    _, prices = m.path("BTCUSDT", t - 5_000, t + 5_000)
    assert prices.max() >= 5_000_000 - 5_000 and prices.min() < 4_000_000  # the jump is on the path


@pytest.mark.parametrize("micro,header,zipped", [(False, False, False), (True, True, True)])
def test_replay_of_binance_vision_files(tmp_path: Path, micro: bool, header: bool, zipped: bool) -> None:
    base = 1_704_067_200_000  # 2024-01-01
    lines = []
    if header:
        lines.append(
            "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
            "taker_buy_volume,taker_buy_quote_volume,ignore"
        )
    price = 42000.0
    for i in range(3 * 60):
        if i == 100:
            continue  # a real gap: never invented
        t = base + i * MS_MIN
        o, c = price, price + (1.5 if i % 3 else -2.0)
        ts = t * 1000 if micro else t
        cts = (t + MS_MIN - 1) * 1000 if micro else t + MS_MIN - 1
        lines.append(
            f"{ts},{o:.1f},{max(o, c) + 0.5:.1f},{min(o, c) - 0.5:.1f},{c:.1f},1.234,{cts},"
            f"51835.1,{10 + i},0.600,25200.5,0"
        )
        price = c
    text = "\n".join(lines) + "\n"
    if zipped:
        with zipfile.ZipFile(tmp_path / "BTCUSDT-1m-2024-01.zip", "w") as z:
            z.writestr("BTCUSDT-1m-2024-01.csv", text)
    else:
        (tmp_path / "BTCUSDT-1m-2024-01.csv").write_text(text)
    src, specs = load_replay(str(tmp_path))
    m = Market(specs, src)
    now = base + 3 * 3_600_000
    rows = m.format_rows("BTCUSDT", m.klines("BTCUSDT", "1m", now, start=base, limit=1500))
    assert len(rows) == 179 and rows[0][1] == "42000.0" and rows[0][5] == "1.234"
    assert all(r[0] != base + 100 * MS_MIN for r in rows)
    h = m.format_rows("BTCUSDT", m.klines("BTCUSDT", "1h", now, start=base, limit=10))
    assert len(h) == 3
    assert h[1][5] == "72.806"  # 59 candles x 1.234 (the gap is not filled)
    assert h[0][7] == f"{51835.1 * 60:.1f}"
    io.StringIO()  # keep io imported for the zipped variant's symmetry


def test_intervals_table_covers_binance() -> None:
    assert set(INTERVALS) >= {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "1d", "1w", "1M"}
