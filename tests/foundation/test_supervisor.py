"""`python -m parayok up` as a real process tree: all healthy, restarts, no orphans."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parayok.bootstrap import wait_serving
from parayok.supervisor import dies_with_parent
from tests.conftest import PYTHON, stop_process

MODULES = {"candle_service", "analysis_service", "order_service", "broker_service", "notify_service",
           "web_bridge"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


class Suite:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(dies_with_parent([PYTHON, "-m", "parayok", "up"]), env=env, stdout=subprocess.PIPE,
                                     stderr=self.log)

    def events(self) -> list[dict[str, object]]:
        out = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def wait_event(self, event: str, timeout: float, **match: object) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events():
                if e.get("event") == event and all(e.get(k) == v for k, v in match.items()):
                    return e
            time.sleep(0.1)
        raise AssertionError(f"no {event} {match} in {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def child_pids(self) -> dict[str, int]:
        pids: dict[str, int] = {}
        for e in self.events():
            if e.get("event") == "child_started":
                pids[str(e["child"])] = int(e["pid"])  # type: ignore[call-overload]
        return pids


@pytest.fixture
def suite(suite_env: dict[str, str], tmp_path: Path) -> Iterator[Suite]:
    s = Suite(suite_env, tmp_path / "supervisor.log")
    yield s
    if s.proc.poll() is None:
        s.proc.kill()
        s.proc.wait(timeout=10)


def test_all_services_healthy_table_then_sigterm_leaves_no_child(suite: Suite) -> None:
    started = time.monotonic()
    ready = suite.wait_event("suite_ready", timeout=60)
    assert float(ready["startup_s"]) <= 20  # type: ignore[arg-type]
    assert time.monotonic() - started < 30
    pids = suite.child_pids()
    assert set(pids) == MODULES
    for name, addr_var in [("candle", "CANDLE"), ("order", "ORDER"), ("broker", "BROKER")]:
        asyncio.run(wait_serving(suite.env[f"PARAYOK_{addr_var}_ADDR"], timeout=5))
        assert name
    suite.proc.send_signal(signal.SIGTERM)
    out, _ = suite.proc.communicate(timeout=15)
    table = out.decode()
    for module in MODULES:
        assert module in table
    assert "SERVING" in table and "PID" in table
    assert suite.proc.returncode == 0
    time.sleep(0.2)
    assert not [p for p in pids.values() if _alive(p)], "children outlived the supervisor"


def test_killed_child_is_restarted(suite: Suite) -> None:
    suite.wait_event("suite_ready", timeout=60)
    victim = suite.child_pids()["order_service"]
    os.kill(victim, signal.SIGKILL)
    suite.wait_event("child_died", timeout=10)
    deadline = time.monotonic() + 30
    while suite.child_pids()["order_service"] == victim:
        assert time.monotonic() < deadline, "order_service was not restarted"
        time.sleep(0.1)
    new_pid = suite.child_pids()["order_service"]
    assert new_pid != victim and _alive(new_pid)
    asyncio.run(wait_serving(suite.env["PARAYOK_ORDER_ADDR"], timeout=20))
    suite.proc.send_signal(signal.SIGTERM)
    suite.proc.wait(timeout=15)
    time.sleep(0.2)
    assert not _alive(new_pid)


def test_sigkill_of_supervisor_takes_children_down(suite: Suite) -> None:
    suite.wait_event("suite_ready", timeout=60)
    pids = list(suite.child_pids().values())
    suite.proc.kill()
    suite.proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids):
        assert time.monotonic() < deadline, "orphans survived a SIGKILL of the supervisor"
        time.sleep(0.1)


def test_sim_market_starts_exchange_sim_and_candles_flow(suite_env: dict[str, str], tmp_path: Path) -> None:
    """`make run MARKET=sim`: exchange_sim is a child too, and candle_service reads it."""
    import grpc

    from parayok.v1 import candles_pb2, candles_pb2_grpc, common_pb2
    from tests.conftest import free_port

    env = dict(suite_env, PARAYOK_MARKET="sim", PARAYOK_SIM_URL=f"http://127.0.0.1:{free_port()}",
               PARAYOK_SIM_SPEED="60")
    s = Suite(env, tmp_path / "supervisor-sim.log")
    try:
        s.wait_event("suite_ready", timeout=90)
        assert set(s.child_pids()) == MODULES | {"exchange_sim"}
        with grpc.insecure_channel(env["PARAYOK_CANDLE_ADDR"]) as channel:
            stub = candles_pb2_grpc.CandleServiceStub(channel)
            batches = list(stub.GetCandles(candles_pb2.GetCandlesRequest(
                symbol="BTCUSDT", timeframe=common_pb2.TIMEFRAME_1H, limit=48), timeout=60))
        assert sum(len(b.open_time) for b in batches) == 48
    finally:
        # killed if it ignores SIGTERM (no supervisor left behind; its children die with it: pdeathsig)
        assert stop_process(s.proc, 20) != -signal.SIGKILL, "the supervisor ignored SIGTERM"
