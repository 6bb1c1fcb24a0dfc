"""Pulse ordering against a line-by-line port of the seed's CandleSequencer/TickerBuffer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candle_service.candles import CandleColumns
from candle_service.pulses import SEED_PART_MS, merge_pulses, price_updates
from candle_service.timeframes import DAY_MS, MINUTE_MS, aggregate, parse_timeframe

from .helpers import T0, series


def seed_sequence(symbols, timeframes, columns, start, end, part_ms):  # type: ignore[no-untyped-def]
    """The seed's loop, kept deliberately literal: [(pulse_time, symbol, tf, open_time), ...]."""
    tfs = sorted(timeframes, key=lambda t: -parse_timeframe(t).length_ms)
    pulse_tf = tfs[-1]
    keys = [(s, t) for s in symbols for t in tfs]
    out = []
    cur_end = start - 1
    while cur_end < end:
        cur_start = cur_end + 1
        cur_end = min(cur_start + part_ms - 1, end)
        if cur_start >= cur_end:
            break
        buffers = {}
        for k in keys:
            cols = columns.get(k)
            rows = []
            if cols is not None:
                for i in range(len(cols)):
                    if cols.close_time[i] >= cur_start and cols.open_time[i] <= cur_end:
                        rows.append((int(cols.open_time[i]), int(cols.close_time[i])))
            buffers[k] = rows
        pulse_buffer = buffers[(symbols[0], pulse_tf)]
        while pulse_buffer:
            p = pulse_buffer[0][1]
            for k in keys:
                buf = buffers[k]
                if buf and buf[0][1] <= p:
                    out.append((p, k[0], k[1], buf.pop(0)[0]))
    return out


def as_tuples(seq, columns):  # type: ignore[no-untyped-def]
    times = seq.pulse_time_of
    ot = seq.gather(columns, "open_time")
    return [(int(times[i]), *seq.buffers[int(seq.buffer[i])], int(ot[i])) for i in range(len(seq))]


def derived(cols_1m: CandleColumns, tf: str) -> CandleColumns:
    return aggregate(cols_1m, tf, include_partial=True)


def build(symbols, minute_idx_per_symbol, tfs, seed=0):  # type: ignore[no-untyped-def]
    columns = {}
    for n, (s, idx) in enumerate(zip(symbols, minute_idx_per_symbol, strict=True)):
        m = series(s, "1m", [T0 + i * MINUTE_MS for i in idx], seed=seed + n)
        for tf in tfs:
            columns[(s, tf)] = m if tf == "1m" else derived(m, tf)
    return columns


def test_higher_timeframe_first_and_symbol_order() -> None:
    symbols = ["BTCUSDT", "ETHUSDT"]
    cols = build(symbols, [range(120), range(120)], ["1m", "5m", "1h"])
    seq = merge_pulses(symbols, ["5m", "1m", "1h"], cols)
    assert seq.pulse_timeframe == "1m"
    assert seq.num_pulses == 120
    got = as_tuples(seq, cols)
    # the pulse closing the first hour carries, in order: BTC 1h, 5m, 1m, then ETH 1h, 5m, 1m
    p = T0 + 60 * MINUTE_MS - 1
    at_p = [g[1:3] for g in got if g[0] == p]
    assert at_p == [
        ("BTCUSDT", "1h"), ("BTCUSDT", "5m"), ("BTCUSDT", "1m"),
        ("ETHUSDT", "1h"), ("ETHUSDT", "5m"), ("ETHUSDT", "1m"),
    ]  # fmt: skip
    # no candle before its close; each exactly once
    assert all(g[0] >= g[3] + parse_timeframe(g[2]).length_ms - 1 for g in got)
    assert len(got) == len(set(got)) == 2 * (120 + 24 + 2)
    # symbol order is the given order, not alphabetical
    seq2 = merge_pulses(["ETHUSDT", "BTCUSDT"], ["1m", "5m", "1h"], cols)
    at_p2 = [g[1:3] for g in as_tuples(seq2, cols) if g[0] == p]
    assert at_p2[0] == ("ETHUSDT", "1h")
    assert seq.is_pulse_candle.sum() == 240
    pulses = list(seq.pulses(cols))
    assert len(pulses) == 120
    assert [c.timeframe for c in pulses[59].price_update_candles] == ["1m", "1m"]


