"""Lazy flags (Engine._lazy_flags): when only built-in indicators run and nothing hooks the
candles, batched analyzers store per candle only the keys an incremental analyzer reads, and a
ticker's flags are completed when asked. What anyone can read is what full mode gives: every
flag after every candle (keys, order, types, bits), the final flags, a switch to unannounced
candles at any point (the last history candle's flags are completed first), a failing
analyzer, and across timeframes (vlevels_high reads the higher timeframe's flags)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from analysis_service.analyzers.prices import Prices
from analysis_service.engine import Candle, Engine, Sequencer
from analysis_service.engine.registry import STRATEGY_NAMES
from analysis_service.fast.plan import LAZY_READS, lazy_keys

from .helpers import BTC
from .test_batch import INDICATORS, _rows, announced_then_other, assert_same, random_series, snapshot

TFS = ["1m", "5m", "1h", "4h"]
Hook = Callable[[Any, Candle], None]


def hooked_after_prepare(engine: Engine, hook: Hook) -> None:
    """A candle hook turns lazy flags off; the tests add theirs once the plans are lazy."""
    prepare = engine.prepare_history

    def prep(sequences: dict[str, list[Candle]]) -> None:
        prepare(sequences)
        engine.on_candle.append(hook)

    engine.prepare_history = prep  # type: ignore[method-assign]


def lazy_plans(engine: Engine) -> list[bool]:
    return [t.plan is not None and t.plan.lazy for t in engine.tickers.values()]


def test_lazy_only_with_built_in_indicators_and_no_hooks() -> None:
    series = random_series(random.Random(1), 60)
    engine = Engine([BTC], ["1h"], INDICATORS, annotate=False)
    engine.prepare_history({"BTCUSDT-1h": series})
    t = engine.ticker("BTCUSDT", "1h")
    assert t.plan is not None and t.plan.lazy
    assert lazy_keys(t.plan) == {k for reads in LAZY_READS.values() for k in reads}
    hooked = Engine([BTC], ["1h"], INDICATORS, annotate=False)
    hooked.on_candle.append(lambda t, c: None)
    hooked.prepare_history({"BTCUSDT-1h": series})
    assert lazy_plans(hooked) == [False]
    annotated = Engine([BTC], ["1h"], INDICATORS, annotate=True)
    annotated.prepare_history({"BTCUSDT-1h": random_series(random.Random(2), 400)})
    assert annotated.ticker("BTCUSDT", "1h").plan is not None
    assert lazy_plans(annotated) == [False]
    with_strategy = Engine([BTC], ["1h"], [*INDICATORS, STRATEGY_NAMES[0]], annotate=False)
    with_strategy.prepare_history({"BTCUSDT-1h": series})
    assert lazy_plans(with_strategy) == [False]


def _sequenced(batch: bool, read: Callable[[int], bool]) -> tuple[Engine, list[Any]]:
    rows = _rows(3, 2 * 1440 + 77)
    engine = Engine([BTC], TFS, INDICATORS, annotate=False, batch=batch)
    snaps: list[Any] = []
    count = [0]

    def keep(t: Any, c: Candle) -> None:
        if read(count[0]):
            snaps.append((t.id, snapshot(t.flags)))
        count[0] += 1

    if batch:
        hooked_after_prepare(engine, keep)
    else:
        engine.on_candle.append(keep)
    Sequencer(engine).run_rows({"BTCUSDT": rows})
    assert engine.errors == []
    return engine, snaps


@pytest.mark.parametrize("every", [1, 7])
def test_lazy_flags_read_after_candles_equal_full_mode_across_timeframes(every: int) -> None:
    """Read after every candle, or every 7th (the others stay lazy): the same flags."""
    full, exp = _sequenced(False, lambda i: i % every == 0)
    lazy, got = _sequenced(True, lambda i: i % every == 0)
    assert all(lazy_plans(lazy))
    assert_same(got, exp)
    for tid, t in full.tickers.items():  # the end of history is complete without being asked
        assert snapshot(lazy.tickers[tid].io.flags) == snapshot(t.flags), tid
        assert snapshot(lazy.flags.tickers[tid]) == snapshot(t.flags), tid


@pytest.mark.parametrize("cut", [1, 2, 150, 299])
def test_unannounced_candle_after_lazy_history(cut: int) -> None:
    """History announced; from `cut` on other candles arrive: the flags of the last history
    candle are completed before the ticker goes on candle by candle."""
    series, mixed, exp = announced_then_other(cut, 21, 22)
    engine = Engine([BTC], ["1h"], INDICATORS, annotate=False)
    engine.prepare_history({"BTCUSDT-1h": series})
    assert lazy_plans(engine) == [True]
    got: list[Any] = []
    t = engine.ticker("BTCUSDT", "1h")
    for i, c in enumerate(mixed):
        if i == cut:
            # what a live candle's analyzers (and GetFlags) would see before it
            assert t._sparse
        engine.process_candle(c)
        got.append(snapshot(t.flags) if i >= cut else None)
    assert t.plan is None
    assert_same(got[cut:], exp[cut:])


def test_failing_analyzer_with_lazy_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    """An incremental built-in raising in lazy mode: the candle's flags hold what full mode
    has (the analyzers before it), it is disabled, the rest goes on identically."""
    add = Prices.add_candle

    def flaky(self: Prices, candle: Candle, io: Any) -> None:
        if len(io.candles) == 120:
            raise ValueError("prices boom")
        add(self, candle, io)

    monkeypatch.setattr(Prices, "add_candle", flaky)
    series = random_series(random.Random(5), 400)
    runs = []
    for batch in (False, True):
        engine = Engine([BTC], ["1h"], INDICATORS, annotate=False, batch=batch)
        snaps: list[Any] = []

        def keep(t: Any, c: Candle, snaps: list[Any] = snaps) -> None:
            snaps.append(snapshot(t.flags))

        if batch:
            engine.prepare_history({"BTCUSDT-1h": series})
            assert lazy_plans(engine) == [True]
        engine.on_candle.append(keep)
        for c in series:
            engine.process_candle(c)
        runs.append((engine, snaps))
    (e0, s0), (e1, s1) = runs
    assert [(e.analyzer, e.candle_close_time) for e in e1.errors] == [
        (e.analyzer, e.candle_close_time) for e in e0.errors
    ]
    assert [e.analyzer for e in e1.errors] == ["prices"]
    assert_same(s1, s0)
