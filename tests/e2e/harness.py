"""The whole suite as real processes on a fixed market, for the end-to-end comparisons.

Determinism: exchange_sim starts at ``SIM_START`` with a frozen clock (``PARAYOK_SIM_SPEED=0``) and the
test moves it one minute at a time (``POST /_sim/clock``), so every run sees the same candles at the
same market times however loaded the machine is. The only kline ticks such a market pushes are the
new candle's open, which equals the previous close (no new price), so live pulses carry exactly what
history carries. The VM's history starts at a fixed time (``history_from_ms``), its stake is fixed,
and its filter empty: the emulated orders are a function of the entries. What depends on wall time
(real orders' fills) is checked for consistency, never compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import grpc
from google.protobuf.json_format import MessageToDict

from exchange_sim.testing import SimHandle, make_async_client
from parayok.bootstrap import wait_serving
from parayok.services import SERVICES
from parayok.supervisor import dies_with_parent, wait_http_ok
from parayok.v1 import broker_pb2, broker_pb2_grpc, common_pb2, orders_pb2, orders_pb2_grpc
from tests.conftest import PYTHON, ROOT, free_port, stop_process

MIN = 60_000
DAY = 1440 * MIN
SIM_START = "2026-03-02T00:00:00Z"
T0 = int(dt.datetime.fromisoformat(SIM_START.replace("Z", "+00:00")).timestamp() * 1000)
SYMBOLS = ("BTCUSDT", "ETHUSDT")
TIMEFRAMES = (common_pb2.TIMEFRAME_5M, common_pb2.TIMEFRAME_1M)
HISTORY_MS = DAY
LIVE_MINUTES = 45
T_END = T0 + LIVE_MINUTES * MIN  # the market clock when every run stops; the last pulse is T_END - 1
ACCOUNT = "sim"

# Supervisor's child names (python modules) and the settings name of their address.
MODULES = {spec.module: spec.name for spec in SERVICES}
Json = dict[str, Any]
Hook = Callable[["Suite", str], Awaitable[None]]  # (suite, VM id)


def suite_env(data_dir: Path) -> dict[str, str]:
    """A fixed-market suite on free loopback ports, with its data in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARAYOK_")}
    env.update(PYTHONPATH=str(ROOT), PARAYOK_DATA_DIR=str(data_dir), PARAYOK_LOG_FORMAT="json",
               PARAYOK_MARKET="sim", PARAYOK_SIM_URL=f"http://127.0.0.1:{free_port()}", PARAYOK_SIM_SPEED="0",
               PARAYOK_SIM_START=SIM_START, PARAYOK_BROKER_KIND="sim", PARAYOK_BROKER_ACCOUNT_ID=ACCOUNT,
               PARAYOK_BROKER_SYMBOLS=",".join(SYMBOLS), PARAYOK_DEFAULT_VM_ENABLED="false",
               PARAYOK_ORDER_RETRY_MAX_WAIT="2", PARAYOK_LATE_CANDLE_WAIT_MS="2000")
    for spec in SERVICES:
        env[f"PARAYOK_{spec.name.upper()}_ADDR"] = f"127.0.0.1:{free_port()}"
    return env


