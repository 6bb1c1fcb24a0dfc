"""Bracket placement round trip: PlaceBracketOrder through gRPC to broker_service, which places the
market entry, the stop and the take at exchange_sim (real python-binance, SQLite WAL writes).

    .venv/bin/python bench/broker_bracket.py [--n 1000] [--synchronous FULL|NORMAL|both]

``synchronous`` is broker_service's store setting (PARAYOK_BROKER_DB_SYNCHRONOUS): FULL (the default)
fsyncs the WAL — the placement's record in a worker thread, awaited before the entry is sent; the later
steps and stream updates by a group fsync off the event loop; NORMAL survives a killed process but not a
power cut.
``both`` (the default here) runs one after the other and prints both.

exchange_sim and broker_service run as separate processes (``python -m …``); this process is the gRPC
client. Each placement is timed alone; between placements the position is closed (not timed), since
a symbol side holds one bracket at a time. Prints p50/p90/p99/max in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exchange_sim.testing import running_sim  # noqa: E402
from parayok.bootstrap import wait_serving  # noqa: E402
from parayok.v1 import broker_pb2, broker_pb2_grpc, common_pb2  # noqa: E402
from tests.conftest import free_port  # noqa: E402


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--synchronous", default="both", choices=["FULL", "NORMAL", "both"])
    args = ap.parse_args()
    for sync in ["NORMAL", "FULL"] if args.synchronous == "both" else [args.synchronous]:
        await run(args.n, sync)


async def run(n: int, synchronous: str) -> None:
    async with running_sim(mode="subprocess", hedge=True, symbols=["BTCUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        # the bench sends more orders than Binance's default per-10 s budget allows
        await sim.admin.limits(orders_10s=100_000, orders_1m=100_000, weight_1m=1_000_000)
        with tempfile.TemporaryDirectory() as tmp:
            addr = f"127.0.0.1:{free_port()}"
            env = {k: v for k, v in os.environ.items() if not k.startswith("PARAYOK_")}
            env.update(
                {
                    "PYTHONPATH": str(ROOT),
                    "PARAYOK_DATA_DIR": tmp,
                    "PARAYOK_BROKER_ADDR": addr,
                    "PARAYOK_BROKER_KIND": "sim",
                    "PARAYOK_BROKER_ACCOUNT_ID": "sim",
                    "PARAYOK_SIM_URL": sim.base_url,
                    "PARAYOK_BINANCE_API_KEY": sim.api_key,
                    "PARAYOK_BINANCE_API_SECRET": sim.api_secret,
                    "PARAYOK_BROKER_SYMBOLS": "BTCUSDT",
                    "PARAYOK_BROKER_DB_SYNCHRONOUS": synchronous,
                    "PARAYOK_LOG_LEVEL": "WARNING",
                }
            )
            proc = subprocess.Popen([sys.executable, "-m", "broker_service"], env=env)
            try:
                await wait_serving(addr, timeout=60)
                async with grpc.aio.insecure_channel(addr) as ch:
                    stub = broker_pb2_grpc.BrokerServiceStub(ch)
                    for _ in range(600):  # bounded: the account connects within a minute
                        a = await stub.GetAccount(broker_pb2.GetAccountRequest(account_id="sim"))
                        if a.connected:
                            break
                        await asyncio.sleep(0.1)
                    times = []
                    for i in range(n + 20):
                        req = broker_pb2.PlaceBracketOrderRequest(
                            account_id="sim",
                            symbol="BTCUSDT",
                            side=common_pb2.SIDE_BUY,
                            quantity=0.01,
                            stop_loss=49000,
                            take_profit=51000,
                            client_order_id=f"bench-{i}",
                        )
                        t0 = time.perf_counter()
                        b = await stub.PlaceBracketOrder(req)
                        dt = (time.perf_counter() - t0) * 1000
                        assert b.state == broker_pb2.BRACKET_STATE_OPEN, b
                        if i >= 20:  # warm-up excluded
                            times.append(dt)
                        await stub.ClosePosition(
                            broker_pb2.ClosePositionRequest(
                                account_id="sim", symbol="BTCUSDT", position_side=broker_pb2.POSITION_SIDE_LONG
                            )
                        )
            finally:
                proc.terminate()
                proc.wait(15)
    times.sort()
    q = statistics.quantiles(times, n=100)
    print(
        f"bracket round trip over {len(times)} brackets (gRPC → broker_service → exchange_sim, "
        f"SQLite synchronous={synchronous}):"
    )
    print(
        f"  p50 {statistics.median(times):.2f} ms   p90 {q[89]:.2f} ms   p99 {q[98]:.2f} ms   "
        f"max {times[-1]:.2f} ms   (target p50 <= 10 ms)"
    )
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    asyncio.run(main())
