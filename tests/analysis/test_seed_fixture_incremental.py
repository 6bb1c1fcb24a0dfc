"""The candle-by-candle path alone (batch mode off, as for live candles) still matches the
seed's reference on the whole fixture; test_seed_fixture.py runs the default (batch) path."""

from __future__ import annotations

from analysis_service.engine import Engine, Sequencer

from .conftest import Reference
from .test_seed_fixture import BTC, TIMEFRAMES, Comparator


def test_incremental_path_matches_seed(candle_rows: list[list[float]], reference: Reference) -> None:
    engine = Engine([BTC], TIMEFRAMES, annotate=False, batch=False)
    cmp = Comparator(reference)
    engine.on_candle.append(cmp)
    assert Sequencer(engine).run_rows({"BTCUSDT": candle_rows}) == len(reference.flags)
    assert engine.errors == []
    assert engine.ticker("BTCUSDT", "1m").plan is None
    assert cmp.order_errors == []
    assert dict(cmp.mismatches) == {}, cmp.first_mismatch
    assert cmp.compared["vlevels-list"] > 0 and cmp.compared["hills.new.low"] > 0
