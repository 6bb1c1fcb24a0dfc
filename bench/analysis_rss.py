"""Peak memory of the analysis engine for 50 symbols × 4 timeframes live, every analyzer and strategy on,
entries emulated: each ticker is fed 330 candles (a full 300-candle window plus some), the state a live
VM settles in.

    .venv/bin/python bench/analysis_rss.py [--symbols 50]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis_service.engine.candle import Candle
from analysis_service.engine.engine import Engine, SymbolInfo
from analysis_service.engine.timeframes import TF_LENGTH_MS
from analysis_service.entries.emulator import EntryEmulator


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--candles", type=int, default=330)
    args = parser.parse_args()
    before = rss_mb()
    symbols = ["BTCUSDT"] + [f"S{i:02d}USDT" for i in range(1, args.symbols)]
    tfs = ["4h", "1h", "5m", "1m"]
    engine = Engine([SymbolInfo(s, 0.01, 2, 3, "0.001") for s in symbols], tfs, None, annotate=False)
    EntryEmulator.attach(engine)
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    n = 0
    for k in range(args.candles):
        for s in symbols:
            for tf in tfs:
                length = TF_LENGTH_MS[tf]
                t = 1_767_571_200_000 - (args.candles - k) * length
                base = 100 + 10 * np.sin(k / 20) + rng.normal(0, 1)
                o, c = base + rng.normal(0, 0.5), base + rng.normal(0, 0.5)
                engine.process_candle(Candle(t, o, max(o, c) + rng.random(), min(o, c) - rng.random(), c,
                                             float(rng.random() * 100), t + length - 1, s, tf))
                n += 1
        engine.phase_end(0)
    took = time.perf_counter() - started
    print(f"{args.symbols} symbols × 4 timeframes, {args.candles} candles per ticker ({n:,} candles in {took:.1f} s): "
          f"peak RSS {rss_mb():.0f} MB (interpreter and imports before the engine: {before:.0f} MB)")


if __name__ == "__main__":
    main()
