"""Shared test helpers: free loopback ports, environments for real service processes, stopping them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from parayok.services import SERVICES

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes], grace_s: float) -> int:
    """SIGTERMs ``proc`` and gives it ``grace_s`` to end; kills it if it does not (left running, it would outlive
    the test run). Returns its exit code (negative: the signal that ended it)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait(timeout=10)


def grpc_test_server(**kw: Any) -> grpc.aio.Server:
    """A grpc.aio server for tests, passing `kw` on to grpc.aio.server."""
    # gRPC sets SO_REUSEPORT by default on Linux, so two xdist workers handed the same free_port() would both bind it
    # and silently split connections; without it a collision fails loudly at bind.
    return grpc.aio.server(options=[("grpc.so_reuseport", 0)], **kw)


@pytest.fixture
def suite_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment that gives every service its own free loopback port and data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARAYOK_")}
    env["PARAYOK_DATA_DIR"] = str(tmp_path / "data")
    env["PARAYOK_LOG_FORMAT"] = "json"
    env["PYTHONPATH"] = str(ROOT)
    for spec in SERVICES:
        env[f"PARAYOK_{spec.name.upper()}_ADDR"] = f"127.0.0.1:{free_port()}"
    yield env


PYTHON = sys.executable
