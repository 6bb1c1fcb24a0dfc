"""History replay through the services: AnalysisService.Run fed by candle_service over gRPC, as
separate processes (exchange_sim → candle_service → analysis_service → this client), one VM of one
symbol on 1m/5m/1h/4h. Figure = candles processed (all timeframes) / seconds of the Run call, for the
indicators alone and for every analyzer and strategy with entries emulated.

    .venv/bin/python bench/replay_run.py [--days 30] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis_service.engine.registry import STRATEGY_NAMES, default_registry  # noqa: E402
from parayok.bootstrap import wait_serving  # noqa: E402
from parayok.v1 import analysis_pb2, analysis_pb2_grpc, common_pb2  # noqa: E402
from tests.conftest import free_port  # noqa: E402

END = 1_767_571_200_000  # 2026-01-05 00:00 UTC
TFS = [common_pb2.TIMEFRAME_1M, common_pb2.TIMEFRAME_5M, common_pb2.TIMEFRAME_1H, common_pb2.TIMEFRAME_4H]


async def one_run(stub: analysis_pb2_grpc.AnalysisServiceStub, days: int, analyzers: list[str],
                  vm: str) -> tuple[int, float, int]:
    minutes = days * 1440
    candles = minutes + minutes // 5 + minutes // 60 + minutes // 240
    entries = 0
    started = time.perf_counter()
    async for event in stub.Run(analysis_pb2.RunRequest(vm=analysis_pb2.VmAnalysisConfig(
            vm_id=vm, symbols=["BTCUSDT"], timeframes=TFS, analyzers=analyzers, from_ms=END - days * 86_400_000,
            to_ms=END))):
        if event.HasField("entry_opened"):
            entries += 1
    return candles, time.perf_counter() - started, entries


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sim_port = free_port()
        candle, analysis = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
        env = dict(os.environ, PARAYOK_DATA_DIR=tmp, PARAYOK_MARKET="sim", PARAYOK_SIM_URL=f"http://127.0.0.1:{sim_port}",
                   PARAYOK_CANDLE_ADDR=candle, PARAYOK_ANALYSIS_ADDR=analysis, PARAYOK_LOG_LEVEL="WARNING")
        procs = [subprocess.Popen([sys.executable, "-m", "exchange_sim", "--port", str(sim_port), "--speed", "0",
                                   "--start", str(END)], env=env, stderr=subprocess.DEVNULL),
                 subprocess.Popen([sys.executable, "-m", "candle_service"], env=env, cwd=ROOT),
                 subprocess.Popen([sys.executable, "-m", "analysis_service"], env=env, cwd=ROOT)]
        try:
            await wait_serving(candle, timeout=60)
            await wait_serving(analysis, timeout=60)
            indicators = [n for n in default_registry().names() if n not in STRATEGY_NAMES]
            async with grpc.aio.insecure_channel(analysis) as channel:
                stub = analysis_pb2_grpc.AnalysisServiceStub(channel)
                await one_run(stub, args.days, indicators, "warm-up")  # history download, numba load
                for label, analyzers in (("indicators", indicators), ("all analyzers + strategies + entries", [])):
                    rates, found = [], 0
                    for i in range(args.runs):
                        n, took, found = await one_run(stub, args.days, analyzers, f"{label}-{i}")
                        rates.append(n / took)
                    print(f"Run, 1 symbol × 1m/5m/1h/4h × {args.days} days ({n:,} candles), {label}: median "
                          f"{statistics.median(rates):,.0f} candles/s (runs: {', '.join(f'{r:,.0f}' for r in rates)};"
                          f" entries {found}; load {os.getloadavg()[0]:.1f})")
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
                p.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
