"""python -m web_bridge: paraclient's Socket.IO protocol over the gRPC services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

from aiohttp import web

from parayok.logs import setup_logging
from parayok.memory import settle
from parayok.settings import split_host_port

from .app import build_app
from .settings import WebSettings


async def serve(settings: WebSettings) -> None:
    log = logging.getLogger("web_bridge")
    app, _ = build_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    host, port = split_host_port(settings.web_addr)
    site = web.TCPSite(runner, host, port)
    await site.start()
    # Everything made so far (modules, stubs, settings) lives as long as the process: kept out of the
    # collector's full passes, which otherwise walk it while every client waits (a tail of the chart
    # latency under load).
    settle()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    log.info("ready", extra={"event": "ready", "addr": settings.web_addr, "pid": os.getpid()})
    await stop.wait()
    log.info("stopping", extra={"event": "stopping", "addr": settings.web_addr, "pid": os.getpid()})
    await asyncio.wait_for(runner.cleanup(), timeout=settings.shutdown_grace)
    log.info("stopped", extra={"event": "stopped", "addr": settings.web_addr, "pid": os.getpid()})


def main() -> None:
    settings = WebSettings()
    setup_logging("web_bridge", settings.log_level, settings.log_format)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
