"""Engine.IO protocol v3 + Socket.IO protocol v2 on aiohttp: what socket.io-client 2.x (paraclient's
vue-socket.io 3) speaks. python-engineio 4 answers such a client with HTTP 400, so this small server
sits in front of the same :class:`~web_bridge.bridge.Bridge` as the v4 one.

Engine.IO v3, as the client implements it (engine.io-client 3.5, engine.io-parser 2.2):

- packets: ``0`` open, ``1`` close, ``2`` ping, ``3`` pong, ``4`` message, ``5`` upgrade, ``6`` noop;
- long-polling payloads are ``<length>:<packet>`` concatenated, the length counted in UTF-16 code
  units (JavaScript string length); only text payloads (the bridge never sends binary);
- the CLIENT pings every ``pingInterval``; the server answers pong and drops a client silent for
  ``pingInterval + pingTimeout``;
- upgrade: the client opens a websocket with the session id, sends ``2probe`` (answer ``3probe``),
  the server ends the pending poll with a noop so the client can pause polling, then ``5`` switches.

Socket.IO v2 packets ride in Engine.IO messages: ``<type>[<nsp>,][<id>][json]`` with types ``0``
connect (the server connects the root namespace itself, right after the handshake), ``1``
disconnect, ``2`` event, ``3`` ack, ``4`` error. Binary events are refused; only ``/`` exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from . import wire
from .bridge import Bridge, Session
from .hub import Hub

log = logging.getLogger("web_bridge.eio3")

MAX_PAYLOAD = 1_000_000       # engine.io's maxHttpBufferSize default
MAX_QUEUE = 2_000             # packets waiting for a slow client before it is dropped
NOOP = "6"


def js_len(text: str) -> int:
    """Length as JavaScript counts it (UTF-16 code units)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def encode_payload(packets: list[str]) -> str:
    return "".join(f"{js_len(pkt)}:{pkt}" for pkt in packets)


def decode_payload(body: str) -> list[str]:
    """``<len>:<packet>…`` → packets; ValueError on a malformed payload."""
    out: list[str] = []
    units = body.encode("utf-16-le")
    i = 0
    n = len(units)
    while i < n:
        j = i
        while j < n and units[j:j + 2] != b":\x00":
            j += 2
        if j >= n:
            raise ValueError("payload: missing ':'")
        length_text = units[i:j].decode("utf-16-le")
        if not length_text.isdigit() or len(length_text) > 9:
            raise ValueError("payload: bad length")
        start = j + 2
        end = start + int(length_text) * 2
        if end > n:
            raise ValueError("payload: truncated packet")
        out.append(units[start:end].decode("utf-16-le", errors="strict"))
        i = end
    return out


def parse_sio(data: str) -> tuple[int, str, int | None, Any]:
    """A Socket.IO v2 packet → (type, namespace, ack id, decoded json or None)."""
    if not data or not data[0].isdigit():
        raise ValueError("socket.io packet: no type")
    kind = int(data[0])
    i = 1
    if kind in (5, 6):
        raise ValueError("socket.io packet: binary packets are not accepted")
    nsp = "/"
    if i < len(data) and data[i] == "/":
        comma = data.find(",", i)
        nsp = data[i:] if comma < 0 else data[i:comma]
        i = len(data) if comma < 0 else comma + 1
    j = i
    while j < len(data) and data[j].isdigit() and j - i < 12:
        j += 1
    ack = int(data[i:j]) if j > i else None
    body = data[j:]
    payload = wire.loads(body) if body else None
    return kind, nsp, ack, payload


class Eio3Socket:
    """One Engine.IO v3 session; its outgoing packets wait in one queue, whichever the transport."""

    def __init__(self, sid: str, session: Session) -> None:
        self.sid = sid
        self.session = session
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.transport = "polling"
        self.last_seen = time.monotonic()
        self.closed = asyncio.Event()
        self.polling = False           # a GET is being held
        self.tasks: set[asyncio.Task[Any]] = set()
        self.ws: web.WebSocketResponse | None = None

    def send(self, packet: str) -> bool:
        if self.closed.is_set():
            return False
        if self.queue.qsize() >= MAX_QUEUE:
            log.warning("client too slow, dropped", extra={"event": "slow_client", "sid": self.sid})
            self.closed.set()
            return False
        self.queue.put_nowait(packet)
        return True