def test_bucket_whose_closing_minute_is_missing_comes_at_next_pulse() -> None:
    # minute 4 (closes the first 5m bucket) and minutes 58-62 (close the first hour) are missing
    idx = [i for i in range(120) if i != 4 and not 58 <= i <= 62]
    cols = build(["BTCUSDT"], [idx], ["1m", "5m", "1h"])
    got = as_tuples(merge_pulses(["BTCUSDT"], ["1m", "5m", "1h"], cols), cols)
    first_5m = next(g for g in got if g[2] == "5m")
    assert first_5m[3] == T0  # the 0-5 min bucket (partial: 4 rows)
    assert first_5m[0] == T0 + 6 * MINUTE_MS - 1  # processed at the pulse of minute 5
    first_1h = next(g for g in got if g[2] == "1h")
    assert first_1h[0] == T0 + 64 * MINUTE_MS - 1  # next existing pulse: minute 63
    # and it is processed before that pulse's 5m and 1m candles
    at = [g[2] for g in got if g[0] == first_1h[0]]
    assert at == ["1h", "5m", "1m"]


def test_a_lagging_buffer_releases_one_candle_per_pulse() -> None:
    # the pulse symbol misses minutes 10-12; the other symbol has them and falls behind
    btc = [i for i in range(30) if not 10 <= i <= 12]
    cols = build(["BTCUSDT", "ETHUSDT"], [btc, range(30)], ["1m"])
    seq = merge_pulses(["BTCUSDT", "ETHUSDT"], ["1m"], cols)
    got = as_tuples(seq, cols)
    assert got == seed_sequence(["BTCUSDT", "ETHUSDT"], ["1m"], cols, T0, T0 + 30 * MINUTE_MS - 1, SEED_PART_MS)
    eth = [(g[0] - T0 + 1) // MINUTE_MS - 1 for g in got if g[1] == "ETHUSDT"]
    # ETH minute 10 waits for pulse 13, then it stays 3 pulses late until the end of history
    assert eth[:12] == [*range(10), 13, 14]
    assert len(eth) == 27  # three of its candles never got a pulse


def test_part_reload_drops_waiting_candles() -> None:
    # 6 days of a pulse symbol with a gap on day 2 that makes ETH fall behind; the part boundary
    # at day 5 drops ETH's waiting candles, exactly as the seed does
    minutes_6d = 6 * 1440
    btc = [i for i in range(minutes_6d) if not 2000 <= i < 2010]
    cols = build(["BTCUSDT", "ETHUSDT"], [btc, range(minutes_6d)], ["1m", "1h"])
    end = T0 + minutes_6d * MINUTE_MS - 1
    seq = merge_pulses(["BTCUSDT", "ETHUSDT"], ["1m", "1h"], cols)
    assert as_tuples(seq, cols) == seed_sequence(["BTCUSDT", "ETHUSDT"], ["1m", "1h"], cols, T0, end, SEED_PART_MS)
    day5 = T0 + 5 * DAY_MS
    processed_at = {g[1:]: g[0] for g in as_tuples(seq, cols)}
    # after the reload ETH is on time again; the 10 candles it was behind are gone
    assert processed_at[("ETHUSDT", "1m", day5)] == day5 + MINUTE_MS - 1
    assert ("ETHUSDT", "1m", day5 - MINUTE_MS) not in processed_at
    no_parts = merge_pulses(["BTCUSDT", "ETHUSDT"], ["1m", "1h"], cols, part_ms=None)
    late = {g[1:]: g[0] for g in as_tuples(no_parts, cols)}
    assert late[("ETHUSDT", "1m", day5)] == day5 + 11 * MINUTE_MS - 1


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    tfs=st.sampled_from([["1m"], ["1m", "5m"], ["1m", "5m", "1h"], ["5m", "15m", "4h"], ["1m", "3m", "1h", "4h"]]),
    nsym=st.integers(1, 3),
    part_days=st.sampled_from([None, 1, 5]),
)
def test_matches_seed_loop(data, tfs, nsym, part_days) -> None:  # type: ignore[no-untyped-def]
    span = data.draw(st.integers(1, 3 * 1440))
    symbols = [f"S{i}USDT" for i in range(nsym)]
    idx = []
    for _ in symbols:
        holes = data.draw(st.lists(st.tuples(st.integers(0, span), st.integers(1, 90)), max_size=4))
        keep = np.ones(span, dtype=bool)
        for a, w in holes:
            keep[a : a + w] = False
        idx.append(np.flatnonzero(keep))
    base = data.draw(st.sampled_from(["1m", "5m"])) if tfs[0] != "1m" else "1m"
    columns = {}
    for n, (s, ix) in enumerate(zip(symbols, idx, strict=True)):
        m = series(s, "1m", T0 + ix * MINUTE_MS, seed=n)
        for tf in tfs:
            columns[(s, tf)] = m if tf == "1m" else aggregate(m, tf, include_partial=True)
    del base
    start = T0 - data.draw(st.sampled_from([0, DAY_MS]))
    end = T0 + span * MINUTE_MS - 1
    part_ms = None if part_days is None else part_days * DAY_MS
    seq = merge_pulses(symbols, tfs, columns, start=start, end=end, part_ms=part_ms)
    expected = seed_sequence(symbols, tfs, columns, start, end, part_ms or 10**15)
    assert as_tuples(seq, columns) == expected
    # batching never splits a pulse and loses nothing
    parts = list(seq.batches(7))
    assert sum(len(b) for b in parts) == len(seq)
    assert sum(b.num_pulses for b in parts) == seq.num_pulses


