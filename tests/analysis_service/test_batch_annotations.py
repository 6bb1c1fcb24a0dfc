"""Every analyzer, strategies included, with chart annotations on: a batch history replay ends
with the same chart (every ticker's annotations), the same entries and the same flags as the
candle-by-candle engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analysis_service.engine import Engine, Sequencer, SymbolInfo
from analysis_service.entries.emulator import EntryEmulator
from analysis_service.entries.snapshot import json_snapshot

BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")
ROWS = Path(__file__).resolve().parent.parent / "fixtures" / "btcusdt-1m-synthetic.json"


def _run(rows: list[list[float]], batch: bool) -> tuple[Engine, EntryEmulator]:
    engine = Engine([BTC], ["1m", "5m", "1h", "4h"], annotate=True, batch=batch)
    emu = EntryEmulator.attach(engine, flags_snapshot=True)
    Sequencer(engine).run_rows({"BTCUSDT": rows})
    assert engine.errors == []
    return engine, emu


def test_batch_history_draws_the_same_final_chart_as_candle_by_candle() -> None:
    rows = json.loads(ROWS.read_text())[: 6 * 1440]
    (e0, m0), (e1, m1) = _run(rows, batch=False), _run(rows, batch=True)
    assert e1.ticker("BTCUSDT", "1m").plan is None  # the incremental tail ran
    for tid, t in e0.tickers.items():
        got: dict[int, Any] = e1.tickers[tid].debug.get()
        exp: dict[int, Any] = t.debug.get()
        assert got, tid
        assert repr(got) == repr(exp), tid
        assert json_snapshot(e1.tickers[tid].flags) == json_snapshot(t.flags), tid
    assert len(m0.entries) > 50
    assert [(e.id, e.result, e.close_time, e.tags, e.flags) for e in m1.entries] == [
        (e.id, e.result, e.close_time, e.tags, e.flags) for e in m0.entries
    ]
