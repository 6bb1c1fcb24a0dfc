"""Batch mode (analysis_service/fast) gives exactly what the candle-by-candle engine gives:
the same flags — keys, insertion order, value types and doubles bit for bit — after every
candle, across a switch from announced history to unannounced (live) candles at any
point, after an announced candle is replaced by another, and when an analyzer fails."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_service.engine import AnalyzerRegistry, Candle, Engine, Sequencer
from analysis_service.engine.registry import STRATEGY_NAMES, default_registry

from .helpers import BTC, T0

INDICATORS = [n for n in default_registry().names() if n not in STRATEGY_NAMES]


def canon(v: Any) -> Any:
    """A comparable form that keeps types: 1 != 1.0 != True, NaN == NaN, -0.0 != 0.0,
    candles by identity of time, analyzer objects by their fixture encoding (+ lists)."""
    cls = v.__class__
    if cls is float:
        return ("f", "nan" if v != v else v.hex())
    if cls in (int, bool, str) or v is None:
        return (cls.__name__, v)
    if cls is Candle:
        return ("c", v.open_time, v.timeframe)
    if cls is dict:
        return ("d", [(k, canon(x)) for k, x in v.items()])
    if cls in (list, tuple):
        return ("l", [canon(x) for x in v])
    out: list[Any] = [cls.__name__, v.fixture_json()]
    for extra in ("fixture_levels", "fixture_list"):
        if hasattr(v, extra):
            out.append(getattr(v, extra)())
    for seq in ("highs", "lows"):
        if hasattr(v, seq):
            out.append(list(getattr(v, seq)))
    return tuple(map(repr, out))


def snapshot(flags: dict[str, Any]) -> list[Any]:
    return [(k, canon(v)) for k, v in flags.items()]


def random_series(rnd: random.Random, n: int, tf: str = "1h", step: int = 3_600_000) -> list[Candle]:
    """A random walk on a coarse tick (ties between highs/lows/closes happen), with
    volume bursts (impulses) and flat stretches."""
    out = []
    price = 100.0 + rnd.random() * 50
    for i in range(n):
        o = price
        move = rnd.choice([0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 5.0, -5.0])
        c = max(1.0, o + move)
        h = max(o, c) + rnd.choice([0.0, 0.0, 0.5, 1.0, 3.0])
        lo = max(0.5, min(o, c) - rnd.choice([0.0, 0.0, 0.5, 1.0, 3.0]))
        v = rnd.choice([1.0, 1.0, 2.0, 3.0, 10.0, 25.0, 0.5])
        t = T0 + i * step
        out.append(Candle(t, o, h, lo, c, v, t + step - 1, "BTCUSDT", tf))
        price = c
    return out


def replay(series: list[Candle], announced: int | None, names: list[str], **kw: Any) -> tuple[Engine, list[Any]]:
    """Feed `series` candle by candle; with `announced`, the first `announced` candles
    are announced as history first (batch mode), the rest arrive unannounced."""
    tf = series[0].timeframe
    engine = Engine([BTC], [tf], names, annotate=False, batch=announced is not None, **kw)
    snaps: list[Any] = []
    engine.on_candle.append(lambda t, c: snaps.append(snapshot(t.flags)))
    if announced is not None:
        engine.prepare_history({f"BTCUSDT-{tf}": series[:announced]})
    for c in series:
        engine.process_candle(c)
    return engine, snaps


def assert_same(got: list[Any], exp: list[Any]) -> None:
    assert len(got) == len(exp)
    for i, (g, e) in enumerate(zip(got, exp, strict=True)):
        assert g == e, f"candle {i}: {[(a, b) for a, b in zip(g, e, strict=False) if a != b][:3]}"


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=420), st.floats(0, 1))
def test_batch_then_live_equals_incremental(seed: int, n: int, cut: float) -> None:
    rnd = random.Random(seed)
    series = random_series(rnd, n)
    k = int(cut * n)
    _, exp = replay(series, None, INDICATORS)
    engine, got = replay(series, k, INDICATORS)
    assert_same(got, exp)
    t = engine.ticker("BTCUSDT", "1h")
    assert t.plan is None or k == n  # left batch mode at the first unannounced candle


def test_all_indicators_are_batched_and_the_rest_stay_incremental() -> None:
    series = random_series(random.Random(7), 50)
    engine = Engine([BTC], ["1h"], INDICATORS, annotate=False)
    engine.prepare_history({"BTCUSDT-1h": series})
    t = engine.ticker("BTCUSDT", "1h")
    assert t.plan is not None
    incremental = {t.box[i].id for i in range(len(t.box)) if i not in t.plan.batched}
    assert incremental == {"prev_swing", "vlevels", "magnets", "prices"}


def announced_then_other(cut: int, seed: int, other_seed: int) -> tuple[list[Candle], list[Candle], list[Any]]:
    """History `series` is announced, but from candle `cut` on another series' candles arrive: returns
    the announced series, what arrives, and the flags full (non-batch) mode has after each candle."""
    series = random_series(random.Random(seed), 300)
    other = random_series(random.Random(other_seed), 300)
    mixed = series[:cut] + [
        Candle(c.open_time, c.open, c.high, c.low, c.close, c.volume, c.close_time, c.symbol, c.timeframe)
        for c in other[cut:]
    ]
    exp_engine = Engine([BTC], ["1h"], INDICATORS, annotate=False, batch=False)
    exp: list[Any] = []
    exp_engine.on_candle.append(lambda t, c: exp.append(snapshot(t.flags)))
    for c in mixed:
        exp_engine.process_candle(c)
    return series, mixed, exp


@pytest.mark.parametrize("cut", [0, 1, 2, 200])
def test_unexpected_candle_leaves_batch_mode_with_the_right_state(cut: int) -> None:
    series, mixed, exp = announced_then_other(cut, 11, 12)
    engine = Engine([BTC], ["1h"], INDICATORS, annotate=False)
    got: list[Any] = []
    engine.on_candle.append(lambda t, c: got.append(snapshot(t.flags)))
    engine.prepare_history({"BTCUSDT-1h": series})
    for c in mixed:
        engine.process_candle(c)
    assert engine.ticker("BTCUSDT", "1h").plan is None
    assert_same(got, exp)


BOOM = """
from analysis_service.engine.plugin import Analyzer
class Boom(Analyzer):
    KIND = "boom"
    INSTANCES = {"boom": {}}
    def requires(self):
        return ("emac9",)
    def add_candle(self, candle, io):
        if io.candles and len(io.candles) == 120:
            raise ValueError("boom")
        io.set(self.name, io.get("emac9"))