def test_price_updates_follow_the_seed() -> None:
    cols = build(["BTCUSDT"], [range(10)], ["1m"])
    c = cols[("BTCUSDT", "1m")]
    # minute 3 repeats minute 2 inside its range: no update; minute 5 only closes higher
    c.close[3] = c.close[2]
    c.high[3] = c.close[2]
    c.low[3] = c.close[2]
    c.high[5] = c.close[4] + 1
    c.low[5] = c.close[4] + 0.5
    c.close[5] = c.close[4] + 0.7
    seq = merge_pulses(["BTCUSDT"], ["1m"], cols)
    pu = price_updates(seq, cols)
    assert 3 not in pu.position.tolist()
    assert pu.position[0] == 0 and pu.high[0] == c.high[0] and pu.low[0] == c.low[0]  # first: full range
    j = pu.position.tolist().index(5)
    assert (pu.high[j], pu.low[j], pu.close[j]) == (c.high[5], c.close[5], c.close[5])
    assert pu.time[j] == c.close_time[5]
    assert list(pu.symbol[:2]) == ["BTCUSDT", "BTCUSDT"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"symbols": []}, "symbols"),
        ({"symbols": ["A", "A"]}, "symbols"),
        ({"timeframes": ["1m", "2m"]}, "timeframes"),
        ({"timeframes": []}, "timeframes"),
        ({"part_ms": 0}, "part_ms"),
    ],
)
def test_bad_arguments(kwargs, field) -> None:  # type: ignore[no-untyped-def]
    args = {"symbols": ["BTCUSDT"], "timeframes": ["1m"], "columns": {}, **kwargs}
    with pytest.raises(ValueError, match=rf"^{field}:"):
        merge_pulses(**args)


def test_unsorted_series_is_rejected() -> None:
    c = series("BTCUSDT", "1m", [T0 + MINUTE_MS, T0])
    with pytest.raises(ValueError, match=r"^columns:"):
        merge_pulses(["BTCUSDT"], ["1m"], {("BTCUSDT", "1m"): c})
