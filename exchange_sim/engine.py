"""Accounts, orders, positions and the matching engine (no HTTP here).

Matching reads the market's intra-minute price path: when the clock moves from t0 to t1 every
resting LIMIT and pending algo (conditional) order is checked against the vertices of the path
in time order, so the first level touched is the first one executed (a stop below and a take
above are never both hit in one step unless the path really visits both, in order).
Money is Decimal, prices are integer ticks, quantities integer steps.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, TypeVar

import numpy as np

from . import errors as E
from .errors import ApiError, mandatory, not_required
from .market import Market
from .symbols import SymbolSpec, decimals_of, fmt_units

CONDITIONAL = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
PLAIN = ("LIMIT", "MARKET")
CLIENT_ID_RE = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
ZERO = Decimal(0)
Event = dict[str, Any]


@dataclass
class Order:
    order_id: int
    client_id: str
    symbol: str
    side: str
    position_side: str
    type: str
    orig_type: str
    tif: str
    qty: int
    price: int  # ticks; 0 for market
    stop_price: int
    reduce_only: bool
    close_position: bool
    working_type: str
    price_protect: bool
    time: int
    update_time: int
    status: str = "NEW"
    executed: int = 0
    cum_quote: Decimal = ZERO
    good_till: int = 0
    price_match: str = "NONE"
    stp: str = "EXPIRE_MAKER"

    def remaining(self) -> int:
        return self.qty - self.executed


@dataclass
class AlgoOrder:
    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    position_side: str
    order_type: str
    tif: str
    qty: int  # 0 with closePosition
    price: int
    trigger_price: int
    working_type: str
    close_position: bool
    reduce_only: bool
    price_protect: bool
    create_time: int
    update_time: int
    activate_price: int = 0
    callback_rate: Decimal = ZERO
    status: str = "NEW"
    trigger_time: int = 0
    actual_order_id: int | None = None
    good_till: int = 0
    # trailing stop: best price seen since activation (ticks), 0 = not yet activated
    trail_extreme: int = 0


@dataclass
class Position:
    symbol: str
    side: str  # BOTH / LONG / SHORT
    amt: int = 0  # signed steps (SHORT positions are negative)
    entry: Decimal = ZERO
    realized: Decimal = ZERO  # accumulated realised PnL ("cr")
    isolated_wallet: Decimal = ZERO
    update_time: int = 0


@dataclass
class Trade:
    trade_id: int
    order_id: int
    symbol: str
    side: str
    position_side: str
    price: int
    qty: int
    quote: Decimal
    commission: Decimal
    realized: Decimal
    maker: bool
    time: int


@dataclass
class Account:
    api_key: str
    secret: str
    wallet: Decimal
    dual: bool = False
    leverage: dict[str, int] = field(default_factory=dict)
    margin_type: dict[str, str] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    algos: dict[int, AlgoOrder] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    update_time: int = 0

    def lev(self, symbol: str) -> int:
        return self.leverage.get(symbol, 20)

    def mtype(self, symbol: str) -> str:
        return self.margin_type.get(symbol, "CROSSED")

    def pos(self, symbol: str, side: str) -> Position:
        key = (symbol, side)
        if key not in self.positions:
            self.positions[key] = Position(symbol, side)
        return self.positions[key]

    # Orders that may still be open, so that a long session does not rescan its whole history on every
    # request: an order never reopens, so the closed ones are dropped as they are met. Rebuilt by a full
    # scan whenever ``orders``/``algos`` grew behind add_order/add_algo's back.
    _maybe_open: dict[int, Order] = field(default_factory=dict, repr=False)
    _maybe_open_algos: dict[int, AlgoOrder] = field(default_factory=dict, repr=False)
    _tracked: tuple[int, int] = (0, 0)
    # The newest order / algo order carrying each client id (lookups by client id without a history scan).
    _by_client_id: dict[str, Order] = field(default_factory=dict, repr=False)
    _algo_by_client_id: dict[str, AlgoOrder] = field(default_factory=dict, repr=False)

    def add_order(self, o: Order) -> None:
        self._sync_tracking()
        self.orders[o.order_id] = o
        self._maybe_open[o.order_id] = o
        self._by_client_id[o.client_id] = o
        self._tracked = (len(self.orders), len(self.algos))

    def add_algo(self, a: AlgoOrder) -> None:
        self._sync_tracking()
        self.algos[a.algo_id] = a
        self._maybe_open_algos[a.algo_id] = a
        self._algo_by_client_id[a.client_algo_id] = a
        self._tracked = (len(self.orders), len(self.algos))

    def _sync_tracking(self) -> None:
        if self._tracked != (len(self.orders), len(self.algos)):
            self._maybe_open = dict(self.orders)
            self._maybe_open_algos = dict(self.algos)
            # insertion order: a later order with the same client id replaces an earlier one
            self._by_client_id = {o.client_id: o for o in self.orders.values()}
            self._algo_by_client_id = {a.client_algo_id: a for a in self.algos.values()}
            self._tracked = (len(self.orders), len(self.algos))

    def order_by_client_id(self, cid: str) -> Order | None:
        self._sync_tracking()
        return self._by_client_id.get(cid)

    def algo_by_client_id(self, cid: str) -> AlgoOrder | None:
        self._sync_tracking()
        return self._algo_by_client_id.get(cid)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        self._sync_tracking()
        out = []
        for oid, o in list(self._maybe_open.items()):
            if o.status not in OPEN_STATUSES:
                del self._maybe_open[oid]
            elif symbol in (None, o.symbol):
                out.append(o)
        return out

    def open_algos(self, symbol: str | None = None) -> list[AlgoOrder]:
        self._sync_tracking()
        out = []
        for aid, a in list(self._maybe_open_algos.items()):
            if a.status != "NEW":
                # TRIGGERING stays a candidate: only finished states are final
                if a.status in ("CANCELED", "EXPIRED", "TRIGGERED", "FINISHED", "REJECTED"):
                    del self._maybe_open_algos[aid]
            elif symbol in (None, a.symbol):
                out.append(a)
        return out


def _bool(v: str | None, name: str) -> bool:
    if v is None:
        return False
    lv = v.lower()
    if lv in ("true", "false"):
        return lv == "true"
    raise E.bad_value(name)


class Engine:
    def __init__(
        self,
        market: Market,
        accounts: list[Account],
        maker_fee: Decimal = Decimal("0.0002"),
        taker_fee: Decimal = Decimal("0.0005"),
        slippage_bps: Decimal = ZERO,
        emit: Callable[[str, Event], None] | None = None,
    ) -> None:
        self.market = market
        self.specs: dict[str, SymbolSpec] = market.specs
        self.accounts = {a.api_key: a for a in accounts}
        self.maker_fee = maker_fee
        self.taker_fee = taker_fee
        self.slippage = slippage_bps / Decimal(10_000)
        self.emit: Callable[[str, Event], None] = emit or (lambda key, ev: None)
        self._ids = itertools.count(8_389_765_000_000_001)
        self._algo_ids = itertools.count(4_000_000_000_001)
        self._trade_ids = itertools.count(500_000_001)
        self.reject_new_orders: str | None = None  # admin fault: reject reason

    # ---- helpers -------------------------------------------------------------------
    def spec(self, symbol: str | None) -> SymbolSpec:
        if not symbol:
            raise mandatory("symbol")
        sp = self.specs.get(symbol)
        if sp is None:
            raise ApiError(*E.INVALID_SYMBOL)
        return sp

    def px(self, sp: SymbolSpec, ticks: int) -> Decimal:
        return Decimal(ticks).scaleb(-sp.price_dp)

    def qx(self, sp: SymbolSpec, units: int) -> Decimal:
        return Decimal(units).scaleb(-sp.qty_dp)

    def _parse_qty(self, sp: SymbolSpec, raw: str | None, name: str = "quantity") -> int:
        if raw is None or raw == "":
            raise mandatory(name)
        try:
            q = Decimal(raw)
        except InvalidOperation as exc:
            raise mandatory(name) from exc
        if not q.is_finite():
            raise mandatory(name)
        if q <= 0:
            raise ApiError(*E.QTY_ZERO)
        if decimals_of(q) > sp.qty_dp:
            raise ApiError(*E.PRECISION)
        return int(q.scaleb(sp.qty_dp))

    def _parse_price(self, sp: SymbolSpec, raw: str | None, name: str) -> int:
        if raw is None or raw == "":
            raise mandatory(name)
        try:
            p = Decimal(raw)
        except InvalidOperation as exc:
            raise mandatory(name) from exc
        if not p.is_finite():
            raise mandatory(name)
        if p <= 0:
            raise ApiError(*E.PRICE_ZERO)
        if decimals_of(p) > price_precision(sp):
            raise ApiError(*E.PRECISION)
        scaled = p.scaleb(sp.price_dp)
        if scaled != scaled.to_integral_value():
            raise ApiError(*E.TICK)
        if p < sp.min_price:
            raise ApiError(*E.PRICE_MIN)
        if p > sp.max_price:
            raise ApiError(*E.PRICE_MAX)
        return int(scaled)

    def _position_side(self, acct: Account, raw: str | None) -> str:
        ps = (raw or "BOTH").upper()
        if ps not in ("BOTH", "LONG", "SHORT"):
            raise E.bad_value("positionSide")
        if (acct.dual and ps == "BOTH") or (not acct.dual and ps != "BOTH"):
            raise ApiError(*E.POSITION_SIDE_MISMATCH)
        return ps

    def _reducing_qty(self, acct: Account, symbol: str, side: str, ps: str) -> int:
        """How much of an order on this side would reduce the existing position."""
        p = acct.positions.get((symbol, ps))
        amt = p.amt if p else 0
        if ps == "BOTH":
            if side == "BUY" and amt < 0:
                return -amt
            if side == "SELL" and amt > 0:
                return amt
            return 0
        if ps == "LONG":
            return amt if side == "SELL" else 0
        return -amt if side == "BUY" else 0

    def _closing_side(self, ps: str, side: str) -> bool:
        return (ps == "LONG" and side == "SELL") or (ps == "SHORT" and side == "BUY")

    # ---- margin --------------------------------------------------------------------
    def _upnl(self, sp: SymbolSpec, p: Position, mark: int) -> Decimal:
        if p.amt == 0:
            return ZERO
        return (self.px(sp, mark) - p.entry) * self.qx(sp, p.amt)

    def margin_summary(self, acct: Account, now: int) -> dict[str, Decimal]:
        upnl = ZERO
        cross_upnl = ZERO
        pos_im = ZERO
        iso_wallet = ZERO
        for p in acct.positions.values():
            if p.amt == 0:
                continue
            sp = self.specs[p.symbol]
            mark = self.market.price(p.symbol, now)
            u = self._upnl(sp, p, mark)
            upnl += u
            if acct.mtype(p.symbol) == "ISOLATED":
                iso_wallet += p.isolated_wallet
            else:
                cross_upnl += u
            pos_im += abs(self.qx(sp, p.amt)) * self.px(sp, mark) / acct.lev(p.symbol)
        ord_im = ZERO
        for o in acct.open_orders():
            ord_im += self._order_margin(acct, o, now)
        cross_wallet = acct.wallet - iso_wallet
        avail = cross_wallet + cross_upnl - (pos_im - iso_wallet if pos_im > iso_wallet else ZERO) - ord_im
        return {
            "wallet": acct.wallet,
            "upnl": upnl,
            "cross_upnl": cross_upnl,
            "pos_im": pos_im,
            "ord_im": ord_im,
            "cross_wallet": cross_wallet,
            "available": max(avail, ZERO),
            "margin_balance": acct.wallet + upnl,
            "maint": pos_im / 5,
        }

    def _order_margin(self, acct: Account, o: Order, now: int) -> Decimal:
        sp = self.specs[o.symbol]
        red = self._reducing_qty(acct, o.symbol, o.side, o.position_side)
        inc = max(0, o.remaining() - red)
        if inc == 0 or o.reduce_only:
            return ZERO
        price = o.price or self.market.price(o.symbol, now)
        return self.qx(sp, inc) * self.px(sp, price) / acct.lev(o.symbol)

    def _check_margin(self, acct: Account, sp: SymbolSpec, side: str, ps: str, qty: int, price: int, now: int) -> None:
        red = self._reducing_qty(acct, sp.symbol, side, ps)
        inc = max(0, qty - red)
        if inc == 0:
            return
        need = self.qx(sp, inc) * self.px(sp, price) / acct.lev(sp.symbol)
        need += self.qx(sp, inc) * self.px(sp, price) * self.taker_fee
        if need > self.margin_summary(acct, now)["available"]:
            raise ApiError(*E.MARGIN_INSUFFICIENT)

    # ---- new orders ----------------------------------------------------------------
    def new_order(self, acct: Account, params: dict[str, str], now: int, validate_only: bool = False) -> Event:
        if self.reject_new_orders:
            raise ApiError(-2010, self.reject_new_orders)
        sp = self.spec(params.get("symbol"))
        side = params.get("side")
        if not side:
            raise mandatory("side")
        if side not in ("BUY", "SELL"):
            raise ApiError(-1117, "Invalid side.")
        otype = params.get("type")
        if not otype:
            raise mandatory("type")
        if otype in CONDITIONAL:
            raise ApiError(*E.ALGO_ONLY)
        if otype not in PLAIN:
            raise ApiError(-1116, "Invalid orderType.")
        ps = self._position_side(acct, params.get("positionSide"))
        if "reduceOnly" in params and acct.dual:
            raise not_required("reduceOnly")
        reduce_only = _bool(params.get("reduceOnly"), "reduceOnly")
        if "closePosition" in params:
            raise not_required("closePosition")
        cid = params.get("newClientOrderId") or f"sim-{next(self._ids)}"
        if not CLIENT_ID_RE.match(cid):
            raise ApiError(*E.INVALID_CLIENT_ID)
        if any(o.client_id == cid for o in acct.open_orders()):
            raise ApiError(*E.DUPLICATE_CLIENT_ID)
        qty = self._parse_qty(sp, params.get("quantity"))
        if self.qx(sp, qty) < sp.min_qty:
            raise ApiError(*E.QTY_MIN)
        max_q = sp.market_max_qty if otype == "MARKET" else sp.max_qty
        if self.qx(sp, qty) > max_q:
            raise ApiError(*E.QTY_MAX)
        cur = self.market.price(sp.symbol, now)
        tif = params.get("timeInForce", "GTC")
        price = 0
        if otype == "LIMIT":
            if "timeInForce" not in params:
                raise mandatory("timeInForce")
            if tif not in ("GTC", "IOC", "FOK", "GTX", "GTD"):
                raise ApiError(-1115, "Invalid timeInForce.")
            price = self._parse_price(sp, params.get("price"), "price")
            self._percent_price(sp, price, cur, side)
        elif "price" in params:
            raise not_required("price")
        ref_price = price or cur
        closing = self._closing_side(ps, side) or reduce_only
        if not closing and self.qx(sp, qty) * self.px(sp, ref_price) < sp.min_notional:
            raise ApiError(
                -4164,
                f"Order's notional must be no smaller than {sp.min_notional} (unless you choose reduce only).",
            )
        must_reduce = reduce_only or (acct.dual and self._closing_side(ps, side))
        if must_reduce and self._reducing_qty(acct, sp.symbol, side, ps) == 0:
            raise ApiError(*E.REDUCE_ONLY_REJECT)
        if len(acct.open_orders(sp.symbol)) >= 200:
            raise ApiError(-2025, "Reach max open order limit.")
        self._check_margin(acct, sp, side, ps, qty, ref_price, now)
        if otype == "LIMIT" and tif == "GTX" and self._marketable(side, price, cur):
            raise ApiError(
                -5022, "Due to the order could not be executed as maker, the Post Only order will be rejected."
            )
        if validate_only:
            return {}
        o = Order(
            order_id=next(self._ids),
            client_id=cid,
            symbol=sp.symbol,
            side=side,
            position_side=ps,
            type=otype,
            orig_type=otype,
            tif=tif,
            qty=qty,
            price=price,
            stop_price=0,
            reduce_only=reduce_only,
            close_position=False,
            working_type="CONTRACT_PRICE",
            price_protect=False,
            time=now,
            update_time=now,
            good_till=int(params.get("goodTillDate", 0) or 0),
        )
        acct.add_order(o)
        ack = self.order_json(o, new=True)
        self._order_event(acct, o, "NEW", now)
        self._execute_on_arrival(acct, o, cur, now)
        if params.get("newOrderRespType", "ACK") == "RESULT":
            return self.order_json(o, new=True)
        return ack

    def _percent_price(self, sp: SymbolSpec, price: int, mark: int, side: str) -> None:
        up = Decimal("1.05") if sp.price_dp > 0 else Decimal("1.15")
        down = Decimal(2) - up
        p = self.px(sp, price)
        m = self.px(sp, mark)
        if side == "BUY" and p > m * up:
            raise ApiError(-4016, f"Limit price can't be higher than {(m * up).quantize(sp.tick)}.")
        if side == "SELL" and p < m * down:
            raise ApiError(-4024, f"Limit price can't be lower than {(m * down).quantize(sp.tick)}.")

    @staticmethod
    def _marketable(side: str, price: int, cur: int) -> bool:
        return price >= cur if side == "BUY" else price <= cur

    def _slipped(self, sp: SymbolSpec, side: str, cur: int) -> int:
        if self.slippage == 0:
            return cur
        d = Decimal(cur) * self.slippage
        step = int(d.to_integral_value(rounding="ROUND_CEILING"))
        return cur + step if side == "BUY" else max(1, cur - step)

    def _execute_on_arrival(self, acct: Account, o: Order, cur: int, now: int) -> None:
        sp = self.specs[o.symbol]
        if o.type == "MARKET":
            self._fill(acct, o, o.remaining(), self._slipped(sp, o.side, cur), False, now)
            return
        if self._marketable(o.side, o.price, cur):
            fill_px = min(o.price, cur) if o.side == "BUY" else max(o.price, cur)
            self._fill(acct, o, o.remaining(), fill_px, False, now)
        elif o.tif in ("IOC", "FOK"):
            self._finish(acct, o, "EXPIRED", now)

    # ---- fills ---------------------------------------------------------------------
    def _fill(self, acct: Account, o: Order, qty: int, price: int, maker: bool, now: int) -> None:
        sp = self.specs[o.symbol]
        red = self._reducing_qty(acct, o.symbol, o.side, o.position_side)
        if o.reduce_only or (o.position_side in ("LONG", "SHORT") and self._closing_side(o.position_side, o.side)):
            qty = min(qty, red)
            if qty <= 0:
                self._finish(acct, o, "EXPIRED", now)
                return
        p = acct.pos(o.symbol, o.position_side)
        price_d = self.px(sp, price)
        qty_d = self.qx(sp, qty)
        quote = price_d * qty_d
        fee = (quote * (self.maker_fee if maker else self.taker_fee)).quantize(Decimal("0.00000001"))
        delta = qty if o.side == "BUY" else -qty
        realized = ZERO
        old_amt = p.amt
        if old_amt == 0 or (old_amt > 0) == (delta > 0):
            new_abs = abs(old_amt) + qty
            p.entry = (p.entry * self.qx(sp, abs(old_amt)) + quote) / self.qx(sp, new_abs)
            p.amt = old_amt + delta
            if acct.mtype(o.symbol) == "ISOLATED":
                p.isolated_wallet += quote / acct.lev(o.symbol)
        else:
            close = min(qty, abs(old_amt))
            sign = 1 if old_amt > 0 else -1
            realized = (price_d - p.entry) * self.qx(sp, close) * sign
            if acct.mtype(o.symbol) == "ISOLATED" and old_amt != 0:
                p.isolated_wallet -= p.isolated_wallet * close / abs(old_amt)
            p.amt = old_amt + delta
            if p.amt == 0:
                p.entry = ZERO
                p.isolated_wallet = ZERO
            elif (p.amt > 0) != (old_amt > 0):
                p.entry = price_d
                if acct.mtype(o.symbol) == "ISOLATED":
                    p.isolated_wallet = self.qx(sp, abs(p.amt)) * price_d / acct.lev(o.symbol)
        p.realized += realized
        p.update_time = now
        acct.wallet += realized - fee
        acct.update_time = now
        o.executed += qty
        o.cum_quote += quote
        o.update_time = now
        o.status = "FILLED" if o.executed >= o.qty else "PARTIALLY_FILLED"
        tr = Trade(
            next(self._trade_ids),
            o.order_id,
            o.symbol,
            o.side,
            o.position_side,
            price,
            qty,
            quote,
            fee,
            realized,
            maker,
            now,
        )
        acct.trades.append(tr)
        self._account_event(acct, [p], now, "ORDER")
        self._order_event(acct, o, "TRADE", now, tr)
        nothing_left = self._reducing_qty(acct, o.symbol, o.side, o.position_side) == 0
        if o.status != "FILLED" and o.reduce_only and nothing_left:
            self._finish(acct, o, "EXPIRED", now)
        if p.amt == 0:
            self._expire_gte(acct, o.symbol, o.position_side, now)

    def _expire_gte(self, acct: Account, symbol: str, ps: str, now: int) -> None:
        for a in acct.open_algos(symbol):
            if a.tif == "GTE_GTC" and a.position_side == ps:
                a.status = "EXPIRED"
                a.update_time = now
                self._algo_event(acct, a, now)

    def _finish(self, acct: Account, o: Order, status: str, now: int) -> None:
        o.status = status
        o.update_time = now
        self._order_event(acct, o, "CANCELED" if status == "CANCELED" else status, now)

    # ---- cancel / query ------------------------------------------------------------
    def _find_order(self, acct: Account, params: dict[str, str]) -> Order:
        sp = self.spec(params.get("symbol"))
        found = _lookup(acct.orders, params, "orderId", "origClientOrderId", acct.order_by_client_id)
        if found is None or found.symbol != sp.symbol:
            raise ApiError(*E.UNKNOWN_ORDER)
        return found

    def get_order(self, acct: Account, params: dict[str, str]) -> Event:
        return self.order_json(self._find_order(acct, params))

    def cancel_order(self, acct: Account, params: dict[str, str], now: int) -> Event:
        try:
            o = self._find_order(acct, params)
        except ApiError as e:
            if e.code == E.UNKNOWN_ORDER[0]:
                raise ApiError(*E.CANCEL_UNKNOWN) from e
            raise
        if o.status not in OPEN_STATUSES:
            raise ApiError(*E.CANCEL_UNKNOWN)
        self._finish(acct, o, "CANCELED", now)
        return self.order_json(o, new=True)

    def cancel_all(self, acct: Account, params: dict[str, str], now: int) -> Event:
        sp = self.spec(params.get("symbol"))
        for o in acct.open_orders(sp.symbol):
            self._finish(acct, o, "CANCELED", now)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def open_orders(self, acct: Account, params: dict[str, str]) -> list[Event]:
        sym = params.get("symbol")
        if sym:
            self.spec(sym)
        return [self.order_json(o) for o in acct.open_orders(sym)]

    def all_orders(self, acct: Account, params: dict[str, str]) -> list[Event]:
        sp = self.spec(params.get("symbol"))
        limit = min(int(params.get("limit", 500)), 1000)
        res = [self.order_json(o) for o in acct.orders.values() if o.symbol == sp.symbol]
        return res[-limit:]

    # ---- algo orders ---------------------------------------------------------------
    def new_algo(self, acct: Account, params: dict[str, str], now: int) -> Event:
        if self.reject_new_orders:
            raise ApiError(-2010, self.reject_new_orders)
        algo_type = params.get("algoType")
        if not algo_type:
            raise mandatory("algoType")
        if algo_type != "CONDITIONAL":
            raise E.bad_value("algoType")
        sp = self.spec(params.get("symbol"))
        side = params.get("side")
        if not side:
            raise mandatory("side")
        if side not in ("BUY", "SELL"):
            raise ApiError(-1117, "Invalid side.")
        otype = params.get("type")
        if not otype:
            raise mandatory("type")
        if otype not in CONDITIONAL:
            raise ApiError(-1116, "Invalid orderType.")
        ps = self._position_side(acct, params.get("positionSide"))
        if "reduceOnly" in params and acct.dual:
            raise not_required("reduceOnly")
        reduce_only = _bool(params.get("reduceOnly"), "reduceOnly")
        close_pos = _bool(params.get("closePosition"), "closePosition")
        if close_pos:
            if otype not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
                raise not_required("closePosition")
            if params.get("quantity"):
                raise not_required("quantity")
            if reduce_only:
                raise not_required("reduceOnly")
        cid = params.get("clientAlgoId") or f"simalgo-{next(self._algo_ids)}"
        if not CLIENT_ID_RE.match(cid):
            raise ApiError(*E.INVALID_CLIENT_ID)
        if any(a.client_algo_id == cid for a in acct.open_algos()):
            raise ApiError(*E.DUPLICATE_CLIENT_ID)
        qty = 0
        if not close_pos:
            qty = self._parse_qty(sp, params.get("quantity"))
            if self.qx(sp, qty) < sp.min_qty:
                raise ApiError(*E.QTY_MIN)
            if self.qx(sp, qty) > sp.max_qty:
                raise ApiError(*E.QTY_MAX)
        price = 0
        tif = params.get("timeInForce", "GTC")
        if tif not in ("GTC", "IOC", "FOK", "GTX", "GTD", "GTE_GTC"):
            raise ApiError(-1115, "Invalid timeInForce.")
        if otype in ("STOP", "TAKE_PROFIT"):
            price = self._parse_price(sp, params.get("price"), "price")
        cur = self.market.price(sp.symbol, now)
        trigger = 0
        activate = 0
        rate = ZERO
        if otype == "TRAILING_STOP_MARKET":
            raw_rate = params.get("callbackRate")
            if not raw_rate:
                raise mandatory("callbackRate")
            rate = Decimal(raw_rate)
            if not Decimal("0.1") <= rate <= Decimal(10):
                raise ApiError(-2007, "Invalid callBack rate.")
            if params.get("activatePrice"):
                activate = self._parse_price(sp, params.get("activatePrice"), "activatePrice")
        else:
            trigger = self._parse_price(sp, params.get("triggerPrice"), "triggerPrice")
            if self._triggered(otype, side, trigger, cur):
                raise ApiError(*E.WOULD_TRIGGER)
        wt = params.get("workingType", "CONTRACT_PRICE")
        if wt not in ("CONTRACT_PRICE", "MARK_PRICE"):
            raise E.bad_value("workingType")
        if len(acct.open_algos(sp.symbol)) >= 10:
            raise ApiError(-4045, "Reach max stop order limit.")
        if not close_pos and not reduce_only and not (acct.dual and self._closing_side(ps, side)):
            ref = price or trigger or cur
            if self.qx(sp, qty) * self.px(sp, ref) < sp.min_notional:
                raise ApiError(
                    -4164,
                    f"Order's notional must be no smaller than {sp.min_notional} (unless you choose reduce only).",
                )
        a = AlgoOrder(
            algo_id=next(self._algo_ids),
            client_algo_id=cid,
            symbol=sp.symbol,
            side=side,
            position_side=ps,
            order_type=otype,
            tif=tif,
            qty=qty,
            price=price,
            trigger_price=trigger,
            working_type=wt,
            close_position=close_pos,
            reduce_only=reduce_only,
            price_protect=_bool(params.get("priceProtect"), "priceProtect"),
            create_time=now,
            update_time=now,
            activate_price=activate,
            callback_rate=rate,
            good_till=int(params.get("goodTillDate", 0) or 0),
        )
        if otype == "TRAILING_STOP_MARKET" and (activate == 0 or self._activated(a, cur)):
            a.trail_extreme = cur
        acct.add_algo(a)
        self._algo_event(acct, a, now)
        return self.algo_json(a)

    @staticmethod
    def _triggered(otype: str, side: str, trigger: int, price: int) -> bool:
        if otype in ("STOP", "STOP_MARKET"):
            return price >= trigger if side == "BUY" else price <= trigger
        return price <= trigger if side == "BUY" else price >= trigger

    @staticmethod
    def _activated(a: AlgoOrder, price: int) -> bool:
        if a.activate_price == 0:
            return True
        return price >= a.activate_price if a.side == "SELL" else price <= a.activate_price

    def _find_algo(self, acct: Account, params: dict[str, str]) -> AlgoOrder:
        found = _lookup(acct.algos, params, "algoId", "clientAlgoId", acct.algo_by_client_id)
        if found is None or (params.get("symbol") and found.symbol != params.get("symbol")):
            raise ApiError(*E.UNKNOWN_ORDER)
        return found

    def get_algo(self, acct: Account, params: dict[str, str]) -> Event:
        return self.algo_json(self._find_algo(acct, params))

    def cancel_algo(self, acct: Account, params: dict[str, str], now: int) -> Event:
        try:
            a = self._find_algo(acct, params)
        except ApiError as e:
            if e.code == E.UNKNOWN_ORDER[0]:
                raise ApiError(*E.CANCEL_UNKNOWN) from e
            raise
        if a.status != "NEW":
            raise ApiError(*E.CANCEL_UNKNOWN)
        a.status = "CANCELED"
        a.update_time = now
        self._algo_event(acct, a, now)
        return {"algoId": a.algo_id, "clientAlgoId": a.client_algo_id, "code": "200", "msg": "success"}

    def cancel_all_algos(self, acct: Account, params: dict[str, str], now: int) -> Event:
        sp = self.spec(params.get("symbol"))
        for a in acct.open_algos(sp.symbol):
            a.status = "CANCELED"
            a.update_time = now
            self._algo_event(acct, a, now)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def open_algos(self, acct: Account, params: dict[str, str]) -> list[Event]:
        sym = params.get("symbol")
        if sym:
            self.spec(sym)
        return [self.algo_json(a) for a in acct.open_algos(sym)]

    def all_algos(self, acct: Account, params: dict[str, str]) -> list[Event]:
        sp = self.spec(params.get("symbol"))
        return [self.algo_json(a) for a in acct.algos.values() if a.symbol == sp.symbol]

    def _trigger_algo(self, acct: Account, a: AlgoOrder, price: int, now: int) -> None:
        sp = self.specs[a.symbol]
        a.trigger_time = now
        a.update_time = now
        qty = a.qty
        if a.close_position:
            qty = self._reducing_qty(acct, a.symbol, a.side, a.position_side)
        reducing = a.close_position or a.reduce_only or (acct.dual and self._closing_side(a.position_side, a.side))
        if (reducing and self._reducing_qty(acct, a.symbol, a.side, a.position_side) == 0) or qty == 0:
            a.status = "EXPIRED"
            self._algo_event(acct, a, now)
            return
        a.status = "TRIGGERING"
        self._algo_event(acct, a, now)
        otype = "MARKET" if a.order_type.endswith("MARKET") else "LIMIT"
        o = Order(
            order_id=next(self._ids),
            client_id=a.client_algo_id,
            symbol=a.symbol,
            side=a.side,
            position_side=a.position_side,
            type=otype,
            orig_type=a.order_type,
            tif="GTC" if a.tif == "GTE_GTC" else a.tif,
            qty=qty,
            price=a.price,
            stop_price=a.trigger_price,
            reduce_only=a.reduce_only or a.close_position,
            close_position=a.close_position,
            working_type=a.working_type,
            price_protect=a.price_protect,
            time=now,
            update_time=now,
        )
        acct.add_order(o)
        a.actual_order_id = o.order_id
        a.status = "TRIGGERED"
        self._algo_event(acct, a, now)
        self._order_event(acct, o, "NEW", now)
        if otype == "MARKET":
            self._fill(acct, o, o.remaining(), self._slipped(sp, o.side, price), False, now)
        else:
            self._execute_on_arrival(acct, o, price, now)
        if o.status not in OPEN_STATUSES:
            a.status = "FINISHED"
            a.update_time = now
            self._algo_event(acct, a, now)

    # ---- time ----------------------------------------------------------------------
    def advance(self, t0: int, t1: int) -> None:
        """Match everything resting against the price path of (t0, t1]."""
        symbols = sorted(
            {o.symbol for acct in self.accounts.values() for o in acct.open_orders()}
            | {a.symbol for acct in self.accounts.values() for a in acct.open_algos()}
        )
        for sym in symbols:
            times, prices = self.market.path(sym, t0, t1)
            if len(times) == 0:
                continue
            seq = np.r_[self.market.price(sym, t0), prices].astype(np.int64)
            self._match_symbol(sym, times, seq)
        self._expire_gtd(t1)

    def _expire_gtd(self, now: int) -> None:
        for acct in self.accounts.values():
            for o in acct.open_orders():
                if o.tif == "GTD" and o.good_till and o.good_till <= now:
                    self._finish(acct, o, "EXPIRED", now)

    def _first_cross(self, item: Order | AlgoOrder, seq: np.ndarray, start: int, times: np.ndarray) -> tuple[int, int]:
        """(index into seq, execution price) of the first crossing at or after start, or (-1, 0)."""
        s = seq[start:]
        if isinstance(item, Order):
            hit = s <= item.price if item.side == "BUY" else s >= item.price
            k = int(np.argmax(hit)) if hit.any() else -1
            return (start + k, item.price) if k >= 0 else (-1, 0)
        a = item
        if a.order_type == "TRAILING_STOP_MARKET":
            return self._trailing_cross(a, seq, start)
        if a.order_type in ("STOP", "STOP_MARKET"):
            hit = s >= a.trigger_price if a.side == "BUY" else s <= a.trigger_price
        else:
            hit = s <= a.trigger_price if a.side == "BUY" else s >= a.trigger_price
        if not hit.any():
            return -1, 0
        k = start + int(np.argmax(hit))
        prev = int(seq[k - 1])
        # the path is continuous between vertices, so the trigger price itself traded, unless
        # the step is a jump (admin price change: two vertices at one instant) -> gap fill.
        jump = k >= 2 and times[k - 1] == times[k - 2]
        if jump or self._triggered(a.order_type, a.side, a.trigger_price, prev):
            return k, int(seq[k])
        return k, a.trigger_price

    def _trailing_cross(self, a: AlgoOrder, seq: np.ndarray, start: int) -> tuple[int, int]:
        rate = float(a.callback_rate) / 100.0
        for k in range(start, len(seq)):
            p = int(seq[k])
            if a.trail_extreme == 0:
                if self._activated(a, p):
                    a.trail_extreme = p
                continue
            if a.side == "SELL":
                a.trail_extreme = max(a.trail_extreme, p)
                if p <= a.trail_extreme * (1 - rate):
                    return k, p
            else:
                a.trail_extreme = min(a.trail_extreme, p)
                if p >= a.trail_extreme * (1 + rate):
                    return k, p
        return -1, 0

    def _match_symbol(self, sym: str, times: np.ndarray, seq: np.ndarray) -> None:
        # seq[0] is the price at t0; seq[k] (k >= 1) is reached at times[k - 1]
        start = 1
        while True:
            best: tuple[int, int, int, Account, Order | AlgoOrder, int] | None = None
            for acct in self.accounts.values():
                items: list[Order | AlgoOrder] = [o for o in acct.open_orders(sym) if o.type == "LIMIT"]
                items += acct.open_algos(sym)
                for it in items:
                    k, px = self._first_cross(it, seq, start, times)
                    if k < 0:
                        continue
                    # stops before takes and limits at the same vertex: worst case first
                    rank = 0 if isinstance(it, AlgoOrder) and it.order_type.startswith("STOP") else 1
                    key = (k, rank, it.order_id if isinstance(it, Order) else it.algo_id)
                    if best is None or key < best[:3]:
                        best = (*key, acct, it, px)
            if best is None:
                return
            k, _, _, acct, it, px = best
            now = int(times[k - 1])
            if isinstance(it, Order):
                self._fill(acct, it, it.remaining(), px, True, now)
            else:
                self._trigger_algo(acct, it, px, now)
            start = k

    # ---- admin ---------------------------------------------------------------------
    def fill_partial(self, order_id: int, qty: Decimal | None, now: int) -> Event:
        for acct in self.accounts.values():
            o = acct.orders.get(order_id)
            if o is None or o.status not in OPEN_STATUSES:
                continue
            sp = self.specs[o.symbol]
            units = o.remaining() // 2 if qty is None else int(qty.scaleb(sp.qty_dp))
            units = max(1, min(units, o.remaining()))
            price = o.price or self.market.price(o.symbol, now)
            self._fill(acct, o, units, price, o.type == "LIMIT", now)
            return self.order_json(o)
        raise ApiError(*E.UNKNOWN_ORDER)

    # ---- account endpoints ---------------------------------------------------------
    def set_leverage(self, acct: Account, params: dict[str, str]) -> Event:
        sp = self.spec(params.get("symbol"))
        raw = params.get("leverage")
        if not raw:
            raise mandatory("leverage")
        try:
            lev = int(raw)
        except ValueError as exc:
            raise mandatory("leverage") from exc
        if not 1 <= lev <= 125:
            raise ApiError(-4028, f"Leverage {lev} is not valid")
        acct.leverage[sp.symbol] = lev
        return {"leverage": lev, "maxNotionalValue": "1000000000", "symbol": sp.symbol}

    def set_margin_type(self, acct: Account, params: dict[str, str]) -> Event:
        sp = self.spec(params.get("symbol"))
        mt = params.get("marginType")
        if not mt:
            raise mandatory("marginType")
        mt = mt.upper()
        if mt not in ("ISOLATED", "CROSSED"):
            raise E.bad_value("marginType")
        if acct.mtype(sp.symbol) == mt:
            raise ApiError(*E.NO_NEED_MARGIN)
        if any(p.amt != 0 for (s, _), p in acct.positions.items() if s == sp.symbol):
            raise ApiError(-4048, "Margin type cannot be changed if there exists position.")
        if acct.open_orders(sp.symbol):
            raise ApiError(-4047, "Margin type cannot be changed if there exists open orders.")
        acct.margin_type[sp.symbol] = mt
        return {"code": 200, "msg": "success"}

    def set_dual(self, acct: Account, params: dict[str, str]) -> Event:
        raw = params.get("dualSidePosition")
        if raw is None:
            raise mandatory("dualSidePosition")
        dual = _bool(raw, "dualSidePosition")
        if dual == acct.dual:
            raise ApiError(*E.NO_NEED_SIDE)
        if acct.open_orders() or acct.open_algos():
            raise ApiError(*E.SIDE_OPEN_ORDERS)
        if any(p.amt != 0 for p in acct.positions.values()):
            raise ApiError(*E.SIDE_POSITIONS)
        acct.dual = dual
        acct.positions = {k: p for k, p in acct.positions.items() if p.amt != 0}
        return {"code": 200, "msg": "success"}

    def _pos_sides(self, acct: Account) -> tuple[str, ...]:
        return ("LONG", "SHORT") if acct.dual else ("BOTH",)

    def position_rows(self, acct: Account, now: int, symbol: str | None, only_active: bool) -> list[Event]:
        rows: list[Event] = []
        syms = [symbol] if symbol else list(self.specs)
        for s in syms:
            sp = self.spec(s)
            has_orders = bool(acct.open_orders(s))
            for side in self._pos_sides(acct):
                p = acct.positions.get((s, side)) or Position(s, side)
                if only_active and p.amt == 0 and not has_orders:
                    continue
                mark = self.market.price(s, now)
                u = self._upnl(sp, p, mark)
                notional = self.qx(sp, p.amt) * self.px(sp, mark)
                lev = acct.lev(s)
                im = abs(notional) / lev
                iso = acct.mtype(s) == "ISOLATED"
                rows.append(
                    {
                        "symbol": s,
                        "positionSide": side,
                        "positionAmt": sp.qty_str(p.amt),
                        "entryPrice": _dec(p.entry, sp.price_dp + 6),
                        "breakEvenPrice": _dec(p.entry, sp.price_dp + 6),
                        "markPrice": _dec(self.px(sp, mark), sp.price_dp + 6),
                        "unRealizedProfit": _dec(u, 8),
                        "liquidationPrice": "0",
                        "isolatedMargin": _dec(p.isolated_wallet + u if iso and p.amt else ZERO, 8),
                        "notional": _dec(notional, 8),
                        "marginAsset": "USDT",
                        "isolatedWallet": _dec(p.isolated_wallet, 8),
                        "initialMargin": _dec(im, 8),
                        "maintMargin": _dec(im / 5, 8),
                        "positionInitialMargin": _dec(im, 8),
                        "openOrderInitialMargin": "0",
                        "adl": 0,
                        "bidNotional": "0",
                        "askNotional": "0",
                        "leverage": str(lev),
                        "marginType": "isolated" if iso else "cross",
                        "isAutoAddMargin": "false",
                        "maxNotionalValue": "1000000000",
                        "updateTime": p.update_time,
                    }
                )
        return rows

    def position_risk(self, acct: Account, params: dict[str, str], now: int, version: int) -> list[Event]:
        sym = params.get("symbol")
        rows = self.position_rows(acct, now, sym, only_active=version >= 3)
        drop: tuple[str, ...]
        if version >= 3:
            drop = ("leverage", "marginType", "isAutoAddMargin", "maxNotionalValue")
        else:
            drop = (
                "initialMargin",
                "maintMargin",
                "positionInitialMargin",
                "openOrderInitialMargin",
                "adl",
                "bidNotional",
                "askNotional",
                "marginAsset",
            )
        return [{k: v for k, v in r.items() if k not in drop} for r in rows]

    def balance(self, acct: Account, now: int) -> list[Event]:
        m = self.margin_summary(acct, now)
        return [
            {
                "accountAlias": "SgsR",
                "asset": "USDT",
                "balance": _dec(m["wallet"], 8),
                "crossWalletBalance": _dec(m["cross_wallet"], 8),
                "crossUnPnl": _dec(m["cross_upnl"], 8),
                "availableBalance": _dec(m["available"], 8),
                "maxWithdrawAmount": _dec(m["available"], 8),
                "marginAvailable": True,
                "updateTime": acct.update_time,
            }
        ]

    def account(self, acct: Account, now: int, version: int) -> Event:
        m = self.margin_summary(acct, now)
        asset = {
            "asset": "USDT",
            "walletBalance": _dec(m["wallet"], 8),
            "unrealizedProfit": _dec(m["upnl"], 8),
            "marginBalance": _dec(m["margin_balance"], 8),
            "maintMargin": _dec(m["maint"], 8),
            "initialMargin": _dec(m["pos_im"] + m["ord_im"], 8),
            "positionInitialMargin": _dec(m["pos_im"], 8),
            "openOrderInitialMargin": _dec(m["ord_im"], 8),
            "crossWalletBalance": _dec(m["cross_wallet"], 8),
            "crossUnPnl": _dec(m["cross_upnl"], 8),
            "availableBalance": _dec(m["available"], 8),
            "maxWithdrawAmount": _dec(m["available"], 8),
            "marginAvailable": True,
            "updateTime": acct.update_time,
        }
        rows = self.position_rows(acct, now, None, only_active=version >= 3)
        positions = []
        for r in rows:
            p: Event = {
                "symbol": r["symbol"],
                "positionSide": r["positionSide"],
                "positionAmt": r["positionAmt"],
                "unrealizedProfit": r["unRealizedProfit"],
                "isolatedMargin": r["isolatedMargin"],
                "notional": r["notional"],
                "isolatedWallet": r["isolatedWallet"],
                "initialMargin": r["initialMargin"],
                "maintMargin": r["maintMargin"],
                "updateTime": r["updateTime"],
            }
            if version < 3:
                p.update(
                    {
                        "positionInitialMargin": r["positionInitialMargin"],
                        "openOrderInitialMargin": "0",
                        "leverage": r["leverage"],
                        "isolated": r["marginType"] == "isolated",
                        "entryPrice": r["entryPrice"],
                        "breakEvenPrice": r["breakEvenPrice"],
                        "maxNotional": r["maxNotionalValue"],
                        "bidNotional": "0",
                        "askNotional": "0",
                    }
                )
            positions.append(p)
        top = {
            "totalInitialMargin": asset["initialMargin"],
            "totalMaintMargin": asset["maintMargin"],
            "totalWalletBalance": asset["walletBalance"],
            "totalUnrealizedProfit": asset["unrealizedProfit"],
            "totalMarginBalance": asset["marginBalance"],
            "totalPositionInitialMargin": asset["positionInitialMargin"],
            "totalOpenOrderInitialMargin": asset["openOrderInitialMargin"],
            "totalCrossWalletBalance": asset["crossWalletBalance"],
            "totalCrossUnPnl": asset["crossUnPnl"],
            "availableBalance": asset["availableBalance"],
            "maxWithdrawAmount": asset["maxWithdrawAmount"],
        }
        if version < 3:
            top = {
                "feeTier": 0,
                "feeBurn": False,
                "canTrade": True,
                "canDeposit": True,
                "canWithdraw": True,
                "updateTime": 0,
                "multiAssetsMargin": False,
                "tradeGroupId": -1,
                **top,
            }
        return {**top, "assets": [asset], "positions": positions}

    def user_trades(self, acct: Account, params: dict[str, str]) -> list[Event]:
        sp = self.spec(params.get("symbol"))
        limit = min(int(params.get("limit", 500)), 1000)
        start = int(params.get("startTime", 0) or 0)
        end = int(params.get("endTime", 2**62) or 2**62)
        oid = params.get("orderId")
        out = []
        for t in acct.trades:
            if t.symbol != sp.symbol or not start <= t.time <= end:
                continue
            if oid and str(t.order_id) != oid:
                continue
            out.append(
                {
                    "buyer": t.side == "BUY",
                    "commission": _dec(t.commission, 8),
                    "commissionAsset": "USDT",
                    "id": t.trade_id,
                    "maker": t.maker,
                    "orderId": t.order_id,
                    "price": sp.price_str(t.price),
                    "qty": sp.qty_str(t.qty),
                    "quoteQty": _dec(t.quote, sp.price_dp + sp.qty_dp),
                    "realizedPnl": _dec(t.realized, 8),
                    "side": t.side,
                    "positionSide": t.position_side,
                    "symbol": t.symbol,
                    "time": t.time,
                }
            )
        return out[-limit:]

    # ---- JSON shapes ---------------------------------------------------------------
    def _avg(self, sp: SymbolSpec, o: Order) -> str:
        if o.executed == 0:
            return _dec(ZERO, sp.price_dp + 3)
        return _dec(o.cum_quote / self.qx(sp, o.executed), sp.price_dp + 3)

    def order_json(self, o: Order, new: bool = False) -> Event:
        sp = self.specs[o.symbol]
        d: Event = {
            "orderId": o.order_id,
            "symbol": o.symbol,
            "status": o.status,
            "clientOrderId": o.client_id,
            "price": sp.price_str(o.price),
            "avgPrice": self._avg(sp, o),
            "origQty": sp.qty_str(o.qty),
            "executedQty": sp.qty_str(o.executed),
            "cumQuote": _dec(o.cum_quote, sp.price_dp + sp.qty_dp),
            "timeInForce": o.tif,
            "type": o.type,
            "reduceOnly": o.reduce_only,
            "closePosition": o.close_position,
            "side": o.side,
            "positionSide": o.position_side,
            "stopPrice": sp.price_str(o.stop_price),
            "workingType": o.working_type,
            "priceProtect": o.price_protect,
            "origType": o.orig_type,
            "priceMatch": o.price_match,
            "selfTradePreventionMode": o.stp,
            "goodTillDate": o.good_till,
            "updateTime": o.update_time,
        }
        if new:
            d["cumQty"] = sp.qty_str(o.executed)
        else:
            d["time"] = o.time
        return d

    def algo_json(self, a: AlgoOrder) -> Event:
        sp = self.specs[a.symbol]
        return {
            "algoId": a.algo_id,
            "clientAlgoId": a.client_algo_id,
            "algoType": "CONDITIONAL",
            "orderType": a.order_type,
            "symbol": a.symbol,
            "side": a.side,
            "positionSide": a.position_side,
            "timeInForce": a.tif,
            "quantity": sp.qty_str(a.qty),
            "algoStatus": a.status,
            "actualOrderId": "" if a.actual_order_id is None else str(a.actual_order_id),
            "triggerPrice": sp.price_str(a.trigger_price),
            "price": sp.price_str(a.price),
            "icebergQuantity": None,
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "workingType": a.working_type,
            "priceMatch": "NONE",
            "closePosition": a.close_position,
            "priceProtect": a.price_protect,
            "reduceOnly": a.reduce_only,
            "activatePrice": sp.price_str(a.activate_price) if a.activate_price else "",
            "callbackRate": str(a.callback_rate) if a.callback_rate else "",
            "createTime": a.create_time,
            "updateTime": a.update_time,
            "triggerTime": a.trigger_time,
            "goodTillDate": a.good_till,
        }

    # ---- user stream events --------------------------------------------------------
    def _order_event(self, acct: Account, o: Order, exec_type: str, now: int, tr: Trade | None = None) -> None:
        sp = self.specs[o.symbol]
        ev = {
            "e": "ORDER_TRADE_UPDATE",
            "E": now,
            "T": now,
            "o": {
                "s": o.symbol,
                "c": o.client_id,
                "S": o.side,
                "o": o.type,
                "f": o.tif,
                "q": sp.qty_str(o.qty),
                "p": sp.price_str(o.price),
                "ap": self._avg(sp, o),
                "sp": sp.price_str(o.stop_price),
                "x": exec_type,
                "X": o.status,
                "i": o.order_id,
                "l": sp.qty_str(tr.qty if tr else 0),
                "z": sp.qty_str(o.executed),
                "L": sp.price_str(tr.price if tr else 0),
                "N": "USDT",
                "n": _dec(tr.commission if tr else ZERO, 8),
                "T": now,
                "t": tr.trade_id if tr else 0,
                "b": "0",
                "a": "0",
                "m": tr.maker if tr else False,
                "R": o.reduce_only,
                "wt": o.working_type,
                "ot": o.orig_type,
                "ps": o.position_side,
                "cp": o.close_position,
                "rp": _dec(tr.realized if tr else ZERO, 8),
                "pP": o.price_protect,
                "si": 0,
                "ss": 0,
                "V": o.stp,
                "pm": o.price_match,
                "gtd": o.good_till,
            },
        }
        self.emit(acct.api_key, ev)

    def _algo_event(self, acct: Account, a: AlgoOrder, now: int) -> None:
        sp = self.specs[a.symbol]
        o = acct.orders.get(a.actual_order_id) if a.actual_order_id else None
        ev = {
            "e": "ALGO_UPDATE",
            "T": now,
            "E": now,
            "o": {
                "caid": a.client_algo_id,
                "aid": a.algo_id,
                "at": "CONDITIONAL",
                "o": a.order_type,
                "s": a.symbol,
                "S": a.side,
                "ps": a.position_side,
                "f": a.tif,
                "q": sp.qty_str(a.qty),
                "X": a.status,
                "ai": "" if a.actual_order_id is None else str(a.actual_order_id),
                "ap": self._avg(sp, o) if o else _dec(ZERO, sp.price_dp + 3),
                "aq": sp.qty_str(o.executed if o else 0),
                "act": o.type if o else "",
                "tp": sp.price_str(a.trigger_price),
                "p": sp.price_str(a.price),
                "V": "EXPIRE_MAKER",
                "wt": a.working_type,
                "pm": "NONE",
                "cp": a.close_position,
                "pP": a.price_protect,
                "R": a.reduce_only,
                "tt": a.trigger_time,
                "gtd": a.good_till,
                "rm": "",
            },
        }
        self.emit(acct.api_key, ev)

    def _account_event(self, acct: Account, positions: list[Position], now: int, reason: str) -> None:
        m = self.margin_summary(acct, now)
        ps = []
        for p in positions:
            sp = self.specs[p.symbol]
            mark = self.market.price(p.symbol, now)
            ps.append(
                {
                    "s": p.symbol,
                    "pa": sp.qty_str(p.amt),
                    "ep": _dec(p.entry, sp.price_dp + 6),
                    "bep": _dec(p.entry, sp.price_dp + 6),
                    "cr": _dec(p.realized, 8),
                    "up": _dec(self._upnl(sp, p, mark), 8),
                    "mt": "isolated" if acct.mtype(p.symbol) == "ISOLATED" else "cross",
                    "iw": _dec(p.isolated_wallet, 8),
                    "ps": p.side,
                    "ma": "USDT",
                }
            )
        ev = {
            "e": "ACCOUNT_UPDATE",
            "E": now,
            "T": now,
            "a": {
                "m": reason,
                "B": [
                    {
                        "a": "USDT",
                        "wb": _dec(m["wallet"], 8),
                        "cw": _dec(m["cross_wallet"], 8),
                        "bc": "0",
                    }
                ],
                "P": ps,
            },
        }
        self.emit(acct.api_key, ev)


def price_precision(sp: SymbolSpec) -> int:
    """Binance's pricePrecision is not the tick: BTCUSDT has tick 0.10 but precision 2."""
    return sp.price_dp + 1 if sp.symbol == "BTCUSDT" else sp.price_dp


def _dec(d: Decimal, dp: int) -> str:
    q = d.quantize(Decimal(1).scaleb(-dp), rounding=ROUND_DOWN) if dp > 0 else d.to_integral_value(ROUND_DOWN)
    s = format(q, "f")
    if s.startswith("-") and set(s[1:]) <= {"0", "."}:
        s = s[1:]
    return s


__all__ = ["Account", "AlgoOrder", "Engine", "Order", "Position", "fmt_units", "price_precision"]


T = TypeVar("T")


def _lookup(items: Mapping[int, T], params: Mapping[str, str], id_param: str, client_param: str,
            by_client_id: Callable[[str], T | None]) -> T | None:
    """An order (or algo order) by its exchange id, or else the newest one carrying the client id
    (client ids may be reused once an order is closed)."""
    oid = params.get(id_param)
    cid = params.get(client_param)
    if not oid and not cid:
        raise mandatory(id_param)
    if oid:
        try:
            return items.get(int(oid))
        except ValueError as exc:
            raise mandatory(id_param) from exc
    return by_client_id(cid or "")