async def wait_for(predicate: Callable[[], Awaitable[Any]], timeout: float, what: str,
                   step: float = 0.25) -> Any:
    """Polls a real system's state until ``predicate`` is truthy; a service restarting meanwhile is no failure."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        try:
            result = await predicate()
            if result:
                return result
        except (TimeoutError, grpc.aio.AioRpcError, aiohttp.ClientError) as exc:
            last_error = f" (last error: {exc!s:.300})"
        await asyncio.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{last_error}")


class Suite:
    """``python -m parayok up`` with its log, the sim's admin API and stubs of order and broker service."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.sim = SimHandle(env["PARAYOK_SIM_URL"], env["PARAYOK_SIM_URL"].replace("http", "ws") + "/")
        self.proc: subprocess.Popen[bytes] | None = None
        self._events: list[Json] = []
        self._offset = 0
        self._channels: list[grpc.aio.Channel] = []
        order_channel = grpc.aio.insecure_channel(env["PARAYOK_ORDER_ADDR"])
        broker_channel = grpc.aio.insecure_channel(env["PARAYOK_BROKER_ADDR"])
        self._channels = [order_channel, broker_channel]
        self.orders = orders_pb2_grpc.OrderServiceStub(order_channel)
        self.broker = broker_pb2_grpc.BrokerServiceStub(broker_channel)

    # --- process ---------------------------------------------------------------------------------

    async def start(self) -> None:
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(dies_with_parent([PYTHON, "-m", "parayok", "up"]), env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=err)
        try:
            await wait_for(self._ready, 120, "the suite to be ready")
        except AssertionError:
            raise AssertionError("suite not ready:\n" + self.tail()) from None

    async def _ready(self) -> bool:
        return any(e.get("event") == "suite_ready" for e in self.events())

    async def stop(self) -> int | None:
        for channel in self._channels:
            await channel.close()
        if self.proc is None:
            return None
        return await asyncio.to_thread(stop_process, self.proc, 30)

    def events(self) -> list[Json]:
        """Every JSON log line so far (the supervisor's and its children's stderr), read incrementally."""
        with self.log.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1  # a line still being written is read next time
        self._offset += end
        for line in chunk[:end].splitlines():
            if line.startswith(b"{"):
                with contextlib.suppress(json.JSONDecodeError):  # a line cut by a killed writer
                    self._events.append(json.loads(line))
        return self._events

    def tail(self, lines: int = 40) -> str:
        return "\n".join(line[:300] for line in self.log.read_text(errors="replace").splitlines()[-lines:])

    def child_pid(self, module: str) -> int:
        started = [e for e in self.events() if e.get("event") == "child_started" and e.get("child") == module]
        return int(started[-1]["pid"])

    async def kill(self, module: str) -> None:
        """SIGKILLs a service; returns once the supervisor restarted it and it is serving again."""
        victim = self.child_pid(module)
        os.kill(victim, signal.SIGKILL)

        async def restarted() -> bool:
            return self.child_pid(module) != victim
        await wait_for(restarted, 60, f"{module} to be restarted")
        addr = self.env[f"PARAYOK_{MODULES[module].upper()}_ADDR"]
        if module == "web_bridge":
            await wait_http_ok(f"http://{addr}/healthz", timeout=60)
        else:
            await wait_serving(addr, timeout=60)

    # --- market ----------------------------------------------------------------------------------

    async def admin(self, method: str, path: str, body: Json | None = None) -> Any:
        return await self.sim.admin.call(method, path, body)

    async def step(self) -> int:
        """One market minute; orders are matched and klines pushed before it answers."""
        return int((await self.admin("POST", "/_sim/clock", {"step_minutes": 1}))["now"])

    # --- order_service -----------------------------------------------------------------------------

    async def vm(self, vm_id: str) -> orders_pb2.Vm:
        return await self.orders.GetVm(orders_pb2.VmRef(vm_id=vm_id), timeout=10)

    async def entries(self, vm_id: str) -> list[Any]:
        return await self._every_page(self.orders.ListEntries, orders_pb2.ListEntriesRequest, vm_id, "entries")

    async def orders_of(self, vm_id: str) -> list[orders_pb2.Order]:
        return await self._every_page(self.orders.ListOrders, orders_pb2.ListOrdersRequest, vm_id, "orders")

    @staticmethod
    async def _every_page(call: Any, request: Any, vm_id: str, field: str) -> list[Any]:
        out: list[Any] = []
        token = ""
        while True:  # every page
            page = await call(request(vm_id=vm_id, page=common_pb2.PageRequest(page_size=10_000, page_token=token)),
                              timeout=30)
            out.extend(getattr(page, field))
            token = page.next_page_token
            if not token:
                return out

    async def sent_orders(self, vm_id: str) -> list[str]:
        """Live orders sent to the broker and not answered yet."""
        page = await self.orders.ListOrders(orders_pb2.ListOrdersRequest(
            vm_id=vm_id, filter=orders_pb2.EntryFilter(from_ms=T0),
            page=common_pb2.PageRequest(page_size=10_000)), timeout=30)
        return [o.id for o in page.orders if o.real.status == orders_pb2.REAL_ORDER_STATUS_SENT]

    async def create_vm(self, name: str, *, end_ms: int = 0) -> str:
        vm = orders_pb2.Vm(
            name=name, symbols=SYMBOLS, timeframes=TIMEFRAMES, history_from_ms=T0 - HISTORY_MS, end_ms=end_ms,
            plan=orders_pb2.Plan(start_sum=1000, stake_mode=orders_pb2.STAKE_MODE_FIXED, stake_fixed=5,
                                 leverage=20, cost_buy_percent=0.0004, cost_sell_percent=0.0004))
        if end_ms == 0:  # the live VM trades at exchange_sim; a backtest VM never trades
            vm.broker_account, vm.broker_kind, vm.live_trading = ACCOUNT, orders_pb2.BROKER_KIND_BINANCE, True
        created = await self.orders.CreateVm(orders_pb2.CreateVmRequest(vm=vm, start=True), timeout=30)
        return str(created.id)


