"""Candle store and pulse-merge figures: ``python bench/candle_store.py [--runs 3] [--dsn DSN]``.

Prints the median of ``--runs`` runs of:
* insert of one year of 1m candles (525,600 rows) through ``CandleStore.insert`` (target ≤ 3 s);
* read of 1,000,000 stored 1m candles into numpy via ``CandleStore.read`` (target ≥ 1.5M rows/s);
* ``merge_pulses`` over 10 symbols × (1m, 5m, 1h, 4h) × 30 days (target ≥ 500k candles/s).
Uses a fresh chDB directory in a temp folder unless ``--dsn`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np

from candle_service.candles import CandleColumns
from candle_service.pulses import merge_pulses
from candle_service.store import CandleStore, default_dsn
from candle_service.timeframes import MINUTE_MS, aggregate

T0 = 1_704_067_200_000  # 2024-01-01 UTC


def minutes(symbol: str, n: int, seed: int) -> CandleColumns:
    rng = np.random.default_rng(seed)
    ot = T0 + np.arange(n, dtype=np.int64) * MINUTE_MS
    close = 100 + np.cumsum(rng.normal(0, 0.1, n))
    vol = rng.random(n) * 10
    return CandleColumns(
        symbol, "1m", open_time=ot, close_time=ot + MINUTE_MS - 1, open=close + rng.normal(0, 0.05, n),
        high=close + 0.2, low=close - 0.2, close=close, volume=vol, quote_volume=vol * close,
        trades=rng.integers(0, 500, n), taker_buy_base=vol / 2, taker_buy_quote=vol * close / 2,
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dsn", default=None)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="candle-bench-")
    store = CandleStore.open(args.dsn or default_dsn(tmp))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}; store {args.dsn or 'chdb (temp dir)'}")  # fmt: skip

    year = 525_600
    times = []
    for r in range(args.runs):
        cols = minutes(f"BENCH{r}INS", year, r)
        t = time.perf_counter()
        store.insert(cols)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(f"insert {year:,} 1m rows: median {med:.3f} s ({year / med:,.0f} rows/s)  runs {_fmt(times)}")
    _figure(f"CandleStore.insert of {year:,} 1m rows", round(med, 3), "s", "≤ 3 s")

    n = 1_000_000
    store.insert(minutes("BENCHREAD", n, 99))
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        got = store.read("BENCHREAD", "1m")
        times.append(time.perf_counter() - t)
        assert len(got) == n
    med = statistics.median(times)
    print(f"read {n:,} 1m rows into numpy: median {med:.3f} s ({n / med:,.0f} rows/s)  runs {_fmt(times)}")
    _figure(f"CandleStore.read of {n:,} 1m rows into numpy", round(n / med / 1e6, 2), "M rows/s", "≥ 1.5M")
    store.close()

    symbols = [f"S{i}USDT" for i in range(10)]
    tfs = ["1m", "5m", "1h", "4h"]
    columns = {}
    for i, s in enumerate(symbols):
        m = minutes(s, 30 * 1440, i)
        for tf in tfs:
            columns[(s, tf)] = m if tf == "1m" else aggregate(m, tf)
    total = sum(len(c) for c in columns.values())
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        seq = merge_pulses(symbols, tfs, columns)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(f"merge_pulses 10 symbols x 4 TF x 30 days ({len(seq):,} of {total:,} candles): median {med:.3f} s "
          f"({len(seq) / med:,.0f} candles/s)  runs {_fmt(times)}")  # fmt: skip
    _figure("merge_pulses, 10 symbols × 4 TF × 30 days", round(len(seq) / med / 1e3), "k candles/s", "≥ 500k")


def _figure(what: str, value: float, unit: str, target: str) -> None:
    """The line bench/__main__.py reads into its table."""
    print("FIGURE " + json.dumps({"what": what, "value": value, "unit": unit, "target": target}), flush=True)


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


if __name__ == "__main__":
    main()
