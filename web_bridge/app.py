"""The web bridge's HTTP side: one aiohttp application serving ``/socket.io/`` for both Engine.IO
protocol versions, and ``/healthz``.

``/socket.io/?EIO=3…`` (socket.io-client 2.x: paraclient as it ships) goes to :mod:`web_bridge.eio3`;
anything else to python-socketio 5 (Engine.IO v4). Both hand events to the same
:class:`~web_bridge.bridge.Bridge` and share the hub's rooms, so a push reaches clients of either.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import engineio.packet
import socketio
from aiohttp import web

from . import wire
from .backends import Addresses, Backends
from .bridge import Bridge, Session
from .eio3 import Eio3Server
from .hub import Hub
from .settings import WebSettings

log = logging.getLogger("web_bridge")

BRIDGE_KEY = web.AppKey("bridge", Bridge)
HUB_KEY = web.AppKey("hub", Hub)
EIO3_KEY = web.AppKey("eio3", Eio3Server)


class Sio4Transport:
    """The hub's view of python-socketio: its rooms are the hub's rooms for v4 clients."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def enter_room(self, session: Session, room: str) -> None:
        await self.sio.enter_room(session.sid, room)

    async def leave_room(self, session: Session, room: str) -> None:
        await self.sio.leave_room(session.sid, room)

    async def broadcast(self, room: str, event: str, data: Any) -> None:
        await self.sio.emit(event, data, room=room)


class _SioServer(socketio.AsyncServer):
    """python-socketio's server, answering a ``get_chart`` whose chart is cached without its task per event.

    With ``async_handlers`` python-socketio runs every event in a new task (one more task switch and
    allocation per request); a cached chart needs no await to be found, so it is answered inline, from
    the websocket's reader. Anything else — another event, an ack requested, a chart not ready — takes
    python-socketio's own path. ``_handle_event`` is python-socketio's internal dispatch (5.x); the tests
    of tests/web exercise both paths against the installed version."""

    def __init__(self, ready: Callable[[str, Any], tuple[str, wire.Raw] | None], **kw: Any) -> None:
        super().__init__(**kw)
        self.ready = ready

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: int | None, data: Any) -> None:
        if id is None and (namespace or "/") == "/" and isinstance(data, list) and len(data) in (1, 2) \
                and data[0] == "get_chart":
            sid = self.manager.sid_from_eio_sid(eio_sid, "/")
            reply = self.ready(sid, data[1] if len(data) > 1 else None) if sid is not None else None
            if reply is not None:
                name, raw = reply
                await self.eio.send_packet(eio_sid, raw.packet(("eio4", name), lambda: _eio4_message(name, raw)))
                return
        await super()._handle_event(eio_sid, namespace, id, data)  # type: ignore[misc]


def _eio4_message(event: str, data: wire.Raw) -> engineio.packet.Packet:
    """An Engine.IO v4 message carrying a Socket.IO v5 event on ``/``, encoded now (the packet keeps its
    encoding in ``encode_cache`` and hands it to every later send)."""
    pkt = engineio.packet.Packet(engineio.packet.MESSAGE, data="2" + wire.dumps([event, data]))
    pkt.encode_cache = wire.Utf8Text(pkt.encode())
    return pkt


def build_app(settings: WebSettings) -> tuple[web.Application, socketio.AsyncServer]:
    token = settings.web_token.get_secret_value()
    origins = settings.cors_origins()

    def token_ok(presented: object) -> bool:
        return not token or (isinstance(presented, str) and hmac.compare_digest(presented.encode(), token.encode()))

    backends = Backends(Addresses(settings.candle_addr, settings.analysis_addr, settings.order_addr,
                                  settings.broker_addr), timeout=settings.web_rpc_timeout)
    bridge = Bridge(backends, token_required=bool(token))
    hub = Hub(bridge, backends)
    sessions: dict[str, Session] = {}

    def ready_chart(sid: str, payload: Any) -> tuple[str, wire.Raw] | None:
        session = sessions.get(sid)
        return bridge.ready_chart(session, payload) if session is not None else None

    sio = _SioServer(
        ready_chart, async_mode="aiohttp", cors_allowed_origins=origins, cors_credentials=True, json=wire,
        ping_interval=settings.web_ping_interval, ping_timeout=settings.web_ping_timeout,
        max_http_buffer_size=1_000_000,
    )
    v4 = Sio4Transport(sio)
    eio3 = Eio3Server(bridge, hub, accept=lambda req: token_ok(req.query.get("token")),
                      origin_allowed=lambda origin: origin in origins,
                      ping_interval=settings.web_ping_interval, ping_timeout=settings.web_ping_timeout)
    hub.transports = [v4, eio3]
    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        presented = auth.get("token") if isinstance(auth, dict) else None
        if presented is None:
            presented = (parse_qs(environ.get("QUERY_STRING", "")).get("token") or [None])[0]
        if not token_ok(presented):
            log.warning("connection refused", extra={"event": "auth_refused", "transport": "eio4"})
            return False
        session = sessions[sid] = Session(sid=sid, transport="eio4", authenticated=True)
        await hub.connected(v4, session)
        log.info("connected", extra={"event": "connected", "sid": sid, "transport": "eio4"})
        return True

    @sio.event
    async def disconnect(sid: str, *_: Any) -> None:
        session = sessions.pop(sid, None)
        if session is not None:
            await hub.disconnected(session)
            log.info("disconnected", extra={"event": "disconnected", "sid": sid, "transport": "eio4"})

    @sio.on("*")
    async def any_event(event: str, sid: str, *args: Any) -> Any:
        session = sessions.get(sid)
        if session is None:
            return None
        reply = await bridge.handle(session, event, args[0] if args else None)
        if reply is None:
            return None
        name, data = reply
        if isinstance(data, wire.Raw):
            # A cached chart: every requester in the cache window gets the same Engine.IO packet, encoded
            # (JSON, Socket.IO and Engine.IO framing, UTF-8) once instead of once per reply.
            eio_sid = sio.manager.eio_sid_from_sid(sid, "/")
            if eio_sid is None:
                return None
            await sio.eio.send_packet(eio_sid, data.packet(("eio4", name), lambda: _eio4_message(name, data)))
        else:
            await sio.emit(name, data, to=sid)
        return data  # also the ack, for clients that ask for one

    async def socket_io(request: web.Request) -> web.StreamResponse:
        if request.query.get("EIO") == "3":
            return await eio3.handle(request)
        return await sio.handle_request(request)  # type: ignore[no-any-return]

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "SERVING", "clients": len(sessions) + len(eio3.sockets),
                                  "streams": dict(hub.streams_up)})

    async def on_startup(_: web.Application) -> None:
        eio3.start()
        hub.start()

    async def on_shutdown(_: web.Application) -> None:
        # Before aiohttp waits for in-flight handlers: end held polls and websockets of both protocols.
        await hub.stop()
        await eio3.stop()
        await sio.shutdown()

    async def on_cleanup(_: web.Application) -> None:
        await backends.close()

    app = web.Application(client_max_size=1_000_000)
    app[BRIDGE_KEY] = bridge
    app[HUB_KEY] = hub
    app[EIO3_KEY] = eio3
    app.router.add_route("*", "/socket.io/", socket_io)
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app, sio
