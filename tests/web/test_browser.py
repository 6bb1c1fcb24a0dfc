"""A real browser: headless Chromium loads a page from another origin that uses socket.io-client 2 (as
paraclient does), connects to the bridge with credentials (CORS echo), upgrades to websocket, asks for a
chart and the entries, and renders them; the test reads what the page shows."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import free_port

from .conftest import bridge_stack
from .doubles import E_ACTIVE, E_WON, SIM_START
from .node_client import NODE_DIR, ensure_node_modules

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PAGE_DIR = Path(__file__).resolve().parent / "page"


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


async def test_page_in_headless_chromium_renders_chart_and_entries(candles: Any) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run tests/web/install_browser.sh (apt-get install chromium)")
    page_port = free_port()
    origin = f"http://127.0.0.1:{page_port}"
    async def page(_: web.Request) -> web.StreamResponse:
        return web.FileResponse(PAGE_DIR / "index.html")

    async def favicon(_: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def client_lib(_: web.Request) -> web.StreamResponse:
        return web.FileResponse(NODE_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.js")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get("/socket.io.js", client_lib)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", page_port).start()
    try:
        # A deadline for a loaded CI machine (the bridge's 2 s default answered a cold first chart with its
        # error there): this test is about the page, test_errors_security about deadlines.
        async with bridge_stack(candles, web_cors=origin, web_rpc_timeout=20.0) as s:
            proc = await asyncio.create_subprocess_exec(
                "node", str(NODE_DIR / "browser.js"), f"{origin}/?bridge={s.url}", cwd=NODE_DIR,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=dict(os.environ, CHROMIUM=CHROMIUM))
            try:
                out, err = await asyncio.wait_for(proc.communicate(), 90)
            except TimeoutError:
                # left running, node would outlive the test; chromium exits when its pipe to node closes
                proc.kill()
                await asyncio.wait_for(proc.wait(), 10)
                raise
            assert proc.returncode == 0, err.decode()[-2000:]
            shown = json.loads(out.decode().strip().splitlines()[-1])
    finally:
        await runner.cleanup()
    assert "failure" not in shown, shown
    assert shown["errors"] == []
    assert shown["status"] == "connected" and shown["transport"] == "websocket"
    chart = dict(kv.split("=") for kv in shown["chart"].split(" ")[1:])
    assert shown["chart"].startswith("BTCUSDT-1h ")
    assert chart["candles"] == "1000" and chart["last"] == str(SIM_START - 1) and chart["cdebug"] == "2"
    assert int(chart["first"]) == SIM_START - 1000 * 3_600_000
    assert shown["entries"] == [
        [E_ACTIVE.id, "buy", "active", "Y", "cmt RSI:P MAXPRF:0.83 [at tp]"],
        [E_WON.id, "sell", "won", "N", "cmt RSI:P MAXPRF:0.83 [at tp]"],
    ]
