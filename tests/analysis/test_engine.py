"""Engine behaviour: box order, registry, flags semantics, HTF, isolation of failures,
the 300-candle window, sequencer ordering, make_entry defaults, annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analysis_service.engine import (
    Analyzer,
    AnalyzerCycleError,
    AnalyzerRegistry,
    Candle,
    Engine,
    Sequencer,
    UnknownAnalyzerError,
    aggregate,
    default_registry,
)
from analysis_service.engine.entries import RecordingSink
from analysis_service.engine.flags import flag_get
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.registry import ALWAYS_REQUIRED

from .helpers import BTC, T0, candles, closes, run

# --- registry and box order ----------------------------------------------------------


def test_box_puts_required_first_and_dependencies_before_dependants() -> None:
    box = default_registry().build_box(["macdf", "bbands"])
    ids = [a.id for a in box]
    assert ids[:11] == [
        "rsi14",
        "atr14",
        "extremum",
        "hl_trend",
        "mac18",
        "hills",
        "wfractals",
        "prev_swing",
        "emac9",
        "emac20",
        "btctrend",
    ]
    assert ids[-3:] == ["macd", "macdf", "bbc-20-2"]
    for name in ALWAYS_REQUIRED:
        assert name in ids


def test_bbands_matched_by_name_and_id() -> None:
    box = default_registry().build_box(["bbands", "bbc-20-2", "bbands"])
    assert [a.id for a in box].count("bbc-20-2") == 1


def test_parametric_names() -> None:
    reg = default_registry()
    assert reg.create("emac37").params == {"source": "c", "period": 37}
    assert reg.create("mah7").params == {"source": "h", "period": 7}
    with pytest.raises(UnknownAnalyzerError):
        reg.create("nosuch")


def _plugin_registry(tmp_path: Path, source: str) -> AnalyzerRegistry:
    (tmp_path / "mine.py").write_text(source)
    return default_registry(user_folder=tmp_path)


CYCLE = """
from analysis_service.engine.plugin import Analyzer
class A(Analyzer):
    KIND = "cyc_a"
    INSTANCES = {"cyc_a": {}}
    def requires(self): return ("cyc_b",)
    def add_candle(self, candle, io): pass
class B(Analyzer):
    KIND = "cyc_b"
    INSTANCES = {"cyc_b": {}}
    def requires(self): return ("cyc_a",)
    def add_candle(self, candle, io): pass
"""


def test_cycle_and_unknown_dependency_are_clear_errors(tmp_path: Path) -> None:
    reg = _plugin_registry(tmp_path, CYCLE)
    with pytest.raises(AnalyzerCycleError, match="cyc_a -> cyc_b -> cyc_a"):
        reg.build_box(["cyc_a"])
    with pytest.raises(UnknownAnalyzerError, match="nope"):
        reg.build_box(["nope"])


USER = '''
from typing import Any
from analysis_service.engine.plugin import Analyzer, Param
class Double(Analyzer):
    """Twice the close."""
    KIND = "double"
    PARAMS = (Param("factor", float, 2.0, "multiplier"),)
    INSTANCES = {"double": {}}
    WRITES = ("double",)
    def requires(self): return ("emac9",)
    def add_candle(self, candle, io):
        io.set("double", io.get("emac9") * self.params["factor"])
'''


def test_user_folder_plugin(tmp_path: Path) -> None:
    reg = _plugin_registry(tmp_path, USER)
    desc = {d["kind"]: d for d in reg.describe()}
    assert desc["double"]["params"][0]["name"] == "factor"
    engine = Engine([BTC], ["1h"], ["double"], registry=reg, annotate=False)
    for c in closes([10.0, 20.0]):
        engine.process_candle(c)
    assert engine.ticker("BTCUSDT", "1h").flags["double"] == 30.0


# --- flags ---------------------------------------------------------------------------


def test_flag_get_falsy_values_read_as_none() -> None:
    flags: dict[str, Any] = {"a": 0, "b": 0.0, "c": float("nan"), "d": "", "e": False, "f": {}, "g": 1.5}
    assert [flag_get(flags, k) for k in "abcde"] == [None] * 5
    assert flag_get(flags, "f") == {}  # objects are truthy in JS
    assert flag_get(flags, "g") == 1.5
    assert flag_get(flags, "missing") is None


def test_flags_reset_per_candle_and_is_live_first() -> None:
    s = candles([(10, 11, 9, 10), (10, 15, 8, 12), (12, 13, 9, 11), (11, 12, 10, 11)])
    _, f = run(s, ["extremum"])
    assert all(next(iter(x)) == "is_live" and x["is_live"] is False for x in f)
    assert "extremum" in f[2] and "extremum" not in f[3]


def test_htf_reads_current_flags_of_higher_timeframe() -> None:
    engine = Engine([BTC], ["5m", "1h"], ["vlevels"], annotate=False)
    c5 = Candle(T0, 1.0, 2.0, 0.5, 1.5, 1.0, T0 + 299_999, "BTCUSDT", "5m")
    engine.process_candle(c5)
    assert "vlevels_high" not in engine.ticker("BTCUSDT", "5m").flags  # no 1h flags yet
    engine.process_candle(Candle(T0, 1.0, 2.0, 0.5, 1.5, 1.0, T0 + 3_599_999, "BTCUSDT", "1h"))
    engine.process_candle(c5)
    t5 = engine.ticker("BTCUSDT", "5m")
    assert t5.flags["vlevels_high"] is engine.ticker("BTCUSDT", "1h").analyzer("vlevels")
    assert t5.io.get_ticker_flag("BTCUSDT-1h", "is_live") is False


# --- failure isolation ---------------------------------------------------------------

BOOM = """
from analysis_service.engine.plugin import Analyzer
class Boom(Analyzer):
    KIND = "boom"
    INSTANCES = {"boom": {}, "boom2": {}}
    def add_candle(self, candle, io):
        if candle.close > 11:
            raise ValueError("boom at " + str(candle.close))
        io.set(self.name, 1)
