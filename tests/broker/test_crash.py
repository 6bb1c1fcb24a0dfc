"""SIGKILL of a real ``python -m broker_service`` at every step of a bracket placement, then a
restart: the end state at the exchange is exactly one position with one stop and one take, or no
position at all. The API key and secret appear in no log line and no RPC answer."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio

from broker_service.crash import STEPS
from exchange_sim.testing import SimHandle, running_sim
from parayok.bootstrap import wait_serving
from parayok.supervisor import dies_with_parent
from parayok.v1 import broker_pb2, broker_pb2_grpc, common_pb2
from tests.conftest import stop_process

from .conftest import bracket_req, eventually, sim_account_state

PRICES = {"BTCUSDT": "50000", "ETHUSDT": "3000", "LTCUSDT": "100", "BNBUSDT": "800"}
KEY = "Kx7-api-key-that-must-never-leak-0001"
SECRET = "Sx9-api-secret-that-must-never-leak-02"


class Broker:
    """One broker_service process; its stderr goes to a file that the secrets check reads."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.addr = env["PARAYOK_BROKER_ADDR"]
        self.log = log
        with log.open("ab") as err:
            argv = dies_with_parent([sys.executable, "-m", "broker_service"])
            self.proc = subprocess.Popen(argv, env=env, stdout=err, stderr=err)
        self.channel = grpc.aio.insecure_channel(self.addr)
        self.stub = broker_pb2_grpc.BrokerServiceStub(self.channel)

    async def ready(self) -> None:
        await wait_serving(self.addr, timeout=30)

        async def connected() -> bool:
            try:
                a = await self.stub.GetAccount(broker_pb2.GetAccountRequest(account_id="sim"), timeout=5)
            except grpc.aio.AioRpcError:
                return False
            return a.connected

        await eventually(connected, 30, "the account to connect")

    async def wait_dead(self) -> int:
        for _ in range(300):  # bounded: 30 s
            code = self.proc.poll()
            if code is not None:
                return code
            await asyncio.sleep(0.1)
        raise AssertionError("broker_service did not die")

    async def stop(self) -> None:
        await self.channel.close()
        await asyncio.to_thread(stop_process, self.proc, 15)


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SimHandle]:
    accounts = [{"api_key": KEY, "secret": SECRET, "balance": "10000", "dual": True}]
    async with running_sim(hedge=True, symbols=list(PRICES), accounts=accounts) as s:
        for symbol, price in PRICES.items():
            await s.admin.set_price(symbol, price)
        yield s


def broker_env(suite_env: dict[str, str], sim: SimHandle, crash_at: str = "") -> dict[str, str]:
    env = dict(suite_env)
    env.update(
        {
            "PARAYOK_BROKER_KIND": "sim",
            "PARAYOK_BROKER_ACCOUNT_ID": "sim",
            "PARAYOK_SIM_URL": sim.base_url,
            "PARAYOK_BINANCE_API_KEY": KEY,
            "PARAYOK_BINANCE_API_SECRET": SECRET,
            "PARAYOK_BROKER_SYMBOLS": ",".join(PRICES),
            "PARAYOK_BROKER_REQUEST_TIMEOUT_S": "2",
            "PARAYOK_LOG_LEVEL": "DEBUG",
            "PARAYOK_BROKER_CRASH_AT": crash_at,
        }
    )
    os.makedirs(env["PARAYOK_DATA_DIR"], exist_ok=True)
    return env


# One bracket per step, each on its own symbol and side (hedge mode), placed by a process that is
# SIGKILLed at that step; the next process (itself set to die at the next step) resumes it at boot.
CASES: list[tuple[str, int, float, float, float]] = [
    ("BTCUSDT", common_pb2.SIDE_BUY, 0.01, 49000, 51000),
    ("BTCUSDT", common_pb2.SIDE_SELL, 0.01, 51000, 49000),
    ("ETHUSDT", common_pb2.SIDE_BUY, 0.1, 2900, 3100),
    ("ETHUSDT", common_pb2.SIDE_SELL, 0.1, 3100, 2900),
    ("LTCUSDT", common_pb2.SIDE_BUY, 1, 95, 105),
    ("LTCUSDT", common_pb2.SIDE_SELL, 1, 105, 95),
    ("BNBUSDT", common_pb2.SIDE_BUY, 1, 780, 820),
    ("BNBUSDT", common_pb2.SIDE_SELL, 1, 820, 780),
]
assert len(CASES) == len(STEPS)


def request(k: int) -> broker_pb2.PlaceBracketOrderRequest:
    symbol, side, qty, sl, tp = CASES[k]
    return bracket_req(f"x-{k}", side, qty, sl, tp, symbol=symbol)  # type: ignore[arg-type]


