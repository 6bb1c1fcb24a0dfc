"""Live latency, 4 hops: a candle closed by exchange_sim → the bracket's market entry received by exchange_sim.

    .venv/bin/python bench/live_latency.py [--pulses 1000] [--symbols 4] [--gap-ms 150] [--warmup 20] [--hop candle]
        [--observe] [--env PARAYOK_NAME=VALUE ...]

The whole pipeline runs as real processes under the supervisor (parayok.supervisor, as ``make run
MARKET=sim``): exchange_sim, candle_service, analysis_service, order_service and broker_service (account
``sim`` in hedge mode). One VM on 1m candles, live trading on, runs the benchmark strategy of
bench/analyzers/every_candle.py (``PARAYOK_ANALYZERS_DIR``): one market entry per pulse, on the symbols in
turn, sides alternating, stop and take 0.05 % away — so every pulse becomes a bracket at exchange_sim.

exchange_sim's clock is stepped by this process (its admin ``/_sim/clock``): one market minute closes one
1m candle, then the market stands still; the next step comes ``--gap-ms`` after this pulse's bracket reached
exchange_sim (or failed). A minute is stepped in two moves (``--within-s``, default 45 s, then the rest): the
first moves the price through the candle's extremes, where the open brackets' stops and takes fill, as they
do at any moment of a real minute; the second closes the candle. Whole-minute steps (``--within-s 0``) make
every fill coincide with the candle close — a worst case a real market meets only by chance.
So every pulse meets an idle pipeline, as a live pulse does a minute after the
last one, and a slow pulse cannot queue the next ones behind it (stepping at a fixed rate faster than the
pipeline measures its backlog instead). On a running accelerated clock the closed kline would be pushed up
to one push interval (250 ms wall, a whole market minute at 240×) after its close, and by the time a
bracket arrived the price would have left a tight stop/take behind (broker_service rightly refuses it). The
next steps' price path reaches the stop or take, which frees the symbol side before its next turn.

The figure is taken on exchange_sim's own clock (its ``/_sim/stamps``, exchange_sim/stamps.py): from the
first write of the closed kline to a subscriber's socket to the arrival of the bracket's entry order — the
interval the trading system is answerable for. This process follows order_service's StreamEvents, as
web_bridge does: ``order_created`` splits the path into exchange_sim → candle_service → analysis_service →
order_service (commit) and order_service → broker_service → exchange_sim (this process's own wake-up delay
falls in the split, not in the figure), and a bracket's OPEN or FAILED paces the steps. With ``--observe``
it also watches exchange_sim's kline and user-data sockets, as any client can, and prints that view beside
the figure: it adds this process's delivery and wake-up delays at both ends, and this process's load.

``--hop candle`` measures the first hop alone: exchange_sim and candle_service only, this process
consuming ``StreamPulses`` live for the same symbols (closed kline pushed → the pulse received here).

Prints p50/p90/p99/max and a ``FIGURE {json}`` line per figure (bench/__main__.py builds its table from
them). The shared harness (``Suite``: the supervised suite in a temporary folder; ``SimWatch``; ``figure``)
is imported by bench/scale.py and bench/pipeline_replay.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from order_service.service import client_order_id  # noqa: E402
from parayok.services import SERVICES  # noqa: E402
from parayok.supervisor import ChildSpec, Supervisor  # noqa: E402
from parayok.v1 import candles_pb2, candles_pb2_grpc, common_pb2, orders_pb2, orders_pb2_grpc  # noqa: E402
from tests.conftest import free_port  # noqa: E402

SIM_KEY, SIM_SECRET = "sim-key", "sim-secret"  # exchange_sim's default account
TF_ENUM = {"1m": common_pb2.TIMEFRAME_1M, "5m": common_pb2.TIMEFRAME_5M, "15m": common_pb2.TIMEFRAME_15M,
           "1h": common_pb2.TIMEFRAME_1H, "4h": common_pb2.TIMEFRAME_4H}
TF_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000}
PIPELINE = ("candle", "analysis", "order", "broker")
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT", "DOGEUSDT", "ADAUSDT", "LTCUSDT", "LINKUSDT",
           "AVAXUSDT"]


def figure(what: str, value: float | int | str, unit: str, target: str = "", **extra: Any) -> None:
    """The machine-readable line bench/__main__.py collects into its table."""
    print("FIGURE " + json.dumps({"what": what, "value": value, "unit": unit, "target": target, **extra}), flush=True)


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"


def pct(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def summary(values: Sequence[float]) -> str:
    return (f"p50 {statistics.median(values):.1f} ms  p90 {pct(values, 0.9):.1f} ms  p99 {pct(values, 0.99):.1f} ms  "
            f"max {max(values):.1f} ms")


class Suite:
    """The supervised suite (parayok.supervisor.Supervisor, in this process) in a temporary folder:
    exchange_sim with `sim_args`, then the named services with their own loopback ports."""

    def __init__(self, services: Sequence[str] = PIPELINE, sim_args: Sequence[str] = (), speed: float = 60.0,
                 env: dict[str, str] | None = None, log_level: str = "INFO") -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="parayok-bench-"))
        self.sim_url = f"http://127.0.0.1:{free_port()}"
        base = {k: v for k, v in os.environ.items() if not k.startswith("PARAYOK_")}
        base.update(PYTHONPATH=str(ROOT), PARAYOK_DATA_DIR=str(self.tmp / "data"), PARAYOK_LOG_LEVEL=log_level,
                    PARAYOK_LOG_FORMAT="json", PARAYOK_MARKET="sim", PARAYOK_SIM_URL=self.sim_url,
                    PARAYOK_SIM_SPEED=str(speed), PARAYOK_BROKER_KIND="sim", PARAYOK_BROKER_ACCOUNT_ID="sim",
                    PARAYOK_BINANCE_API_KEY=SIM_KEY, PARAYOK_BINANCE_API_SECRET=SIM_SECRET,
                    PARAYOK_DEFAULT_VM_ENABLED="false", PARAYOK_ANALYZERS_DIR=str(ROOT / "bench" / "analyzers"))
        for spec in SERVICES:
            base[f"PARAYOK_{spec.name.upper()}_ADDR"] = f"127.0.0.1:{free_port()}"
        base.update(env or {})
        self.env = base
        port = self.sim_url.rsplit(":", 1)[1]
        py = sys.executable
        # The limits are Binance's per-IP budgets; a benchmark downloading 100 symbols of history is not
        # what they are about.
        specs = [ChildSpec("exchange_sim", (py, "-m", "exchange_sim", "--port", port, "--speed", str(speed),
                                            "--no-access-log", "--weight-limit", "10000000", "--orders-10s",
                                            "1000000", "--orders-1m", "1000000", *sim_args),
                           f"127.0.0.1:{port}", f"{self.sim_url}/fapi/v1/ping")]
        for spec in SERVICES:
            if spec.name in services:
                addr = base[f"PARAYOK_{spec.name.upper()}_ADDR"]
                specs.append(ChildSpec(spec.module, (py, "-m", spec.module), addr,
                                       "grpc" if spec.grpc_services else f"http://{addr}/healthz"))
        self.supervisor = Supervisor(specs, env=base, out=lambda _: None, log_dir=self.tmp / "logs")
        self.task: asyncio.Task[None] | None = None

    def addr(self, name: str) -> str:
        return self.env[f"PARAYOK_{name.upper()}_ADDR"]

    async def __aenter__(self) -> Suite:
        self.task = asyncio.create_task(self.supervisor.run(ready_timeout=300))
        try:
            await asyncio.wait_for(asyncio.gather(*(c.healthy.wait() for c in self.supervisor.children)), 300)
        except TimeoutError:
            await self.__aexit__()
            raise SystemExit("the suite did not become healthy in 300 s") from None
        return self

    async def __aexit__(self, *_: object) -> None:
        self.supervisor.stopping.set()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, 60)
        if os.environ.get("PARAYOK_BENCH_KEEP"):
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def pids(self) -> dict[str, int]:
        return {c.spec.name: c.proc.pid for c in self.supervisor.children if c.proc and c.proc.returncode is None}

    def restarts(self) -> dict[str, int]:
        return {c.spec.name: c.restarts for c in self.supervisor.children if c.restarts}

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU time each child process has used so far, from /proc."""
        tick = os.sysconf("SC_CLK_TCK")
        out = {}
        for name, pid in self.pids().items():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                out[name] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return out

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) of each child process, from /proc."""
        out = {}
        for name, pid in self.pids().items():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        out[name] = int(line.split()[1]) / 1024
        return out

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.tmp / "logs" / f"{name}.log"
        return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else ""


class SimWatch:
    """A client of exchange_sim's websockets: when each closed kline was pushed, and when each order was
    accepted (its first ORDER_TRADE_UPDATE on the account's user-data stream)."""

    def __init__(self, sim_url: str, symbols: Sequence[str], timeframes: Sequence[str], user: bool = True) -> None:
        self.sim_url = sim_url
        self.streams = [f"{s.lower()}@kline_{tf}" for s in symbols for tf in timeframes]
        self.user = user
        self.closes: dict[tuple[str, str, int], float] = {}  # (symbol, timeframe, close time) → perf_counter
        self.first_close: dict[int, float] = {}  # close time → the first push of a kline closing then
        self.progress = asyncio.Event()  # set when an entry order (a client id without a leg suffix) arrives
        self.orders: dict[str, float] = {}  # client order id → perf_counter
        self.tasks: list[asyncio.Task[None]] = []
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SimWatch:
        self.http = aiohttp.ClientSession()
        ws_base = "ws" + self.sim_url.removeprefix("http")
        # exchange_sim serves any number of streams on one combined connection; Binance caps it at 1024
        for i in range(0, len(self.streams), 200):
            ws = await self.http.ws_connect(f"{ws_base}/stream?streams={'/'.join(self.streams[i:i + 200])}",
                                            max_msg_size=0)
            self.tasks.append(asyncio.create_task(self._klines(ws)))
        if self.user:
            async with self.http.post(f"{self.sim_url}/fapi/v1/listenKey", headers={"X-MBX-APIKEY": SIM_KEY}) as r:
                key = (await r.json())["listenKey"]
            ws = await self.http.ws_connect(f"{ws_base}/ws/{key}", max_msg_size=0)
            self.tasks.append(asyncio.create_task(self._user(ws)))
        return self

    async def __aexit__(self, *_: object) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.close()

    async def _klines(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            now = time.perf_counter()
            k = json.loads(msg.data)["data"]["k"]
            if k["x"]:
                self.closes.setdefault((k["s"], k["i"], int(k["T"])), now)
                self.first_close.setdefault(int(k["T"]), now)

    async def _user(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            now = time.perf_counter()
            ev = json.loads(msg.data)
            if ev.get("e") == "ORDER_TRADE_UPDATE":
                cid = ev["o"]["c"]
                if cid not in self.orders:
                    self.orders[cid] = now
                    if "." not in cid:
                        self.progress.set()


async def step(http: aiohttp.ClientSession, sim_url: str, done: asyncio.Event, gap_ms: float,
               within_s: int = 45, timeout: float = 10.0) -> None:
    """One market minute at exchange_sim (its clock is stepped): first ``within_s`` seconds into the
    minute — the price path moves, open brackets' stops and takes fill, no candle closes — then, ``gap_ms``
    later, the rest of the minute, which closes the candle; then wait until `done` is set — this pulse's
    outcome arrived — or `timeout`, then `gap_ms` of quiet. So each pulse meets a pipeline that is idle, as a
    live pulse a minute after the last one does, and a slow pulse cannot queue the next ones behind it.
    Stepping the whole minute at once (``within_s`` 0) would make every stop/take fill of the previous
    brackets coincide with the candle close, which a real market does only by chance."""
    done.clear()
    if within_s:
        async with http.post(f"{sim_url}/_sim/clock", json={"step_seconds": within_s}) as r:
            r.raise_for_status()
        await asyncio.sleep(gap_ms / 1000)
    async with http.post(f"{sim_url}/_sim/clock", json={"step_seconds": 60 - within_s}) as r:
        r.raise_for_status()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout)
    await asyncio.sleep(gap_ms / 1000)


async def wait_state(orders: orders_pb2_grpc.OrderServiceStub, vm_id: str, timeout: float,
                     state: int = orders_pb2.VM_STATE_LIVE) -> orders_pb2.Vm:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # bounded poll
        vm = await orders.GetVm(orders_pb2.VmRef(vm_id=vm_id), timeout=10)
        if vm.state == state:
            return vm
        if vm.state == orders_pb2.VM_STATE_ERROR:
            raise SystemExit(f"VM {vm_id} failed: {vm.error}")
        await asyncio.sleep(0.05)
    raise SystemExit(f"VM {vm_id} not in state {orders_pb2.VmState.Name(state)} after {timeout:.0f} s")


def bench_plan() -> orders_pb2.Plan:
    # 10 USD × 20 = 200 USD a position: above every simulated symbol's minimum notional
    return orders_pb2.Plan(start_sum=10_000, stake_mode=orders_pb2.STAKE_MODE_FIXED, stake_fixed=10, leverage=20,
                           cost_buy_percent=0.0004, cost_sell_percent=0.0004)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    symbols = SYMBOLS[:args.symbols]
    start = (int(time.time() * 1000) // 60_000) * 60_000
    async with Suite(PIPELINE, speed=0, sim_args=["--start", str(start)],
                     env={"PARAYOK_BROKER_SYMBOLS": ",".join(symbols),
                          # One host, one clock: no skew to allow for, so the broker's restart lookups (the
                          # default slack of 60 s covers hosts' clock skew) end a second after its start.
                          "PARAYOK_BROKER_RESTART_SLACK_MS": "1000", **service_env(args)},
                     log_level=args.log_level) as suite:
        print(f"suite up: {suite.pids()}", flush=True)
        watching = SimWatch(suite.sim_url, symbols, ["1m"]) if args.observe else contextlib.nullcontext(None)
        async with watching as watch, grpc.aio.insecure_channel(suite.addr("order")) as channel:
            orders = orders_pb2_grpc.OrderServiceStub(channel)
            created: dict[str, tuple[str, int, int]] = {}  # entry id → (symbol, close time, monotonic ns seen)
            placed: list[int] = []  # when each bracket went OPEN (entry filled, stop and take placed)
            failed: list[str] = []
            progress = asyncio.Event()  # this pulse's bracket is placed, or failed: on to the next

            async def follow() -> None:
                async for ev in orders.StreamEvents(orders_pb2.StreamEventsRequest()):
                    now = time.monotonic_ns()
                    if ev.HasField("order_created"):
                        e = ev.order_created.entry
                        created.setdefault(e.id, (e.symbol, e.time_ms, now))
                    elif ev.HasField("real_order") and ev.real_order.status == orders_pb2.REAL_ORDER_STATUS_OPEN:
                        placed.append(now)
                        progress.set()
                    elif ev.HasField("real_order") and ev.real_order.status == orders_pb2.REAL_ORDER_STATUS_FAILED:
                        failed.append(ev.real_order.error)
                        progress.set()

            follower = asyncio.create_task(follow())
            try:
                vm = await orders.CreateVm(orders_pb2.CreateVmRequest(vm=orders_pb2.Vm(
                    name="bench-latency", symbols=symbols, timeframes=[common_pb2.TIMEFRAME_1M],
                    analyzers=["bench_every_candle"], history_days=1, broker_account="sim",
                    broker_kind=orders_pb2.BROKER_KIND_BINANCE, live_trading=True, plan=bench_plan()), start=True),
                    timeout=30)
                await wait_state(orders, vm.id, 300)
                # This process is the stopwatch: a full collector pass here (50 ms measured) would shift
                # timestamps, so what it has made so far is frozen out of those passes, as the services do.
                gc.collect()
                gc.freeze()
                print(f"VM live; stepping the market one minute at a time, {args.gap_ms:g} ms after each bracket",
                      flush=True)
                async with aiohttp.ClientSession() as http:
                    for _ in range(args.warmup):
                        await step(http, suite.sim_url, progress, args.gap_ms, args.within_s)
                    measure_from = time.monotonic_ns()
                    observe_from = time.perf_counter()
                    failed_before = len(failed)
                    cpu_from = suite.cpu_seconds()
                    closes = 0
                    # bounded: at most twice the pulses asked for (a pulse whose bracket failed is not measured)
                    while closes < 2 * args.pulses and sum(t > measure_from for t in placed) < args.pulses:
                        await step(http, suite.sim_url, progress, args.gap_ms, args.within_s)
                        closes += 1
                    async with http.get(f"{suite.sim_url}/_sim/stamps") as r:
                        stamps = await r.json()
                print(f"load during the run: {machine()}", flush=True)
                rss = suite.peak_rss_mb()
                cpu = {k: v - cpu_from.get(k, 0.0) for k, v in suite.cpu_seconds().items()}
            finally:
                follower.cancel()
                await asyncio.gather(follower, return_exceptions=True)
    pushed = {(s, i, t): ns for s, i, t, ns in stamps["klines"]}
    arrived = dict(stamps["orders"])
    got = []  # (close time, kline pushed, order_created seen here, entry received, client order id)
    for entry_id, (symbol, close_ms, seen) in created.items():
        cid = client_order_id(vm.id, entry_id)
        if seen > measure_from and (symbol, "1m", close_ms) in pushed and cid in arrived:
            got.append((close_ms, pushed[(symbol, "1m", close_ms)], seen, arrived[cid], cid))
    got = sorted(got)[:args.pulses]
    observed = []
    if watch is not None:
        for close_ms, _, _, _, cid in got:
            symbol = next(s for s in symbols if (s, "1m", close_ms) in watch.closes)
            t0, t1 = watch.closes[(symbol, "1m", close_ms)], watch.orders.get(cid)
            if t0 > observe_from and t1 is not None:
                observed.append((t1 - t0) * 1000)
    return {"at_exchange": [(recv - push) / 1e6 for _, push, _, recv, _ in got],
            "to_order": [(seen - push) / 1e6 for _, push, seen, _, _ in got],
            "to_sim": [(recv - seen) / 1e6 for _, _, seen, recv, _ in got],
            "observed": observed, "closes": closes, "failed": failed[failed_before:], "rss": rss, "cpu": cpu}


async def measure_candle_hop(args: argparse.Namespace) -> list[float]:
    """exchange_sim → candle_service → this client (StreamPulses live): ms per closed pulse."""
    symbols = SYMBOLS[:args.symbols]
    start = (int(time.time() * 1000) // 60_000) * 60_000
    async with Suite(("candle",), speed=0, sim_args=["--start", str(start)], env=service_env(args),
                     log_level=args.log_level) as suite, \
            SimWatch(suite.sim_url, symbols, ["1m"], user=False) as watch, \
            grpc.aio.insecure_channel(suite.addr("candle")) as channel:
        stub = candles_pb2_grpc.CandleServiceStub(channel)
        arrived: dict[int, float] = {}
        live = asyncio.Event()

        async def follow() -> None:
            async for ev in stub.StreamPulses(candles_pb2.StreamPulsesRequest(
                    symbols=symbols, timeframes=[common_pb2.TIMEFRAME_1M], from_ms=start - 3_600_000, live=True)):
                now = time.perf_counter()
                if ev.HasField("live"):
                    live.set()
                elif ev.HasField("pulses"):
                    for t, closed in zip(ev.pulses.pulse_time, ev.pulses.closed, strict=True):
                        if closed:
                            arrived.setdefault(int(t), now)
                            watch.progress.set()

        follower = asyncio.create_task(follow())
        try:
            await asyncio.wait_for(live.wait(), 120)
            async with aiohttp.ClientSession() as http:
                for _ in range(args.pulses + args.warmup):
                    await step(http, suite.sim_url, watch.progress, args.gap_ms, args.within_s)
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
    pushed = sorted(watch.first_close.items())[args.warmup:]
    return [(arrived[c] - t) * 1000 for c, t in pushed if c in arrived]


def service_env(args: argparse.Namespace) -> dict[str, str]:
    """``--env KEY=VALUE`` settings for the services (the suite passes no PARAYOK_* of this process on)."""
    out = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key.startswith("PARAYOK_"):
            raise SystemExit(f"--env: expected PARAYOK_NAME=value, got {item!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pulses", type=int, default=1000, help="pulses measured (after the warm-up)")
    ap.add_argument("--warmup", type=int, default=20, help="live pulses not measured")
    ap.add_argument("--symbols", type=int, default=4, help="symbols of the VM (entered in turn, one per pulse)")
    ap.add_argument("--gap-ms", type=float, default=150.0,
                    help="quiet wall time after a pulse's bracket reached exchange_sim, before the next pulse")
    ap.add_argument("--within-s", type=int, default=45,
                    help="seconds into each minute stepped first (stops/takes fill there); 0 = whole minutes")
    ap.add_argument("--log-level", default="INFO", help="PARAYOK_LOG_LEVEL of the services (product default INFO)")
    ap.add_argument("--observe", action="store_true",
                    help="also watch exchange_sim's kline and user-data sockets from this process and print that view")
    ap.add_argument("--env", action="append", default=[], metavar="PARAYOK_NAME=VALUE",
                    help="a setting for the services (repeatable), e.g. to compare a setting's effect")
    ap.add_argument("--hop", choices=["all", "candle"], default="all",
                    help="candle: only exchange_sim → candle_service → a StreamPulses client")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    if args.hop == "candle":
        hop = asyncio.run(measure_candle_hop(args))
        if not hop:
            raise SystemExit("no live pulse arrived")
        print(f"{len(hop)} pulses, {args.symbols} symbol(s) × 1m: closed kline at exchange_sim → pulse at a "
              f"StreamPulses client of candle_service: {summary(hop)}; {machine()}")
        figure(f"live hop 1, closed kline at exchange_sim → pulse out of candle_service ({args.symbols} symbols)",
               round(pct(hop, 0.99), 1), "ms", "", p50=round(statistics.median(hop), 1), pulses=len(hop))
        return
    res = asyncio.run(measure(args))
    at_exchange, observed = res["at_exchange"], res["observed"]
    if not at_exchange:
        raise SystemExit("no pulse became a bracket at exchange_sim")
    print(f"{len(at_exchange)} pulses measured of {res['closes']} closed after the warm-up "
          f"({args.symbols} symbol(s) × 1m, the next pulse {args.gap_ms:g} ms after each bracket); "
          f"{len(res['failed'])} brackets failed"
          + (f" (first: {res['failed'][0]})" if res["failed"] else ""))
    print(f"  closed kline pushed by exchange_sim → entry order received by exchange_sim, on exchange_sim's own "
          f"clock (/_sim/stamps): {summary(at_exchange)}")
    print(f"    → order_created seen here (candle, analysis, order services): {summary(res['to_order'])}")
    print(f"    order_created seen here → exchange_sim (order_service → broker_service → exchange_sim): "
          f"{summary(res['to_sim'])}")
    if observed:
        print(f"  the same seen by this process on its own kline and user-data sockets: {summary(observed)}")
    print("  peak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in res["rss"].items()))
    print("  CPU per closed minute (both steps; this process not counted): "
          + ", ".join(f"{k} {v * 1000 / max(1, res['closes']):.1f} ms" for k, v in res["cpu"].items()))
    n = len(at_exchange)
    extra = {"observed_p99": round(pct(observed, 0.99), 1)} if observed else {}
    figure("live latency p99, closed candle → bracket at exchange_sim (4 hops)", round(pct(at_exchange, 0.99), 1),
           "ms", "≤ 25 ms", pulses=n, load=os.getloadavg()[0], **extra)
    figure("live latency p50, closed candle → bracket at exchange_sim (4 hops)",
           round(statistics.median(at_exchange), 1), "ms", "", pulses=n)

if __name__ == "__main__":
    main()