"""


@pytest.mark.parametrize("annotate", [False, True])
def test_failing_analyzer_is_disabled_once_and_others_go_on(tmp_path: Path, annotate: bool) -> None:
    reg = _plugin_registry(tmp_path, BOOM)
    engine = Engine([BTC], ["1h", "4h"], ["boom", "emac9", "boom2", "mac5"], registry=reg, annotate=annotate)
    for c in closes([10.0, 11.0, 12.0, 13.0, 14.0, 15.0]):
        engine.process_candle(c)
    t = engine.ticker("BTCUSDT", "1h")
    assert [(e.ticker_id, e.analyzer) for e in engine.errors] == [("BTCUSDT-1h", "boom"), ("BTCUSDT-1h", "boom2")]
    assert "ValueError: boom at 12.0" in engine.errors[0].message
    assert t.disabled == ["boom", "boom2"]
    assert t.flags["emac9"] and t.flags["mac5"] == 13.0  # later analyzers ran on every candle
    assert engine.ticker("BTCUSDT", "4h").analyzer("boom") is not None  # other tickers untouched


# --- window and forget_before --------------------------------------------------------


def test_window_of_300_prunes_prev_swing_and_levels() -> None:
    engine = Engine([BTC], ["1m"], ["vlevels"], annotate=True, window=300)
    t = engine.ticker("BTCUSDT", "1m")
    import math

    for i in range(700):
        y = 1000 + 50 * math.sin(i / 10)
        o = 1000 + 50 * math.sin((i - 1) / 10)
        engine.process_candle(
            Candle(
                T0 + i * 60_000,
                o,
                max(o, y) + 1 + i % 3,
                min(o, y) - 1 - i % 4,
                y,
                1.0,
                T0 + i * 60_000 + 59_999,
                "BTCUSDT",
                "1m",
            )
        )
    first = t.candles[0].open_time
    assert len(t.candles) == 300
    vl: Any = t.analyzer("vlevels")
    assert all(p[0] > first - 60_000 for lvl in vl.levels for p in lvl.points)
    ps: Any = t.analyzer("prev_swing")
    assert all(c.open_time > first - 60_000 for c in ps.highs + ps.lows)
    assert min(t.debug.get()) >= first


# --- sequencer -----------------------------------------------------------------------


def _rows(n: int, skip: set[int] | None = None) -> list[list[float]]:
    out = []
    for i in range(n):
        if skip and i in skip:
            continue
        p = 100.0 + (i % 7) - (i % 3)
        out.append([T0 + i * 60_000, p, p + 1, p - 1, p + 0.5, 1.0 + i % 5])
    return out


def test_aggregation() -> None:
    rows = _rows(10)
    c5 = aggregate(rows, "BTCUSDT", "5m")
    assert len(c5) == 2
    assert c5[0].open == rows[0][1] and c5[0].close == rows[4][4]
    assert c5[0].high == max(r[2] for r in rows[:5]) and c5[0].volume == sum(r[5] for r in rows[:5])
    assert c5[0].close_time == T0 + 300_000 - 1
    w = aggregate([[T0 + 3 * 86_400_000, 1, 1, 1, 1, 1]], "X", "1w")  # 2023-11-17 is a Friday
    assert (w[0].open_time // 86_400_000 + 3) % 7 == 0  # Monday (1970-01-01 was a Thursday)


def test_sequencer_order_higher_tf_first_and_missing_pulse() -> None:
    engine = Engine([BTC], ["1m", "5m"], [], annotate=False)
    seen: list[tuple[str, int, int | None]] = []
    seq = Sequencer(engine)
    engine.on_candle.append(lambda t, c: seen.append((c.timeframe, c.close_time, seq.last_pulse_time)))
    seq.run_rows({"BTCUSDT": _rows(12, skip={4})})  # the 1m closing the first 5m bucket is missing
    tfs = [s[0] for s in seen]
    assert tfs.count("5m") == 2 and tfs.count("1m") == 11
    first5 = next(s for s in seen if s[0] == "5m")
    assert first5[1] == T0 + 299_999 and first5[2] == T0 + 5 * 60_000 + 59_999  # processed late
    # within that pulse the 5m candle comes before the 1m candle
    i = seen.index(first5)
    assert seen[i + 1][0] == "1m" and seen[i + 1][2] == first5[2]


class _Prices(RecordingSink):
    def __init__(self) -> None:
        super().__init__()
        self.updates: list[tuple[int, float, float, float]] = []
        self.phases: list[int] = []

    def price_update(self, symbol: str, event_time: int, low: float, high: float, current: float) -> None:
        self.updates.append((event_time, low, high, current))

    def phase_end(self, pulse_time: int) -> None:
        self.phases.append(pulse_time)


def test_price_updates_against_previous_close() -> None:
    sink = _Prices()
    engine = Engine([BTC], ["1m"], [], annotate=False, entry_sink=sink)
    rows: list[list[float]] = [
        [T0, 10, 12, 9, 11, 1],
        [T0 + 60_000, 11, 11, 11, 11, 1],
        [T0 + 120_000, 11, 11.5, 10, 10.5, 1],
    ]
    Sequencer(engine).run_rows({"BTCUSDT": rows})
    # first pulse: full range; second: nothing moved -> no update; third: high/low beyond close 11
    assert sink.updates == [(T0 + 59_999, 9, 12, 11), (T0 + 179_999, 10, 11.5, 10.5)]
    assert sink.phases == [T0 + 59_999, T0 + 119_999, T0 + 179_999]


# --- make_entry ----------------------------------------------------------------------


class _Strat(Analyzer):
    KIND = "test_strategy"
    IS_STRATEGY = True

    def requires(self) -> tuple[str, ...]:
        return ("atr14",)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        if candle.close == 13.0:
            io.make_entry(self, "buy")
            io.make_entry(self, "sell", rr_ratio=2, stop_atr_ratio=0.5)


def test_make_entry_default_stop_and_take() -> None:
    reg = AnalyzerRegistry()
    reg.load_package()
    reg.register(_Strat)
    reg.named["strat"] = (_Strat, {})
    sink = RecordingSink()
    engine = Engine([BTC], ["1h"], ["strat"], registry=reg, annotate=False, entry_sink=sink)
    for c in closes([10.0, 12.0, 13.0]):
        engine.process_candle(c)
    atr = engine.ticker("BTCUSDT", "1h").flags["atr14"]
    buy, sell = sink.signals
    assert (buy.strategy, buy.type, buy.is_limit, buy.entry_price) == ("strat", "buy", False, 13.0)
    assert buy.stop_loss == 13.0 - atr and buy.take_profit == 13.0 + abs(13.0 - (13.0 - atr)) * 1.5
    assert sell.stop_loss == 13.0 + atr * 0.5
    assert sell.stop_loss is not None
    assert sell.take_profit == 13.0 - abs(13.0 - sell.stop_loss) * 2
    assert buy.time == engine.ticker("BTCUSDT", "1h").candles[-1].close_time


def test_chart_series_and_drawn_annotations() -> None:
    s = candles([(10, 11, 9, 10), (10, 15, 8, 12), (12, 13, 9, 11), (11, 12, 10, 11)])
    eng, _ = run(s, ["extremum", "emac9"], annotate=True)
    items = eng.ticker("BTCUSDT", "1h").debug.get()
    first = items[s[0].open_time]
    assert {"type": "onchart", "name": "emac9", "value": 10.0} in first
    assert any(a["type"] == "circle" and a["src"] == "extremum" for a in items[s[1].open_time])
