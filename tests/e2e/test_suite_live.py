"""The whole suite as real processes (`python -m parayok up`, exchange_sim at 10× speed): a VM goes
from history to live, its entries become orders through the plan, a live order becomes a bracket at
exchange_sim, fills come back, Telegram hears about it, and a Socket.IO client sees every step."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from pathlib import Path

import aiohttp
import grpc
import socketio

from notify_service.testing import running_botapi
from parayok.bootstrap import wait_serving
from parayok.supervisor import dies_with_parent
from parayok.v1 import broker_pb2, broker_pb2_grpc, common_pb2, orders_pb2, orders_pb2_grpc
from tests.conftest import PYTHON, ROOT, free_port, stop_process

CHAT = 4242
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]


def events(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


async def wait_for(predicate, timeout: float, what: str, step: float = 0.5):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # bounded poll of a real system's state
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


async def node_client_calls_the_api(env: dict[str, str], vm_id: str) -> None:
    node_dir = ROOT / "tests" / "e2e" / "node"
    if not (node_dir / "node_modules" / "@grpc" / "grpc-js").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=node_dir, check=True, timeout=300)
    proc = await asyncio.create_subprocess_exec(
        "node", str(node_dir / "client.js"), str(ROOT / "proto"), env["PARAYOK_CANDLE_ADDR"],
        env["PARAYOK_ORDER_ADDR"], vm_id, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    reply = json.loads(out)
    assert reply["candles"] == 24
    assert reply["total"] > 0 and len(reply["entries"]) == 5
    assert all(e["symbol"] in SYMBOLS and e["side"] in ("SIDE_BUY", "SIDE_SELL") for e in reply["entries"])
    assert reply["event"]["vm_id"] == vm_id and reply["event"]["kind"]


async def sim_state(sim_url: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.get(f"{sim_url}/_sim/state") as resp:
        assert resp.status == 200
        return await resp.json()  # type: ignore[no-any-return]


def unprotected_or_oversized(state: dict[str, object], brackets: dict[tuple[str, str], float]) -> list[str]:
    """Positions at the exchange without both a stop and a take, or larger than our one open bracket."""
    problems = []
    for account in state["accounts"]:  # type: ignore[attr-defined]
        algos = account["open_algo_orders"]
        for pos in account["positions"]:
            key = (pos["symbol"], pos["positionSide"])
            kinds = {a["orderType"] for a in algos if (a["symbol"], a["positionSide"]) == key}
            if not {"STOP_MARKET", "TAKE_PROFIT_MARKET"} <= kinds:
                problems.append(f"{key} has no stop and take: {kinds}")
            if abs(abs(float(pos["amt"])) - brackets.get(key, 0.0)) > 1e-9:
                problems.append(f"{key} holds {pos['amt']}, our open bracket {brackets.get(key)}")
    return problems


async def exchange_is_consistent(sim_url: str, broker: broker_pb2_grpc.BrokerServiceStub,
                                 orders: orders_pb2_grpc.OrderServiceStub, vm_id: str) -> bool:
    """Every exchange position is exactly one open bracket of ours, with its stop and take."""
    listed = await orders.ListOrders(orders_pb2.ListOrdersRequest(
        vm_id=vm_id, page=common_pb2.PageRequest(page_size=10_000)), timeout=10)
    brackets: dict[tuple[str, str], float] = {}
    for o in listed.orders:
        if not o.real.client_order_id:
            continue
        try:
            b = await broker.GetBracket(broker_pb2.GetBracketRequest(
                account_id="sim", client_order_id=o.real.client_order_id), timeout=10)
        except grpc.aio.AioRpcError as exc:
            # No bracket: an intent not sent yet, or refused before anything was recorded (FAILED).
            if exc.code() == grpc.StatusCode.NOT_FOUND and o.real.status in (
                    orders_pb2.REAL_ORDER_STATUS_SENT, orders_pb2.REAL_ORDER_STATUS_FAILED):
                continue
            raise
        if b.state == broker_pb2.BRACKET_STATE_OPEN:
            key = (b.symbol, "LONG" if b.side == common_pb2.SIDE_BUY else "SHORT")
            brackets[key] = brackets.get(key, 0.0) + b.filled_quantity
    return not unprotected_or_oversized(await sim_state(sim_url), brackets)


async def test_history_to_live_bracket_telegram_and_socketio(suite_env: dict[str, str], tmp_path: Path) -> None:
    async with running_botapi() as telegram:
        sim_url = f"http://127.0.0.1:{free_port()}"
        env = dict(suite_env, PARAYOK_MARKET="sim", PARAYOK_SIM_URL=sim_url, PARAYOK_SIM_SPEED="10",
                   PARAYOK_BROKER_KIND="sim", PARAYOK_BROKER_ACCOUNT_ID="sim", PARAYOK_BROKER_SYMBOLS=",".join(SYMBOLS),
                   PARAYOK_DEFAULT_VM_ENABLED="false", PARAYOK_TELEGRAM_TOKEN=telegram.token,
                   PARAYOK_TELEGRAM_BASE_URL=telegram.base_url, PARAYOK_TELEGRAM_ALLOWED_CHATS=str(CHAT),
                   PARAYOK_TELEGRAM_POLL_TIMEOUT="1", PARAYOK_WEB_CORS="http://localhost:8080")
        log = tmp_path / "suite.log"
        with log.open("wb") as err:
            # stdout nobody reads: a pipe would block the supervisor once full
            suite = subprocess.Popen(dies_with_parent([PYTHON, "-m", "parayok", "up"]), env=env,
                                     stdout=subprocess.DEVNULL, stderr=err)
        sio = socketio.AsyncClient()
        pushes: dict[str, list[dict[str, object]]] = {}
        for name in ("entry_opened", "entry_closed", "order_opened", "order_closed", "real_order", "vm_status"):
            sio.on(name, (lambda n: lambda data: pushes.setdefault(n, []).append(data))(name))
        try:
            async def ready() -> bool:
                return any(e.get("event") == "suite_ready" for e in events(log))
            try:
                await wait_for(ready, 90, "the suite to be ready")
            except AssertionError:
                raise AssertionError("suite not ready:\n" + "\n".join(
                    line[:300] for line in log.read_text().splitlines()[-40:])) from None
            telegram.push_command(CHAT, "/start")
            await telegram.wait_sent(1, chat_id=CHAT, timeout=60)

            order_addr = env["PARAYOK_ORDER_ADDR"]
            await wait_serving(order_addr)
            async with grpc.aio.insecure_channel(order_addr) as channel:
                orders = orders_pb2_grpc.OrderServiceStub(channel)
                vm = await orders.CreateVm(orders_pb2.CreateVmRequest(vm=orders_pb2.Vm(
                    name="e2e", symbols=SYMBOLS, timeframes=[common_pb2.TIMEFRAME_1M], history_days=1,
                    broker_account="sim", broker_kind=orders_pb2.BROKER_KIND_BINANCE, live_trading=True,
                    plan=orders_pb2.Plan(start_sum=1000, stake_mode=orders_pb2.STAKE_MODE_FIXED, stake_fixed=5,
                                         leverage=20, cost_buy_percent=0.0004, cost_sell_percent=0.0004)),
                    start=True), timeout=30)
                await sio.connect(f"http://{env['PARAYOK_WEB_ADDR']}", headers={"Origin": "http://localhost:8080"},
                                  transports=["websocket"], wait_timeout=20)
                selected: list[dict[str, object]] = []
                sio.on("vm_selected", selected.append)
                await sio.emit("select_vm", {"vmId": vm.id})

                async def live() -> bool:
                    got = await orders.GetVm(orders_pb2.VmRef(vm_id=vm.id), timeout=10)
                    return got.state == orders_pb2.VM_STATE_LIVE
                await wait_for(live, 120, "the VM to go live")

                async def history_entries() -> int:
                    listed = await orders.ListEntries(orders_pb2.ListEntriesRequest(vm_id=vm.id), timeout=10)
                    return listed.total
                assert await history_entries() > 0, "a day of 1m history produced no entry"

                async def placed() -> list[orders_pb2.Order]:
                    listed = await orders.ListOrders(orders_pb2.ListOrdersRequest(
                        vm_id=vm.id, page=common_pb2.PageRequest(page_size=10_000)), timeout=10)
                    done = (orders_pb2.REAL_ORDER_STATUS_OPEN, orders_pb2.REAL_ORDER_STATUS_CLOSED)
                    return [o for o in listed.orders if o.real.status in done]
                try:
                    real = (await wait_for(placed, 240, "a live order to become a bracket at exchange_sim",
                                           step=1.0))[0]
                except AssertionError:
                    listed = await orders.ListOrders(orders_pb2.ListOrdersRequest(
                        vm_id=vm.id, page=common_pb2.PageRequest(page_size=10_000)), timeout=10)
                    seen = [(o.id, o.real.status, o.real.error) for o in listed.orders if o.real.client_order_id]
                    got = await orders.GetVm(orders_pb2.VmRef(vm_id=vm.id), timeout=10)
                    raise AssertionError(f"no bracket; {len(listed.orders)} orders, real: {seen[:5]}, vm: {got}, "
                                         f"log: {[e for e in events(log) if 'broker' in str(e.get('service'))][-5:]}"
                                         ) from None
                assert real.real.entry_id == real.id and real.real.symbol in SYMBOLS
                assert real.real.stop_order_id and real.real.take_order_id and real.real.filled_quantity > 0

            async with grpc.aio.insecure_channel(env["PARAYOK_BROKER_ADDR"]) as channel:
                broker = broker_pb2_grpc.BrokerServiceStub(channel)
                bracket = await broker.GetBracket(broker_pb2.GetBracketRequest(
                    account_id="sim", client_order_id=real.real.client_order_id), timeout=10)
                assert bracket.entry.status == broker_pb2.ORDER_STATUS_FILLED
                assert bracket.stop.is_algo and bracket.take.is_algo

                # exchange_sim itself: every position is one bracket of ours, with its stop and take.
                async with grpc.aio.insecure_channel(env["PARAYOK_ORDER_ADDR"]) as order_channel:
                    orders = orders_pb2_grpc.OrderServiceStub(order_channel)

                    async def consistent() -> bool:
                        return await exchange_is_consistent(sim_url, broker, orders, vm.id)
                    await wait_for(consistent, 30, "every exchange position to be a protected bracket")

                    # Exchange faults while live: dropped websockets, expired listen key, a 429 burst and an
                    # order accepted but answered 503. Trading goes on; still no duplicate, no naked position.
                    before = len(await placed())
                    async with aiohttp.ClientSession() as http:
                        for path, body in (("/_sim/drop_ws", {"kind": "all"}), ("/_sim/expire_listen_keys", {}),
                                           ("/_sim/faults", {"kind": "429", "count": 3}),
                                           ("/_sim/faults", {"kind": "accept_503", "count": 1,
                                                             "path": "/fapi/v1/order"})):
                            async with http.post(f"{sim_url}{path}", json=body) as resp:
                                assert resp.status == 200, await resp.text()

                    async def traded_after_faults() -> bool:
                        return len(await placed()) > before
                    await wait_for(traded_after_faults, 300, "a bracket after the faults", step=1.0)
                    await wait_for(consistent, 30, "a consistent exchange after the faults")

            # Another language, with nothing but proto/: a Node.js client of the running suite.
            await node_client_calls_the_api(env, vm.id)

            async def telegram_told() -> bool:
                return any(("Long" in t or "Short" in t) and real.real.symbol in t for t in telegram.texts(CHAT))
            await wait_for(telegram_told, 60, "a Telegram message about the real order")

            async def socket_saw() -> bool:
                return bool(pushes.get("real_order")) and bool(pushes.get("order_opened"))
            await wait_for(socket_saw, 60, "the Socket.IO client to see the real order")
            assert selected and selected[0].get("id") == vm.id
            assert any(p.get("vmId") == vm.id for p in pushes["real_order"])
        finally:
            with contextlib.suppress(Exception):
                await sio.disconnect()
            assert stop_process(suite, 30) == 0, log.read_text()[-3000:]
