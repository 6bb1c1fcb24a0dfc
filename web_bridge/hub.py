"""Live pushes: rooms of sessions, and the gRPC streams that feed them.

Rooms: ``vm:<id>`` (``vm:`` = clients on the default VM) gets entry/order/real-order/vm-status events
of that VM and account events of its broker account; ``ticker:SYM-TF`` gets ``candle`` and
``price:SYM`` gets ``price`` for clients that sent ``watch_ticker``.

Sources, each one task resumed with tenacity after a failure: OrderService.StreamEvents (all VMs,
resumed after the last event id), BrokerService.StreamAccountEvents (likewise), and
CandleService.StreamPulses over the union of watched tickers, restarted when that set changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from parayok.tasks import cancel_and_wait

from . import protocol as p
from .backends import BackendError, Backends
from .bridge import Bridge, Reply, Session, default_vm

log = logging.getLogger("web_bridge.hub")

Json = Any


class Transport(Protocol):
    """What the hub needs from a Socket.IO transport."""

    async def enter_room(self, session: Session, room: str) -> None: ...
    async def leave_room(self, session: Session, room: str) -> None: ...
    async def broadcast(self, room: str, event: str, data: Json) -> None: ...


# Any failure of a source is retried (a bug in one must not silence pushes for good); never cancellation.
_RETRY = dict(wait=wait_exponential(multiplier=0.2, max=2.0), reraise=True, retry=retry_if_exception_type(Exception))


class Hub:
    def __init__(self, bridge: Bridge, backends: Backends) -> None:
        self.bridge = bridge
        self.backends = backends
        self.transports: list[Transport] = []
        self.members: dict[str, set[str]] = {}        # room → sids (both transports)
        self.watched: Counter[tuple[str, str]] = Counter()
        self._watch_changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._order_after = 0
        self._account_after = 0
        # Readiness of the streams, for tests and /healthz.
        self.streams_up: dict[str, bool] = {"orders": False, "accounts": False, "pulses": False}
        self.stream_started: dict[str, asyncio.Event] = {k: asyncio.Event() for k in self.streams_up}
        bridge.room_handlers.update({
            "watch_ticker": self.watch_ticker, "unwatch_ticker": self.unwatch_ticker, "select_vm": self.select_vm,
        })

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        for name, fn in (("orders", self._order_stream), ("accounts", self._account_stream),
                         ("pulses", self._pulse_stream)):
            self._tasks.append(asyncio.create_task(self._forever(name, fn), name=f"web_bridge.{name}"))

    async def stop(self) -> None:
        await cancel_and_wait(*self._tasks)
        self._tasks.clear()

    async def _forever(self, name: str, fn: Callable[[], Awaitable[None]]) -> None:
        async for attempt in AsyncRetrying(**_RETRY):  # type: ignore[arg-type]
            with attempt:
                try:
                    await fn()
                except (BackendError, ConnectionError) as exc:
                    self.streams_up[name] = False
                    log.warning("stream lost", extra={"event": "stream_lost", "stream": name, "error": str(exc)[:200]})
                    raise
                except Exception:
                    self.streams_up[name] = False
                    log.exception("stream failed", extra={"event": "stream_failed", "stream": name})
                    raise
                # a stream that ends cleanly is restarted too (a server that stopped gracefully)
                self.streams_up[name] = False
                raise ConnectionError(f"{name} stream ended")

    # --- sessions and rooms -----------------------------------------------------------------

    async def join(self, transport: Transport, session: Session, room: str) -> None:
        if room in session.rooms:
            return
        session.rooms.add(room)
        self.members.setdefault(room, set()).add(session.sid)
        await transport.enter_room(session, room)

    async def leave(self, transport: Transport, session: Session, room: str) -> None:
        if room not in session.rooms:
            return
        session.rooms.discard(room)
        sids = self.members.get(room)
        if sids is not None:
            sids.discard(session.sid)
            if not sids:
                del self.members[room]
        await transport.leave_room(session, room)

    async def connected(self, transport: Transport, session: Session) -> None:
        session.transport_ref = transport
        await self.join(transport, session, session.vm_room)

    async def disconnected(self, session: Session) -> None:
        transport: Transport = session.transport_ref
        for room in list(session.rooms):
            if room.startswith("ticker:"):
                self._unwatch(room[len("ticker:"):])
            await self.leave(transport, session, room)

    async def watch_ticker(self, session: Session, payload: Json) -> Reply:
        symbol, tf = p.ticker_request(payload, "watch_ticker")
        transport: Transport = session.transport_ref
        tid = f"{symbol}-{tf}"
        if f"ticker:{tid}" not in session.rooms:
            await self.join(transport, session, f"ticker:{tid}")
            await self.join(transport, session, f"price:{symbol}")
            self.watched[(symbol, tf)] += 1
            self._watch_changed.set()
        return "watching", {"tickerId": tid}

    def _unwatch(self, tid: str) -> None:
        symbol, _, tf = tid.partition("-")
        self.watched[(symbol, tf)] -= 1
        if self.watched[(symbol, tf)] <= 0:
            del self.watched[(symbol, tf)]
        self._watch_changed.set()

    async def unwatch_ticker(self, session: Session, payload: Json) -> Reply:
        symbol, tf = p.ticker_request(payload, "unwatch_ticker")
        transport: Transport = session.transport_ref
        tid = f"{symbol}-{tf}"
        if f"ticker:{tid}" in session.rooms:
            await self.leave(transport, session, f"ticker:{tid}")
            self._unwatch(tid)
            if not any(r.startswith(f"ticker:{symbol}-") for r in session.rooms):
                await self.leave(transport, session, f"price:{symbol}")
        return "unwatched", {"tickerId": tid}

    async def select_vm(self, session: Session, payload: Json) -> Reply:
        vm_id = p.string_field(payload, "select_vm", "vmId")
        try:
            vm = await self.bridge.vms.resolve(vm_id)
        except BackendError as exc:
            return "vm_selected", {"error": str(exc)}
        transport: Transport = session.transport_ref
        await self.leave(transport, session, session.vm_room)
        session.vm_id = vm.id
        await self.join(transport, session, session.vm_room)
        return "vm_selected", p.vm_json(vm)

    # --- fan-out ----------------------------------------------------------------------------

    async def push(self, room: str, event: str, data: Json) -> None:
        if room not in self.members:
            return
        for t in self.transports:
            try:
                await t.broadcast(room, event, data)
            except Exception:  # one transport's trouble must not stop the other's clients
                log.exception("push failed", extra={"event": "push_failed", "room": room, "sio_event": event})

    def _vm_rooms(self, vm_id: str) -> list[str]:
        rooms = [f"vm:{vm_id}"]
        vms = self.bridge.vms.cached()
        if vms and default_vm(vms).id == vm_id:
            rooms.append("vm:")
        return rooms

    async def push_vm(self, vm_id: str, event: str, data: Json) -> None:
        for room in self._vm_rooms(vm_id):
            await self.push(room, event, data)

    # --- sources ----------------------------------------------------------------------------

    async def _refresh_vms(self) -> None:
        self.bridge.vms.invalidate()
        with contextlib.suppress(BackendError):
            await self.bridge.vms.vms()

    async def _order_stream(self) -> None:
        await self._refresh_vms()
        call = self.backends.stream_order_events(self._order_after)
        self.streams_up["orders"] = True
        self.stream_started["orders"].set()
        async for ev in call:
            self._order_after = max(self._order_after, ev.event_id)
            await self._safely(self.on_order_event, ev)

    @staticmethod
    async def _safely(handler: Callable[[Any], Awaitable[None]], ev: Any) -> None:
        """One event that cannot be translated is logged and skipped; the stream goes on."""
        try:
            await handler(ev)
        except Exception:
            log.exception("event not pushed", extra={"event": "push_failed", "kind": ev.WhichOneof("event")})

    async def on_order_event(self, ev: Any) -> None:
        kind = ev.WhichOneof("event")
        vm_id = ev.vm_id
        if kind == "entry_opened":
            await self.push_vm(vm_id, "entry_opened", dict(p.entry_gui(ev.entry_opened), vmId=vm_id))
        elif kind == "entry_closed":
            await self.push_vm(vm_id, "entry_closed", dict(p.entry_gui(ev.entry_closed), vmId=vm_id))
        elif kind == "order_created":
            await self.push_vm(vm_id, "order_opened", dict(p.order_gui(ev.order_created), vmId=vm_id))
        elif kind == "order_closed":
            await self.push_vm(vm_id, "order_closed", dict(p.order_gui(ev.order_closed), vmId=vm_id))
        elif kind == "real_order":
            await self.push_vm(vm_id, "real_order", dict(p.real_order_json(ev.real_order), vmId=vm_id))
        elif kind == "vm_status":
            await self._refresh_vms()
            await self.push_vm(vm_id, "vm_status", p.vm_status_json(vm_id, ev.vm_status))

    async def _account_stream(self) -> None:
        call = self.backends.stream_account_events(self._account_after)
        self.streams_up["accounts"] = True
        self.stream_started["accounts"].set()
        async for ev in call:
            self._account_after = max(self._account_after, ev.event_id)
            await self._safely(self.on_account_event, ev)

    async def on_account_event(self, ev: Any) -> None:
        data = p.account_json(ev)
        vms = self.bridge.vms.cached()
        if not vms:
            await self._refresh_vms()
            vms = self.bridge.vms.cached()
        for vm in vms:
            if vm.broker_account and vm.broker_account == ev.account_id:
                await self.push_vm(vm.id, "account", dict(data, vmId=vm.id))

    async def _pulse_stream(self) -> None:
        while True:
            self._watch_changed.clear()
            watched = sorted(self.watched)
            if not watched:
                self.streams_up["pulses"] = True
                self.stream_started["pulses"].set()
                await self._watch_changed.wait()
                continue
            await self._follow_pulses(watched)

    async def _follow_pulses(self, watched: list[tuple[str, str]]) -> None:
        symbols = sorted({s for s, _ in watched}, key=lambda s: (s != "BTCUSDT", s))  # the seed's order
        tfs = sorted({tf for _, tf in watched}, key=lambda tf: -p.TF_MS[tf])
        # Start at the market's clock (its newest closed candle), not ours: a simulated market runs its own.
        last = await self.backends.get_candles(symbols[0], tfs[-1], 1)
        start = (last[-1].close_time[-1] + 1) if last and len(last[-1].close_time) else 0
        call = self.backends.stream_pulses(symbols, tfs, start)
        changed = asyncio.ensure_future(self._watch_changed.wait())
        try:
            self.streams_up["pulses"] = True
            self.stream_started["pulses"].set()
            it = call.__aiter__()
            while True:
                nxt = asyncio.ensure_future(it.__anext__())
                done, _ = await asyncio.wait({nxt, changed}, return_when=asyncio.FIRST_COMPLETED)
                if changed in done:
                    nxt.cancel()
                    call.cancel()  # type: ignore[attr-defined]
                    return
                try:
                    ev = nxt.result()
                except StopAsyncIteration:
                    raise ConnectionError("pulse stream ended") from None
                if ev.WhichOneof("event") == "pulses":
                    for room, event, data in p.pulse_pushes(ev.pulses):
                        await self.push(room, event, data)
        finally:
            changed.cancel()