# --- what two runs must agree on -------------------------------------------------------------------

def entry_fields(e: Any) -> Json:
    d = MessageToDict(e, preserving_proto_field_name=True)
    d.pop("vm_id", None)
    return d


def order_fields(o: orders_pb2.Order) -> Json:
    d = MessageToDict(o, preserving_proto_field_name=True)
    for name in ("vm_id", "real", "entry"):  # the entry is compared on its own; real fills depend on wall time
        d.pop(name, None)
    return d


@dataclass
class Snapshot:
    """A VM's entries and emulated orders by id, as JSON-able dicts."""

    entries: dict[str, Json]
    orders: dict[str, Json]
    real: dict[str, str] = field(default_factory=dict)  # entry id → real order status

    def to_json(self) -> Json:
        return {"entries": self.entries, "orders": self.orders, "real": self.real}

    @classmethod
    def from_json(cls, d: Json) -> Snapshot:
        return cls(d["entries"], d["orders"], d.get("real", {}))

    def live_entries(self) -> list[str]:
        return [i for i, e in self.entries.items() if int(e.get("time_ms", 0)) >= T0]


async def snapshot(suite: Suite, vm_id: str) -> Snapshot:
    entries = await suite.entries(vm_id)
    orders = await suite.orders_of(vm_id)
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)), f"an entry listed twice: {[i for i, n in Counter(ids).items() if n > 1]}"
    order_ids = [o.id for o in orders]
    assert len(order_ids) == len(set(order_ids)), "an order listed twice"
    real = {o.id: orders_pb2.RealOrderStatus.Name(o.real.status) for o in orders if o.real.client_order_id}
    return Snapshot({e.id: entry_fields(e) for e in entries}, {o.id: order_fields(o) for o in orders}, real)


def differences(got: Snapshot, want: Snapshot, limit: int = 12) -> list[str]:
    """What differs between two snapshots, readably (empty when they are the same)."""
    out: list[str] = []
    for kind, a, b in (("entry", got.entries, want.entries), ("order", got.orders, want.orders)):
        for key in sorted(set(a) - set(b)):
            out.append(f"{kind} {key} only in this run: {a[key]}")
        for key in sorted(set(b) - set(a)):
            out.append(f"{kind} {key} missing from this run (reference: {b[key]})")
        for key in sorted(set(a) & set(b)):
            if a[key] != b[key]:
                fields = sorted(k for k in set(a[key]) | set(b[key]) if a[key].get(k) != b[key].get(k))
                out.append(f"{kind} {key}: " + ", ".join(f"{k}={a[key].get(k)!r} (reference {b[key].get(k)!r})"
                                                         for k in fields))
    if len(out) > limit:
        out = [*out[:limit], f"… and {len(out) - limit} more"]
    return out