class Eio3Server:
    """Serves ``/socket.io/?EIO=3…`` requests; implements the hub's Transport for its clients."""

    def __init__(self, bridge: Bridge, hub: Hub, accept: Callable[[web.Request], bool],
                 origin_allowed: Callable[[str], bool], ping_interval: float = 25.0,
                 ping_timeout: float = 5.0) -> None:
        self.bridge = bridge
        self.hub = hub
        self.accept = accept
        self.origin_allowed = origin_allowed
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.sockets: dict[str, Eio3Socket] = {}
        self.rooms: dict[str, set[str]] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._background: set[asyncio.Future[None]] = set()

    # --- Transport (hub) --------------------------------------------------------------------

    async def enter_room(self, session: Session, room: str) -> None:
        self.rooms.setdefault(room, set()).add(session.sid)

    async def leave_room(self, session: Session, room: str) -> None:
        sids = self.rooms.get(room)
        if sids is not None:
            sids.discard(session.sid)
            if not sids:
                del self.rooms[room]

    async def broadcast(self, room: str, event: str, data: Any) -> None:
        sids = self.rooms.get(room)
        if not sids:
            return
        packet = "42" + wire.dumps([event, data])  # encoded once for every client of the room
        for sid in list(sids):
            sock = self.sockets.get(sid)
            if sock is not None:
                sock.send(packet)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._watchdog = asyncio.create_task(self._watch_timeouts())

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        for sock in list(self.sockets.values()):
            await self._close(sock, "server stopping")

    async def _watch_timeouts(self) -> None:
        limit = self.ping_interval + self.ping_timeout
        while True:
            await asyncio.sleep(min(1.0, self.ping_timeout / 2))
            now = time.monotonic()
            for sock in list(self.sockets.values()):
                if sock.closed.is_set() or now - sock.last_seen > limit:
                    await self._close(sock, "ping timeout" if not sock.closed.is_set() else "closed")

    async def _close(self, sock: Eio3Socket, reason: str) -> None:
        if self.sockets.pop(sock.sid, None) is None:
            return
        sock.closed.set()
        sock.queue.put_nowait(NOOP)  # wakes a held poll
        for t in sock.tasks:
            t.cancel()
        if sock.ws is not None and not sock.ws.closed:
            with contextlib.suppress(Exception):
                await sock.ws.close()
        await self.hub.disconnected(sock.session)
        log.info("disconnected", extra={"event": "disconnected", "sid": sock.sid, "transport": "eio3",
                                        "reason": reason})

    # --- HTTP -------------------------------------------------------------------------------

    def _cors(self, request: web.Request) -> dict[str, str] | None:
        """Headers to add, or None when the page's origin is not allowed."""
        origin = request.headers.get("Origin")
        if origin is None:
            return {}  # not a browser page: CORS does not apply (the token is the guard)
        if not self.origin_allowed(origin):
            return None
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin"}

    @staticmethod
    def _error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response({"code": code, "message": message}, status=status, headers=headers or {})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        cors = self._cors(request)
        if cors is None:
            log.warning("origin refused", extra={"event": "origin_refused", "transport": "eio3",
                                                 "origin": request.headers.get("Origin", "")[:100]})
            return self._error(403, 4, "Origin not allowed")
        if request.method == "OPTIONS":
            headers = dict(cors, **{"Access-Control-Allow-Methods": "GET, POST, OPTIONS"})
            if "Access-Control-Request-Headers" in request.headers:
                headers["Access-Control-Allow-Headers"] = request.headers["Access-Control-Request-Headers"]
            return web.Response(status=200, headers=headers)
        transport = request.query.get("transport")
        sid = request.query.get("sid")
        if transport not in ("polling", "websocket"):
            return self._error(400, 0, "Transport unknown", cors)
        if request.query.get("j") is not None:
            return self._error(400, 3, "JSONP polling is not supported", cors)
        if sid is None:
            if not self.accept(request):
                log.warning("connection refused", extra={"event": "auth_refused", "transport": "eio3"})
                return self._error(403, 4, "Forbidden", cors)
            if transport == "websocket":
                return await self._websocket(request, None)
            if request.method != "GET":
                return self._error(400, 2, "Bad handshake method", cors)
            sock = await self._open(request)
            return self._text(encode_payload([self._open_packet(sock), "40"]), cors)
        sock_or_none = self.sockets.get(sid)
        if sock_or_none is None:
            return self._error(400, 1, "Session ID unknown", cors)
        sock = sock_or_none
        if transport == "websocket":
            return await self._websocket(request, sock)
        if sock.transport != "polling":
            return self._error(400, 3, "Bad request", cors)
        if request.method == "GET":
            return await self._poll(sock, cors)
        if request.method == "POST":
            return await self._post(sock, request, cors)
        return self._error(400, 2, "Bad request", cors)

    @staticmethod
    def _text(body: str, headers: dict[str, str]) -> web.Response:
        return web.Response(text=body, content_type="text/plain", charset="utf-8", headers=headers)

    def _open_packet(self, sock: Eio3Socket) -> str:
        return "0" + wire.dumps({"sid": sock.sid, "upgrades": ["websocket"] if sock.transport == "polling" else [],
                                 "pingInterval": int(self.ping_interval * 1000),
                                 "pingTimeout": int(self.ping_timeout * 1000)})

    async def _open(self, request: web.Request) -> Eio3Socket:
        sid = secrets.token_urlsafe(15)
        session = Session(sid=sid, transport="eio3", authenticated=True)
        sock = Eio3Socket(sid, session)
        self.sockets[sid] = sock
        await self.hub.connected(self, session)
        log.info("connected", extra={"event": "connected", "sid": sid, "transport": "eio3"})
        return sock

    async def _poll(self, sock: Eio3Socket, cors: dict[str, str]) -> web.Response:
        if sock.polling:
            await self._close(sock, "overlapping polls")
            return self._error(400, 3, "Bad request", cors)
        sock.polling = True
        sock.last_seen = time.monotonic()
        try:
            try:
                first = await asyncio.wait_for(sock.queue.get(), timeout=self.ping_interval)
            except TimeoutError:
                first = NOOP
            packets = [first]
            while not sock.queue.empty():
                packets.append(sock.queue.get_nowait())
        finally:
            sock.polling = False
        if sock.closed.is_set() and sock.sid not in self.sockets:
            packets.append("1")  # tells the client the session is over
        return self._text(encode_payload(packets), cors)

    async def _post(self, sock: Eio3Socket, request: web.Request, cors: dict[str, str]) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_PAYLOAD:
            await self._close(sock, "payload too large")
            return self._error(413, 3, "Payload too large", cors)
        raw = await request.content.read(MAX_PAYLOAD + 1)
        if len(raw) > MAX_PAYLOAD:
            await self._close(sock, "payload too large")
            return self._error(413, 3, "Payload too large", cors)
        try:
            packets = decode_payload(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            log.warning("bad payload", extra={"event": "bad_payload", "sid": sock.sid, "error": str(exc)})
            await self._close(sock, "bad payload")
            return self._error(400, 3, "Bad request", cors)
        for pkt in packets:
            await self._on_packet(sock, pkt)
        return web.Response(text="ok", content_type="text/html", headers=cors)

    # --- websocket --------------------------------------------------------------------------

    async def _websocket(self, request: web.Request, sock: Eio3Socket | None) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_PAYLOAD, autoping=True)
        await ws.prepare(request)
        if sock is None:  # a client that starts on websocket: handshake over it
            sock = await self._open(request)
            sock.transport = "websocket"
            sock.ws = ws
            await ws.send_str(self._open_packet(sock))
            sock.send("40")
            writer = asyncio.create_task(self._ws_writer(sock, ws))
        else:
            if sock.ws is not None:
                await ws.close()
                return ws
            writer = None
        flusher: asyncio.Task[None] | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    log.warning("non-text frame", extra={"event": "bad_payload", "sid": sock.sid})
                    break
                data: str = msg.data
                sock.last_seen = time.monotonic()
                if writer is None:  # still upgrading from polling
                    if data == "2probe":
                        await ws.send_str("3probe")
                        if flusher is None:
                            flusher = asyncio.create_task(self._end_polls(sock))
                        continue
                    if data == "5":
                        if flusher is not None:
                            flusher.cancel()
                        sock.transport = "websocket"
                        sock.ws = ws
                        writer = asyncio.create_task(self._ws_writer(sock, ws))
                        continue
                    if data.startswith("2"):
                        await ws.send_str("3" + data[1:])
                        continue
                    break  # anything else before the upgrade is a protocol error
                await self._on_packet(sock, data)
                if sock.closed.is_set():
                    break
        finally:
            if flusher is not None:
                flusher.cancel()
            if writer is not None:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
                await self._close(sock, "websocket closed")
            elif sock.ws is None and sock.transport == "polling":
                pass  # a failed probe: the session stays on polling
        return ws

    @staticmethod
    async def _end_polls(sock: Eio3Socket) -> None:
        """While the client upgrades, end every held poll with a noop (as engine.io does every 100 ms):
        the client pauses polling only after its current poll returns, and may have started a new one
        after the probe's answer."""
        while not sock.closed.is_set():
            if sock.polling and sock.queue.empty():
                sock.send(NOOP)
            await asyncio.sleep(0.05)

    async def _ws_writer(self, sock: Eio3Socket, ws: web.WebSocketResponse) -> None:
        while not sock.closed.is_set():
            pkt = await sock.queue.get()
            if pkt == NOOP and sock.closed.is_set():
                break
            try:
                await ws.send_str(pkt)
            except (ConnectionError, RuntimeError):
                sock.closed.set()
                break
        with contextlib.suppress(Exception):
            await ws.close()

    # --- packets ----------------------------------------------------------------------------

    async def _on_packet(self, sock: Eio3Socket, pkt: str) -> None:
        sock.last_seen = time.monotonic()
        if not pkt:
            return
        kind = pkt[0]
        if kind == "2":
            sock.send("3" + pkt[1:])
        elif kind == "4":
            self._on_message(sock, pkt[1:])
        elif kind == "1":
            await self._close(sock, "client closed")
        elif kind in ("3", "6"):
            pass
        else:
            log.warning("unexpected packet", extra={"event": "bad_payload", "sid": sock.sid, "packet": pkt[:20]})

    def _on_message(self, sock: Eio3Socket, data: str) -> None:
        try:
            kind, nsp, ack, payload = parse_sio(data)
        except (ValueError, wire.JSONDecodeError) as exc:
            log.warning("bad socket.io packet", extra={"event": "bad_payload", "sid": sock.sid, "error": str(exc)})
            sock.send('44"bad packet"')
            return
        if nsp != "/":
            sock.send(f'44{nsp},"Invalid namespace"')
            return
        if kind == 0:
            sock.send("40")
        elif kind == 1:
            task = asyncio.ensure_future(self._close(sock, "client disconnected"))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        elif kind == 2:
            if not isinstance(payload, list) or not payload or not isinstance(payload[0], str):
                log.warning("bad event packet", extra={"event": "bad_payload", "sid": sock.sid})
                return
            event, args = payload[0], payload[1] if len(payload) > 1 else None
            if ack is None and event == "get_chart" and len(payload) <= 2:
                ready = self.bridge.ready_chart(sock.session, args)
                if ready is not None:  # a cached chart: answered now, no task for the request
                    self._send_chart(sock, *ready)
                    return
            task = asyncio.create_task(self._dispatch(sock, event, args, ack))
            sock.tasks.add(task)
            task.add_done_callback(sock.tasks.discard)

    @staticmethod
    def _send_chart(sock: Eio3Socket, name: str, data: wire.Raw) -> None:
        """A cached chart: one packet for every requester in the cache window."""
        sock.send(data.packet(("eio3", name), lambda: wire.Utf8Text("42" + wire.dumps([name, data]))))

    async def _dispatch(self, sock: Eio3Socket, event: str, payload: Any, ack: int | None) -> None:
        reply = await self.bridge.handle(sock.session, event, payload)
        if reply is None:
            return
        name, data = reply
        if isinstance(data, wire.Raw):
            self._send_chart(sock, name, data)
        else:
            sock.send("42" + wire.dumps([name, data]))
        if ack is not None:
            sock.send(f"43{ack}" + wire.dumps([data]))
