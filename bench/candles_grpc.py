"""candle_service over gRPC, as separate processes: GetCandles of 1M stored 1m candles, StreamPulses
history replay of 10 symbols × 4 timeframes × 30 days, and import of one year of 1m candles.

    .venv/bin/python bench/candles_grpc.py [--runs 3]

The store is filled first (by this process, then closed: chDB allows one process per store), then
exchange_sim and candle_service start as subprocesses and a Python gRPC client measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from candle_service.candles import CandleColumns  # noqa: E402
from candle_service.importer import import_files  # noqa: E402
from candle_service.store import CandleStore, default_dsn  # noqa: E402
from parayok.bootstrap import wait_serving  # noqa: E402
from parayok.v1 import candles_pb2, candles_pb2_grpc, common_pb2  # noqa: E402
from tests.conftest import free_port  # noqa: E402

MIN = 60_000
END = 1_767_571_200_000  # 2026-01-05 00:00 UTC: the simulator's clock
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT", "DOGEUSDT", "ADAUSDT", "LTCUSDT", "LINKUSDT",
           "AVAXUSDT"]


def synthetic(symbol: str, n: int, end: int = END) -> CandleColumns:
    rng = np.random.default_rng(abs(hash(symbol)) % 2**32)
    ot = end - n * MIN + np.arange(n, dtype=np.int64) * MIN
    close = 100 + np.cumsum(rng.normal(0, 0.1, n))
    return CandleColumns.from_arrays(symbol, "1m", {
        "open_time": ot, "close_time": ot + MIN - 1, "open": close + 0.01, "high": close + 0.2,
        "low": close - 0.2, "close": close, "volume": rng.random(n) * 10})


def fill_store(data: Path) -> None:
    store = CandleStore.open(default_dsn(data))
    store.insert(synthetic("BTCUSDT", 1_000_000))
    for s in SYMBOLS[1:]:
        store.insert(synthetic(s, 30 * 1440))
    for s in SYMBOLS:
        for tf in ("5m", "1h", "4h"):
            store.derive(s, tf, start=END - 30 * 86_400_000, end=END)
    store.close()


def bench_import(tmp: Path) -> float:
    cols = synthetic("BTCUSDT", 525_600)
    csv = tmp / "BTCUSDT-1m-2025.csv"
    rows = np.column_stack([cols.open_time, cols.open, cols.high, cols.low, cols.close, cols.volume,
                            cols.close_time, cols.quote_volume, cols.trades, cols.taker_buy_base,
                            cols.taker_buy_quote, np.zeros(len(cols))])
    np.savetxt(csv, rows, delimiter=",", fmt=["%d", "%.8f", "%.8f", "%.8f", "%.8f", "%.8f", "%d", "%.8f", "%d",
                                               "%.8f", "%.8f", "%d"])
    store = CandleStore.open(default_dsn(tmp / "import-store"))
    try:
        started = time.perf_counter()
        result = import_files(store, [csv], "BTCUSDT", "1m")
        took = time.perf_counter() - started
        assert result.rows == 525_600
    finally:
        store.close()
    return took


async def get_candles(stub: candles_pb2_grpc.CandleServiceStub) -> tuple[int, float]:
    started = time.perf_counter()
    n = 0
    async for batch in stub.GetCandles(candles_pb2.GetCandlesRequest(
            symbol="BTCUSDT", timeframe=common_pb2.TIMEFRAME_1M, from_ms=END - 1_000_000 * MIN, to_ms=END)):
        n += len(batch.open_time)
    return n, time.perf_counter() - started


async def stream_pulses(stub: candles_pb2_grpc.CandleServiceStub) -> tuple[int, float]:
    started = time.perf_counter()
    n = 0
    request = candles_pb2.StreamPulsesRequest(
        symbols=SYMBOLS, timeframes=[common_pb2.TIMEFRAME_1M, common_pb2.TIMEFRAME_5M, common_pb2.TIMEFRAME_1H,
                                     common_pb2.TIMEFRAME_4H],
        from_ms=END - 30 * 86_400_000, to_ms=END)
    async for event in stub.StreamPulses(request):
        if event.HasField("pulses"):
            n += len(event.pulses.open_time)
    return n, time.perf_counter() - started


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        imports = [bench_import(tmp) for _ in range(args.runs)]
        print(f"import 525,600 1m rows (CSV → chDB): median {statistics.median(imports):.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in imports)})")
        figure("import one year of 1m candles (525,600 rows, CSV → chDB)", round(statistics.median(imports), 2), "s",
               "≤ 3 s")
        fill_store(tmp / "data")
        sim_port, addr = free_port(), f"127.0.0.1:{free_port()}"
        env = dict(os.environ, PARAYOK_DATA_DIR=str(tmp / "data"), PARAYOK_CLICKHOUSE_DSN=default_dsn(tmp / "data"),
                   PARAYOK_MARKET="sim", PARAYOK_SIM_URL=f"http://127.0.0.1:{sim_port}", PARAYOK_CANDLE_ADDR=addr,
                   PARAYOK_LOG_LEVEL="WARNING")
        sim = subprocess.Popen([sys.executable, "-m", "exchange_sim", "--port", str(sim_port), "--speed", "0",
                                "--start", str(END)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        svc = subprocess.Popen([sys.executable, "-m", "candle_service"], env=env, cwd=ROOT)
        try:
            await wait_serving(addr, timeout=60)
            async with grpc.aio.insecure_channel(addr, options=[("grpc.max_receive_message_length", 64 << 20)]) as ch:
                stub = candles_pb2_grpc.CandleServiceStub(ch)
                await get_candles(stub)  # warm-up: symbol info, first connection
                rates = []
                for _ in range(args.runs):
                    n, took = await get_candles(stub)
                    rates.append(n / took)
                print(f"GetCandles {n:,} 1m candles: median {statistics.median(rates) / 1e6:.2f}M candles/s "
                      f"(runs: {', '.join(f'{r / 1e6:.2f}M' for r in rates)}; target ≥ 1.5M)")
                figure(f"GetCandles, {n:,} stored 1m candles to a Python gRPC client",
                       round(statistics.median(rates) / 1e6, 2), "M candles/s", "≥ 1.5M")
                rates = []
                for _ in range(args.runs):
                    n, took = await stream_pulses(stub)
                    rates.append(n / took)
                print(f"StreamPulses 10 symbols × 4 TF × 30 days = {n:,} candles: median "
                      f"{statistics.median(rates) / 1e3:.0f}k candles/s "
                      f"(runs: {', '.join(f'{r / 1e3:.0f}k' for r in rates)}; target ≥ 500k)")
                figure(f"StreamPulses history, 10 symbols × 4 TF × 30 days ({n:,} candles)",
                       round(statistics.median(rates) / 1e3), "k candles/s", "≥ 500k")
        finally:
            for p in (svc, sim):
                p.send_signal(signal.SIGTERM)
                p.wait(20)


def figure(what: str, value: float, unit: str, target: str) -> None:
    """The line bench/__main__.py reads into its table."""
    print("FIGURE " + json.dumps({"what": what, "value": value, "unit": unit, "target": target}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