# --- the exchange ----------------------------------------------------------------------------------

async def exchange_problems(suite: Suite, vm_id: str, duplicates: bool = True) -> list[str]:
    """Positions at exchange_sim without both a stop and a take, or not exactly our open brackets; a leg
    of no open bracket; with ``duplicates``, any client order id used twice at the exchange (that reads
    signed /fapi endpoints, which would take exchange_sim faults meant for the suite: checked last)."""
    problems: list[str] = []
    brackets: dict[tuple[str, str], float] = {}
    open_ids: set[str] = set()
    for o in await suite.orders_of(vm_id):
        if not o.real.client_order_id:
            continue
        try:
            b = await suite.broker.GetBracket(broker_pb2.GetBracketRequest(
                account_id=ACCOUNT, client_order_id=o.real.client_order_id), timeout=10)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
            # Never placed: an intent not sent yet, or refused before anything was recorded.
            if o.real.status in (orders_pb2.REAL_ORDER_STATUS_OPEN, orders_pb2.REAL_ORDER_STATUS_CLOSED):
                problems.append(f"order {o.id} is {orders_pb2.RealOrderStatus.Name(o.real.status)} "
                                "but broker_service has no bracket")
            continue
        said = broker_pb2.BracketState.Name(b.state).replace("BRACKET_STATE_", "").replace("PENDING", "SENT")
        if orders_pb2.RealOrderStatus.Name(o.real.status) != f"REAL_ORDER_STATUS_{said}":
            problems.append(f"order {o.id} is {orders_pb2.RealOrderStatus.Name(o.real.status)}, its bracket {said}")
        if b.state == broker_pb2.BRACKET_STATE_OPEN:
            key = (b.symbol, "LONG" if b.side == common_pb2.SIDE_BUY else "SHORT")
            brackets[key] = brackets.get(key, 0.0) + b.filled_quantity
            open_ids.add(o.real.client_order_id)
    state = await suite.admin("GET", "/_sim/state")
    held: dict[tuple[str, str], float] = {}
    for account in state["accounts"]:
        algos = account["open_algo_orders"]
        for pos in account["positions"]:
            key = (pos["symbol"], pos["positionSide"])
            held[key] = abs(float(pos["amt"]))
            kinds = {a["orderType"] for a in algos if (a["symbol"], a["positionSide"]) == key}
            if not {"STOP_MARKET", "TAKE_PROFIT_MARKET"} <= kinds:
                problems.append(f"position {key} has no stop and take: {sorted(kinds)}")
        for a in algos:  # a stop or take left behind by a closed bracket would hit the next position
            if str(a.get("clientAlgoId", "")).split(".")[0] not in open_ids:
                problems.append(f"{a['symbol']} {a['positionSide']}: leg {a.get('clientAlgoId')} of no open bracket")
    for key in sorted(set(held) | set(brackets)):
        if abs(held.get(key, 0.0) - brackets.get(key, 0.0)) > 1e-9:
            problems.append(f"position {key} holds {held.get(key, 0.0)}, our open brackets {brackets.get(key, 0.0)}")
    if not duplicates:
        return problems
    client = await make_async_client(suite.sim)
    try:
        for symbol in SYMBOLS:
            placed = Counter(o["clientOrderId"] for o in await client.futures_get_all_orders(symbol=symbol, limit=1000))
            algos = Counter(a["clientAlgoId"] for a in await client.futures_get_all_algo_orders(symbol=symbol))
            problems += [f"{symbol}: order {cid} placed {n} times" for cid, n in placed.items() if n > 1]
            problems += [f"{symbol}: algo order {cid} placed {n} times" for cid, n in algos.items() if n > 1]
    finally:
        await client.close_connection()
    return problems


