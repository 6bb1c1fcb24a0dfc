"""History replay throughput of the analysis engine, on PERF.md's input.

Input: tests/fixtures/btcusdt-1m-synthetic.json repeated 3× (60,480 1m candles; timeframes
1m, 5m, 1h, 4h → 73,836 candles processed), BTCUSDT, tick 0.1, one process; then the same
series repeated 25× (504,000 1m candles, 617,000+ candles processed) to show the rate holds.

Figure = candles processed across all timeframes / seconds of `Sequencer.run` (the 1m→TF
aggregation is outside, as in the seed's bench; the batch precomputation is inside). Each
configuration runs `--runs` times; the median is printed, as wall time and as this
process's CPU time (the machine is shared: CPU time is the steadier of the two). The
one-off numba load/compile time of the first batch in a process is measured apart.

Configurations:
  indicators       the 41 non-strategy analyzers, annotations off, batch mode (default)
  indicators-incr  the same, candle by candle (batch off): the previous engine
  all              every registered analyzer (strategies too, when present), entries
                   emulated with flag snapshots when analysis_service.entries exists
  all-annotated    `all` with chart annotations on (PERF.md's target configuration)
  example          the seed's example set (bench/pipeline_replay.py's EXAMPLE_SET, 24 analyzers with
                   their dependencies), entries with flag snapshots, annotations off
  example-annotated  `example` with chart annotations on (PERF.md's seed figure: 12,200)

    .venv/bin/python bench/replay.py [--runs 3] [--long-repeat 25] [--only indicators,all]
        [--seed-tool /path/to/seed_js]   # also time the seed's JS here (node run_seed.js --bench)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from replay_engine import BTC, CANDLES, TIMEFRAMES, load_rows  # the sibling script: same input, one loader

from analysis_service.engine import Engine, Sequencer
from analysis_service.engine.registry import STRATEGY_NAMES, default_registry
from analysis_service.engine.sequencer import aggregate

ROOT = Path(__file__).resolve().parent.parent

# PERF.md: the seed (paraserver c756688, Node 20), fixture ×3, 1m/5m/1h/4h, "a machine like yours"
SEED_PERF_MD = {
    "all 51, annotations on, flag snapshots on (as shipped)": 4_800,
    "all 51, annotations off": 43_200,
    "all 51, annotations off, flag snapshots off": 58_700,
    "example set (24), annotations on": 12_200,
}
GOAL = 120_000
# the seed's example strategies (paraserver's debugStrategies), as bench/pipeline_replay.py lists them
EXAMPLE_SET = ["macdf", "hl_trend", "emac9", "emac21", "emac50", "emac100", "emac200", "magnets", "volrev", "ttcwoff"]


def _attach_entries(engine: Engine) -> bool:
    try:
        from analysis_service.entries.emulator import EntryEmulator
    except ImportError:
        return False
    EntryEmulator.attach(engine, flags_snapshot=True)
    return True


CONFIGS: dict[str, dict[str, Any]] = {
    "indicators": {"strategies": False, "annotate": False, "batch": True, "entries": False},
    "indicators-incr": {"strategies": False, "annotate": False, "batch": False, "entries": False},
    "all": {"strategies": True, "annotate": False, "batch": True, "entries": True},
    "all-annotated": {"strategies": True, "annotate": True, "batch": True, "entries": True},
    "example": {"names": EXAMPLE_SET, "annotate": False, "batch": True, "entries": True},
    "example-annotated": {"names": EXAMPLE_SET, "annotate": True, "batch": True, "entries": True},
}


def run_once(series: dict[str, dict[str, list[Any]]], cfg: dict[str, Any]) -> dict[str, Any]:
    names = cfg.get("names") or default_registry().names()
    if not cfg.get("strategies", True):
        names = [n for n in names if n not in STRATEGY_NAMES]
    engine = Engine([BTC], TIMEFRAMES, names, annotate=cfg["annotate"], batch=cfg["batch"])
    entries = cfg["entries"] and _attach_entries(engine)
    t0 = time.perf_counter()
    c0 = time.process_time()
    n = Sequencer(engine).run(series)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    assert not engine.errors, engine.errors[:1]
    box = len(engine.ticker("BTCUSDT", "1m").box)
    return {"candles": n, "wall": wall, "cpu": cpu, "box": box, "entries": entries}


def bench(series: dict[str, dict[str, list[Any]]], name: str, runs: int) -> dict[str, Any]:
    res = [run_once(series, CONFIGS[name]) for _ in range(runs)]
    n = res[0]["candles"]
    wall = [n / r["wall"] for r in res]
    cpu = [n / r["cpu"] for r in res]
    return {
        "config": name,
        "candles": n,
        "analyzers_per_box": res[0]["box"],
        "entries_emulated": res[0]["entries"],
        "wall_runs": [round(x) for x in wall],
        "median_candles_per_sec_wall": round(statistics.median(wall)),
        "median_candles_per_sec_cpu": round(statistics.median(cpu)),
    }


def warm_up() -> float:
    """First batch in a process: numba loads its cached machine code (or compiles it)."""
    t0 = time.perf_counter()
    rows = load_rows(1)[:3000]
    series = {"BTCUSDT": {tf: aggregate(rows, "BTCUSDT", tf) for tf in TIMEFRAMES}}
    run_once(series, CONFIGS["indicators"])
    return time.perf_counter() - t0


def seed_bench(tool: Path, runs: int, exclude_strategies: bool) -> dict[str, Any]:
    args = [
        "node", str(tool / "run_seed.js"), str(CANDLES), "--bench", "--repeat", "3", "--tf", ",".join(TIMEFRAMES),
        "--strategies", "all", "--symbol", "BTCUSDT", "--tick-size", "0.1", "--price-precision", "1",
        "--qty-precision", "3", "--min-qty", "0.001", "--no-candle-debug",
    ]  # fmt: skip
    if exclude_strategies:
        args += ["--exclude", ",".join(STRATEGY_NAMES)]
    rates = []
    for _ in range(runs):
        out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=600).stdout
        rates.append(json.loads(out.strip().splitlines()[-1])["candlesPerSec"])
    label = "seed JS, 41 indicators" if exclude_strategies else "seed JS, all 51"
    return {
        "config": label + ", annotations off",
        "runs": rates,
        "median_candles_per_sec_wall": statistics.median(rates),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--long-repeat", type=int, default=25, help="0 skips the long series")
    ap.add_argument("--only", default="indicators,indicators-incr,all,all-annotated")
    ap.add_argument("--long-only", default="indicators,all")
    ap.add_argument("--seed-tool", type=Path, default=None)
    args = ap.parse_args()
    print(json.dumps({"load_avg": os.getloadavg(), "cpus": os.cpu_count()}))
    print(json.dumps({"numba_first_batch_sec": round(warm_up(), 3)}))
    for label, rate in SEED_PERF_MD.items():
        print(json.dumps({"seed_per_PERF_md": label, "candles_per_sec": rate}))
    print(json.dumps({"goal_per_PERF_md": GOAL}))
    rows = load_rows(args.repeat)
    series = {"BTCUSDT": {tf: aggregate(rows, "BTCUSDT", tf) for tf in TIMEFRAMES}}
    for name in args.only.split(","):
        print(json.dumps({"input": f"fixture x{args.repeat}", **bench(series, name, args.runs)}))
    if args.seed_tool is not None:
        for excl in (True, False):
            print(json.dumps({"input": f"fixture x{args.repeat}", **seed_bench(args.seed_tool, args.runs, excl)}))
    if args.long_repeat:
        rows = load_rows(args.long_repeat)
        series = {"BTCUSDT": {tf: aggregate(rows, "BTCUSDT", tf) for tf in TIMEFRAMES}}
        for name in args.long_only.split(","):
            print(
                json.dumps({"input": f"fixture x{args.long_repeat} ({len(rows)} 1m)", **bench(series, name, args.runs)})
            )
    print(json.dumps({"load_avg_end": os.getloadavg()}))


if __name__ == "__main__":
    main()
