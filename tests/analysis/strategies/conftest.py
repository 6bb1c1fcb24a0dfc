"""Seed signals from the reference fixture, attributed to the candle whose box emitted them,
and one shared replay of the fixture's series through our engine with every analyzer."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

import pytest

from analysis_service.engine import Candle, Engine, EntrySignal, Sequencer, SymbolInfo, Ticker

from ..conftest import REFERENCE_FILE

BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")
TIMEFRAMES = ["1m", "5m", "1h", "4h"]

# (candle index, strategy, symbol, tf, time, type, is_limit, entry, stop, take)
SignalKey = tuple[int, str, str, str, int, str, bool, float, float | None, float]


@dataclass
class SeedSignals:
    signals: list[SignalKey]
    candle_times: list[tuple[str, str, int]]  # (sym, tf, closeTime) of each flags record, in order


def load_seed_signals() -> SeedSignals:
    out: list[SignalKey] = []
    candles: list[tuple[str, str, int]] = []
    with gzip.open(REFERENCE_FILE, "rt") as fh:
        for line in fh:
            # only the signals need parsing; a flags record's candle is read from its head
            if line.startswith('{"kind":"flags"'):
                head = json.loads(line[: line.index(',"ot":')] + "}")
                candles.append((head["sym"], head["tf"], head["t"]))
                continue
            if not line.startswith('{"kind":"signal"'):
                continue
            r = json.loads(line)
            # emitted while the box runs, i.e. before that candle's flags record
            out.append(
                (
                    len(candles),
                    r["strategy"],
                    r["symbol"],
                    r["tf"],
                    r["time"],
                    r["type"],
                    r["isLimit"],
                    r["entryPrice"],
                    r["stopLoss"],
                    r["takeProfit"],
                )
            )
    return SeedSignals(out, candles)


class IndexedSink:
    """Records signals with the index of the candle being processed."""

    def __init__(self) -> None:
        self.index = 0
        self.signals: list[SignalKey] = []
        self.raw: list[EntrySignal] = []

    def on_candle(self, ticker: Ticker, candle: Candle) -> None:
        self.index += 1

    def queue_entry(self, s: EntrySignal) -> None:
        self.raw.append(s)
        self.signals.append(
            (
                self.index,
                s.strategy,
                s.symbol,
                s.timeframe,
                s.time,
                s.type,
                s.is_limit,
                s.entry_price,
                s.stop_loss,
                s.take_profit,
            )
        )

    def price_update(self, symbol: str, event_time: int, low: float, high: float, current: float) -> None:
        pass

    def phase_end(self, pulse_time: int) -> None:
        pass


def replay_signals(rows: list[list[float]], annotate: bool = False) -> tuple[Engine, IndexedSink]:
    sink = IndexedSink()
    engine = Engine([BTC], TIMEFRAMES, annotate=annotate, entry_sink=sink)
    engine.on_candle.append(sink.on_candle)
    Sequencer(engine).run_rows({"BTCUSDT": rows})
    return engine, sink


@pytest.fixture(scope="session")
def seed_signals() -> SeedSignals:
    return load_seed_signals()


@pytest.fixture(scope="session")
def full_replay(candle_rows: list[list[float]]) -> tuple[Engine, IndexedSink]:
    return replay_signals(candle_rows, annotate=True)


def by_strategy(signals: list[SignalKey]) -> dict[str, list[SignalKey]]:
    out: dict[str, list[SignalKey]] = {}
    for s in signals:
        out.setdefault(s[1], []).append(s)
    return out
