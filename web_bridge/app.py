"""The web bridge's HTTP side: an aiohttp application with Socket.IO attached and ``/healthz``."""

from __future__ import annotations

import socketio
from aiohttp import web

from .settings import WebSettings


def build_app(settings: WebSettings) -> tuple[web.Application, socketio.AsyncServer]:
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=settings.cors_origins())
    app = web.Application()
    sio.attach(app)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "SERVING"})

    app.router.add_get("/healthz", healthz)
    return app, sio