async def settle(suite: Suite, vm_id: str, pulse_ms: int, when: str, timeout: float = 180,
                 duplicates: bool = False) -> None:
    """Waits until the VM is live with the pulse at ``pulse_ms``, no real order waits for the broker, and
    the exchange holds exactly our open brackets, each with its stop and take, nothing placed twice."""
    state: list[str] = []

    async def settled() -> bool:
        vm = await suite.vm(vm_id)
        if vm.state != orders_pb2.VM_STATE_LIVE or vm.last_pulse_ms < pulse_ms:
            state[:] = [f"VM {orders_pb2.VmState.Name(vm.state)} at pulse {vm.last_pulse_ms} {vm.error}"]
            return False
        sent = await suite.sent_orders(vm_id)
        state[:] = ([f"orders still SENT to the broker: {sent}"] if sent
                    else await exchange_problems(suite, vm_id, duplicates))
        return not state
    try:
        await wait_for(settled, timeout, f"the suite to settle at {when}", step=0.1)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {state}") from None


# --- one run ---------------------------------------------------------------------------------------

@dataclass
class Run:
    """A VM from ``T0 - HISTORY_MS`` through history, then live one stepped minute at a time to ``T_END``."""

    live: Snapshot
    backtest: Snapshot | None = None
    faults_left: list[Any] = field(default_factory=list)  # exchange_sim faults that never fired
    restarts: dict[str, int] = field(default_factory=dict)  # supervisor's restarts per child


async def run_suite(tmp: Path, *, during_history: Hook | None = None, at_minute: dict[int, Hook] | None = None,
                    backtest: bool = False) -> Run:
    """Runs the suite on the fixed market; ``during_history`` runs while the VM loads, ``at_minute[m]``
    after the m-th live step (1-based). With ``backtest``, a second VM then replays the same window
    as history only (ending at ``T_END``)."""
    tmp.mkdir(parents=True, exist_ok=True)
    suite = Suite(suite_env(tmp / "data"), tmp / "suite.log")
    hooks = at_minute or {}
    started = time.monotonic()

    def mark(what: str) -> None:
        line = f"{time.monotonic() - started:7.1f} s  {what}"
        print(line, flush=True)  # phase timings, shown on failure
        with (tmp / "phases.txt").open("a") as f:
            f.write(line + "\n")
    try:
        await suite.start()
        mark("suite ready")
        vm_id = await suite.create_vm("e2e")
        if during_history is not None:
            await during_history(suite, vm_id)

        async def live() -> bool:
            return (await suite.vm(vm_id)).state == orders_pb2.VM_STATE_LIVE
        await wait_for(live, 180, "the VM to go live")
        mark("VM live")
        for minute in range(1, LIVE_MINUTES + 1):
            now = await suite.step()
            if minute in hooks:
                await hooks[minute](suite, vm_id)

            # Lockstep: the market moves on once the VM has this minute's pulse and the broker has answered
            # and caught up with the exchange, so every bracket fills and closes at the same prices in every
            # run however loaded the machine or faulty the exchange (a step every ~0.1-0.5 s here).
            await settle(suite, vm_id, now - 1, f"minute {minute}")
        mark("clock at T_END")
        await settle(suite, vm_id, T_END - 1, "the end of the window", duplicates=True)
        mark("settled")
        result = Run(await snapshot(suite, vm_id))
        result.faults_left = (await suite.admin("GET", "/_sim/faults")).get("faults", [])
        result.restarts = dict(Counter(e["child"] for e in suite.events()
                                       if e.get("event") == "child_started" and e.get("restarts")))
        if backtest:
            bt_id = await suite.create_vm("e2e-backtest", end_ms=T_END)

            async def finished() -> bool:
                return (await suite.vm(bt_id)).state == orders_pb2.VM_STATE_FINISHED
            await wait_for(finished, 180, "the backtest VM to finish")
            result.backtest = await snapshot(suite, bt_id)
            mark("backtest finished")
    except BaseException:
        print(suite.tail(60))  # shown by pytest with the failure
        await suite.stop()
        raise
    # Stopped here, not in a try's else: a return inside the try skipped the else, and every passing run
    # left its suite running until the test process ended.
    code = await suite.stop()
    assert code == 0, f"the supervisor exited with {code}:\n{suite.tail()}"
    return result
