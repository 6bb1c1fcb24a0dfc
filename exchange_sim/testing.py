"""Helpers for tests and demos: run the simulator on a free loopback port, drive it through
its admin API, and point python-binance clients at it.

    from exchange_sim.testing import running_sim, make_async_client, socket_manager

    async with running_sim(speed=0, start="2026-01-05T00:00:00Z", hedge=True) as sim:
        client = await make_async_client(sim)
        bm = socket_manager(client, sim)
        await sim.admin.step(minutes=5)
        ...

`running_sim(mode="inprocess")` (default) serves from the caller's event loop: use it with
AsyncClient. A sync python-binance Client blocks its thread, so use `mode="thread"` (own loop
in a daemon thread) or `mode="subprocess"` (python -m exchange_sim) with it; `sim_thread(...)`
is the same thing as a plain (sync) context manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
from aiohttp import web

from .__main__ import parse_time
from .app import SIM_KEY, build_app
from .limits import LimitConfig
from .sim import SimConfig, Simulator

DEFAULT_KEY = "sim-key"
DEFAULT_SECRET = "sim-secret"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AdminClient:
    """The /_sim admin API over HTTP; every method has a sync twin named *_sync."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async with (
            aiohttp.ClientSession() as s,
            s.request(method, self.base_url + path, json=body, timeout=aiohttp.ClientTimeout(total=60)) as r,
        ):
            data = await r.json()
            if r.status >= 400:
                raise RuntimeError(f"admin {path}: {r.status} {data}")
            return data

    def call_sync(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"admin {path}: {e.code} {e.read()!r}") from e

    # -- clock
    async def step(self, minutes: int = 0, seconds: int = 0, ms: int = 0) -> Any:
        return await self.call("POST", "/_sim/clock", {"step_minutes": minutes, "step_seconds": seconds, "step_ms": ms})

    def step_sync(self, minutes: int = 0, seconds: int = 0, ms: int = 0) -> Any:
        return self.call_sync("POST", "/_sim/clock", {"step_minutes": minutes, "step_seconds": seconds, "step_ms": ms})

    async def set_speed(self, speed: float) -> Any:
        return await self.call("POST", "/_sim/clock", {"speed": speed})

    async def state(self) -> Any:
        return await self.call("GET", "/_sim/state")

    async def stamps(self) -> Any:
        """The exchange's stopwatch (exchange_sim/stamps.py): closed klines' first pushes, orders' arrivals."""
        return await self.call("GET", "/_sim/stamps")

    def state_sync(self) -> Any:
        return self.call_sync("GET", "/_sim/state")

    # -- market
    async def set_price(self, symbol: str, price: str | Decimal | float) -> Any:
        return await self.call("POST", "/_sim/price", {"symbol": symbol, "price": str(price)})

    def set_price_sync(self, symbol: str, price: str | Decimal | float) -> Any:
        return self.call_sync("POST", "/_sim/price", {"symbol": symbol, "price": str(price)})

    # -- faults
    async def fault(
        self, kind: str, count: int = 1, path: str | None = None, method: str | None = None, seconds: float = 30.0
    ) -> Any:
        body = {"kind": kind, "count": count, "path": path, "method": method, "seconds": seconds}
        return await self.call("POST", "/_sim/faults", body)

    def fault_sync(
        self, kind: str, count: int = 1, path: str | None = None, method: str | None = None, seconds: float = 30.0
    ) -> Any:
        body = {"kind": kind, "count": count, "path": path, "method": method, "seconds": seconds}
        return self.call_sync("POST", "/_sim/faults", body)

    async def clear_faults(self) -> Any:
        return await self.call("DELETE", "/_sim/faults")

    async def reject_orders(self, enabled: bool = True, msg: str = "Order rejected by exchange_sim.") -> Any:
        return await self.call("POST", "/_sim/reject_orders", {"enabled": enabled, "msg": msg})

    async def fill(self, order_id: int, quantity: str | None = None) -> Any:
        return await self.call("POST", "/_sim/fill", {"orderId": order_id, "quantity": quantity})

    async def drop_websockets(self, kind: str = "all") -> Any:
        return await self.call("POST", "/_sim/drop_ws", {"kind": kind})

    async def expire_listen_keys(self, listen_key: str | None = None) -> Any:
        return await self.call("POST", "/_sim/expire_listen_keys", {"listenKey": listen_key})

    async def limits(self, **kw: int) -> Any:
        return await self.call("POST", "/_sim/limits", kw)

    def limits_sync(self, **kw: int) -> Any:
        return self.call_sync("POST", "/_sim/limits", kw)


@dataclass
class SimHandle:
    base_url: str  # http://127.0.0.1:PORT
    ws_url: str  # ws://127.0.0.1:PORT/  (FSTREAM_URL)
    api_key: str = DEFAULT_KEY
    api_secret: str = DEFAULT_SECRET
    simulator: Simulator | None = None  # only in-process / thread modes
    admin: AdminClient = field(init=False)

    def __post_init__(self) -> None:
        self.admin = AdminClient(self.base_url)

    @property
    def futures_url(self) -> str:
        return self.base_url + "/fapi"

    @property
    def futures_data_url(self) -> str:
        return self.base_url + "/futures/data"


