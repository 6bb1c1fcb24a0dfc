"""order_service's core: VMs and their runners, the plan, orders, real orders, reports, events.

Each running VM is one asyncio task consuming its analysis stream. A pulse's events are buffered
until its ``pulse_end`` and then applied synchronously and committed in one transaction (entries,
orders, real-order intents, events, last pulse); only then are events published and brackets sent.
A session always starts by rebuilding the plan state from the database, so a crash, a reconnect or a
failed commit all resume the same way: pulses up to the last committed one are skipped, and entries
are recognised by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_delay,
    stop_never,
    wait_exponential,
)

from order_service import convert
from order_service import report as report_mod
from order_service.model import (
    ACTIVE,
    AlreadyExists,
    Entry,
    NotFound,
    Order,
    Plan,
    Precondition,
    RealOrder,
    RealStatus,
    SymbolRules,
    Unavailable,
    VmConfig,
    VmState,
    VmStatus,
)
from order_service.plan import (
    PlanEngine,
    SeqCounter,
    Step,
    append_close,
    append_open,
    history_steps,
    replay,
    validate_plan,
)
from order_service.ports import (
    AnalysisPort,
    BracketInfo,
    BracketRequest,
    BrokerPort,
    BrokerRejected,
    Closed,
    Opened,
    PriceSeen,
    Progress,
    PulseDone,
    SymbolPort,
    WentLive,
)
from order_service.store import PulseWrite, Store, tags_json
from order_service.taggers import TagDescription, descriptions
from parayok.memory import settle

log = logging.getLogger("order_service")

DAY_MS = 86_400_000
VM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
SYMBOL = re.compile(r"^[A-Z0-9]{2,30}$")
BRACKET_STATES = {
    "pending": RealStatus.SENT,
    "open": RealStatus.OPEN,
    "closed": RealStatus.CLOSED,
    "failed": RealStatus.FAILED,
}


def now_ms() -> int:
    return int(time.time() * 1000)


def client_order_id(vm_id: str, entry_id: str) -> str:
    """Deterministic per (VM, entry): a resend after a crash can never open a second position."""
    return "po" + hashlib.sha256(f"{vm_id}\x00{entry_id}".encode()).hexdigest()[:30]


def bracket_request(real: RealOrder) -> BracketRequest:
    """What is asked of the broker for a recorded intent: the same on the first send and every resend."""
    return BracketRequest(
        real.account_id,
        real.symbol,
        real.side,
        real.quantity,
        real.stop_loss,
        real.take_profit,
        real.client_order_id,
        first_sent_ms=real.created_ms,
    )


def validate_vm(vm: VmConfig) -> None:
    if not VM_ID.match(vm.id):
        raise ValueError(f"vm.id: 1-64 letters, digits, '_', '-' or '.' (got {vm.id!r})")
    if not vm.symbols:
        raise ValueError("vm.symbols: at least one symbol")
    for s in vm.symbols:
        if not SYMBOL.match(s):
            raise ValueError(f"vm.symbols: {s!r} is not a Binance symbol")
    if len(set(vm.symbols)) != len(vm.symbols):
        raise ValueError("vm.symbols: duplicates")
    if not vm.timeframes:
        raise ValueError("vm.timeframes: at least one timeframe")
    if len(set(vm.timeframes)) != len(vm.timeframes):
        raise ValueError("vm.timeframes: duplicates")
    if vm.history_days < 0 or vm.history_from_ms < 0 or vm.end_ms < 0:
        raise ValueError("vm.history_days / history_from_ms / end_ms: must be ≥ 0")
    if vm.history_days == 0 and vm.history_from_ms == 0:
        raise ValueError("vm.history_days: give a history start (days back or history_from_ms)")
    if vm.end_ms and vm.history_from_ms and vm.end_ms <= vm.history_from_ms:
        raise ValueError("vm.end_ms: must be after history_from_ms")
    if vm.live_trading and not vm.broker_account:
        raise ValueError("vm.live_trading: needs vm.broker_account")
    if vm.live_trading and vm.end_ms:
        raise ValueError("vm.live_trading: a backtest VM (end_ms set) never trades")
    validate_plan(vm.plan)


@dataclass(slots=True)
class VmHandle:
    config: VmConfig
    status: VmStatus
    seq: SeqCounter
    task: asyncio.Task[None] | None = None
    entries: dict[str, Entry] | None = None  # loaded lazily (None = not in memory)
    engine: PlanEngine | None = None
    steps: list[Step] = field(default_factory=list)  # the history as received, kept current for replays
    is_live: bool = False
    reconciled: asyncio.Event = field(default_factory=asyncio.Event)
    last_progress_event: float = -100.0


class OrderService:
    def __init__(
        self,
        store: Store,
        analysis: AnalysisPort,
        symbols: SymbolPort,
        broker: BrokerPort,
        *,
        retry_max_wait: float = 30.0,
    ) -> None:
        self.store = store
        self.analysis = analysis
        self.symbols = symbols
        self.broker = broker
        self.retry_max_wait = retry_max_wait
        self.rules: dict[str, SymbolRules] = store.symbol_rules()
        self.vms: dict[str, VmHandle] = {}
        self._new_events = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._account_tasks: dict[str, asyncio.Task[None]] = {}
        self._closing = False

    # --- life cycle ------------------------------------------------------------------------------

    async def start(self, default_vm: VmConfig | None = None) -> None:
        for stored in self.store.load_vms():
            state = VmState.FINISHED if stored.config.finished else VmState.STOPPED
            status = VmStatus(
                state=state, progress=100.0 if stored.config.finished else 0.0, last_pulse_ms=stored.last_pulse_ms
            )
            self.vms[stored.config.id] = VmHandle(stored.config, status, SeqCounter(stored.seq))
        if not self.vms and default_vm is not None:
            default_vm.is_default = True
            default_vm.running = True
            await self.create_vm(default_vm, start=False)
        for h in list(self.vms.values()):
            if h.config.running:
                self._launch(h)
        for account in {r.account_id for r in self.store.real_orders()}:
            self._watch_account(account)

    async def close(self) -> None:
        self._closing = True
        tasks = [h.task for h in self.vms.values() if h.task] + list(self._tasks) + list(self._account_tasks.values())
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._new_events.set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- events ----------------------------------------------------------------------------------

    def _publish(self) -> None:
        self._new_events.set()
        self._new_events = asyncio.Event()

    def _set_status(self, h: VmHandle, state: VmState, progress: float | None = None, error: str = "") -> None:
        s = h.status
        s.state = state
        if progress is not None:
            s.progress = progress
        s.error = error
        payload = convert.event_bytes(h.config.id, now_ms(), vm_status=convert.status_pb(h.config.id, s))
        self.store.add_event(h.config.id, now_ms(), payload)
        self._publish()

    async def events(self, vm_id: str, after_event_id: int) -> AsyncIterator[tuple[int, bytes]]:
        """Durable events after ``after_event_id`` (0 = only new ones), then new ones as they happen."""
        if vm_id and vm_id not in self.vms:
            raise NotFound(f"vm_id: no VM {vm_id!r}")
        after = after_event_id or self.store.last_event_id()
        while not self._closing:
            waiter = self._new_events
            rows = self.store.events_after(after, vm_id)
            for event_id, _vm, _t, payload in rows:
                after = event_id
                yield event_id, payload
            if not rows:
                await waiter.wait()

    # --- VMs -------------------------------------------------------------------------------------

    def _get(self, vm_id: str) -> VmHandle:
        if not vm_id:
            raise ValueError("vm_id: required")
        h = self.vms.get(vm_id)
        if h is None:
            raise NotFound(f"vm_id: no VM {vm_id!r}")
        return h

    async def create_vm(self, vm: VmConfig, start: bool) -> tuple[VmConfig, VmStatus]:
        if not vm.id:
            vm.id = uuid.uuid4().hex[:12]
        vm.name = vm.name or vm.id
        validate_vm(vm)
        if vm.id in self.vms:
            raise AlreadyExists(f"vm.id: {vm.id!r} exists")
        vm.running = vm.running or start
        vm.resolved_from_ms = 0
        self.store.insert_vm(vm, now_ms())
        h = VmHandle(vm, VmStatus(), SeqCounter())
        self.vms[vm.id] = h
        self._set_status(h, VmState.STOPPED)
        if vm.running and start:
            self._launch(h)
        log.info("vm created", extra={"event": "vm_created", "vm_id": vm.id})
        return vm, h.status

    async def update_vm(self, vm: VmConfig) -> tuple[VmConfig, VmStatus]:
        h = self._get(vm.id)
        if h.task is not None:
            raise Precondition(f"vm_id: VM {vm.id!r} is running; stop it first")
        validate_vm(vm)
        old = h.config
        vm.is_default, vm.running = old.is_default, False
        vm.resolved_from_ms = old.resolved_from_ms
        vm.name = vm.name or old.name
        if vm.analysis_key() != old.analysis_key():
            self.store.reset_vm_history(vm.id)
            vm.resolved_from_ms = 0
            h.entries, h.engine = None, None
            h.seq = SeqCounter()
            h.status.last_pulse_ms = 0
        plan_changed = vm.plan != old.plan
        h.config = vm
        self.store.save_vm(vm)
        if plan_changed:
            self.set_plan(vm.id, vm.plan)
        return vm, h.status

    async def start_vm(self, vm_id: str) -> tuple[VmConfig, VmStatus]:
        h = self._get(vm_id)
        if h.task is None:
            h.config.running = True
            h.config.finished = False
            self.store.save_vm(h.config)
            self._launch(h)
        return h.config, h.status

    async def stop_vm(self, vm_id: str) -> tuple[VmConfig, VmStatus]:
        h = self._get(vm_id)
        h.config.running = False
        self.store.save_vm(h.config)
        await self._cancel(h)
        self._set_status(h, VmState.STOPPED)
        return h.config, h.status

    async def delete_vm(self, vm_id: str) -> None:
        h = self._get(vm_id)
        await self._cancel(h)
        self._set_status(h, VmState.STOPPED)
        self.store.delete_vm(vm_id)
        del self.vms[vm_id]

    def list_vms(self) -> list[tuple[VmConfig, VmStatus]]:
        return [(h.config, h.status) for h in self.vms.values()]

    def get_vm(self, vm_id: str) -> tuple[VmConfig, VmStatus]:
        h = self._get(vm_id)
        return h.config, h.status

    async def _cancel(self, h: VmHandle) -> None:
        task, h.task = h.task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # --- the runner --------------------------------------------------------------------------------

    def _launch(self, h: VmHandle) -> None:
        if h.config.resolved_from_ms == 0:
            c = h.config
            c.resolved_from_ms = c.history_from_ms or (now_ms() - c.history_days * DAY_MS)
            self.store.save_vm(c)
        h.task = asyncio.get_running_loop().create_task(self._run_vm(h), name=f"vm-{h.config.id}")
        if h.config.broker_account and (h.config.live_trading or self.store.real_orders(h.config.id)):
            self._watch_account(h.config.broker_account)

    async def _run_vm(self, h: VmHandle) -> None:
        def on_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            message = f"{type(exc).__name__}: {exc}; retrying in {wait:.1f} s"
            log.warning("vm session failed", extra={"event": "vm_retry", "vm_id": h.config.id, "error": message})
            h.is_live = False
            with contextlib.suppress(Exception):
                self._set_status(h, VmState.ERROR, error=message)

        retrying = AsyncRetrying(
            wait=wait_exponential(multiplier=0.2, min=0.1, max=self.retry_max_wait),
            stop=stop_never,
            retry=retry_if_exception(lambda e: not isinstance(e, asyncio.CancelledError)),
            before_sleep=on_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._session(h)

    async def _ensure_rules(self, symbols: list[str]) -> None:
        for s in symbols:
            if s not in self.rules:
                rules = await self.symbols.symbol_rules(s)
                self.store.save_symbol(rules)
                self.rules[s] = rules

    def _load(self, h: VmHandle) -> None:
        """Entries from the database and the plan state rebuilt from them; stored orders made to agree."""
        entries = {e.id: e for e in self.store.load_entries(h.config.id)}
        h.entries = entries
        h.steps = history_steps(entries.values())
        h.engine = replay(h.config.plan, self.rules.get, entries.values(), h.steps)
        self._persist_orders(h.config.id, h.engine, self.store.load_orders(h.config.id))

    def _ensure_loaded(self, h: VmHandle) -> PlanEngine:
        if h.entries is None or h.engine is None:
            self._load(h)
        assert h.engine is not None
        return h.engine

    async def _session(self, h: VmHandle) -> None:
        c = h.config
        h.is_live = False
        await self._ensure_rules(c.symbols)
        self._load(h)
        self._spawn(self._reconcile(h))
        self._set_status(h, VmState.LOADING, progress=0.0)
        h.last_progress_event = -100.0
        buffered: list[Opened | Closed | PriceSeen] = []
        async for item in self.analysis.run(c, c.resolved_from_ms):
            if isinstance(item, PulseDone):
                self._apply_pulse(h, buffered, item)
                buffered = []
            elif isinstance(item, (Opened, Closed, PriceSeen)):
                buffered.append(item)
            elif isinstance(item, Progress):
                if h.status.state == VmState.LOADING and item.percent >= h.last_progress_event + 5:
                    h.last_progress_event = item.percent
                    self._set_status(h, VmState.LOADING, progress=item.percent)
                else:
                    h.status.progress = item.percent
            elif isinstance(item, WentLive):
                settle()  # the replayed history's objects live on: out of the collector's full passes
                h.is_live = True
                self._set_status(h, VmState.LIVE, progress=100.0)
        if c.end_ms:
            c.running, c.finished = False, True
            self.store.save_vm(c)
            self._set_status(h, VmState.FINISHED, progress=100.0)
            h.task = None
            return
        raise Unavailable("analysis stream ended")

    def _apply_pulse(self, h: VmHandle, ops: list[Opened | Closed | PriceSeen], pulse: PulseDone) -> None:
        if pulse.time_ms <= h.status.last_pulse_ms:
            return  # committed before a restart or reconnect: already applied
        assert h.entries is not None and h.engine is not None
        vm_id, t = h.config.id, now_ms()
        engine, seq, entries, steps = h.engine, h.seq, h.entries, h.steps
        w = PulseWrite(vm_id, pulse.time_ms, 0)
        created: list[Order] = []
        batch: list[Entry] = []

        def event(**one: Any) -> None:
            w.events.append((t, convert.event_bytes(vm_id, t, **one)))

        def flush() -> None:
            seq.boundary()
            if not batch:
                return
            append_open(steps, batch)
            for order in engine.add_entries(batch):
                w.orders.append(order)
                created.append(order)
                event(order_created=self._order_pb(vm_id, order, with_real=False))
            batch.clear()

        for op in ops:
            if isinstance(op, Opened):
                e = op.entry
                if e.id in entries:
                    continue
                if batch and batch[-1].by_price_update != e.by_price_update:
                    flush()  # the seed turns limits triggered by a price update into orders apart
                e.open_seq = seq.open()
                entries[e.id] = e
                w.new_entries.append(e)
                event(entry_opened=convert.entry_event_pb(e))
                batch.append(e)
            elif isinstance(op, Closed):
                flush()
                e = op.entry
                prev = entries.get(e.id)
                if prev is None or not prev.active:
                    if prev is None:
                        log.warning(
                            "close of an unknown entry",
                            extra={"event": "unknown_close", "vm_id": vm_id, "entry_id": e.id},
                        )
                    continue
                e.open_seq = prev.open_seq
                if e.active:
                    e.close_seq = 0
                    entries[e.id] = e
                    w.updated_entries.append(e)
                    engine.update_entry(e)
                    continue
                e.close_seq = seq.close()
                entries[e.id] = e
                w.updated_entries.append(e)
                event(entry_closed=convert.entry_event_pb(e))
                append_close(steps, e)
                closed = engine.close_entry(e)
                if closed is not None:
                    w.orders.append(closed)
                    event(order_closed=self._order_pb(vm_id, closed, with_real=False))
            else:
                flush()
        flush()
        sends: list[RealOrder] = []
        c = h.config
        if h.is_live and pulse.live and c.live_trading and c.broker_account:
            for order in created:
                real = self._real_intent(c, order)
                w.real_orders.append(real)
                event(real_order=convert.real_to_pb(real))
                sends.append(real)
        w.seq = seq.last
        self.store.commit_pulse(w)
        h.status.last_pulse_ms = pulse.time_ms
        for real in sends:  # scheduled before the event readers are woken: a bracket waits for no one
            self._spawn(self._send(h, real))
        self._publish()

    # --- plan ------------------------------------------------------------------------------------

    def get_plan(self, vm_id: str) -> Plan:
        return self._get(vm_id).config.plan

    def set_plan(self, vm_id: str, plan: Plan) -> Plan:
        """Replaces the plan and replays the whole entry history under it (synchronously: no pulse interleaves).

        The plan is committed before this returns and the new orders are in effect at once (ListOrders,
        GetReport and new pulses read them from memory); the orders table, derived from entries and
        plan, is brought up to date in the background — after a crash the next load does it again.
        """
        h = self._get(vm_id)
        validate_plan(plan)
        self._ensure_loaded(h)
        assert h.entries is not None
        engine = replay(plan, self.rules.get, h.entries.values(), h.steps)
        h.config.plan = plan.copy()
        self.store.save_vm(h.config)
        old, h.engine = h.engine, engine
        # The old state is released in the background task: freeing 100k orders is not the caller's wait.
        self._spawn(self._sync_orders(h, engine, old))
        return h.config.plan

    async def _sync_orders(self, h: VmHandle, engine: PlanEngine, old: PlanEngine | None) -> None:
        await asyncio.sleep(0)
        del old
        if h.engine is engine and h.config.id in self.vms:
            self._persist_orders(h.config.id, engine, self.store.load_orders(h.config.id))

    def _persist_orders(self, vm_id: str, engine: PlanEngine, stored: dict[str, tuple[Any, ...]]) -> None:
        upserts = []
        for i, o in engine.orders.items():
            row = stored.get(i)
            if (
                row is None
                or row[:4] != (o.quantity, o.stake, o.wallet, o.gain)
                or bool(row[6]) != o.closed
                or row[4] != tags_json(o.tags)
            ):
                upserts.append(o)
        removed = [i for i in stored if i not in engine.orders]
        if upserts or removed:
            self.store.replace_orders(vm_id, upserts, removed)

    # --- queries ---------------------------------------------------------------------------------

    @staticmethod
    def _filter_sql(flt: dict[str, Any]) -> tuple[str, list[Any]]:
        parts: list[str] = []
        args: list[Any] = []
        for key, column in (
            ("symbol", "e.symbol"),
            ("timeframe", "e.timeframe"),
            ("strategy", "e.strategy"),
            ("result", "e.result"),
        ):
            if flt.get(key):
                parts.append(f"{column} = ?")
                args.append(flt[key])
        if flt.get("from_ms"):
            parts.append("e.time_ms >= ?")
            args.append(flt["from_ms"])
        if flt.get("to_ms"):
            parts.append("e.time_ms < ?")
            args.append(flt["to_ms"])
        return " AND ".join(parts), args

    def list_entries(self, vm_id: str, flt: dict[str, Any], offset: int, limit: int) -> tuple[list[bytes], int]:
        self._get(vm_id)
        where, args = self._filter_sql(flt)
        rows, total = self.store.query_entries(vm_id, where, args, offset, limit, orders_only=False)
        return [bytes(r[1]) for r in rows], total

    def get_entry(self, vm_id: str, entry_id: str) -> bytes:
        self._get(vm_id)
        if not entry_id:
            raise ValueError("entry_id: required")
        raw = self.store.entry_raw(vm_id, entry_id)
        if raw is None:
            raise NotFound(f"entry_id: no entry {entry_id!r} in VM {vm_id!r}")
        return raw

    def list_orders(self, vm_id: str, flt: dict[str, Any], offset: int, limit: int) -> tuple[list[Any], int]:
        """From the plan state in memory: always the current plan's orders, even while they are being written."""
        h = self._get(vm_id)
        engine = self._ensure_loaded(h)
        symbol, timeframe, strategy, result = (
            flt.get("symbol"),
            flt.get("timeframe"),
            flt.get("strategy"),
            flt.get("result"),
        )
        from_ms, to_ms = flt.get("from_ms") or 0, flt.get("to_ms") or 0
        picked = [
            o
            for o in engine.orders.values()
            if (not symbol or o.entry.symbol == symbol)
            and (not timeframe or o.entry.timeframe == timeframe)
            and (not strategy or o.entry.strategy == strategy)
            and (not result or o.entry.result == result)
            and o.entry.time_ms >= from_ms
            and (not to_ms or o.entry.time_ms < to_ms)
        ]
        picked.sort(key=lambda o: (o.entry.time_ms, o.entry.open_seq))
        page = picked[offset : offset + limit]
        reals = {r.entry_id: r for r in self.store.real_orders(vm_id)} if page else {}
        out = []
        for order in page:
            raw = self.store.entry_raw(vm_id, order.id) or order.entry.raw
            out.append(
                convert.order_to_pb(vm_id, order, convert.entry_to_pb(raw, with_flags=False), reals.get(order.id))
            )
        return out, len(picked)

    def report(self, vm_id: str, from_ms: int, to_ms: int, interval: str) -> report_mod.Report:
        engine = self._ensure_loaded(self._get(vm_id))
        return report_mod.build_report(engine.orders.values(), from_ms, to_ms, interval, now_ms())

    def _order_pb(self, vm_id: str, order: Order, with_real: bool = True) -> Any:
        real = self.store.real_by_client_id(client_order_id(vm_id, order.id)) if with_real else None
        return convert.order_to_pb(vm_id, order, convert.entry_event_pb(order.entry), real)

    # --- real orders -------------------------------------------------------------------------------

    def _real_intent(self, c: VmConfig, order: Order) -> RealOrder:
        e = order.entry
        t = now_ms()
        return RealOrder(
            vm_id=c.id,
            entry_id=e.id,
            client_order_id=client_order_id(c.id, e.id),
            account_id=c.broker_account,
            updated_ms=t,
            symbol=e.symbol,
            side=e.side,
            quantity=order.quantity,
            stop_loss=e.stop_loss,
            take_profit=e.take_profit,
            created_ms=t,
        )

    async def make_real_order(self, vm_id: str, entry_id: str) -> RealOrder:
        h = self._get(vm_id)
        if not entry_id:
            raise ValueError("entry_id: required")
        c = h.config
        if not c.broker_account:
            raise Precondition(f"vm_id: VM {vm_id!r} has no broker account")
        engine = self._ensure_loaded(h)
        assert h.entries is not None
        entry = h.entries.get(entry_id)
        if entry is None:
            raise NotFound(f"entry_id: no entry {entry_id!r} in VM {vm_id!r}")
        existing = self.store.real_by_client_id(client_order_id(vm_id, entry_id))
        if existing is not None:
            return existing
        if entry.result != ACTIVE:
            raise Precondition(f"entry_id: entry {entry_id!r} is not active ({entry.result})")
        if not h.is_live:
            raise Precondition(f"vm_id: VM {vm_id!r} is not live yet")
        order = engine.orders.get(entry_id)
        if order is None:
            size = engine.sizing(entry)
            if size is None:
                raise Precondition(f"entry_id: the plan gives no quantity for {entry_id!r}")
            order = Order(entry=entry, quantity=size.quantity, stake=size.stake, wallet=engine.deposit)
        real = self._real_intent(c, order)
        t = now_ms()
        self.store.save_real(real, (t, convert.event_bytes(vm_id, t, real_order=convert.real_to_pb(real))))
        self._publish()
        self._watch_account(c.broker_account)
        self._spawn(self._send(h, real))
        return real

    def _update_real(self, real: RealOrder, info: BracketInfo) -> None:
        status = BRACKET_STATES.get(info.state, real.status)
        new = dataclasses.replace(
            real,
            status=status,
            filled_quantity=info.filled_quantity,
            average_price=info.average_price,
            exit_price=info.exit_price,
            realized_pnl=info.realized_pnl,
            entry_order_id=info.entry_order_id or real.entry_order_id,
            stop_order_id=info.stop_order_id or real.stop_order_id,
            take_order_id=info.take_order_id or real.take_order_id,
            error=info.error,
            updated_ms=info.updated_ms or now_ms(),
        )
        if dataclasses.replace(new, updated_ms=real.updated_ms) == real:
            return
        self._save_real(new)

    def _save_real(self, real: RealOrder) -> None:
        t = now_ms()
        self.store.save_real(real, (t, convert.event_bytes(real.vm_id, t, real_order=convert.real_to_pb(real))))
        self._publish()

    async def _send(self, h: VmHandle, real: RealOrder, wait_reconcile: bool = True) -> None:
        """Sends a recorded intent; idempotent at the broker by client order id."""
        if wait_reconcile:
            await h.reconciled.wait()
        request = bracket_request(real)
        try:
            async for attempt in AsyncRetrying(
                wait=wait_exponential(multiplier=0.2, max=5),
                stop=stop_after_delay(60),
                retry=retry_if_exception_type(Unavailable),
                reraise=True,
            ):
                with attempt:
                    info = await self.broker.place_bracket(request)
        except BrokerRejected as exc:
            self._save_real(dataclasses.replace(real, status=RealStatus.FAILED, error=str(exc), updated_ms=now_ms()))
            return
        except Unavailable as exc:
            # Left SENT: the next reconciliation asks the broker (GetBracket) before anything is resent.
            log.warning(
                "bracket not sent",
                extra={"event": "real_order_unsent", "client_order_id": real.client_order_id, "error": str(exc)},
            )
            return
        current = self.store.real_by_client_id(real.client_order_id) or real
        self._update_real(current, info)

    async def _reconcile(self, h: VmHandle) -> None:
        """Before any new bracket: ask the broker about every link still open or unanswered."""
        h.reconciled.clear()
        pending = [r for r in self.store.real_orders(h.config.id) if r.status in (RealStatus.SENT, RealStatus.OPEN)]
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.2, max=self.retry_max_wait),
            stop=stop_never,
            retry=retry_if_exception_type(Unavailable),
        ):
            with attempt:
                for real in list(pending):
                    info = await self.broker.get_bracket(real.account_id, real.client_order_id)
                    if info is not None:
                        self._update_real(real, info)
                    elif real.status == RealStatus.SENT:
                        entry = (h.entries or {}).get(real.entry_id)
                        if entry is not None and entry.result == ACTIVE:
                            self._spawn(self._send(h, real, wait_reconcile=False))
                        else:
                            self._save_real(
                                dataclasses.replace(
                                    real,
                                    status=RealStatus.FAILED,
                                    updated_ms=now_ms(),
                                    error="never reached the broker; its entry closed meanwhile",
                                )
                            )
                    pending.remove(real)
        h.reconciled.set()

    def _watch_account(self, account: str) -> None:
        task = self._account_tasks.get(account)
        if task is None or task.done():
            self._account_tasks[account] = asyncio.get_running_loop().create_task(self._follow_account(account))

    async def _follow_account(self, account: str) -> None:
        cursor_name = f"broker:{account}"
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.2, max=self.retry_max_wait),
            stop=stop_never,
            retry=retry_if_exception(lambda e: not isinstance(e, asyncio.CancelledError)),
        ):
            with attempt:
                async for event_id, info in self.broker.account_events(account, self.store.cursor(cursor_name)):
                    real = self.store.real_by_client_id(info.client_order_id)
                    if real is not None:
                        self._update_real(real, info)
                    self.store.set_cursor(cursor_name, event_id)
                raise Unavailable("account event stream ended")

    # --- taggers ---------------------------------------------------------------------------------

    @staticmethod
    def taggers() -> list[TagDescription]:
        return descriptions()


def default_vm_from_settings(symbols: str, timeframes: str, history_days: int, broker: str) -> VmConfig:
    return VmConfig(
        id="default",
        name="default",
        symbols=[s.strip().upper() for s in symbols.split(",") if s.strip()],
        timeframes=[t.strip() for t in timeframes.split(",") if t.strip()],
        history_days=history_days,
        broker_account="" if broker in ("", "none") else broker,
        broker_kind=broker if broker in ("paper", "binance", "binance-demo") else "none",
    )