"""


@pytest.mark.parametrize("annotate", [False, True])
def test_failing_analyzer_in_batch_mode(tmp_path: Path, annotate: bool) -> None:
    (tmp_path / "boom.py").write_text(BOOM)
    reg = AnalyzerRegistry()
    reg.load_package()
    reg.load_path(tmp_path)
    names = ["boom", *INDICATORS]  # boom sits early in the box, between batched analyzers
    series = random_series(random.Random(5), 400)
    runs = []
    for batch in (False, True):
        engine = Engine([BTC], ["1h"], names, registry=reg, annotate=False, batch=batch)
        snaps: list[Any] = []

        def keep(t: Any, c: Candle, snaps: list[Any] = snaps) -> None:
            snaps.append(snapshot(t.flags))

        engine.on_candle.append(keep)
        engine.prepare_history({"BTCUSDT-1h": series})
        for c in series:
            engine.process_candle(c)
        runs.append((engine, snaps))
    (e0, s0), (e1, s1) = runs
    assert [(e.analyzer, e.candle_close_time) for e in e1.errors] == [
        (e.analyzer, e.candle_close_time) for e in e0.errors
    ]
    assert len(e1.errors) == 1
    assert_same(s1, s0)


def _rows(seed: int, n: int) -> list[list[float]]:
    rnd = random.Random(seed)
    rows = []
    price = 30_000.0
    for i in range(n):
        o = price
        c = round(o * (1 + rnd.gauss(0, 0.002)), 1)
        h = round(max(o, c) * (1 + abs(rnd.gauss(0, 0.001))), 1)
        lo = round(min(o, c) * (1 - abs(rnd.gauss(0, 0.001))), 1)
        rows.append([T0 + i * 60_000, o, h, lo, c, round(rnd.expovariate(1.0) * 10, 3)])
        price = c
    return rows


@pytest.mark.parametrize("annotate", [False, True])
def test_sequencer_history_batch_equals_incremental_across_timeframes(annotate: bool) -> None:
    """1m/5m/1h/4h through the sequencer: HTF reads (vlevels_high), btctrend on 1h/4h, and
    with annotations on the incremental tail draws the same final chart."""
    rows = _rows(3, 2 * 1440 + 77)
    tfs = ["1m", "5m", "1h", "4h"]
    out = []
    for batch in (False, True):
        engine = Engine([BTC], tfs, INDICATORS, annotate=annotate, batch=batch)
        snaps: list[Any] = []

        def keep(t: Any, c: Candle, snaps: list[Any] = snaps) -> None:
            snaps.append((t.id, snapshot(t.flags)))

        engine.on_candle.append(keep)
        Sequencer(engine).run_rows({"BTCUSDT": rows})
        assert engine.errors == []
        out.append((engine, snaps))
    (e0, s0), (e1, s1) = out
    assert_same(s1, s0)
    if annotate:
        for tid, t in e0.tickers.items():
            assert repr(e1.tickers[tid].debug.get()) == repr(t.debug.get()), tid
    assert any(math.isfinite(v) for k, v in e1.ticker("BTCUSDT", "1m").flags.items() if k == "emac200")


def test_integer_candle_values_keep_their_types() -> None:
    """Aggregated candles may carry JSON integers (the sequencer copies raw highs/lows):
    flags built from candle values (impulse.gap y0/y1) keep the candle's own objects."""
    rnd = random.Random(0)
    series = [
        Candle(c.open_time, int(c.open), int(c.high), int(c.low), int(c.close), c.volume, c.close_time, c.symbol, "1h")
        for c in random_series(rnd, 400)
    ]
    _, exp = replay(series, None, INDICATORS)
    _, got = replay(series, len(series), INDICATORS)
    assert_same(got, exp)
    assert any(k == "impulse.gap" for snap in got for k, _ in snap)