def sim_config(
    *,
    seed: int = 1,
    symbols: list[str] | None = None,
    speed: float = 0.0,
    start: str | int | None = "2026-01-05T00:00:00Z",
    hedge: bool = False,
    balance: str = "10000",
    accounts: list[dict[str, Any]] | None = None,
    data_dir: str | None = None,
    slippage_bps: str = "0",
    limits: LimitConfig | None = None,
    push_interval: float = 0.05,
) -> SimConfig:
    """Test defaults: stepped clock (speed 0) from a fixed Monday, so runs are reproducible."""
    start_ms = parse_time(start) if isinstance(start, str) else start
    return SimConfig(
        seed=seed,
        symbols=symbols,
        speed=speed,
        start_ms=start_ms,
        accounts=accounts or [{"api_key": DEFAULT_KEY, "secret": DEFAULT_SECRET, "balance": balance, "dual": hedge}],
        data_dir=data_dir,
        slippage_bps=Decimal(slippage_bps),
        limits=limits or LimitConfig(),
        push_interval=push_interval,
    )


async def _start_runner(sim: Simulator, port: int) -> web.AppRunner:
    app = build_app(sim)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def _handle(port: int, cfg: SimConfig, simulator: Simulator | None) -> SimHandle:
    acct = cfg.accounts[0] if cfg.accounts else {}
    return SimHandle(
        base_url=f"http://127.0.0.1:{port}",
        ws_url=f"ws://127.0.0.1:{port}/",
        api_key=str(acct.get("api_key", DEFAULT_KEY)),
        api_secret=str(acct.get("secret", DEFAULT_SECRET)),
        simulator=simulator,
    )


@contextlib.contextmanager
def sim_thread(**kw: Any) -> Iterator[SimHandle]:
    """The simulator on its own event loop in a daemon thread (for sync clients)."""
    cfg = sim_config(**kw)
    sim = Simulator(cfg)
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    runner_box: list[web.AppRunner] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner_box.append(loop.run_until_complete(_start_runner(sim, port)))
        started.set()
        loop.run_forever()

    th = threading.Thread(target=run, name="exchange_sim", daemon=True)
    th.start()
    if not started.wait(30):
        raise RuntimeError("exchange_sim did not start")
    try:
        yield _handle(port, cfg, sim)
    finally:
        fut = asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop)
        with contextlib.suppress(Exception):
            fut.result(10)
        loop.call_soon_threadsafe(loop.stop)
        th.join(10)
        loop.close()


@contextlib.asynccontextmanager
async def running_sim(mode: str = "inprocess", **kw: Any) -> AsyncIterator[SimHandle]:
    """Start the simulator on a free loopback port; yields a SimHandle (URLs, keys, admin)."""
    if mode == "thread":
        with sim_thread(**kw) as h:
            yield h
        return
    if mode == "subprocess":
        async with _subprocess_sim(**kw) as h:
            yield h
        return
    cfg = sim_config(**kw)
    sim = Simulator(cfg)
    port = free_port()
    runner = await _start_runner(sim, port)
    try:
        yield _handle(port, cfg, sim)
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def _subprocess_sim(
    *,
    seed: int = 1,
    speed: float = 0.0,
    start: str | None = "2026-01-05T00:00:00Z",
    hedge: bool = False,
    symbols: list[str] | None = None,
    extra_args: list[str] | None = None,
) -> AsyncIterator[SimHandle]:
    port = free_port()
    args = [sys.executable, "-m", "exchange_sim", "--port", str(port), "--seed", str(seed), "--speed", str(speed)]
    args.append("--no-access-log")  # its output is discarded anyway
    if start:
        args += ["--start", start]
    if hedge:
        args.append("--hedge")
    if symbols:
        args += ["--symbols", ",".join(symbols)]
    args += extra_args or []
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    h = SimHandle(base_url=f"http://127.0.0.1:{port}", ws_url=f"ws://127.0.0.1:{port}/")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                await h.admin.state()
                break
            except (aiohttp.ClientError, RuntimeError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("exchange_sim subprocess did not start") from None
                await asyncio.sleep(0.1)
        yield h
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def configure_client(client: Any, sim: SimHandle) -> Any:
    """Point a python-binance Client/AsyncClient's USDⓈ-M URLs at the simulator."""
    for attr in ("FUTURES_URL", "FUTURES_TESTNET_URL", "FUTURES_DEMO_URL"):
        setattr(client, attr, sim.futures_url)
    for attr in ("FUTURES_DATA_URL", "FUTURES_DATA_TESTNET_URL"):
        setattr(client, attr, sim.futures_data_url)
    return client


def configure_socket_manager(bsm: Any, sim: SimHandle) -> Any:
    """Point a BinanceSocketManager's futures stream URLs at the simulator."""
    for attr in ("FSTREAM_URL", "FSTREAM_TESTNET_URL", "FSTREAM_DEMO_URL", "STREAM_URL"):
        setattr(bsm, attr, sim.ws_url)
    return bsm


def make_client(sim: SimHandle, **kw: Any) -> Any:
    """A sync python-binance Client on the simulator (no ping to the real exchange)."""
    from binance.client import Client

    c = Client(sim.api_key, sim.api_secret, ping=False, **kw)
    return configure_client(c, sim)


async def make_async_client(sim: SimHandle, sync_time: bool = False, **kw: Any) -> Any:
    """An AsyncClient on the simulator. AsyncClient.create() would ping api.binance.com, so
    build it directly. Signed timestamps are checked against the wall clock (or the sim clock),
    so no offset is needed; sync_time=True copies create()'s offset to /fapi/v1/time, which only
    stays valid while the sim clock runs at speed 1."""
    from binance.async_client import AsyncClient

    c = AsyncClient(sim.api_key, sim.api_secret, **kw)
    configure_client(c, sim)
    if sync_time:
        res = await c.futures_time()
        c.timestamp_offset = res["serverTime"] - int(time.time() * 1000)
    return c


def socket_manager(client: Any, sim: SimHandle, **kw: Any) -> Any:
    from binance.ws.streams import BinanceSocketManager

    return configure_socket_manager(BinanceSocketManager(client, **kw), sim)


def simulator_of(app: web.Application) -> Simulator:
    return app[SIM_KEY]
