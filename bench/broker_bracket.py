"""Bracket placement round trip: PlaceBracketOrder through gRPC to broker_service, which places the
market entry, the stop and the take at exchange_sim (real python-binance, SQLite WAL writes).

    .venv/bin/python bench/broker_bracket.py [--n 1000] [--synchronous FULL|NORMAL|both] [--restart-slack-ms 0]

``synchronous`` is broker_service's store setting (PARAYOK_BROKER_DB_SYNCHRONOUS): NORMAL (the default)
never fsyncs — a commit survives a killed process, and a bracket whose record a power cut lost is looked
up at the exchange when it is resent; FULL also fsyncs the WAL — the placement's record in a worker
thread, awaited before the entry is sent; the later steps and stream updates by a group fsync off the
event loop.
``both`` (the default here) runs one after the other and prints both.

Each request carries ``first_sent_ms`` = the time it was built, as order_service sends it. A bracket the
broker has no record of is looked up at the exchange first while ``first_sent_ms`` < the broker's start +
PARAYOK_BROKER_RESTART_SLACK_MS (default 60 s: every placement of a broker's first minute). The bench
measures the steady state after that window, so it sets the slack to ``--restart-slack-ms`` (0 here);
``--restart-slack-ms 600000`` measures the first-minute path (one GET of the entry before it is sent).

exchange_sim and broker_service run as separate processes (``python -m …``); this process is the gRPC
client. Each placement is timed alone; between placements the position is closed (not timed), since
a symbol side holds one bracket at a time. Prints p50/p90/p99/max in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
    ap.add_argument("--restart-slack-ms", type=int, default=0)
    args = ap.parse_args()
    for sync in ["NORMAL", "FULL"] if args.synchronous == "both" else [args.synchronous]:
        await run(args.n, sync, args.restart_slack_ms)


def figure(what: str, value: float, unit: str, target: str = "", **extra: object) -> None:
    """The machine-readable line bench/__main__.py collects into its table (as bench/live_latency.py prints)."""
    print("FIGURE " + json.dumps({"what": what, "value": value, "unit": unit, "target": target, **extra}), flush=True)


async def run(n: int, synchronous: str, restart_slack_ms: int) -> None:
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
                    "PARAYOK_BROKER_RESTART_SLACK_MS": str(restart_slack_ms),
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
                            first_sent_ms=int(time.time() * 1000),
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
    mode = f"synchronous={synchronous}{' (default)' if synchronous == 'NORMAL' else ''}"
    if restart_slack_ms:
        mode += f", restart slack {restart_slack_ms} ms"
    what = "bracket round trip gRPC → broker_service → exchange_sim"
    load = round(os.getloadavg()[0], 2)
    target = "≤ 10 ms" if synchronous == "NORMAL" else ""
    figure(f"{what} p50, {mode}", round(statistics.median(times), 2), "ms", target, brackets=len(times), load_1m=load)
    figure(f"{what} p99, {mode}", round(q[98], 2), "ms", brackets=len(times), load_1m=load)


if __name__ == "__main__":
    asyncio.run(main())
