"""The EntryFinder mechanism (analysis_service/engine/finder.py) as a user strategy uses it:
catch-up over stored candles, kill / continue / entry, duplicates, id cycling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from analysis_service.engine import Analyzer, AnalyzerIO, Candle, Engine
from analysis_service.engine.entries import RecordingSink
from analysis_service.engine.finder import CONTINUE, KILL, EntryFinder, FinderPool, FinderResult, FoundEntry
from analysis_service.engine.registry import AnalyzerRegistry

from ..helpers import BTC, closes


class BreakoutFinder(EntryFinder):
    """Long: dies on a close below the start candle's low, enters on a close above its high."""

    def __init__(
        self, finder_id: int, start: Candle, is_long: bool, io: AnalyzerIO, params: Mapping[str, Any] | None
    ) -> None:
        super().__init__(finder_id, start, is_long, io, params)
        self.seen: list[tuple[float, bool]] = []

    def add_candle(self, candle: Candle, current: bool) -> FinderResult:
        self.seen.append((candle.close, current))
        if candle.close < self.start_candle.low:
            return KILL
        if candle.close > self.start_candle.high:
            return FoundEntry(True, {"stop_loss": self.start_candle.low, "rr_ratio": 2.0})
        return CONTINUE


class Breakout(Analyzer):
    KIND = "breakout_test"
    IS_STRATEGY = True
    starts: ClassVar[dict[float, float]] = {}  # close of the candle that starts -> close of the start candle

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.finders = FinderPool(BreakoutFinder)
        self.started: list[EntryFinder | None] = []

    def requires(self) -> tuple[str, ...]:
        return ("atr14",)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        start_close = self.starts.get(candle.close)
        if start_close is not None:
            start = next(c for c in io.candles if c.close == start_close)
            self.started.append(self.finders.start(True, start, candle, io))
        for e in self.finders.run(candle):
            io.make_entry(self, "buy" if e.is_long else "sell", **e.params)


def _run(series: list[float], starts: dict[float, float]) -> tuple[Breakout, RecordingSink]:
    reg = AnalyzerRegistry()
    reg.load_package()
    reg.register(Breakout)
    reg.named["brk"] = (Breakout, {})
    Breakout.starts = starts
    sink = RecordingSink()
    engine = Engine([BTC], ["1h"], ["brk"], registry=reg, annotate=True, entry_sink=sink)
    for c in closes(series):
        engine.process_candle(c)
    strat = engine.ticker("BTCUSDT", "1h").analyzer("brk")
    assert isinstance(strat, Breakout)
    return strat, sink


def test_finder_catches_up_then_enters_on_a_fresh_candle() -> None:
    # candles (open=prev close): 10, 12 (start: low 10, high 12), 11, 11.5 (starts here), 13 -> entry
    strat, sink = _run([10.0, 12.0, 11.0, 11.5, 13.0], {11.5: 12.0})
    (f,) = strat.started
    assert isinstance(f, BreakoutFinder)
    # caught up over 11 (not current), then 11.5 and 13 fed live
    assert f.seen == [(11.0, False), (11.5, True), (13.0, True)]
    (s,) = sink.signals
    assert (s.type, s.entry_price, s.stop_loss, s.take_profit) == ("buy", 13.0, 10.0, 13.0 + 3.0 * 2.0)
    assert len(strat.finders) == 0


def test_finder_that_enters_or_dies_while_catching_up_is_dropped() -> None:
    # 13 closes above the start candle's high while catching up: no entry, no finder
    strat, sink = _run([10.0, 12.0, 13.0, 12.5], {12.5: 12.0})
    assert strat.started == [None] and sink.signals == [] and len(strat.finders) == 0
    # 9 closes below its low while catching up
    strat, sink = _run([10.0, 12.0, 9.0, 11.0], {11.0: 12.0})
    assert strat.started == [None] and sink.signals == []


def test_kill_on_fresh_candle_and_duplicate_start_refused() -> None:
    strat, sink = _run([10.0, 12.0, 11.0, 11.2, 9.0, 14.0], {11.0: 12.0, 11.2: 12.0})
    first, dup = strat.started
    assert first is not None and dup is None
    assert sink.signals == [] and len(strat.finders) == 0


def test_finder_ids_cycle_1_to_99() -> None:
    pool = FinderPool(EntryFinder)
    ids = [pool.next_id() for _ in range(100)]
    assert ids[0] == 1 and ids[98] == 99 and ids[99] == 1
