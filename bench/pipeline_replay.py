"""History replay through the whole pipeline: candle_service → analysis_service → order_service, as
separate processes under the supervisor, a VM with the seed's example analyzer set.

    .venv/bin/python bench/pipeline_replay.py [--days 42] [--runs 3] [--symbols BTCUSDT]

PERF.md's input shape: BTCUSDT on 1m, 5m, 1h, 4h; 42 days = 60,480 1m candles, 73,836 candles across the
timeframes. The VM lists the seed's example strategies (paraserver's ``debugStrategies``: macdf,
hl_trend, emac9/21/50/100/200, magnets, volrev, ttcwoff; with their dependencies 24 analyzers), no broker.
Figure = candles across all timeframes / seconds from ``CreateVm(start)`` until order_service reports the
VM ``LIVE`` (history done: every pulse analysed, every entry turned into an order and committed).

The first VM downloads the history from exchange_sim into candle_service's store (reported apart: that
is the exchange's pace, not the pipeline's); the next ``--runs`` VMs replay it from the store. exchange_sim's
clock stands still, so every run replays the same candles. The seed's example set does 12,200 candles/s
in its own engine with annotations on (PERF.md); VMs run by order_service keep no chart annotations.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_latency import TF_ENUM, TF_MS, Suite, figure, machine, wait_state

from parayok.v1 import orders_pb2, orders_pb2_grpc

EXAMPLE_SET = ["macdf", "hl_trend", "emac9", "emac21", "emac50", "emac100", "emac200", "magnets", "volrev", "ttcwoff"]
SEED_EXAMPLE_SET = 12_200  # PERF.md: the seed's example set, its own engine, annotations on
DAY_MS = 86_400_000


async def one_vm(orders: orders_pb2_grpc.OrderServiceStub, name: str, args: argparse.Namespace,
                 end: int) -> tuple[float, int, int]:
    """Seconds from CreateVm to LIVE, the VM's orders and entries."""
    started = time.perf_counter()
    vm = await orders.CreateVm(orders_pb2.CreateVmRequest(vm=orders_pb2.Vm(
        name=name, symbols=args.symbols.split(","), timeframes=[TF_ENUM[tf] for tf in args.timeframes.split(",")],
        analyzers=EXAMPLE_SET, history_from_ms=end - args.days * DAY_MS, broker_kind=orders_pb2.BROKER_KIND_NONE,
        plan=orders_pb2.Plan(start_sum=1000, stake_mode=orders_pb2.STAKE_MODE_FIXED, stake_fixed=10, leverage=20,
                             cost_buy_percent=0.0004, cost_sell_percent=0.0004)), start=True), timeout=60)
    await wait_state(orders, vm.id, args.timeout)
    took = time.perf_counter() - started
    listed = await orders.ListOrders(orders_pb2.ListOrdersRequest(vm_id=vm.id), timeout=30)
    entries = await orders.ListEntries(orders_pb2.ListEntriesRequest(vm_id=vm.id), timeout=30)
    await orders.StopVm(orders_pb2.VmRef(vm_id=vm.id), timeout=30)
    return took, listed.total, entries.total


async def run(args: argparse.Namespace) -> tuple[float, list[float], int, int, dict[str, float]]:
    # a frozen clock at a minute boundary: history = exactly `days` of every timeframe
    end = (int(time.time() * 1000) // DAY_MS) * DAY_MS
    async with Suite(("candle", "analysis", "order"), speed=0, sim_args=["--start", str(end)],
                     log_level=args.log_level) as suite, grpc.aio.insecure_channel(suite.addr("order")) as channel:
        orders = orders_pb2_grpc.OrderServiceStub(channel)
        cold, n_orders, n_entries = await one_vm(orders, "bench-replay-cold", args, end)
        print(f"first VM (history downloaded from exchange_sim into the store): {cold:.1f} s, "
              f"{n_entries:,} entries, {n_orders:,} orders", flush=True)
        warm = []
        for i in range(args.runs):
            took, n_orders, n_entries = await one_vm(orders, f"bench-replay-{i}", args, end)
            warm.append(took)
            print(f"VM {i + 1}: {took:.2f} s, {n_entries:,} entries, {n_orders:,} orders; {machine()}", flush=True)
        return cold, warm, n_entries, n_orders, suite.peak_rss_mb()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=42, help="history of each VM (42 days = PERF.md's input)")
    ap.add_argument("--runs", type=int, default=3, help="VMs replayed from the store (median reported)")
    ap.add_argument("--symbols", default="BTCUSDT")
    ap.add_argument("--timeframes", default="1m,5m,1h,4h")
    ap.add_argument("--timeout", type=float, default=900, help="seconds one VM may take to go live")
    ap.add_argument("--log-level", default="INFO", help="PARAYOK_LOG_LEVEL of the services (product default INFO)")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    cold, warm, n_entries, n_orders, rss = asyncio.run(run(args))
    n_symbols = len(args.symbols.split(","))
    candles = n_symbols * sum(args.days * DAY_MS // TF_MS[tf] for tf in args.timeframes.split(","))
    rates = [candles / t for t in warm]
    rate = statistics.median(rates)
    print(f"{args.symbols} × {args.timeframes} × {args.days} days = {candles:,} candles, seed example set "
          f"({len(EXAMPLE_SET)} strategies/indicators listed), {n_entries:,} entries, {n_orders:,} orders:")
    print(f"  from the store: median {rate:,.0f} candles/s (runs: {', '.join(f'{r:,.0f}' for r in rates)}); "
          f"first VM, history downloaded from exchange_sim too: {candles / cold:,.0f} candles/s")
    print("  peak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    print(f"  load average at the end: {os.getloadavg()[0]:.2f}")
    figure(f"history replay, full pipeline (candle → analysis → order services), seed example set, "
           f"{candles:,} candles", round(rate), "candles/s", f"> {SEED_EXAMPLE_SET:,} (seed example set)",
           runs=[round(r) for r in rates], load=os.getloadavg()[0])
    figure("same, first VM (history downloaded from exchange_sim)", round(candles / cold), "candles/s", "")


if __name__ == "__main__":
    main()
