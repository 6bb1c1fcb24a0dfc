"""Incremental (candle by candle) results equal straightforward batch computations over
the whole series, and nothing looks ahead: truncating the input leaves every flag up
to the cut unchanged."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_service.engine import Engine, Sequencer
from analysis_service.engine.encode import encode_flags

from .helpers import BTC, candles, run

# --- batch references (whole-series, index based) -----------------------------------


def batch_sma(xs: list[float], n: int) -> list[float | None]:
    return [None if i + 1 < n else sum(xs[i + 1 - n : i + 1]) / n for i in range(len(xs))]


def batch_warm(xs: list[float], n: int, step: float) -> list[float]:
    """EMA (step = alpha) / RMA (step = 1/n) with the seed's running-mean warm-up."""
    out: list[float] = []
    for i in range(len(xs)):
        if i < n:
            out.append(sum(xs[: i + 1]) / (i + 1))
        elif step == 1 / n:
            out.append((out[-1] * (n - 1) + xs[i]) / n)
        else:
            out.append(xs[i] * step + out[-1] * (1 - step))
    return out


def batch_atr(h: list[float], lo: list[float], c: list[float], n: int) -> list[float | None]:
    tr = [max(h[i] - lo[i], abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1])) for i in range(1, len(c))]
    return [None] + [sum(tr[max(0, i + 1 - n) : i + 1]) / len(tr[max(0, i + 1 - n) : i + 1]) for i in range(len(tr))]


def batch_rsi(c: list[float], n: int) -> list[float | None]:
    d = [c[i] - c[i - 1] for i in range(1, len(c))]
    up = batch_warm([x if x > 0 else 0.0 for x in d], n, 1 / n)
    dn = batch_warm([-x if x < 0 else 0.0 for x in d], n, 1 / n)
    return [None] + [100.0 if b == 0 else 100 - 100 / (1 + a / b) for a, b in zip(up, dn, strict=True)]


def batch_bb(c: list[float], n: int) -> list[dict[str, float] | None]:
    out: list[dict[str, float] | None] = []
    for i in range(len(c)):
        if i + 1 < n:
            out.append(None)
            continue
        w = c[i + 1 - n : i + 1]
        m = sum(w) / n
        sd = math.sqrt(sum((v - m) * (v - m) for v in w) / n)
        out.append({"u": m + 2 * sd, "d": m - 2 * sd, "m": m})
    return out


prices = st.lists(
    st.floats(min_value=1.0, max_value=1e5, allow_nan=False, allow_infinity=False), min_size=3, max_size=80
)


@settings(max_examples=40, deadline=None)
@given(prices, st.integers(min_value=0, max_value=2**31))
def test_incremental_equals_batch(closes_: list[float], seed: int) -> None:
    rnd = random.Random(seed)
    rows = []
    prev = closes_[0]
    for x in closes_:
        rows.append((prev, max(prev, x) + rnd.random(), min(prev, x) - rnd.random() * 0.5, x))
        prev = x
    series = candles(rows)
    h = [x.high for x in series]
    lo = [x.low for x in series]
    c = [x.close for x in series]
    _, f = run(series, ["mac5", "emac9", "rmac9", "atr14", "rsi14", "bbands", "macd"])
    assert [x.get("mac5") for x in f] == batch_sma(c, 5)
    assert [x["emac9"] for x in f] == batch_warm(c, 9, 2 / 10)
    assert [x["rmac9"] for x in f] == batch_warm(c, 9, 1 / 9)
    assert [x.get("atr14") for x in f] == batch_atr(h, lo, c, 14)
    assert [x.get("rsi14") for x in f] == batch_rsi(c, 14)
    assert [x.get("bbc-20-2") for x in f] == batch_bb(c, 20)
    fast = batch_warm(c, 12, 2 / 13)
    slow = batch_warm(c, 26, 2 / 27)
    m = [a - b for a, b in zip(fast, slow, strict=True)]
    sig = batch_warm(m, 9, 2 / 10)
    assert [(x["macd"]["m"], x["macd"]["s"]) for x in f] == list(zip(m, sig, strict=True))


def _replay(rows: list[list[float]]) -> list[tuple[str, int, dict[str, object]]]:
    engine = Engine([BTC], ["1m", "5m", "1h"], annotate=False)
    out: list[tuple[str, int, dict[str, object]]] = []
    engine.on_candle.append(lambda t, c: out.append((c.timeframe, c.close_time, encode_flags(t.flags))))
    Sequencer(engine).run_rows({"BTCUSDT": rows})
    return out


def test_no_lookahead(candle_rows: list[list[float]]) -> None:
    rows = candle_rows[:2400]
    full = _replay(rows)
    rnd = random.Random(20261125)
    for cut in sorted(rnd.sample(range(50, len(rows)), 6)):
        part = _replay(rows[:cut])
        assert part == full[: len(part)], cut
        last_pulse = rows[cut - 1][0] + 59_999
        # everything that closed by the cut was processed in the truncated run
        assert len(part) == sum(1 for _, t, _ in full if t <= last_pulse)
