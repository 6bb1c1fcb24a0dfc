"""paraclient's request events → gRPC calls → reply events, independent of the Socket.IO transport.

Both transports (python-socketio for Engine.IO v4, :mod:`web_bridge.eio3` for v3) hand every event
to :meth:`Bridge.handle` and send back the ``(reply_event, payload)`` it returns. A bad payload or a
failing service becomes a reply with an ``error`` field (the seed's error row for reports) and a log
line; it never raises into the transport.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from . import protocol as p
from .backends import BackendError, Backends
from .wire import Raw, dumps

log = logging.getLogger("web_bridge")

Json = Any
Reply = tuple[str, Json]


@dataclass
class Session:
    """One connected client, whichever transport it uses."""

    sid: str
    transport: str                  # "eio3" or "eio4"
    authenticated: bool             # presented the shared token (or none is configured)
    vm_id: str = ""                 # selected VM ("" = the default VM)
    rooms: set[str] = field(default_factory=set)
    transport_ref: Any = None       # the transport object serving it (for room changes)

    @property
    def vm_room(self) -> str:
        return f"vm:{self.vm_id}"


class Forbidden(Exception):
    """A state-changing event from a client that did not present the token."""


@dataclass
class _Cached:
    expires: float
    task: asyncio.Task[Raw]
    next: _Cached | None = None  # the chart's next version, being made while this one is still served

    def servable(self) -> bool:
        return self.task.done() and not self.task.cancelled() and self.task.exception() is None


class VmDirectory:
    """order_service's VM list, cached for a moment: every request needs the client's VM.

    A list older than ``ttl`` is still answered while one background call refreshes it: otherwise every
    request would queue behind that call once per ttl (200 looping chart clients: a stall for all of
    them every second). An invalidated list, or none yet, is waited for."""

    def __init__(self, backends: Backends, ttl: float = 1.0) -> None:
        self.backends = backends
        self.ttl = ttl
        self._vms: list[Any] = []
        self._at = 0.0                   # 0: never fetched, or invalidated
        self._generation = 0             # bumped by invalidate(): a call begun before must not count as fresh
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None

    def invalidate(self) -> None:
        self._at = 0.0
        self._generation += 1

    async def _fetch(self) -> None:
        async with self._lock:
            if time.monotonic() - self._at > self.ttl:
                generation = self._generation
                self._vms = await self.backends.list_vms()
                self._at = time.monotonic() if generation == self._generation else 0.0

    def _refresh_done(self, task: asyncio.Task[None]) -> None:
        self._refresh = None
        if not task.cancelled() and task.exception() is not None:  # the next request tries again
            log.info("vm list refresh failed", extra={"event": "vm_refresh_failed", "error": str(task.exception())})

    async def vms(self) -> list[Any]:
        age = time.monotonic() - self._at
        if age <= self.ttl:
            return self._vms
        if self._at and age <= 10 * self.ttl:  # stale: answer it, refresh behind
            if self._refresh is None:
                self._refresh = asyncio.ensure_future(self._fetch())
                self._refresh.add_done_callback(self._refresh_done)
            return self._vms
        await self._fetch()
        return self._vms

    def cached(self) -> list[Any]:
        return self._vms

    def fresh(self) -> list[Any] | None:
        """The list without awaiting anything, when it is within its ttl (the synchronous fast path)."""
        return self._vms if self._at and time.monotonic() - self._at <= self.ttl else None

    async def resolve(self, vm_id: str) -> Any:
        """The VM a session works on: its selection, else the default VM (is_default, or the first)."""
        vms = await self.vms()
        if vm_id:
            found = find_vm(vms, vm_id)
            if found is None and self._at:  # maybe created since the list was fetched
                self.invalidate()
                found = find_vm(await self.vms(), vm_id)
            if found is None:
                raise p.BadRequest(f"vmId: unknown VM {vm_id[:64]!r}")
            return found
        return default_vm(vms)


def find_vm(vms: list[Any], vm_id: str) -> Any:
    for vm in vms:
        if vm.id == vm_id:
            return vm
    return None


def default_vm(vms: list[Any]) -> Any:
    for vm in vms:
        if vm.is_default:
            return vm
    if not vms:
        raise p.BadRequest("no VM exists yet")
    return vms[0]


class Bridge:
    """The event table: request event → handler → reply event."""

    def __init__(self, backends: Backends, token_required: bool, chart_ttl: float = 1.0) -> None:
        self.backends = backends
        self.vms = VmDirectory(backends)
        self.token_required = token_required
        self.chart_ttl = chart_ttl
        self._charts: dict[tuple[Any, ...], _Cached] = {}
        # watch_ticker / unwatch_ticker / select_vm are served by the hub (rooms); set by it.
        self.room_handlers: dict[str, Callable[[Session, Json], Awaitable[Reply]]] = {}
        self.table: dict[str, tuple[str, Callable[[Session, Json], Awaitable[Json]]]] = {
            "get_chart": ("chart", self.get_chart),
            "get_flags": ("chart_flags", self.get_flags),
            "list_tickers": ("tickers", self.list_tickers),
            "list_entries": ("entries", self.list_entries),
            "list_orders": ("orders", self.list_orders),
            "list_real_orders": ("real_orders", self.list_real_orders),
            "get_entry": ("entry", self.get_entry),
            "get_ep_params": ("ep_params", self.get_ep_params),
            "set_ep_params": ("ep_params_set", self.set_ep_params),
            "get_orders_report": ("orders_report", self.get_orders_report),
            "get_timeframes": ("timeframes", self.get_timeframes),
            "get_symbols": ("symbols", self.get_symbols),
            "get_strategies": ("strategies", self.get_strategies),
            "get_tags": ("tags", self.get_tags),
            "make_real_order": ("new_real_order", self.make_real_order),
            "list_vms": ("vms", self.list_vms),
        }

    def knows(self, event: str) -> bool:
        return event in self.table or event in self.room_handlers

    async def handle(self, session: Session, event: str, payload: Json) -> Reply | None:
        """The reply to one event, or None for an event the protocol does not have (the seed ignored those)."""
        if event in self.room_handlers:
            try:
                return await self.room_handlers[event](session, payload)
            except p.BadRequest as exc:
                log.warning("bad request", extra={"event": "bad_request", "sio_event": event, "sid": session.sid,
                                                  "error": str(exc)})
                return event + "_error", {"error": str(exc)}
        entry = self.table.get(event)
        if entry is None:
            log.info("unknown event", extra={"event": "unknown_event", "sio_event": event[:64], "sid": session.sid})
            return None
        reply, handler = entry
        started = time.perf_counter()
        try:
            data = await handler(session, payload)
        except p.BadRequest as exc:
            log.warning("bad request", extra={"event": "bad_request", "sio_event": event, "sid": session.sid,
                                              "error": str(exc)})
            data = self._error(event, str(exc))
        except Forbidden as exc:
            log.warning("forbidden", extra={"event": "forbidden", "sio_event": event, "sid": session.sid})
            data = self._error(event, str(exc))
        except BackendError as exc:
            log.warning("backend error", extra={"event": "backend_error", "sio_event": event, "sid": session.sid,
                                                "error": str(exc)})
            data = self._error(event, str(exc))
        except Exception as exc:  # a bug must not take the connection down
            log.exception("handler failed", extra={"event": "handler_failed", "sio_event": event, "sid": session.sid})
            data = self._error(event, f"internal error: {type(exc).__name__}")
        log.debug("served", extra={"event": "served", "sio_event": event, "sid": session.sid,
                                   "ms": round((time.perf_counter() - started) * 1000, 2)})
        return reply, data

    @staticmethod
    def _error(event: str, message: str) -> Json:
        if event == "get_orders_report":
            return [{"periodName": message}]  # the seed's error row
        if event == "get_entry":
            return {"error": message, "flags": None}  # paraclient needs an object here
        return {"error": message}

    async def _vm_id(self, session: Session) -> str:
        return str((await self.vms.resolve(session.vm_id)).id)

    # --- request handlers ---------------------------------------------------------------------

    def ready_chart(self, session: Session, payload: Json) -> tuple[str, Raw] | None:
        """The reply to ``get_chart`` when it can be given without awaiting anything: the client's VM and the
        chart are cached and fresh. Transports answer such a request inline, without a task per request
        (the common case under load: many clients asking for the same chart); None: go through
        :meth:`handle`."""
        vms = self.vms.fresh()
        if not vms:
            return None
        try:
            symbol, tf, limit, around = p.chart_request(payload)
            vm = find_vm(vms, session.vm_id) if session.vm_id else default_vm(vms)
        except p.BadRequest:
            return None
        if vm is None:
            return None
        cached = self._charts.get((vm.id, symbol, tf, limit, around))
        if cached is None or cached.expires < time.monotonic() or not cached.servable():
            return None
        return "chart", cached.task.result()

    async def get_chart(self, session: Session, payload: Json) -> Json:
        symbol, tf, limit, around = p.chart_request(payload)
        vm_id = await self._vm_id(session)
        key = (vm_id, symbol, tf, limit, around)
        now = time.monotonic()
        cached = self._charts.get(key)
        if cached is not None and cached.expires < now:
            # Stale while revalidating: making a chart (two gRPC calls, 1,000 candles to JSON) takes tens of
            # ms; every requester would wait for it once per ttl. The previous chart is served meanwhile, for
            # at most one more ttl (a backend that does not answer then gets its error to the clients).
            fresh = cached.next
            if fresh is None or (fresh.task.done() and not fresh.servable()):
                task = asyncio.ensure_future(self._chart(vm_id, symbol, tf, limit, around, payload))
                fresh = cached.next = _Cached(now + self.chart_ttl, task)
            if fresh.task.done() or not cached.servable() or now - cached.expires >= self.chart_ttl:
                cached = self._charts[key] = fresh
        if cached is None or (cached.task.done() and not cached.servable()):
            # Concurrent requests for the same chart share one pair of calls and one encoding.
            task = asyncio.ensure_future(self._chart(vm_id, symbol, tf, limit, around, payload))
            cached = self._charts[key] = _Cached(now + self.chart_ttl, task)
            if len(self._charts) > 256:
                for k in [k for k, c in self._charts.items() if c.expires < now]:
                    del self._charts[k]
        if cached.task.done():  # the common case under load: no shield future per reply
            return cached.task.result()
        return await asyncio.shield(cached.task)

    async def _chart(self, vm_id: str, symbol: str, tf: str, limit: int, around: int, payload: Json) -> Raw:
        batches = [b for b in await self.backends.get_candles(symbol, tf, limit, around_ms=around) if b.open_time]
        cdebug: list[Json] = []
        if batches:
            try:
                annotations = await self.backends.get_annotations(
                    vm_id, symbol, tf, batches[0].open_time[0], batches[-1].close_time[-1] + 1)
                cdebug = p.cdebug_json(symbol, tf, annotations)
            except BackendError as exc:  # candles without annotations beat no chart at all
                log.info("no annotations", extra={"event": "no_annotations", "ticker": f"{symbol}-{tf}",
                                                  "error": str(exc)})
        target = payload.get("timestamp") if isinstance(payload.get("timestamp"), int | float) else None
        candles = Raw(p.candles_text(batches))
        return Raw(dumps({"id": f"{symbol}-{tf}", "candles": candles, "cdebug": cdebug, "targetTimestamp": target}))

    async def get_flags(self, session: Session, payload: Json) -> Json:
        symbol, tf = p.ticker_request(payload, "get_flags")
        resp = await self.backends.get_flags(await self._vm_id(session), symbol, tf)
        return p.struct_dict(resp.flags)

    async def list_tickers(self, session: Session, payload: Json) -> Json:
        return [p.ticker_json(t) for t in await self.backends.list_tickers(await self._vm_id(session))]

    async def list_entries(self, session: Session, payload: Json) -> Json:
        return [p.entry_gui(e) for e in await self.backends.list_entries(await self._vm_id(session))]

    async def list_orders(self, session: Session, payload: Json) -> Json:
        return [p.order_gui(o) for o in await self.backends.list_orders(await self._vm_id(session))]

    async def list_real_orders(self, session: Session, payload: Json) -> Json:
        orders = await self.backends.list_orders(await self._vm_id(session))
        return [p.real_order_gui(o) for o in orders if o.HasField("real")]

    async def get_entry(self, session: Session, payload: Json) -> Json:
        entry_id = p.string_field(payload, "get_entry", "entryId")
        try:
            entry = await self.backends.get_entry(await self._vm_id(session), entry_id)
        except BackendError as exc:
            if exc.code is not None and exc.code.name == "NOT_FOUND":
                return {"id": entry_id, "error": exc.details or "entry not found", "flags": None}
            raise
        return p.entry_detail(entry)

    async def get_ep_params(self, session: Session, payload: Json) -> Json:
        return p.plan_to_params(await self.backends.get_plan(await self._vm_id(session)))

    def _require_token(self, session: Session) -> None:
        if self.token_required and not session.authenticated:
            raise Forbidden("this action needs the web token")

    async def set_ep_params(self, session: Session, payload: Json) -> Json:
        self._require_token(session)
        plan = p.params_to_plan(payload)
        try:
            done = await self.backends.set_plan(await self._vm_id(session), plan)
        except BackendError as exc:
            if exc.code is not None and exc.code.name == "INVALID_ARGUMENT":
                raise p.BadRequest(exc.details) from None  # the safe parser's message, as is
            raise
        return p.plan_to_params(done)

    async def get_orders_report(self, session: Session, payload: Json) -> Json:
        frm, to, interval = p.report_request(payload)
        return p.report_json(await self.backends.get_report(await self._vm_id(session), frm, to, interval))

    async def get_timeframes(self, session: Session, payload: Json) -> Json:
        vm = await self.vms.resolve(session.vm_id)
        return [p.timeframe_name(t) for t in vm.timeframes]

    async def get_symbols(self, session: Session, payload: Json) -> Json:
        vm = await self.vms.resolve(session.vm_id)
        return list(vm.symbols)

    async def get_strategies(self, session: Session, payload: Json) -> Json:
        vm = await self.vms.resolve(session.vm_id)
        strategies = [a.name for a in await self.backends.list_analyzers() if a.is_strategy]
        if vm.analyzers:
            chosen = set(vm.analyzers)
            strategies = [s for s in strategies if s in chosen]
        return strategies

    async def get_tags(self, session: Session, payload: Json) -> Json:
        static, dynamic = await asyncio.gather(self.backends.static_taggers(), self.backends.dynamic_taggers())
        return p.tag_descriptions([*static, *dynamic])

    async def make_real_order(self, session: Session, payload: Json) -> Json:
        self._require_token(session)
        entry_id = p.string_field(payload, "make_real_order", "orderId")
        try:
            real = await self.backends.make_real_order(await self._vm_id(session), entry_id)
        except BackendError as exc:
            if exc.code is not None and exc.code.name in ("NOT_FOUND", "FAILED_PRECONDITION", "INVALID_ARGUMENT"):
                log.info("no real order", extra={"event": "no_real_order", "entry_id": entry_id, "error": str(exc)})
                return None  # the seed's answer when no order was made
            raise
        return p.new_real_order_json(real)

    async def list_vms(self, session: Session, payload: Json) -> Json:
        vms = await self.vms.vms()
        current = default_vm(vms).id if vms and not session.vm_id else session.vm_id
        return [dict(p.vm_json(vm), selected=vm.id == current) for vm in vms]
