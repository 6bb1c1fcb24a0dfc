"""Replay throughput of the analysis engine, the 41 indicators only (bench/replay.py has
every configuration, strategies and entries included).

Input: tests/fixtures/btcusdt-1m-synthetic.json repeated N× (default 3: 60,480 1m
candles; timeframes 1m, 5m, 1h, 4h → 73,836 candles processed), BTCUSDT, tick 0.1.
Prints candles processed across all timeframes / wall seconds of the replay
(aggregation excluded, as in the seed's bench), median of --runs runs.

    .venv/bin/python bench/replay_engine.py [--repeat 3] [--runs 3] [--no-annotations] [--incremental]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from analysis_service.engine import Engine, Sequencer, SymbolInfo
from analysis_service.engine.registry import STRATEGY_NAMES, default_registry
from analysis_service.engine.sequencer import aggregate

ROOT = Path(__file__).resolve().parent.parent
CANDLES = ROOT / "tests" / "fixtures" / "btcusdt-1m-synthetic.json"
TIMEFRAMES = ["1m", "5m", "1h", "4h"]
BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")


def load_rows(repeat: int) -> list[list[float]]:
    rows: list[list[float]] = json.loads(CANDLES.read_text())
    span = rows[-1][0] - rows[0][0] + 60_000
    out: list[list[float]] = []
    for k in range(repeat):
        out.extend([[r[0] + k * span, *r[1:]] for r in rows])
    return out


def run_once(rows: list[list[float]], annotate: bool, batch: bool = True) -> tuple[int, float]:
    series = {"BTCUSDT": {tf: aggregate(rows, "BTCUSDT", tf) for tf in TIMEFRAMES}}
    names = [n for n in default_registry().names() if n not in STRATEGY_NAMES]
    engine = Engine([BTC], TIMEFRAMES, names, annotate=annotate, batch=batch)
    t0 = time.perf_counter()
    n = Sequencer(engine).run(series)
    dt = time.perf_counter() - t0
    assert not engine.errors, engine.errors[:1]
    return n, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-annotations", action="store_true")
    ap.add_argument("--incremental", action="store_true", help="batch mode off (candle by candle)")
    args = ap.parse_args()
    rows = load_rows(args.repeat)
    rates = []
    n = 0
    for _ in range(args.runs):
        n, dt = run_once(rows, not args.no_annotations, not args.incremental)
        rates.append(n / dt)
    print(
        json.dumps(
            {
                "candles": n,
                "repeat": args.repeat,
                "annotations": not args.no_annotations,
                "batch": not args.incremental,
                "runs": [round(r) for r in rates],
                "median_candles_per_sec": round(statistics.median(rates)),
            }
        )
    )


if __name__ == "__main__":
    main()
