"""Drives tests/web/node/v3_client.js (socket.io-client 2.5 = Engine.IO v3, paraclient's client) from
pytest, and installs the Node packages (``npm ci``) when node_modules is missing."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent / "node"
WAIT = 20.0


def ensure_node_modules() -> None:
    """``npm ci`` once (a file lock keeps parallel test workers from installing together)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed for the Engine.IO v3 tests (apt-get install nodejs npm)")
    with open(NODE_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (NODE_DIR / "node_modules" / "socket.io-client").is_dir() and \
                (NODE_DIR / "node_modules" / "playwright-core").is_dir():
            return
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=600,
                       stdout=subprocess.DEVNULL)


class NodeClient:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def _line(self, timeout: float = WAIT) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            err = await self.proc.stderr.read() if self.proc.stderr else b""
            raise AssertionError(f"node client exited: {err.decode()[-2000:]}")
        return json.loads(raw)  # type: ignore[no-any-return]

    async def _send(self, cmd: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()

    async def request(self, event: str, payload: Any, reply: str, timeout: float = WAIT) -> Any:
        cmd: dict[str, Any] = {"op": "emit", "event": event, "reply": reply}
        if payload is not ...:
            cmd["payload"] = payload
        await self._send(cmd)
        line = await self._line(timeout)
        assert line["op"] == "reply" and line["event"] == reply, line
        return line["data"]

    async def emit(self, event: str, payload: Any) -> None:
        await self._send({"op": "emit", "event": event, "payload": payload})

    async def wait(self, event: str, timeout: float = WAIT) -> Any:
        await self._send({"op": "wait", "event": event})
        line = await self._line(timeout)
        assert line["op"] == "event" and line["event"] == event, line
        return line["data"]

    async def upgraded(self) -> str:
        await self._send({"op": "upgrade"})
        return str((await self._line())["name"])

    async def transport(self) -> str:
        await self._send({"op": "transport"})
        return str((await self._line())["name"])


@contextlib.asynccontextmanager
async def node_v3_client(url: str, **opts: Any) -> AsyncIterator[NodeClient]:
    """A connected socket.io-client 2 (raises AssertionError with the reason if it cannot connect)."""
    proc = await asyncio.create_subprocess_exec(
        "node", str(NODE_DIR / "v3_client.js"), url, json.dumps(opts), cwd=NODE_DIR,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        limit=64 * 1024 * 1024)
    client = NodeClient(proc)
    try:
        first = await client._line()
        if first["op"] != "connected":
            raise ConnectionRefusedError(first.get("error", str(first)))
        yield client
    finally:
        if proc.returncode is None:
            with contextlib.suppress(Exception):
                await client._send({"op": "close"})
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                proc.kill()
                await proc.wait()
