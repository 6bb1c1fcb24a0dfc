"""Replays the synthetic BTCUSDT series through our engine and compares, after every
candle, every flag with the seed's own output (tests/fixtures/README.md), plus the
full `vlevels` and `magnets` lists and the processing order.

Comparison is exact: doubles round-trip through the reference JSON, and every
analyzer keeps the seed's order of operations, so no tolerance is needed anywhere.

Flags written by strategies are out of scope here. Keys excluded: any key equal to
a strategy name or starting with it plus '.' for the 10 strategies ttcwoff, volrev,
tpcwfma, cma3buy, cma3sell, macwfma, geroflvl, hoffman1, bounce, dblbottom. (In this
reference the strategies write no flags at all, so nothing is actually excluded.)
"""

from __future__ import annotations

import collections
from typing import Any

from analysis_service.engine import Candle, Engine, Sequencer, SymbolInfo, Ticker
from analysis_service.engine.encode import encode_flags
from analysis_service.engine.registry import STRATEGY_NAMES

from .conftest import Reference

BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")
TIMEFRAMES = ["1m", "5m", "1h", "4h"]


def _strategy_key(key: str) -> bool:
    return any(key == s or key.startswith(s + ".") for s in STRATEGY_NAMES)


class Comparator:
    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self.i = 0
        self.compared: collections.Counter[str] = collections.Counter()
        self.mismatches: collections.Counter[str] = collections.Counter()
        self.first_mismatch: dict[str, Any] = {}
        self.expected_levels: dict[str, list[Any]] = {}
        self.expected_magnets: dict[str, list[Any]] = {}
        self.level_versions: dict[str, tuple[int, int]] = {}
        self.magnet_versions: dict[str, tuple[int, int]] = {}
        self.order_errors: list[Any] = []

    def _miss(self, key: str, where: Any, got: Any, exp: Any) -> None:
        self.mismatches[key] += 1
        self.first_mismatch.setdefault(key, (where, got, exp))

    def __call__(self, ticker: Ticker, candle: Candle) -> None:
        r = self.ref.flags[self.i]
        self.i += 1
        where = (r["sym"], r["tf"], r["t"])
        if (candle.symbol, candle.timeframe, candle.close_time, candle.open_time) != (*where, r["ot"]):
            self.order_errors.append((where, candle))
            return
        c = [candle.open, candle.high, candle.low, candle.close, candle.volume]
        if c != r["c"]:
            self._miss("candle", where, c, r["c"])
        got = {k: v for k, v in encode_flags(ticker.flags).items() if not _strategy_key(k)}
        exp = {k: v for k, v in r["flags"].items() if not _strategy_key(k)}
        for k in got.keys() | exp.keys():
            self.compared[k] += 1
            if k not in got or k not in exp or got[k] != exp[k]:
                self._miss(k, where, got.get(k), exp.get(k))
        self._compare_lists(ticker, where)

    def _compare_lists(self, ticker: Ticker, where: tuple[str, str, int]) -> None:
        tid = ticker.id
        lv_ref = self.ref.vlevels.get(where)
        if lv_ref is not None:
            self.expected_levels[tid] = lv_ref
        vl: Any = ticker.analyzer("vlevels")
        # re-encode only when either side changed: the lists are long
        state = (vl.version, id(self.expected_levels.get(tid)))
        if self.level_versions.get(tid) != state:
            self.level_versions[tid] = state
            self.compared["vlevels-list"] += 1
            if vl.fixture_levels() != self.expected_levels.get(tid, []):
                self._miss("vlevels-list", where, vl.fixture_levels(), self.expected_levels.get(tid))
        mg_ref = self.ref.magnets.get(where)
        if mg_ref is not None:
            self.expected_magnets[tid] = mg_ref
        mg: Any = ticker.analyzer("magnets")
        state = (mg.magnets.version, id(self.expected_magnets.get(tid)))
        if self.magnet_versions.get(tid) != state:
            self.magnet_versions[tid] = state
            self.compared["magnets-list"] += 1
            if mg.magnets.fixture_list() != self.expected_magnets.get(tid, []):
                self._miss("magnets-list", where, mg.magnets.fixture_list(), self.expected_magnets.get(tid))


def replay(rows: list[list[float]], ref: Reference, annotate: bool) -> Comparator:
    engine = Engine([BTC], TIMEFRAMES, annotate=annotate)
    cmp = Comparator(ref)
    engine.on_candle.append(cmp)
    processed = Sequencer(engine).run_rows({"BTCUSDT": rows})
    assert processed == len(ref.flags)
    assert engine.errors == []
    return cmp


def test_box_order_matches_seed(reference: Reference) -> None:
    engine = Engine([BTC], TIMEFRAMES, annotate=False)
    for tf in TIMEFRAMES:
        # the strategies are registered too (analyzers/strategies/), so the whole order matches
        assert [a.id for a in engine.ticker("BTCUSDT", tf).box] == reference.meta["analyzerOrder"][tf]


def test_every_flag_after_every_candle_matches_seed(candle_rows: list[list[float]], reference: Reference) -> None:
    cmp = replay(candle_rows, reference, annotate=True)
    assert cmp.order_errors == []
    assert cmp.i == len(reference.flags) == 24_612
    assert dict(cmp.mismatches) == {}, cmp.first_mismatch
    # every indicator of the seed was actually compared
    for key in (
        "atr14",
        "rsi14",
        "mac200",
        "emac144",
        "rmac75",
        "macd",
        "macdf",
        "bbc-20-2",
        "bt-1h-9",
        "bt-4h-20",
        "extremum",
        "wfractals",
        "hl_trend",
        "hl_trend.new.high",
        "hills.new.low",
        "prev_swing",
        "vlevels",
        "vlevels_high",
        "cdlpatts.new.egu",
        "cdlpatts.bias",
        "impulse.gap",
        "impulse.tall",
        "magnets",
        "mat1",
        "hos",
        "prices",
        "vlevels-list",
        "magnets-list",
    ):
        assert cmp.compared[key] > 0, key
