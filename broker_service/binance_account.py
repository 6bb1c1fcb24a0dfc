"""A Binance USDⓈ-M account (also binance-demo and exchange_sim): brackets, reconciliation, events.

Bracket placement is a small state machine whose step is written to SQLite *before* each exchange
call (see :data:`broker_service.crash.STEPS`):

    recorded → entry_sending → entry_filled → legs_sending → OPEN
                                      └─ a leg fails → rolling_back → FAILED (position closed)

Every exchange write carries a deterministic client id (the entry: the request's client_order_id;
the legs: ``<id>.sl`` / ``<id>.tp``; a rollback close: ``<id>.x``), so after a lost answer or a
restart the service looks the order up by that id and never sends it twice. Legs are sized to the
quantity the entry actually filled; hedge mode uses positionSide (reduceOnly may not be sent),
one-way mode reduceOnly. When a leg fills, the other is cancelled (OCO), from the user stream live,
or by :meth:`BinanceAccount.reconcile` after a reconnect or restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from decimal import Decimal
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from parayok.tasks import cancel_and_wait

from .accounts import AccountConfig
from .convert import (
    ALGO_FIRED,
    algo_from_rest,
    algo_from_stream,
    order_from_rest,
    order_from_stream,
    position_from_rest,
    position_from_stream,
)
from .crash import crash_point
from .exchange import (
    Banned,
    BinanceRest,
    ClockDrift,
    ExchangeError,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    with_clock_retry,
)
from .filters import SymbolRules, check_bracket, dec
from .mark_prices import MarkPriceFeed
from .models import (
    CLIENT_ID_RE,
    AccountInfo,
    AlreadyExists,
    BalanceChange,
    Bracket,
    BracketRequest,
    Halt,
    NotFound,
    OrderInfo,
    PositionInfo,
    Precondition,
    Unavailable,
    leg_client_id,
    now_ms,
)
from .store import BrokerStore
from .userstream import UserStream

log = logging.getLogger("broker_service.binance")

FINAL_ORDER = ("FILLED", "CANCELED", "EXPIRED", "REJECTED", "EXPIRED_IN_MATCH")


class LegFailed(Exception):
    pass


class StillUnknown(Exception):
    pass


class BinanceAccount:
    def __init__(
        self,
        cfg: AccountConfig,
        store: BrokerStore,
        *,
        recv_window_ms: int = 5000,
        timeout_s: float = 5.0,
        time_sync_s: float = 300.0,
        keepalive_s: float = 1800.0,
        silence_s: float = 60.0,
        resume_window_s: float = 60.0,
        price_max_age_s: float = 1.0,
        restart_slack_ms: int = 60_000,
    ) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.kind = cfg.kind
        self.store = store
        self.time_sync_s = time_sync_s
        self.resume_window_s = resume_window_s
        self.price_max_age_s = price_max_age_s
        # A bracket this account has no record of may have been placed by an earlier run whose last writes a
        # power cut lost (NORMAL store): requests first sent before this start (+ slack for clock skew between
        # the caller's host and ours) are looked up at the exchange before anything is sent.
        self.started_ms = now_ms()
        self.restart_slack_ms = restart_slack_ms
        self.lookups_before_placing = 0
        self.rest = BinanceRest(
            cfg.api_key.get_secret_value(),
            cfg.api_secret.get_secret_value(),
            cfg.rest_url(),
            recv_window_ms=recv_window_ms,
            timeout_s=timeout_s,
            on_ban=self._on_ban,
            time_source=cfg.time_source,
        )
        self.stream = UserStream(
            self.rest,
            cfg.ws_url(),
            self._on_stream,
            self._on_connected,
            self._on_stream_state,
            keepalive_s=keepalive_s,
            silence_s=silence_s,
            account_id=cfg.id,
        )
        # Mark prices pushed every second: the placement's price check without a REST round trip.
        self.marks = MarkPriceFeed(self.rest.client, cfg.ws_url(), cfg.symbols, account_id=cfg.id)
        # Where each placement's price came from: "mark" (the feed), "cache" (a recent REST price), "rest".
        self.price_reads: dict[str, int] = {"mark": 0, "cache": 0, "rest": 0}
        self.position_mode = cfg.position_mode
        self.rules: dict[str, SymbolRules] = {}
        self._symbols_ready: set[str] = set()
        self._prices: dict[str, tuple[float, Decimal]] = {}
        self._inflight: dict[str, asyncio.Task[Bracket]] = {}
        self._reconcile_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[Any]] = []
        self.ready = asyncio.Event()
        self.reconciled = asyncio.Event()
        self.reconciles = 0
        self.connected = False
        self.halt_reason = ""
        self.halted_until_ms = 0
        self.last_error = ""

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        """Returns at once; the account boots in the background (the exchange may be down)."""
        self.marks.start()  # needs no REST: prices arrive while the account boots
        self._tasks.append(asyncio.create_task(self._boot(), name=f"boot-{self.id}"))

    async def _boot(self) -> None:
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.5, max=30.0), retry=retry_if_exception_type(ExchangeError)
        ):
            with attempt:
                try:
                    await self._setup()
                except ExchangeError as exc:
                    self.last_error = str(exc)
                    log.warning(
                        "account setup failed",
                        extra={"event": "account_setup_failed", "account": self.id, "error": str(exc)},
                    )
                    raise
        self._tasks.append(asyncio.create_task(self._time_sync_loop(), name=f"timesync-{self.id}"))
        # Execution events written before a crash but not yet acted on.
        for ev in self.store.unhandled(self.id):
            if isinstance(ev.payload, OrderInfo):
                await self._handle_order(ev.payload)
            self.store.mark_handled(ev.event_id)
        self.ready.set()
        self.stream.start()

    async def _setup(self) -> None:
        await self.rest.sync_time()
        info = await self.rest.read(self.rest.client.futures_exchange_info)
        self.rules = {s["symbol"]: SymbolRules.from_exchange_info(s) for s in info["symbols"]}
        mode = await self.rest.read(self.rest.client.futures_get_position_mode)
        dual = bool(mode.get("dualSidePosition"))
        want = self.cfg.position_mode == "hedge"
        if dual != want:
            try:
                await self.rest.signed(
                    self.rest.client.futures_change_position_mode,
                    write=True,
                    dualSidePosition="true" if want else "false",
                )
                dual = want
            except Rejected as exc:
                # -4067/-4068: open orders or positions; keep the exchange's mode and say so.
                log.error(
                    "cannot change the position mode",
                    extra={"event": "position_mode_kept", "account": self.id, "error": str(exc)},
                )
        self.position_mode = "hedge" if dual else "one-way"
        for symbol in self.cfg.symbols:
            await self._setup_symbol(symbol)

    async def _setup_symbol(self, symbol: str) -> None:
        """Leverage and margin type of a traded symbol (the seed never set leverage)."""
        if symbol in self._symbols_ready:
            return
        if symbol not in self.rules:
            raise ValueError(f"symbol: {symbol} is not listed on the exchange")
        await self.rest.read(self.rest.client.futures_change_leverage, symbol=symbol, leverage=self.cfg.leverage)
        try:
            await self.rest.read(
                self.rest.client.futures_change_margin_type, symbol=symbol, marginType=self.cfg.margin_type
            )
        except Rejected as exc:
            if exc.code not in (-4046, -4048):  # no need to change / a position exists
                raise
        self._symbols_ready.add(symbol)
        self.marks.add(symbol)

    async def _time_sync_loop(self) -> None:
        while True:
            await asyncio.sleep(self.time_sync_s)
            with contextlib.suppress(ExchangeError):
                await self.rest.sync_time()

    async def close(self) -> None:
        await cancel_and_wait(*self._tasks)
        await self.stream.stop()
        await self.marks.stop()
        await self.rest.close()

    # ------------------------------------------------------------------ guards
    def _check_usable(self) -> None:
        if not self.ready.is_set():
            raise Unavailable(
                f"account {self.id} is not connected to the exchange yet ({self.last_error or 'starting'})"
            )
        now = now_ms()
        if self.rest.usage.banned_until_ms > now:
            raise Unavailable(
                f"account {self.id} is halted: IP banned by the exchange (HTTP 418) until "
                f"{self.rest.usage.banned_until_ms}"
            )
        if self.rest.usage.retry_at_ms > now:
            raise Unavailable(f"account {self.id} is rate limited (HTTP 429) until {self.rest.usage.retry_at_ms}")

    async def _on_ban(self, until_ms: int) -> None:
        self.halt_reason = "HTTP 418: IP banned by the exchange"
        self.halted_until_ms = until_ms
        self.store.append_event(self.id, "halted", Halt(self.halt_reason, until_ms))

    @property
    def halted(self) -> bool:
        return self.rest.usage.banned_until_ms > now_ms()

    # ------------------------------------------------------------------ brackets
    async def place_bracket(self, req: BracketRequest) -> Bracket:
        cid = req.client_order_id
        running = self._inflight.get(cid)
        if running is None:
            running = self._track(cid, self._place(req))
        return await asyncio.shield(running)

    def _track(self, cid: str, coro: Any) -> asyncio.Task[Bracket]:
        task: asyncio.Task[Bracket] = asyncio.create_task(coro)
        self._inflight[cid] = task
        task.add_done_callback(lambda _t: self._inflight.pop(cid, None))
        return task

    def _may_predate_start(self, req: BracketRequest) -> bool:
        """Whether an earlier run of this service may have sent this bracket and lost its record (a power cut
        under the NORMAL store): unknown first-send times, and those not clearly after our start."""
        return req.first_sent_ms == 0 or req.first_sent_ms < self.started_ms + self.restart_slack_ms

    async def _place(self, req: BracketRequest) -> Bracket:
        existing = self.store.bracket(self.id, req.client_order_id)
        if existing is not None:
            if existing.symbol != req.symbol or existing.side != req.side:
                raise AlreadyExists(
                    f"client_order_id: {req.client_order_id} is already a {existing.side} bracket on {existing.symbol}"
                )
            if not (existing.state == "FAILED" and existing.retryable):
                if existing.terminal or existing.state == "OPEN":
                    return existing
                return await self._drive(existing, resume=True)
        self._check_usable()
        symbol = req.symbol
        rules = self.rules.get(symbol)
        if rules is None:
            raise ValueError(f"symbol: {symbol} is not listed on the exchange")
        price, fresh = await self._price(symbol)
        try:
            checked = check_bracket(
                rules, req.side, req.quantity, req.quote_notional, req.stop_loss, req.take_profit, price
            )
        except ValueError:
            if fresh:
                raise
            # A price up to a second old (the feed's mark or a REST price) may only speed up valid requests,
            # never refuse one: a failed check is repeated on a REST price fetched now.
            price, _ = await self._price(symbol, max_age_s=0.0)
            checked = check_bracket(
                rules, req.side, req.quantity, req.quote_notional, req.stop_loss, req.take_profit, price
            )
        ps = ("LONG" if req.side == "BUY" else "SHORT") if self.position_mode == "hedge" else "BOTH"
        for other in self.store.brackets(self.id, ("PENDING", "OPEN")):
            if other.symbol == symbol and other.position_side == ps and other.client_order_id != req.client_order_id:
                raise Precondition(
                    f"symbol: bracket {other.client_order_id} is already {other.state.lower()} on {symbol} {ps}; "
                    "one bracket per symbol and position side"
                )
        if symbol not in self._symbols_ready:
            await self._write_guard(self._setup_symbol(symbol))
        b = Bracket(
            client_order_id=req.client_order_id,
            account_id=self.id,
            symbol=symbol,
            side=req.side,
            position_side=ps,  # type: ignore[arg-type]
            quantity=float(checked.quantity),
            stop_loss=float(checked.stop_loss),
            take_profit=float(checked.take_profit),
            stop_cid=leg_client_id(req.client_order_id, "sl"),
            take_cid=leg_client_id(req.client_order_id, "tp"),
            quote_notional=req.quote_notional,
        )
        # One commit records the request and its first step. FULL: the entry is sent only once it is on disk
        # (the fsync runs in a worker thread, so stream updates of other brackets are served meanwhile).
        # NORMAL: it survives a killed process, not a power cut — a resend of a bracket whose record was lost
        # comes with a first_sent_ms from before this start, and is looked up below instead of sent again.
        b.step = "entry_sending"
        with self.store.relaxed(), self.store.transaction():
            self.store.save_bracket(b)
            self._emit_bracket(b)
        if self.store.full:
            await self.store.durable()
        crash_point("recorded", b.client_order_id)
        # The same record whether or not it was sent before: resuming looks the entry up by its client id (and
        # then the legs) and sends only what the exchange does not have.
        lookup = self._may_predate_start(req)
        if lookup:
            self.lookups_before_placing += 1
        return await self._drive(b, resume=lookup)

    async def _write_guard(self, coro: Any) -> Any:
        try:
            return await coro
        except (RateLimited, Banned) as exc:
            raise Unavailable(str(exc)) from exc
        except OutcomeUnknown as exc:
            raise Unavailable(f"exchange unreachable: {exc}") from exc

    async def _price(self, symbol: str, max_age_s: float | None = None) -> tuple[Decimal, bool]:
        """The current price (and whether it was fetched by REST now), for notional sizing and the stop/take
        sanity check: the mark price from the feed (what the legs trigger on) if received within the age
        limit, else a REST price that young, else a REST ticker call (``max_age_s=0`` forces it). The
        exchange stays the judge: a stop past the price is refused there (-2021) and the bracket rolled back."""
        age = self.price_max_age_s if max_age_s is None else max_age_s
        if age > 0:
            mark = self.marks.get(symbol, age)
            if mark is not None:
                self.price_reads["mark"] += 1
                return mark, False
        cached = self._prices.get(symbol)
        if cached is not None and time.monotonic() - cached[0] <= age:
            self.price_reads["cache"] += 1
            return cached[1], False
        res = await self._write_guard(self.rest.read(self.rest.client.futures_symbol_ticker, symbol=symbol))
        price = dec(res["price"])
        self._prices[symbol] = (time.monotonic(), price)
        self.price_reads["rest"] += 1
        return price, True

    async def _drive(self, b: Bracket, resume: bool) -> Bracket:
        """Runs a bracket from its written step to OPEN or FAILED; every step is idempotent."""
        if b.step in ("recorded", "entry_sending"):
            sent_now = await self._entry(b, resume)
            if b.terminal:
                return b
            # An entry the exchange did not have has no legs there either: nothing to look up for them.
            resume = resume and not sent_now
        if b.step in ("entry_filled", "legs_sending"):
            await self._legs(b, resume)
        if b.step == "rolling_back":
            await self._rollback(b, resume=True)
        return b

    def _emit_bracket(self, b: Bracket) -> None:
        self.store.append_event(self.id, "bracket", b)

    def _fail(self, b: Bracket, error: str, retryable: bool) -> None:
        b.state = "FAILED"
        b.step = "failed"
        b.error = error
        b.retryable = retryable
        self.store.save_bracket(b)
        self._emit_bracket(b)
        log.warning(
            "bracket failed",
            extra={"event": "bracket_failed", "account": self.id, "client_order_id": b.client_order_id, "error": error},
        )

    # -- entry
    def _entry_params(self, b: Bracket) -> dict[str, Any]:
        rules = self.rules[b.symbol]
        p: dict[str, Any] = {
            "symbol": b.symbol,
            "side": b.side,
            "type": "MARKET",
            "quantity": rules.qty_str(dec(b.quantity)),
            "newClientOrderId": b.client_order_id,
            "newOrderRespType": "RESULT",
        }
        if self.position_mode == "hedge":
            p["positionSide"] = b.position_side
        return p

    async def _entry(self, b: Bracket, resume: bool) -> bool:
        """Looks the entry up (resume) or sends it; True if it was sent now."""
        found: dict[str, Any] | None = None
        sent_now = False
        if resume and b.step == "entry_sending":
            found = await self._lookup_order(b.symbol, b.client_order_id)
        if found is None:
            if resume and now_ms() - b.created_ms > self.resume_window_s * 1000:
                self._fail(b, "interrupted before the entry reached the exchange; too old to resume", True)
                return False
            if b.step != "entry_sending":
                b.step = "entry_sending"
                self.store.save_bracket(b)
            crash_point("entry_sending", b.client_order_id)
            try:
                found = await self._send_once(b.symbol, b.client_order_id, lambda: self._entry_params(b), algo=False)
            except Rejected as exc:
                self._fail(b, f"entry rejected: {exc.code} {exc.msg}", True)
                return True
            except (RateLimited, Banned) as exc:
                self._fail(b, f"entry not sent: {exc}", True)
                raise Unavailable(str(exc)) from exc
            except StillUnknown as exc:
                # Neither placed nor refused as far as we can tell: stays PENDING at entry_sending, so
                # the next call or reconcile looks it up again before anything is resent.
                b.error = f"entry outcome unknown: {exc}"
                self.store.save_bracket(b)
                raise Unavailable(str(exc)) from exc
            crash_point("entry_sent", b.client_order_id)
            sent_now = True
        found = await self._entry_final(b, found)
        b.entry = order_from_rest(found)
        filled = dec(found.get("executedQty") or "0")
        if filled <= 0:
            self._fail(b, f"entry not filled (status {found.get('status')})", False)
            return sent_now
        b.filled_quantity = float(filled)
        b.average_entry_price = float(dec(found.get("avgPrice") or "0"))
        if not sent_now and resume:
            # Found, not sent: a run before ours placed it, and its later writes may be lost (a power cut under
            # the NORMAL store) — even a rollback whose close already left the position flat: no legs then.
            closed = await self._lookup_order(b.symbol, leg_client_id(b.client_order_id, "x"))
            if closed is not None and dec(closed.get("executedQty") or "0") > 0:
                b.exit_price = float(dec(closed.get("avgPrice") or "0"))
                self._fail(b, "a leg could not be placed before a restart; position closed at market", False)
                return sent_now
        # The fill and the next step in one commit: the legs may be sent after it. Relaxed (fsynced by the
        # group commit): should a power cut lose it, the bracket is back at entry_sending, whose resume looks
        # the entry and then the legs up by their client ids before sending anything.
        b.step = "legs_sending"
        with self.store.relaxed():
            self.store.save_bracket(b)
        crash_point("entry_filled", b.client_order_id)
        return sent_now

    async def _entry_final(self, b: Bracket, res: dict[str, Any]) -> dict[str, Any]:
        """A MARKET order's final state (RESULT usually is; otherwise poll, bounded)."""
        if res.get("status") in FINAL_ORDER:
            return res
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_delay(10),
                wait=wait_exponential(multiplier=0.05, max=1.0),
                retry=retry_if_exception_type((StillUnknown, OutcomeUnknown, ClockDrift)),
                reraise=True,
            ):
                with attempt:
                    got = await self.rest.find_order(b.symbol, b.client_order_id)
                    if got is None or got.get("status") not in FINAL_ORDER:
                        raise StillUnknown("entry not final")
                    return got
        except StillUnknown:
            pass
        return res

    async def _lookup_order(self, symbol: str, cid: str) -> dict[str, Any] | None:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(6),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            retry=retry_if_exception_type((OutcomeUnknown, ClockDrift, RateLimited)),
            reraise=True,
        ):
            with attempt:
                return await self.rest.find_order(symbol, cid)
        return None

    async def _lookup_algo(self, cid: str) -> dict[str, Any] | None:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(6),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            retry=retry_if_exception_type((OutcomeUnknown, ClockDrift, RateLimited)),
            reraise=True,
        ):
            with attempt:
                return await self.rest.find_algo(cid)
        return None

    async def _send_once(self, symbol: str, cid: str, params: Any, algo: bool) -> dict[str, Any]:
        """Sends an order; on a lost answer looks it up by client id, and sends again only if the
        exchange confirms it does not have it (at most twice in all)."""
        for _ in range(2):
            try:
                res: dict[str, Any] = await with_clock_retry(
                    lambda: self.rest.signed(self.rest.client.futures_create_order, write=True, **params())
                )
                return res
            except OutcomeUnknown as exc:
                log.warning(
                    "order answer lost: looking it up",
                    extra={"event": "order_lookup", "account": self.id, "client_order_id": cid, "error": str(exc)},
                )
                try:
                    found = await (self._lookup_algo(cid) if algo else self._lookup_order(symbol, cid))
                except ExchangeError as lookup_exc:
                    raise StillUnknown(f"{exc}; lookup failed: {lookup_exc}") from lookup_exc
                if found is not None:
                    return found
            except Rejected as exc:
                if exc.code == -4116:  # duplicate of an open order: it is there already
                    found = await (self._lookup_algo(cid) if algo else self._lookup_order(symbol, cid))
                    if found is not None:
                        return found
                raise
        raise StillUnknown(f"order {cid}: no answer twice and not found at the exchange")

    # -- legs
    def _leg_params(self, b: Bracket, leg: str) -> dict[str, Any]:
        rules = self.rules[b.symbol]
        p: dict[str, Any] = {
            "symbol": b.symbol,
            "side": b.exit_side,
            "type": "STOP_MARKET" if leg == "sl" else "TAKE_PROFIT_MARKET",
            "stopPrice": rules.price_str(dec(b.stop_loss if leg == "sl" else b.take_profit)),
            "quantity": rules.qty_str(dec(b.filled_quantity)),
            "clientAlgoId": b.stop_cid if leg == "sl" else b.take_cid,
            "workingType": "MARK_PRICE",
        }
        if self.position_mode == "hedge":
            p["positionSide"] = b.position_side
        else:
            p["reduceOnly"] = "true"
        return p

    async def _leg(self, b: Bracket, leg: str, resume: bool) -> OrderInfo:
        cid = b.stop_cid if leg == "sl" else b.take_cid
        if resume:
            found = await self._lookup_algo(cid)
            if found is not None and found.get("algoStatus") not in ("CANCELED", "EXPIRED", "REJECTED"):
                return algo_from_rest(found)
        try:
            res = await self._send_once(b.symbol, cid, lambda: self._leg_params(b, leg), algo=True)
        except (ExchangeError, StillUnknown) as exc:
            raise LegFailed(f"{'stop loss' if leg == 'sl' else 'take profit'} not placed: {exc}") from exc
        if leg == "sl":
            crash_point("stop_sent", b.client_order_id)
        return algo_from_rest(res)

    async def _legs(self, b: Bracket, resume: bool) -> None:
        if b.step != "legs_sending":
            b.step = "legs_sending"
            self.store.save_bracket(b)
        crash_point("legs_sending", b.client_order_id)
        stop, take = await asyncio.gather(
            self._leg(b, "sl", resume), self._leg(b, "tp", resume), return_exceptions=True
        )
        crash_point("legs_sent", b.client_order_id)
        if isinstance(stop, OrderInfo):
            b.stop = stop
        if isinstance(take, OrderInfo):
            b.take = take
        errors = [str(x) for x in (stop, take) if isinstance(x, BaseException)]
        if errors:
            b.error = "; ".join(errors)
            await self._rollback(b, resume=False)
            return
        b.state = "OPEN"
        b.step = "open"
        # Relaxed for the same reason (resuming legs_sending finds both legs); readers hear of it once fsynced.
        with self.store.relaxed(), self.store.transaction():
            self.store.save_bracket(b)
            self._emit_bracket(b)

    async def _rollback(self, b: Bracket, resume: bool) -> None:
        """A leg could not be placed: never leave the position without a stop — close it at market."""
        b.step = "rolling_back"
        self.store.save_bracket(b)
        crash_point("rolling_back", b.client_order_id)
        for cid in (b.stop_cid, b.take_cid):
            await self._cancel_algo_quiet(cid)
        close_cid = leg_client_id(b.client_order_id, "x")
        rules = self.rules[b.symbol]

        def params() -> dict[str, Any]:
            p: dict[str, Any] = {
                "symbol": b.symbol,
                "side": b.exit_side,
                "type": "MARKET",
                "quantity": rules.qty_str(dec(b.filled_quantity)),
                "newClientOrderId": close_cid,
                "newOrderRespType": "RESULT",
            }
            if self.position_mode == "hedge":
                p["positionSide"] = b.position_side
            else:
                p["reduceOnly"] = "true"
            return p

        closed: dict[str, Any] | None = None
        try:
            closed = await self._lookup_order(b.symbol, close_cid) if resume else None
            if closed is None:
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(5),
                    wait=wait_exponential(multiplier=0.2, max=5.0),
                    retry=retry_if_exception_type((StillUnknown, RateLimited)),
                    reraise=True,
                ):
                    with attempt:
                        closed = await self._send_once(b.symbol, close_cid, params, algo=False)
        except (ExchangeError, StillUnknown) as exc:
            b.error += f"; CLOSING THE POSITION FAILED: {exc}"
            log.error(
                "rollback close failed",
                extra={
                    "event": "rollback_failed",
                    "account": self.id,
                    "client_order_id": b.client_order_id,
                    "error": str(exc),
                },
            )
        if closed is not None:
            b.exit_price = float(dec(closed.get("avgPrice") or "0"))
            b.error += "; position closed at market"
        self._fail(b, b.error, False)

    async def _cancel_algo_quiet(self, cid: str, attempts: int = 3) -> bool:
        """Cancels an algo order by client id; True if we cancelled it, False if it was gone or finished."""
        try:
            await with_clock_retry(
                lambda: self.rest.signed(self.rest.client.futures_cancel_algo_order, write=True, clientAlgoId=cid)
            )
            return True
        except Rejected as exc:
            if exc.code in (-2011, -2013):
                return False
            raise
        except OutcomeUnknown:
            found = await self._lookup_algo(cid)
            if found is not None and found.get("algoStatus") == "NEW":
                if attempts <= 1:
                    raise
                return await self._cancel_algo_quiet(cid, attempts - 1)
            return found is not None and found.get("algoStatus") == "CANCELED"

    # ------------------------------------------------------------------ user stream
    def _on_stream_state(self, up: bool) -> None:
        self.connected = up

    async def _on_connected(self) -> None:
        await self.reconcile()

    async def _on_stream(self, msg: dict[str, Any]) -> None:
        # The exchange's updates are committed (relaxed) and fsynced by a group commit off the event loop; the
        # few acted on wait for that fsync first. A power cut may lose the last few of the others, which the
        # REST reconcile on restart covers (positions, legs, balances).
        kind = msg.get("e")
        t = int(msg.get("E") or now_ms())
        if kind in ("ORDER_TRADE_UPDATE", "ALGO_UPDATE"):
            o = msg.get("o", {})
            info = order_from_stream(o) if kind == "ORDER_TRADE_UPDATE" else algo_from_stream(o, t)
            if not self._acts_on(info):
                # Nothing to do for it (most updates: entries, new legs): one commit, nothing to replay.
                with self.store.relaxed():
                    self.store.append_event(self.id, "order", info)
                return
            with self.store.relaxed():
                eid = self.store.append_event(self.id, "order", info, handled=False)
            # Acted on (OCO, re-protection): on disk first — the fsync in a worker thread, rare (leg fills).
            await self.store.durable()
            await self._handle_order(info)
            self.store.mark_handled(eid)
        elif kind == "ACCOUNT_UPDATE":
            a = msg.get("a", {})
            reason = str(a.get("m", ""))
            with self.store.relaxed(), self.store.transaction():
                for bal in a.get("B", []):
                    asset = str(bal.get("a", ""))
                    wb = float(bal.get("wb") or 0)
                    last = self.store.get(self.id, f"wb:{asset}")
                    change = wb - float(last) if last is not None else 0.0
                    self.store.put(self.id, f"wb:{asset}", wb)
                    self.store.append_event(self.id, "balance", BalanceChange(asset, wb, change, reason))
                for p in a.get("P", []):
                    self.store.append_event(self.id, "position", position_from_stream(p))

    def _acts_on(self, info: OrderInfo) -> bool:
        """Whether :meth:`_handle_order` would act on this update (decided without awaiting, so the
        answer still holds when the event is written)."""
        if info.is_algo:
            if info.status not in ("CANCELED", "EXPIRED"):
                return False
        elif info.status != "FILLED":
            return False
        return self.store.bracket_state_by_leg(self.id, info.client_order_id) == "OPEN"

    async def _handle_order(self, info: OrderInfo) -> None:
        """OCO: a filled stop cancels the take and vice versa. Idempotent (replayed after restarts)."""
        if info.is_algo:
            if info.status in ("CANCELED", "EXPIRED"):
                b = self.store.bracket_by_leg(self.id, info.client_order_id)
                if b is not None and b.state == "OPEN" and b.step == "open" and not self._reconcile_lock.locked():
                    # A leg vanished while the position may still be open: check and re-protect.
                    self._tasks.append(asyncio.create_task(self._reconcile_quiet()))
            return
        if info.status != "FILLED":
            return
        b = self.store.bracket_by_leg(self.id, info.client_order_id)
        if b is None or b.state != "OPEN":
            return
        await self._close_bracket(b, info)

    async def _reconcile_quiet(self) -> None:
        with contextlib.suppress(ExchangeError, StillUnknown):
            await self.reconcile()

    async def _reconcile_until_done(self) -> None:
        """A reconcile retried (past a 429's Retry-After, a 5xx) until the exchange lets it finish."""
        with contextlib.suppress(RetryError):
            async for attempt in AsyncRetrying(
                wait=wait_exponential(multiplier=0.5, max=30),
                stop=stop_after_delay(3600),
                retry=retry_if_exception_type((ExchangeError, StillUnknown)),
            ):
                with attempt:
                    await self.reconcile()

    async def _close_bracket(self, b: Bracket, fill: OrderInfo | None, note: str = "") -> None:
        leg = "sl" if fill is not None and fill.client_order_id == b.stop_cid else "tp"
        other = b.take_cid if leg == "sl" else b.stop_cid
        try:
            cancelled = await self._cancel_algo_quiet(other)
        except ExchangeError as exc:
            log.warning(
                "OCO cancel failed; reconcile will retry",
                extra={"event": "oco_cancel_failed", "account": self.id, "error": str(exc)},
            )
            # The fill event is marked handled when this returns, and a reconcile otherwise runs only after
            # a reconnect: without one that keeps trying, the bracket stayed OPEN with the other leg resting
            # on a flat side (and its symbol and side refused new brackets).
            self._tasks.append(asyncio.create_task(self._reconcile_until_done()))
            return
        if fill is not None:
            b.exit_price = fill.average_price
            b.realized_pnl = fill.realized_pnl
            target = b.stop if leg == "sl" else b.take
            if target is not None:
                target.status = "TRIGGERED"
        other_leg = b.take if leg == "sl" else b.stop
        if other_leg is not None:
            other_leg.status = "CANCELED" if cancelled else "EXPIRED"
        b.state = "CLOSED"
        b.step = "closed"
        if note:
            b.error = note
        self.store.save_bracket(b)
        self._emit_bracket(b)

    # ------------------------------------------------------------------ reconcile
    async def reconcile(self) -> None:
        """REST is authoritative: resume interrupted brackets, close brackets whose position is gone
        (OCO missed while down), re-protect positions without a stop, cancel orphaned legs."""
        async with self._reconcile_lock:
            for b in self.store.brackets(self.id, ("PENDING",)):
                running = self._inflight.get(b.client_order_id)
                if running is None:
                    running = self._track(b.client_order_id, self._drive(b, resume=True))
                with contextlib.suppress(Exception):
                    await asyncio.shield(running)
            positions = await self.positions()
            amounts = {(p.symbol, p.position_side): p.quantity for p in positions}
            algos = await self.rest.read(self.rest.client.futures_get_open_algo_orders)
            open_algo = {str(a.get("clientAlgoId")): a for a in algos}
            for b in self.store.brackets(self.id, ("OPEN",)):
                amt = amounts.get((b.symbol, b.position_side), 0.0)
                has_position = (amt > 0 if b.side == "BUY" else amt < 0) if b.position_side == "BOTH" else amt != 0
                if not has_position:
                    await self._close_missed(b)
                    open_algo.pop(b.stop_cid, None)
                    open_algo.pop(b.take_cid, None)
                    continue
                for leg in ("sl", "tp"):
                    cid = b.stop_cid if leg == "sl" else b.take_cid
                    if cid in open_algo:
                        continue
                    await self._replace_leg(b, leg)
                open_algo.pop(b.stop_cid, None)
                open_algo.pop(b.take_cid, None)
            for cid, a in open_algo.items():
                side = str(a.get("side"))
                ps = str(a.get("positionSide", "BOTH"))
                closing = (
                    bool(a.get("reduceOnly"))
                    or bool(a.get("closePosition"))
                    or (ps == "LONG" and side == "SELL")
                    or (ps == "SHORT" and side == "BUY")
                )
                amt = amounts.get((str(a.get("symbol")), ps), 0.0)
                if closing and amt == 0:
                    log.info(
                        "cancelling an orphaned stop/take",
                        extra={"event": "orphan_cancel", "account": self.id, "client_order_id": cid},
                    )
                    await self._cancel_algo_quiet(cid)
            protected = {(b.symbol, b.position_side) for b in self.store.brackets(self.id, ("OPEN",))}
            for p in positions:
                if p.quantity != 0 and (p.symbol, p.position_side) not in protected:
                    log.warning(
                        "a position without a bracket of ours",
                        extra={
                            "event": "unmanaged_position",
                            "account": self.id,
                            "symbol": p.symbol,
                            "position_side": p.position_side,
                        },
                    )
            await self._reconcile_balances()
            self.reconciles += 1
            self.reconciled.set()

    async def _reconcile_balances(self) -> None:
        """Balances from REST; a move missed while the stream was down becomes one RECONCILE event."""
        rows = await self.rest.read(self.rest.client.futures_account_balance)
        with self.store.transaction():
            for row in rows:
                asset = str(row.get("asset", ""))
                wb = float(row.get("balance") or 0)
                last = self.store.get(self.id, f"wb:{asset}")
                self.store.put(self.id, f"wb:{asset}", wb)
                if last is not None and abs(wb - float(last)) > 1e-12:
                    self.store.append_event(self.id, "balance", BalanceChange(asset, wb, wb - float(last), "RECONCILE"))

    async def _close_missed(self, b: Bracket) -> None:
        """The position is gone: find which leg fired while we were not listening, cancel the other."""
        fill: OrderInfo | None = None
        for cid in (b.stop_cid, b.take_cid):
            a = await self._lookup_algo(cid)
            if a is not None and a.get("algoStatus") in ALGO_FIRED:
                o = await self._lookup_order(b.symbol, cid)
                fill = order_from_rest(o) if o is not None else OrderInfo(client_order_id=cid)
                if o is not None:
                    trades = await self._realized(b.symbol, str(o.get("orderId")))
                    fill.realized_pnl = trades
                break
        await self._close_bracket(b, fill, note="" if fill is not None else "position closed outside the bracket")

    async def _realized(self, symbol: str, order_id: str) -> float:
        try:
            trades = await self.rest.read(self.rest.client.futures_account_trades, symbol=symbol, orderId=order_id)
        except ExchangeError:
            return 0.0
        return float(sum(float(t.get("realizedPnl") or 0) for t in trades if str(t.get("orderId")) == order_id))

    async def _replace_leg(self, b: Bracket, leg: str) -> None:
        cid = b.stop_cid if leg == "sl" else b.take_cid
        a = await self._lookup_algo(cid)
        if a is not None and a.get("algoStatus") in ALGO_FIRED:
            return  # fired; the position update will follow
        gen = int(self.store.get(self.id, f"gen:{b.client_order_id}:{leg}") or 0) + 1
        self.store.put(self.id, f"gen:{b.client_order_id}:{leg}", gen)
        new_cid = leg_client_id(b.client_order_id, leg, gen)
        if leg == "sl":
            b.stop_cid = new_cid
        else:
            b.take_cid = new_cid
        self.store.save_bracket(b)
        log.warning(
            "re-placing a missing leg",
            extra={"event": "leg_replaced", "account": self.id, "client_order_id": b.client_order_id, "leg": leg},
        )
        try:
            info = await self._leg(b, leg, resume=True)
        except LegFailed as exc:
            if leg == "sl":
                b.error = str(exc)
                await self._rollback(b, resume=False)
            return
        if leg == "sl":
            b.stop = info
        else:
            b.take = info
        self.store.save_bracket(b)
        self._emit_bracket(b)

    # ------------------------------------------------------------------ queries and manual actions
    def get_bracket(self, cid: str) -> Bracket:
        b = self.store.bracket(self.id, cid)
        if b is None:
            raise NotFound(f"client_order_id: no bracket {cid} on account {self.id}")
        return b

    async def positions(self) -> list[PositionInfo]:
        rows = await self.rest.read(self.rest.client.futures_position_information, version=2)
        return [position_from_rest(r) for r in rows if float(r.get("positionAmt") or 0) != 0]

    async def info(self) -> AccountInfo:
        base = AccountInfo(
            account_id=self.id,
            kind=self.kind,
            position_mode=self.position_mode,
            halted=self.halted,
            halt_reason=self.halt_reason if self.halted else "",
            halted_until_ms=self.rest.usage.banned_until_ms if self.halted else 0,
            connected=self.connected,
        )
        if not self.ready.is_set() or self.halted:
            return base
        try:
            acct = await self.rest.read(self.rest.client.futures_account)
            base.positions = await self.positions()
        except Banned:
            base.halted, base.halt_reason = True, self.halt_reason
            base.halted_until_ms = self.rest.usage.banned_until_ms
            return base
        except ExchangeError as exc:
            raise Unavailable(f"account {self.id}: {exc}") from exc
        base.balance = float(acct.get("totalWalletBalance") or 0)
        base.available = float(acct.get("availableBalance") or 0)
        base.unrealized_pnl = float(acct.get("totalUnrealizedProfit") or 0)
        return base

    async def open_orders(self, symbol: str = "") -> list[OrderInfo]:
        self._check_usable()
        kw = {"symbol": symbol} if symbol else {}
        try:
            regular = await self.rest.read(self.rest.client.futures_get_open_orders, **kw)
            algos = await self.rest.read(self.rest.client.futures_get_open_algo_orders, **kw)
        except ExchangeError as exc:
            raise Unavailable(f"account {self.id}: {exc}") from exc
        return [order_from_rest(o) for o in regular] + [algo_from_rest(a) for a in algos]

    async def cancel_order(self, symbol: str, client_order_id: str, exchange_order_id: str, is_algo: bool) -> OrderInfo:
        self._check_usable()
        kw: dict[str, Any] = {}
        if is_algo:
            if exchange_order_id:
                kw["algoId"] = exchange_order_id
            else:
                kw["clientAlgoId"] = client_order_id
        else:
            kw["symbol"] = symbol
            if exchange_order_id:
                kw["orderId"] = exchange_order_id
            else:
                kw["origClientOrderId"] = client_order_id
        fn = self.rest.client.futures_cancel_algo_order if is_algo else self.rest.client.futures_cancel_order
        try:
            res = await with_clock_retry(lambda: self.rest.signed(fn, write=True, **kw))
        except Rejected as exc:
            if exc.code in (-2011, -2013):
                raise NotFound(f"client_order_id: no open order {client_order_id or exchange_order_id}") from exc
            raise Precondition(f"cancel refused: {exc.code} {exc.msg}") from exc
        except (RateLimited, Banned, OutcomeUnknown) as exc:
            raise Unavailable(str(exc)) from exc
        out = algo_from_rest(res) if is_algo else order_from_rest(res)
        out.status = out.status or "CANCELED"  # the algo cancel answer carries no status
        return out

    async def close_position(self, symbol: str, position_side: str) -> OrderInfo:
        """Cancels the brackets' legs on that side, then closes the position at market."""
        self._check_usable()
        if symbol not in self.rules:
            raise ValueError(f"symbol: {symbol} is not listed on the exchange")
        if self.position_mode == "hedge" and position_side not in ("LONG", "SHORT"):
            raise ValueError("position_side: LONG or SHORT in hedge mode")
        if self.position_mode == "one-way":
            position_side = "BOTH"
        # Under the reconcile lock: the legs' cancellations must not look like lost stops.
        async with self._reconcile_lock:
            try:
                return await self._close_locked(symbol, position_side)
            except BaseException:
                for b in self.store.brackets(self.id, ("OPEN",)):
                    if b.step == "closing":
                        b.step = "open"
                        self.store.save_bracket(b)
                # whatever was cancelled before the failure is put back by a reconcile
                self._tasks.append(asyncio.create_task(self._reconcile_quiet()))
                raise

    async def _close_locked(self, symbol: str, position_side: str) -> OrderInfo:
        positions = await self._write_guard(self.positions())
        pos = next((p for p in positions if p.symbol == symbol and p.position_side == position_side), None)
        if pos is None or pos.quantity == 0:
            raise NotFound(f"symbol: no open {position_side} position on {symbol}")
        brackets = [
            b
            for b in self.store.brackets(self.id, ("OPEN",))
            if b.symbol == symbol and b.position_side == position_side
        ]
        # Durable before the legs are cancelled (the fsync in a worker thread: stream updates go on meanwhile).
        if brackets:
            with self.store.relaxed(), self.store.transaction():
                for b in brackets:
                    b.step = "closing"
                    self.store.save_bracket(b)
            await self.store.durable()
        for b in brackets:
            await self._write_guard(self._cancel_algo_quiet(b.stop_cid))
            await self._write_guard(self._cancel_algo_quiet(b.take_cid))
        qty = abs(dec(pos.quantity))
        side = "SELL" if pos.quantity > 0 else "BUY"
        if position_side == "SHORT":
            side = "BUY"
        cid = f"close-{symbol}-{now_ms()}"[:36]
        params: dict[str, Any] = {
            "symbol": symbol,
            "side": side,
            "type": "MARKET",
            "quantity": self.rules[symbol].qty_str(qty),
            "newClientOrderId": cid,
            "newOrderRespType": "RESULT",
        }
        if self.position_mode == "hedge":
            params["positionSide"] = position_side
        else:
            params["reduceOnly"] = "true"
        try:
            res = await self._send_once(symbol, cid, lambda: dict(params), algo=False)
        except Rejected as exc:
            raise Precondition(f"close refused: {exc.code} {exc.msg}") from exc
        except (RateLimited, Banned, StillUnknown, OutcomeUnknown) as exc:
            raise Unavailable(str(exc)) from exc
        info = order_from_rest(res)
        if not brackets:
            return info
        with self.store.relaxed(), self.store.transaction():
            for b in brackets:
                b.exit_price = info.average_price
                b.state = "CLOSED"
                b.step = "closed"
                b.error = "closed by ClosePosition"
                self.store.save_bracket(b)
                self._emit_bracket(b)
        await self.store.durable()
        return info


def validate_request(req: BracketRequest) -> None:
    if not req.account_id:
        raise ValueError("account_id: required")
    if not req.symbol:
        raise ValueError("symbol: required")
    if req.side not in ("BUY", "SELL"):
        raise ValueError("side: BUY or SELL")
    if not CLIENT_ID_RE.match(req.client_order_id):
        raise ValueError("client_order_id: must match ^[.A-Z:/a-z0-9_-]{1,36}$")
    if req.first_sent_ms < 0:
        raise ValueError("first_sent_ms: must be >= 0 (0 = unknown)")
