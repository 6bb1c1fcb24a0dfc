"""The paper broker: the same account interface, filled against live prices from candle_service.

Entries fill at the last price ± slippage with a taker fee; stop and take are virtual legs checked on
every price update of the symbol (stop first, the seed's worst case); hedge-mode positions and the
balance live in the broker's SQLite store, so a restart continues with the same account. Each
placement is one transaction (recorded + filled + legs), so a crash leaves it either recorded only
(resumed, like the Binance path) or complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict
from typing import Any

from .accounts import AccountConfig
from .filters import SymbolRules, check_bracket, dec
from .models import (
    AccountInfo,
    AlreadyExists,
    BalanceChange,
    Bracket,
    BracketRequest,
    NotFound,
    OrderInfo,
    PositionInfo,
    PositionMode,
    Precondition,
    leg_client_id,
    now_ms,
)
from .price_feed import CandlePriceFeed
from .store import BrokerStore

log = logging.getLogger("broker_service.paper")



class PaperAccount:
    def __init__(
        self,
        cfg: AccountConfig,
        store: BrokerStore,
        feed: CandlePriceFeed,
        *,
        start_balance: float = 10_000.0,
        slippage_percent: float = 0.02,
        fee_percent: float = 0.05,
        resume_window_s: float = 60.0,
    ) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.kind = cfg.kind
        self.position_mode: PositionMode = "hedge"
        self.store = store
        self.feed = feed
        self.slip = slippage_percent / 100
        self.fee = fee_percent / 100
        self.resume_window_s = resume_window_s
        self.rules: dict[str, SymbolRules] = {}
        self._lock = asyncio.Lock()
        self.ready = asyncio.Event()
        if store.get(self.id, "balance") is None:
            store.put(self.id, "balance", start_balance)

    # -- state
    @property
    def balance(self) -> float:
        return float(self.store.get(self.id, "balance"))

    def _positions(self) -> dict[str, dict[str, float]]:
        return dict(self.store.get(self.id, "positions") or {})

    async def start(self) -> None:
        symbols = sorted({b.symbol for b in self.store.brackets(self.id, ("PENDING", "OPEN"))} | set(self.cfg.symbols))
        await self.feed.start(self._on_price, symbols)
        self.ready.set()
        for b in self.store.brackets(self.id, ("PENDING",)):
            with contextlib.suppress(Exception):
                await self._fill_entry(b)

    async def close(self) -> None:
        await self.feed.close()

    async def _rules(self, symbol: str) -> SymbolRules:
        if symbol not in self.rules:
            self.rules[symbol] = await self.feed.rules(symbol)
        return self.rules[symbol]

    # -- brackets
    async def place_bracket(self, req: BracketRequest) -> Bracket:
        async with self._lock:
            existing = self.store.bracket(self.id, req.client_order_id)
            if existing is not None:
                if existing.symbol != req.symbol or existing.side != req.side:
                    raise AlreadyExists(
                        f"client_order_id: {req.client_order_id} is already a {existing.side} bracket on "
                        f"{existing.symbol}"
                    )
                if existing.state == "PENDING":
                    await self._fill_entry(existing)
                return existing
            rules = await self._rules(req.symbol)
            price = dec(await self.feed.price(req.symbol))
            await self.feed.ensure(req.symbol)
            checked = check_bracket(
                rules, req.side, req.quantity, req.quote_notional, req.stop_loss, req.take_profit, price
            )
            ps = "LONG" if req.side == "BUY" else "SHORT"
            for other in self.store.brackets(self.id, ("PENDING", "OPEN")):
                if other.symbol == req.symbol and other.position_side == ps:
                    raise Precondition(
                        f"symbol: bracket {other.client_order_id} is already open on {req.symbol} {ps}; "
                        "one bracket per symbol and position side"
                    )
            b = Bracket(
                client_order_id=req.client_order_id,
                account_id=self.id,
                symbol=req.symbol,
                side=req.side,
                position_side=ps,  # type: ignore[arg-type]
                quantity=float(checked.quantity),
                stop_loss=float(checked.stop_loss),
                take_profit=float(checked.take_profit),
                stop_cid=leg_client_id(req.client_order_id, "sl"),
                take_cid=leg_client_id(req.client_order_id, "tp"),
            )
            self.store.save_bracket(b)
            self.store.append_event(self.id, "bracket", b)
            await self._fill_entry(b)
            return b

    async def _fill_entry(self, b: Bracket) -> None:
        if now_ms() - b.created_ms > self.resume_window_s * 1000:
            b.state, b.step, b.error, b.retryable = "FAILED", "failed", "interrupted before the entry filled", True
            self.store.save_bracket(b)
            self.store.append_event(self.id, "bracket", b)
            return
        last = await self.feed.price(b.symbol)
        px = last * (1 + self.slip) if b.side == "BUY" else last * (1 - self.slip)
        px = float(self.rules[b.symbol].round_price(dec(px))) if b.symbol in self.rules else px
        qty = b.quantity
        fee = px * qty * self.fee
        t = now_ms()
        with self.store.transaction():
            entry = OrderInfo(
                exchange_order_id=f"paper-{b.client_order_id}",
                client_order_id=b.client_order_id,
                symbol=b.symbol,
                side=b.side,
                position_side=b.position_side,
                type="MARKET",
                status="FILLED",
                quantity=qty,
                filled_quantity=qty,
                average_price=px,
                update_time_ms=t,
                last_fill_quantity=qty,
                last_fill_price=px,
                commission=fee,
                commission_asset="USDT",
            )
            b.entry = entry
            b.filled_quantity, b.average_entry_price = qty, px
            b.stop = self._leg(b, "sl", t)
            b.take = self._leg(b, "tp", t)
            b.state, b.step = "OPEN", "open"
            self.store.save_bracket(b)
            self.store.append_event(self.id, "order", entry)
            self._move_position(b.symbol, b.position_side, qty if b.side == "BUY" else -qty, px)
            self._book(-fee, "ORDER")
            self.store.append_event(self.id, "bracket", b)

    def _leg(self, b: Bracket, leg: str, t: int) -> OrderInfo:
        return OrderInfo(
            exchange_order_id=f"paper-{b.stop_cid if leg == 'sl' else b.take_cid}",
            client_order_id=b.stop_cid if leg == "sl" else b.take_cid,
            symbol=b.symbol,
            side=b.exit_side,
            position_side=b.position_side,
            type="STOP_MARKET" if leg == "sl" else "TAKE_PROFIT_MARKET",
            status="NEW",
            quantity=b.filled_quantity,
            stop_price=b.stop_loss if leg == "sl" else b.take_profit,
            is_algo=True,
            update_time_ms=t,
        )

    def _move_position(self, symbol: str, ps: str, delta: float, price: float) -> float:
        """Applies a fill to the position; returns the realized PnL of the part that closed."""
        positions = self._positions()
        key = f"{symbol}:{ps}"
        p = positions.get(key, {"qty": 0.0, "entry": 0.0})
        realized = 0.0
        if p["qty"] == 0 or (p["qty"] > 0) == (delta > 0):
            new = p["qty"] + delta
            p["entry"] = (p["entry"] * abs(p["qty"]) + price * abs(delta)) / abs(new)
            p["qty"] = new
        else:
            closing = min(abs(delta), abs(p["qty"]))
            realized = (price - p["entry"]) * closing * (1 if p["qty"] > 0 else -1)
            p["qty"] += delta
            if abs(p["qty"]) < 1e-12:
                p = {"qty": 0.0, "entry": 0.0}
        if p["qty"] == 0:
            positions.pop(key, None)
        else:
            positions[key] = p
        self.store.put(self.id, "positions", positions)
        self.store.append_event(self.id, "position", PositionInfo(symbol, ps, p["qty"], p["entry"], price))
        return realized

    def _book(self, amount: float, reason: str) -> None:
        wb = self.balance + amount
        self.store.put(self.id, "balance", wb)
        self.store.append_event(self.id, "balance", BalanceChange("USDT", wb, amount, reason))

    async def _on_price(self, symbol: str, low: float, high: float, close: float, t: int) -> None:
        for b in self.store.brackets(self.id, ("OPEN",)):
            if b.symbol != symbol:
                continue
            long = b.side == "BUY"
            stop_open = b.stop is not None and b.stop.status == "NEW"
            take_open = b.take is not None and b.take.status == "NEW"
            if stop_open and ((long and low <= b.stop_loss) or (not long and high >= b.stop_loss)):
                self._exit(b, "sl", b.stop_loss)
            elif take_open and ((long and high >= b.take_profit) or (not long and low <= b.take_profit)):
                self._exit(b, "tp", b.take_profit)

    def _exit(self, b: Bracket, leg: str, trigger: float, note: str = "") -> OrderInfo:
        px = trigger * (1 - self.slip) if b.side == "BUY" else trigger * (1 + self.slip)
        if leg == "tp":
            px = trigger  # a take is a better price; no slippage beyond it
        qty = b.filled_quantity
        fee = px * qty * self.fee
        t = now_ms()
        with self.store.transaction():
            realized = self._move_position(b.symbol, b.position_side, -qty if b.side == "BUY" else qty, px)
            fill = OrderInfo(
                exchange_order_id=f"paper-{b.client_order_id}-{leg}",
                client_order_id=b.stop_cid if leg == "sl" else b.take_cid if leg == "tp" else f"{b.client_order_id}.x",
                symbol=b.symbol,
                side=b.exit_side,
                position_side=b.position_side,
                type="MARKET",
                status="FILLED",
                quantity=qty,
                filled_quantity=qty,
                average_price=px,
                update_time_ms=t,
                last_fill_quantity=qty,
                last_fill_price=px,
                commission=fee,
                commission_asset="USDT",
                realized_pnl=realized,
            )
            self.store.append_event(self.id, "order", fill)
            self._book(realized - fee, "ORDER")
            for name, o in (("sl", b.stop), ("tp", b.take)):
                if o is not None and o.status == "NEW":
                    o.status = "TRIGGERED" if name == leg else "CANCELED"
            b.state, b.step = "CLOSED", "closed"
            b.exit_price, b.realized_pnl = px, realized
            b.error = note
            self.store.save_bracket(b)
            self.store.append_event(self.id, "bracket", b)
        return fill

    def get_bracket(self, cid: str) -> Bracket:
        b = self.store.bracket(self.id, cid)
        if b is None:
            raise NotFound(f"client_order_id: no bracket {cid} on account {self.id}")
        return b

    async def info(self) -> AccountInfo:
        out = AccountInfo(self.id, "paper", "hedge", connected=True)
        out.balance = self.balance
        upnl = 0.0
        for key, p in self._positions().items():
            symbol, ps = key.split(":")
            mark = self.feed.last.get(symbol, p["entry"])
            up = (mark - p["entry"]) * p["qty"]
            upnl += up
            out.positions.append(
                PositionInfo(symbol, ps, p["qty"], p["entry"], mark, up, self.cfg.leverage, self.cfg.margin_type)
            )
        out.unrealized_pnl = upnl
        margin = sum(abs(p.quantity) * p.entry_price / max(self.cfg.leverage, 1) for p in out.positions)
        out.available = out.balance + min(upnl, 0.0) - margin
        return out

    async def open_orders(self, symbol: str = "") -> list[OrderInfo]:
        out: list[OrderInfo] = []
        for b in self.store.brackets(self.id, ("OPEN",)):
            if symbol and b.symbol != symbol:
                continue
            out += [o for o in (b.stop, b.take) if o is not None and o.status == "NEW"]
        return out

    async def cancel_order(self, symbol: str, client_order_id: str, exchange_order_id: str, is_algo: bool) -> OrderInfo:
        for b in self.store.brackets(self.id, ("OPEN",)):
            for o in (b.stop, b.take):
                if (
                    o is not None
                    and o.status == "NEW"
                    and client_order_id in (o.client_order_id, "")
                    and (not exchange_order_id or exchange_order_id == o.exchange_order_id)
                ):
                    o.status = "CANCELED"
                    self.store.save_bracket(b)
                    self.store.append_event(self.id, "order", o)
                    return o
        raise NotFound(f"client_order_id: no open order {client_order_id or exchange_order_id}")

    async def close_position(self, symbol: str, position_side: str) -> OrderInfo:
        if position_side not in ("LONG", "SHORT"):
            raise ValueError("position_side: LONG or SHORT (paper accounts are in hedge mode)")
        async with self._lock:
            for b in self.store.brackets(self.id, ("OPEN",)):
                if b.symbol == symbol and b.position_side == position_side:
                    price = await self.feed.price(symbol)
                    return self._exit(b, "x", price, note="closed by ClosePosition")
        raise NotFound(f"symbol: no open {position_side} position on {symbol}")

    def snapshot(self) -> dict[str, Any]:
        return {
            "balance": self.balance,
            "positions": self._positions(),
            "open": [asdict(b) for b in self.store.brackets(self.id, ("OPEN",))],
        }
