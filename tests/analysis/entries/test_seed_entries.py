"""Entry emulation against the seed reference (tests/fixtures/README.md), without the strategies:
the reference's own `signal` records are queued at their candle, our engine replays the candles
(flags for snapshots and tags, price updates from our sequencer), and every `limit`, `entry`,
`entry_rejected` and `close` record we write must equal the seed's line, byte for byte, in order.
"""

from __future__ import annotations

import collections
import gzip
import json
from typing import Any

import pytest

from analysis_service.engine import Candle, Engine, Sequencer, SymbolInfo, Ticker
from analysis_service.engine.entries import EntrySignal
from analysis_service.engine.registry import STRATEGY_NAMES, default_registry
from analysis_service.entries import EntryClosed, EntryEmulator, EntryOpened
from analysis_service.entries.jsnum import js_json
from analysis_service.entries.records import event_record

from ..conftest import REFERENCE_FILE

BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")
TIMEFRAMES = ["1m", "5m", "1h", "4h"]
KINDS = ("limit", "entry", "entry_rejected", "close")


class EntryReference:
    def __init__(self) -> None:
        self.signals: dict[tuple[str, str, int], list[dict[str, Any]]] = collections.defaultdict(list)
        self.lines: list[str] = []  # the limit/entry/entry_rejected/close lines, in file order
        self.summary: dict[str, Any] = {}
        prefixes = tuple(f'{{"kind":"{k}"' for k in KINDS)
        with gzip.open(REFERENCE_FILE, "rt") as fh:
            for line in fh:
                if line.startswith('{"kind":"signal"'):
                    r = json.loads(line)
                    self.signals[(r["symbol"], r["tf"], r["time"])].append(r)
                elif line.startswith(prefixes):
                    self.lines.append(line.rstrip("\n"))
                elif line.startswith('{"kind":"summary"'):
                    self.summary = json.loads(line)


@pytest.fixture(scope="module")
def entry_reference() -> EntryReference:
    return EntryReference()


def replay_reference_signals(rows: list[list[float]], ref: EntryReference) -> tuple[EntryEmulator, list[str]]:
    analyzers = [n for n in default_registry().names() if n not in STRATEGY_NAMES]
    engine = Engine([BTC], TIMEFRAMES, analyzers, annotate=False)
    emu = EntryEmulator.attach(engine)
    lines: list[str] = []

    def on_event(ev: Any) -> None:
        rec = event_record(ev)
        if rec is not None:
            lines.append(js_json(rec))

    emu.listeners.append(on_event)

    def queue_signals(ticker: Ticker, c: Candle) -> None:
        # after the candle's box ran, as the strategies (last in the box) would
        for s in ref.signals.get((c.symbol, c.timeframe, c.close_time), ()):
            engine.queue_entry(
                EntrySignal(
                    s["strategy"],
                    s["symbol"],
                    s["tf"],
                    s["time"],
                    s["type"],
                    s["isLimit"],
                    s["entryPrice"],
                    s["stopLoss"],
                    s["takeProfit"],
                    c,
                    ticker.flags,
                )
            )

    engine.on_candle.append(queue_signals)
    Sequencer(engine).run_rows({"BTCUSDT": rows})
    assert engine.errors == []
    return emu, lines


def test_entries_limits_rejections_and_closes_match_seed(
    candle_rows: list[list[float]], entry_reference: EntryReference
) -> None:
    emu, lines = replay_reference_signals(candle_rows, entry_reference)
    exp = entry_reference.lines
    kinds = collections.Counter(json.loads(x)["kind"] for x in exp)
    assert kinds == {"entry": 2790, "entry_rejected": 15, "close": 2783, "limit": 998}

    # per strategy and kind: how many of our records equal the seed's (reported on failure)
    matched: collections.Counter[tuple[str, str]] = collections.Counter()
    total: collections.Counter[tuple[str, str]] = collections.Counter()
    first_diff = None
    for i, line in enumerate(exp):
        r = json.loads(line)
        key = (r["strategy"], r["kind"])
        total[key] += 1
        if i < len(lines) and lines[i] == line:
            matched[key] += 1
        elif first_diff is None:
            first_diff = (i, line, lines[i] if i < len(lines) else None)
    assert len(lines) == len(exp), first_diff
    assert matched == total, (first_diff, {k: (matched[k], n) for k, n in total.items() if matched[k] != n})

    # the summary's per-strategy outcome, from our entries
    by_strategy: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for e in emu.entries:
        by_strategy[e.strategy][e.result] += 1
    for strategy, s in entry_reference.summary["perStrategy"].items():
        got = by_strategy[strategy]
        assert (got["won"], got["lost"], got["active"]) == (s["won"], s["lost"], s["active"]), strategy
    assert len(emu.entries) == entry_reference.summary["entriesTotal"]


def test_flag_snapshots_and_events(candle_rows: list[list[float]], entry_reference: EntryReference) -> None:
    """Every entry carries a JSON-safe flag snapshot of its ticker at opening; the open/close events
    are copies that later price updates do not change."""
    emu, _ = replay_reference_signals(candle_rows[:3000], entry_reference)
    events = emu.drain_events()
    opened = [ev.entry for ev in events if isinstance(ev, EntryOpened)]
    closed = [ev.entry for ev in events if isinstance(ev, EntryClosed)]
    assert opened and closed
    assert all(e.result == "active" for e in opened)
    assert all(e.result in ("won", "lost") for e in closed)
    for e in opened:
        assert e.flags is not None and "atr14" in e.flags and "is_live" in e.flags
        json.dumps(e.flags, allow_nan=False)
    limit_opened = [e for e in opened if e.opened_in == "price_update"]
    assert limit_opened and all(e.is_limit and e.opened_at > e.time for e in limit_opened)
    assert emu.drain_events() == []