async def end_state(sim: SimHandle, symbol: str, ps: str) -> tuple[Decimal, list[tuple[str, str]]]:
    state = await sim_account_state(sim)
    amt = sum(
        (abs(Decimal(p["amt"])) for p in state["positions"] if p["symbol"] == symbol and p["positionSide"] == ps),
        Decimal(0),
    )
    algos = sorted(
        (a["orderType"], a["quantity"])
        for a in state["open_algo_orders"]
        if a["symbol"] == symbol and a["positionSide"] == ps
    )
    return amt, algos


async def check_settled(broker: Broker, sim: SimHandle, k: int) -> broker_pb2.Bracket:
    step = STEPS[k]
    req = request(k)

    async def settled() -> bool:
        try:
            b = await broker.stub.GetBracket(
                broker_pb2.GetBracketRequest(account_id="sim", client_order_id=req.client_order_id), timeout=5
            )
        except grpc.aio.AioRpcError:
            return False
        return b.state != broker_pb2.BRACKET_STATE_PENDING

    await eventually(settled, 30, f"bracket {req.client_order_id} (killed at {step}) to settle")
    # the caller retries with the same client order id: the same bracket, never a second position
    b = await broker.stub.PlaceBracketOrder(req, timeout=30)
    again = await broker.stub.PlaceBracketOrder(req, timeout=30)
    assert again.state == b.state and again.filled_quantity == b.filled_quantity
    ps = "LONG" if req.side == common_pb2.SIDE_BUY else "SHORT"
    amt, algos = await end_state(sim, req.symbol, ps)
    q = Decimal(str(req.quantity)).quantize(Decimal("0.001") if req.quantity < 1 else Decimal("0.01"))
    if step == "rolling_back":
        assert b.state == broker_pb2.BRACKET_STATE_FAILED and "position closed" in b.error, b
        assert (amt, algos) == (0, []), (step, amt, algos)
    else:
        assert b.state == broker_pb2.BRACKET_STATE_OPEN, (step, b)
        assert amt == q and [t for t, _ in algos] == ["STOP_MARKET", "TAKE_PROFIT_MARKET"], (step, amt, algos)
        assert all(Decimal(x) == q for _, x in algos), (step, algos)
    return b


async def test_sigkill_at_every_step_then_restart(sim: SimHandle, suite_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "broker.log"
    answers: list[Any] = []
    previous: Broker | None = None
    for k, step in enumerate(STEPS):
        broker = Broker(broker_env(suite_env, sim, crash_at=f"{step}@x-{k}"), log)
        try:
            await broker.ready()
            if previous is not None:
                answers.append(await check_settled(broker, sim, k - 1))
            if step == "rolling_back":
                # the legs cannot be placed (503, not executed): the rollback is what gets killed
                await sim.admin.fault("503", count=8, path="algoOrder", method="POST")
            with pytest.raises(grpc.aio.AioRpcError) as e:
                await broker.stub.PlaceBracketOrder(request(k), timeout=30)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE, (step, e.value)
            assert await broker.wait_dead() == -9
            await sim.admin.clear_faults()
        finally:
            await broker.stop()
        previous = broker
    last = Broker(broker_env(suite_env, sim), log)
    try:
        await last.ready()
        answers.append(await check_settled(last, sim, len(STEPS) - 1))
        answers += [
            await last.stub.ListAccounts(broker_pb2.ListAccountsRequest(), timeout=30),
            await last.stub.GetAccount(broker_pb2.GetAccountRequest(account_id="sim"), timeout=30),
            await last.stub.ListOpenOrders(broker_pb2.ListOpenOrdersRequest(account_id="sim"), timeout=30),
        ]
        # every event since the first, durable across the eight kills
        answers += await read_events(last.stub)
    finally:
        await last.stop()
    assert len([a for a in answers if isinstance(a, broker_pb2.AccountEvent)]) > 40
    text = log.read_text()
    for step in STEPS:
        assert f'"step": "{step}"' in text
    for secret in (KEY, SECRET):
        assert secret not in text, "an API credential reached the logs"
        assert all(secret.encode() not in a.SerializeToString() for a in answers), "an API credential in an answer"


async def read_events(stub: broker_pb2_grpc.BrokerServiceStub) -> list[broker_pb2.AccountEvent]:
    out: list[broker_pb2.AccountEvent] = []
    # after_event_id=0 means "only new ones": replay from after the first event
    call = stub.StreamAccountEvents(broker_pb2.StreamAccountEventsRequest(account_id="sim", after_event_id=1))
    try:
        while True:
            ev = await asyncio.wait_for(call.read(), 3)  # idle bound: the backlog is read in well under it
            if ev is grpc.aio.EOF:
                break
            out.append(ev)
    except TimeoutError:
        pass
    finally:
        call.cancel()
    ids = [e.event_id for e in out]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    return out
