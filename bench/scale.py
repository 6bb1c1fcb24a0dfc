"""Scale: 100 symbols × 4 timeframes live at an accelerated clock on this machine — does every pulse get
processed within the pulse interval, and how much memory does each service take?

    .venv/bin/python bench/scale.py [--symbols 100] [--timeframes 1m,5m,15m,1h] [--speed 60] [--seconds 120]
        [--history-days 1] [--analyzers example|all|name,name]

The whole suite runs under the supervisor (the six services and exchange_sim, which adds ``SYN001USDT``…
beside its ten symbols: ``--synthetic-symbols``). One VM of every symbol on the timeframes, no broker, the
seed's example analyzer set by default, first loads ``--history-days`` of history, then follows the market
live. At ``--speed 60`` (``make run MARKET=sim``'s default) a 1m pulse closes every wall second; the market
also pushes every symbol's unclosed kline every 250 ms, which candle_service turns into price ticks, as with
Binance.

Per live pulse (a closed 1m candle of every symbol): lag = the moment order_service has committed it (its
``last_pulse_ms``, polled every 20 ms) − the moment exchange_sim pushed the closed klines (this process
watches the same kline websocket). Also the lag of each entry (order_service's ``entry_opened`` event) behind
its candle's push. Pulses still unprocessed at the end count with their age. Then the CPU share and the
peak RSS (VmHWM) of every process of the suite.
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

from live_latency import SYMBOLS, TF_ENUM, SimWatch, Suite, figure, machine, pct, wait_state
from pipeline_replay import EXAMPLE_SET

from parayok.v1 import orders_pb2, orders_pb2_grpc

ALL_SERVICES = ("candle", "analysis", "order", "broker", "notify", "web")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def symbols_for(n: int) -> list[str]:
    return SYMBOLS[:n] + [f"SYN{i:03d}USDT" for i in range(1, n - len(SYMBOLS) + 1)]


async def run(args: argparse.Namespace) -> dict[str, object]:
    symbols = symbols_for(args.symbols)
    tfs = args.timeframes.split(",")
    analyzers = {"example": EXAMPLE_SET, "all": []}.get(args.analyzers, args.analyzers.split(","))
    synthetic = ["--synthetic-symbols", str(max(0, args.symbols - len(SYMBOLS)))]
    async with Suite(ALL_SERVICES, speed=args.speed, sim_args=synthetic, log_level=args.log_level) as suite, \
            SimWatch(suite.sim_url, symbols, ["1m"], user=False) as watch, \
            grpc.aio.insecure_channel(suite.addr("order")) as channel:
        orders = orders_pb2_grpc.OrderServiceStub(channel)
        entries: list[tuple[str, int, float]] = []  # (symbol, candle close, seen)

        async def follow() -> None:
            async for ev in orders.StreamEvents(orders_pb2.StreamEventsRequest()):
                if ev.HasField("entry_opened"):
                    entries.append((ev.entry_opened.symbol, ev.entry_opened.time_ms, time.perf_counter()))

        follower = asyncio.create_task(follow())
        try:
            started = time.perf_counter()
            vm = await orders.CreateVm(orders_pb2.CreateVmRequest(vm=orders_pb2.Vm(
                name="bench-scale", symbols=symbols, timeframes=[TF_ENUM[tf] for tf in tfs], analyzers=analyzers,
                history_days=args.history_days, broker_kind=orders_pb2.BROKER_KIND_NONE,
                plan=orders_pb2.Plan(start_sum=10_000, stake_mode=orders_pb2.STAKE_MODE_FIXED, stake_fixed=10,
                                     leverage=20)), start=True), timeout=60)
            await wait_state(orders, vm.id, args.timeout)
            live_at = time.perf_counter()
            history_s = live_at - started
            print(f"history loaded, VM live after {history_s:.1f} s; following the market for {args.seconds:g} s "
                  f"({machine()})", flush=True)
            pids = suite.pids()
            cpu0 = {n: cpu_seconds(p) for n, p in pids.items()}
            measure_from = live_at + args.warmup
            processed: dict[int, float] = {}
            end = live_at + args.warmup + args.seconds
            while time.perf_counter() < end:  # bounded: a fixed wall-clock window
                got = await orders.GetVm(orders_pb2.VmRef(vm_id=vm.id), timeout=10)
                now = time.perf_counter()
                for close in [c for c in watch.first_close if c <= got.last_pulse_ms and c not in processed]:
                    processed[close] = now
                await asyncio.sleep(0.02)
            wall = time.perf_counter() - live_at
            cpu = {n: (cpu_seconds(p) - cpu0.get(n, 0.0)) / wall * 100 for n, p in pids.items()}
            rss = suite.peak_rss_mb()
            restarts = suite.restarts()
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
    window = {c: t for c, t in watch.first_close.items() if measure_from <= t <= end}
    lags = [(processed[c] - t if c in processed else end - t) * 1000 for c, t in sorted(window.items())]
    behind = [c for c in window if c not in processed]
    entry_lags = [(seen - window[close]) * 1000 for _, close, seen in entries if close in window]
    return {"lags": lags, "behind": len(behind), "entry_lags": entry_lags, "history_s": history_s, "cpu": cpu,
            "rss": rss, "restarts": restarts, "symbols": symbols, "tfs": tfs}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--timeframes", default="1m,5m,15m,1h")
    ap.add_argument("--speed", type=float, default=60.0, help="exchange_sim clock: market minutes per wall minute")
    ap.add_argument("--seconds", type=float, default=120.0, help="wall seconds of live pulses measured")
    ap.add_argument("--warmup", type=float, default=10.0, help="live seconds not measured (catching up)")
    ap.add_argument("--history-days", type=int, default=1)
    ap.add_argument("--analyzers", default="example", help="example (the seed's set), all, or names")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds the history may take")
    ap.add_argument("--log-level", default="INFO", help="PARAYOK_LOG_LEVEL of the services (product default INFO)")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    res = asyncio.run(run(args))
    interval_ms = 60_000 / args.speed
    lags: list[float] = res["lags"]  # type: ignore[assignment]
    entry_lags: list[float] = res["entry_lags"]  # type: ignore[assignment]
    if not lags:
        raise SystemExit("no live pulse was pushed in the measured window")
    late = sum(1 for x in lags if x > interval_ms)
    print(f"{args.symbols} symbols × {args.timeframes}, {args.analyzers} analyzers, exchange_sim speed {args.speed:g} "
          f"(a 1m pulse every {interval_ms:.0f} ms); history of {args.history_days} day(s) loaded in "
          f"{res['history_s']:.1f} s")
    print(f"  {len(lags)} live pulses: lag closed kline pushed → pulse committed by order_service: "
          f"p50 {statistics.median(lags):.0f} ms  p90 {pct(lags, 0.9):.0f} ms  p99 {pct(lags, 0.99):.0f} ms  "
          f"max {max(lags):.0f} ms; {late} over the pulse interval, {res['behind']} not processed by the end")
    if len(lags) >= 8:
        q = len(lags) // 4
        print(f"  backlog trend: median lag first quarter {statistics.median(lags[:q]):.0f} ms, last quarter "
              f"{statistics.median(lags[-q:]):.0f} ms")
    if entry_lags:
        print(f"  {len(entry_lags)} entries: candle pushed → entry_opened at order_service: "
              f"p50 {statistics.median(entry_lags):.0f} ms  p99 {pct(entry_lags, 0.99):.0f} ms")
    cpu: dict[str, float] = res["cpu"]  # type: ignore[assignment]
    rss: dict[str, float] = res["rss"]  # type: ignore[assignment]
    print("  CPU while live (% of one core): " + ", ".join(f"{k} {v:.0f} %" for k, v in cpu.items()))
    print("  peak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    if res["restarts"]:
        print(f"  restarted by the supervisor: {res['restarts']}")
    print(f"  {machine()}")
    shape = f"{args.symbols} symbols × {len(res['tfs'])} TF live at {args.speed:g}×"  # type: ignore[arg-type]
    figure(f"scale: {shape}, pulse lag p99 (closed kline → committed by order_service)", round(pct(lags, 0.99)),
           "ms", f"< pulse interval ({interval_ms:.0f} ms)", pulses=len(lags), late=late,
           behind=res["behind"], load=os.getloadavg()[0])
    for name, mb in rss.items():
        figure(f"scale: {shape}, peak RSS {name}", round(mb), "MB", "")


if __name__ == "__main__":
    main()
