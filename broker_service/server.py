"""BrokerService gRPC servicer: validates requests, translates proto ⇄ domain, delegates.

No answer carries an API key or secret: accounts are described by id, kind, mode and balances only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from parayok.errors import error_status, grpc_errors
from parayok.request_stream import answer_each
from parayok.v1 import broker_pb2, broker_pb2_grpc, common_pb2, orders_pb2

from .binance_account import validate_request
from .models import AccountEvent, AccountInfo, BalanceChange, Bracket, BracketRequest, Halt, OrderInfo, PositionInfo
from .service import BrokerService

SIDES = {common_pb2.SIDE_BUY: "BUY", common_pb2.SIDE_SELL: "SELL"}
SIDE_ENUM = {"BUY": common_pb2.SIDE_BUY, "SELL": common_pb2.SIDE_SELL}
POSITION_SIDE_ENUM = {
    "BOTH": broker_pb2.POSITION_SIDE_BOTH,
    "LONG": broker_pb2.POSITION_SIDE_LONG,
    "SHORT": broker_pb2.POSITION_SIDE_SHORT,
}
POSITION_SIDE_NAME = {v: k for k, v in POSITION_SIDE_ENUM.items()}
ORDER_TYPE_ENUM = {
    "MARKET": broker_pb2.ORDER_TYPE_MARKET,
    "LIMIT": broker_pb2.ORDER_TYPE_LIMIT,
    "STOP_MARKET": broker_pb2.ORDER_TYPE_STOP_MARKET,
    "TAKE_PROFIT_MARKET": broker_pb2.ORDER_TYPE_TAKE_PROFIT_MARKET,
    "STOP": broker_pb2.ORDER_TYPE_STOP,
    "TAKE_PROFIT": broker_pb2.ORDER_TYPE_TAKE_PROFIT,
    "TRAILING_STOP_MARKET": broker_pb2.ORDER_TYPE_TRAILING_STOP_MARKET,
}
ORDER_STATUS_ENUM = {
    "NEW": broker_pb2.ORDER_STATUS_NEW,
    "PARTIALLY_FILLED": broker_pb2.ORDER_STATUS_PARTIALLY_FILLED,
    "FILLED": broker_pb2.ORDER_STATUS_FILLED,
    "CANCELED": broker_pb2.ORDER_STATUS_CANCELED,
    "EXPIRED": broker_pb2.ORDER_STATUS_EXPIRED,
    "EXPIRED_IN_MATCH": broker_pb2.ORDER_STATUS_EXPIRED,
    "REJECTED": broker_pb2.ORDER_STATUS_REJECTED,
    "TRIGGERED": broker_pb2.ORDER_STATUS_TRIGGERED,
}
BRACKET_STATE_ENUM = {
    "PENDING": broker_pb2.BRACKET_STATE_PENDING,
    "OPEN": broker_pb2.BRACKET_STATE_OPEN,
    "CLOSED": broker_pb2.BRACKET_STATE_CLOSED,
    "FAILED": broker_pb2.BRACKET_STATE_FAILED,
}
KIND_ENUM = {
    "paper": orders_pb2.BROKER_KIND_PAPER,
    "binance": orders_pb2.BROKER_KIND_BINANCE,
    "binance-demo": orders_pb2.BROKER_KIND_BINANCE_DEMO,
    # exchange_sim speaks the Binance protocol; the API has no kind of its own for it.
    "sim": orders_pb2.BROKER_KIND_BINANCE,
}
MODE_ENUM = {"hedge": broker_pb2.POSITION_MODE_HEDGE, "one-way": broker_pb2.POSITION_MODE_ONE_WAY}
MARGIN_ENUM = {"ISOLATED": broker_pb2.MARGIN_TYPE_ISOLATED, "CROSSED": broker_pb2.MARGIN_TYPE_CROSSED}


def order_pb(o: OrderInfo) -> broker_pb2.ExchangeOrder:
    return broker_pb2.ExchangeOrder(
        exchange_order_id=o.exchange_order_id,
        client_order_id=o.client_order_id,
        symbol=o.symbol,
        side=SIDE_ENUM.get(o.side, common_pb2.SIDE_UNSPECIFIED),
        position_side=POSITION_SIDE_ENUM.get(o.position_side, broker_pb2.POSITION_SIDE_UNSPECIFIED),
        type=ORDER_TYPE_ENUM.get(o.type, broker_pb2.ORDER_TYPE_UNSPECIFIED),
        status=ORDER_STATUS_ENUM.get(o.status, broker_pb2.ORDER_STATUS_UNSPECIFIED),
        quantity=o.quantity,
        price=o.price,
        stop_price=o.stop_price,
        filled_quantity=o.filled_quantity,
        average_price=o.average_price,
        is_algo=o.is_algo,
        reduce_only=o.reduce_only,
        close_position=o.close_position,
        update_time_ms=o.update_time_ms,
        last_fill_quantity=o.last_fill_quantity,
        last_fill_price=o.last_fill_price,
        commission=o.commission,
        commission_asset=o.commission_asset,
        realized_pnl=o.realized_pnl,
    )


def bracket_pb(b: Bracket) -> broker_pb2.Bracket:
    msg = broker_pb2.Bracket(
        client_order_id=b.client_order_id,
        account_id=b.account_id,
        symbol=b.symbol,
        side=SIDE_ENUM[b.side],
        quantity=b.quantity,
        filled_quantity=b.filled_quantity,
        average_entry_price=b.average_entry_price,
        stop_loss=b.stop_loss,
        take_profit=b.take_profit,
        state=BRACKET_STATE_ENUM[b.state],
        error=b.error,
        exit_price=b.exit_price,
        realized_pnl=b.realized_pnl,
        created_ms=b.created_ms,
        updated_ms=b.updated_ms,
    )
    if b.entry is not None:
        msg.entry.CopyFrom(order_pb(b.entry))
    if b.stop is not None:
        msg.stop.CopyFrom(order_pb(b.stop))
    if b.take is not None:
        msg.take.CopyFrom(order_pb(b.take))
    return msg


def position_pb(p: PositionInfo) -> broker_pb2.Position:
    return broker_pb2.Position(
        symbol=p.symbol,
        position_side=POSITION_SIDE_ENUM.get(p.position_side, broker_pb2.POSITION_SIDE_UNSPECIFIED),
        quantity=p.quantity,
        entry_price=p.entry_price,
        mark_price=p.mark_price,
        unrealized_pnl=p.unrealized_pnl,
        leverage=p.leverage,
        margin_type=MARGIN_ENUM.get(p.margin_type, broker_pb2.MARGIN_TYPE_UNSPECIFIED),
    )


def account_pb(a: AccountInfo) -> broker_pb2.Account:
    return broker_pb2.Account(
        account_id=a.account_id,
        kind=KIND_ENUM[a.kind],
        position_mode=MODE_ENUM.get(a.position_mode, broker_pb2.POSITION_MODE_UNSPECIFIED),
        balance=a.balance,
        available=a.available,
        unrealized_pnl=a.unrealized_pnl,
        positions=[position_pb(p) for p in a.positions],
        halted=a.halted,
        halt_reason=a.halt_reason,
        halted_until_ms=a.halted_until_ms,
        connected=a.connected,
    )


def event_pb(ev: AccountEvent) -> broker_pb2.AccountEvent:
    msg = broker_pb2.AccountEvent(event_id=ev.event_id, time_ms=ev.time_ms, account_id=ev.account_id)
    p = ev.payload
    if isinstance(p, OrderInfo):
        msg.order.CopyFrom(order_pb(p))
    elif isinstance(p, BalanceChange):
        msg.balance.CopyFrom(
            broker_pb2.BalanceUpdate(asset=p.asset, wallet_balance=p.wallet_balance, change=p.change, reason=p.reason)
        )
    elif isinstance(p, PositionInfo):
        msg.position.CopyFrom(position_pb(p))
    elif isinstance(p, Bracket):
        msg.bracket.CopyFrom(bracket_pb(p))
    elif isinstance(p, Halt):
        msg.halted.CopyFrom(broker_pb2.AccountHalted(reason=p.reason, until_ms=p.until_ms))
    return msg


def bracket_request(req: broker_pb2.PlaceBracketOrderRequest) -> BracketRequest:
    size = req.WhichOneof("size")
    if size is None:
        raise ValueError("quantity: one of quantity or quote_notional is required")
    if size == "quantity" and req.quantity <= 0:
        raise ValueError("quantity: must be > 0")
    if size == "quote_notional" and req.quote_notional <= 0:
        raise ValueError("quote_notional: must be > 0")
    side = SIDES.get(req.side)
    if side is None:
        raise ValueError("side: SIDE_BUY or SIDE_SELL")
    out = BracketRequest(
        account_id=req.account_id,
        symbol=req.symbol.upper(),
        side=side,  # type: ignore[arg-type]
        client_order_id=req.client_order_id,
        stop_loss=req.stop_loss,
        take_profit=req.take_profit,
        quantity=req.quantity if size == "quantity" else 0.0,
        quote_notional=req.quote_notional if size == "quote_notional" else 0.0,
        first_sent_ms=req.first_sent_ms,
    )
    validate_request(out)
    return out


class BrokerServicer(broker_pb2_grpc.BrokerServiceServicer):
    def __init__(self, service: BrokerService) -> None:
        self.service = service

    @grpc_errors
    async def PlaceBracketOrder(
        self, request: broker_pb2.PlaceBracketOrderRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.Bracket:
        return await self._place(request)

    @grpc_errors
    async def PlaceBracketOrders(
        self, requests: AsyncIterator[broker_pb2.PlaceBracketOrderRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[broker_pb2.BracketPlacement]:
        async for placement in answer_each(requests, self._placement):
            yield placement

    async def _placement(self, request: broker_pb2.PlaceBracketOrderRequest) -> broker_pb2.BracketPlacement:
        try:
            return broker_pb2.BracketPlacement(client_order_id=request.client_order_id,
                                               bracket=await self._place(request))
        except Exception as exc:  # answered in its placement; the stream goes on
            code, message = error_status(exc)
            return broker_pb2.BracketPlacement(client_order_id=request.client_order_id, error_code=code.value[0],
                                               error_message=message)

    async def _place(self, request: broker_pb2.PlaceBracketOrderRequest) -> broker_pb2.Bracket:
        req = bracket_request(request)
        acct = self.service.account(req.account_id)
        return bracket_pb(await acct.place_bracket(req))

    @grpc_errors
    async def GetBracket(
        self, request: broker_pb2.GetBracketRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.Bracket:
        if not request.client_order_id:
            raise ValueError("client_order_id: required")
        return bracket_pb(self.service.account(request.account_id).get_bracket(request.client_order_id))

    @grpc_errors
    async def CancelOrder(
        self, request: broker_pb2.CancelOrderRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.ExchangeOrder:
        if not request.client_order_id and not request.exchange_order_id:
            raise ValueError("client_order_id: client_order_id or exchange_order_id is required")
        if not request.symbol and not request.is_algo:
            raise ValueError("symbol: required")
        acct = self.service.account(request.account_id)
        return order_pb(
            await acct.cancel_order(
                request.symbol.upper(), request.client_order_id, request.exchange_order_id, request.is_algo
            )
        )

    @grpc_errors
    async def ClosePosition(
        self, request: broker_pb2.ClosePositionRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.ExchangeOrder:
        if not request.symbol:
            raise ValueError("symbol: required")
        acct = self.service.account(request.account_id)
        side = POSITION_SIDE_NAME.get(request.position_side, "")
        return order_pb(await acct.close_position(request.symbol.upper(), side))

    @grpc_errors
    async def GetAccount(
        self, request: broker_pb2.GetAccountRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.Account:
        return account_pb(await self.service.account(request.account_id).info())

    @grpc_errors
    async def ListAccounts(
        self, request: broker_pb2.ListAccountsRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.ListAccountsResponse:
        return broker_pb2.ListAccountsResponse(accounts=[account_pb(a) for a in await self.service.list_accounts()])

    @grpc_errors
    async def ListOpenOrders(
        self, request: broker_pb2.ListOpenOrdersRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.ListOpenOrdersResponse:
        acct = self.service.account(request.account_id)
        orders = await acct.open_orders(request.symbol.upper())
        return broker_pb2.ListOpenOrdersResponse(orders=[order_pb(o) for o in orders])

    @grpc_errors
    async def StreamAccountEvents(
        self, request: broker_pb2.StreamAccountEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[broker_pb2.AccountEvent]:
        async for ev in self.service.events(request.account_id, int(request.after_event_id)):
            yield event_pb(ev)
