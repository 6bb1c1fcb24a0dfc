from parayok.v1 import common_pb2 as _common_pb2
from parayok.v1 import orders_pb2 as _orders_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PositionMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSITION_MODE_UNSPECIFIED: _ClassVar[PositionMode]
    POSITION_MODE_HEDGE: _ClassVar[PositionMode]
    POSITION_MODE_ONE_WAY: _ClassVar[PositionMode]

class MarginType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MARGIN_TYPE_UNSPECIFIED: _ClassVar[MarginType]
    MARGIN_TYPE_ISOLATED: _ClassVar[MarginType]
    MARGIN_TYPE_CROSSED: _ClassVar[MarginType]

class PositionSide(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSITION_SIDE_UNSPECIFIED: _ClassVar[PositionSide]
    POSITION_SIDE_BOTH: _ClassVar[PositionSide]
    POSITION_SIDE_LONG: _ClassVar[PositionSide]
    POSITION_SIDE_SHORT: _ClassVar[PositionSide]

class OrderType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_TYPE_UNSPECIFIED: _ClassVar[OrderType]
    ORDER_TYPE_MARKET: _ClassVar[OrderType]
    ORDER_TYPE_LIMIT: _ClassVar[OrderType]
    ORDER_TYPE_STOP_MARKET: _ClassVar[OrderType]
    ORDER_TYPE_TAKE_PROFIT_MARKET: _ClassVar[OrderType]
    ORDER_TYPE_STOP: _ClassVar[OrderType]
    ORDER_TYPE_TAKE_PROFIT: _ClassVar[OrderType]
    ORDER_TYPE_TRAILING_STOP_MARKET: _ClassVar[OrderType]

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_NEW: _ClassVar[OrderStatus]
    ORDER_STATUS_PARTIALLY_FILLED: _ClassVar[OrderStatus]
    ORDER_STATUS_FILLED: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELED: _ClassVar[OrderStatus]
    ORDER_STATUS_EXPIRED: _ClassVar[OrderStatus]
    ORDER_STATUS_REJECTED: _ClassVar[OrderStatus]
    ORDER_STATUS_TRIGGERED: _ClassVar[OrderStatus]

class BracketState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BRACKET_STATE_UNSPECIFIED: _ClassVar[BracketState]
    BRACKET_STATE_PENDING: _ClassVar[BracketState]
    BRACKET_STATE_OPEN: _ClassVar[BracketState]
    BRACKET_STATE_CLOSED: _ClassVar[BracketState]
    BRACKET_STATE_FAILED: _ClassVar[BracketState]
POSITION_MODE_UNSPECIFIED: PositionMode
POSITION_MODE_HEDGE: PositionMode
POSITION_MODE_ONE_WAY: PositionMode
MARGIN_TYPE_UNSPECIFIED: MarginType
MARGIN_TYPE_ISOLATED: MarginType
MARGIN_TYPE_CROSSED: MarginType
POSITION_SIDE_UNSPECIFIED: PositionSide
POSITION_SIDE_BOTH: PositionSide
POSITION_SIDE_LONG: PositionSide
POSITION_SIDE_SHORT: PositionSide
ORDER_TYPE_UNSPECIFIED: OrderType
ORDER_TYPE_MARKET: OrderType
ORDER_TYPE_LIMIT: OrderType
ORDER_TYPE_STOP_MARKET: OrderType
ORDER_TYPE_TAKE_PROFIT_MARKET: OrderType
ORDER_TYPE_STOP: OrderType
ORDER_TYPE_TAKE_PROFIT: OrderType
ORDER_TYPE_TRAILING_STOP_MARKET: OrderType
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_NEW: OrderStatus
ORDER_STATUS_PARTIALLY_FILLED: OrderStatus
ORDER_STATUS_FILLED: OrderStatus
ORDER_STATUS_CANCELED: OrderStatus
ORDER_STATUS_EXPIRED: OrderStatus
ORDER_STATUS_REJECTED: OrderStatus
ORDER_STATUS_TRIGGERED: OrderStatus
BRACKET_STATE_UNSPECIFIED: BracketState
BRACKET_STATE_PENDING: BracketState
BRACKET_STATE_OPEN: BracketState
BRACKET_STATE_CLOSED: BracketState
BRACKET_STATE_FAILED: BracketState

class PlaceBracketOrderRequest(_message.Message):
    __slots__ = ("account_id", "symbol", "side", "quantity", "quote_notional", "stop_loss", "take_profit", "client_order_id", "first_sent_ms")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    QUOTE_NOTIONAL_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_SENT_MS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    symbol: str
    side: _common_pb2.Side
    quantity: float
    quote_notional: float
    stop_loss: float
    take_profit: float
    client_order_id: str
    first_sent_ms: int
    def __init__(self, account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ..., quantity: _Optional[float] = ..., quote_notional: _Optional[float] = ..., stop_loss: _Optional[float] = ..., take_profit: _Optional[float] = ..., client_order_id: _Optional[str] = ..., first_sent_ms: _Optional[int] = ...) -> None: ...

class BracketPlacement(_message.Message):
    __slots__ = ("client_order_id", "bracket", "error_code", "error_message")
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BRACKET_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    client_order_id: str
    bracket: Bracket
    error_code: int
    error_message: str
    def __init__(self, client_order_id: _Optional[str] = ..., bracket: _Optional[_Union[Bracket, _Mapping]] = ..., error_code: _Optional[int] = ..., error_message: _Optional[str] = ...) -> None: ...

class GetBracketRequest(_message.Message):
    __slots__ = ("account_id", "client_order_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    client_order_id: str
    def __init__(self, account_id: _Optional[str] = ..., client_order_id: _Optional[str] = ...) -> None: ...

class ExchangeOrder(_message.Message):
    __slots__ = ("exchange_order_id", "client_order_id", "symbol", "side", "position_side", "type", "status", "quantity", "price", "stop_price", "filled_quantity", "average_price", "is_algo", "reduce_only", "close_position", "update_time_ms", "last_fill_quantity", "last_fill_price", "commission", "commission_asset", "realized_pnl")
    EXCHANGE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    POSITION_SIDE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    FILLED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRICE_FIELD_NUMBER: _ClassVar[int]
    IS_ALGO_FIELD_NUMBER: _ClassVar[int]
    REDUCE_ONLY_FIELD_NUMBER: _ClassVar[int]
    CLOSE_POSITION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    LAST_FILL_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LAST_FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_ASSET_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    exchange_order_id: str
    client_order_id: str
    symbol: str
    side: _common_pb2.Side
    position_side: PositionSide
    type: OrderType
    status: OrderStatus
    quantity: float
    price: float
    stop_price: float
    filled_quantity: float
    average_price: float
    is_algo: bool
    reduce_only: bool
    close_position: bool
    update_time_ms: int
    last_fill_quantity: float
    last_fill_price: float
    commission: float
    commission_asset: str
    realized_pnl: float
    def __init__(self, exchange_order_id: _Optional[str] = ..., client_order_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ..., position_side: _Optional[_Union[PositionSide, str]] = ..., type: _Optional[_Union[OrderType, str]] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., quantity: _Optional[float] = ..., price: _Optional[float] = ..., stop_price: _Optional[float] = ..., filled_quantity: _Optional[float] = ..., average_price: _Optional[float] = ..., is_algo: _Optional[bool] = ..., reduce_only: _Optional[bool] = ..., close_position: _Optional[bool] = ..., update_time_ms: _Optional[int] = ..., last_fill_quantity: _Optional[float] = ..., last_fill_price: _Optional[float] = ..., commission: _Optional[float] = ..., commission_asset: _Optional[str] = ..., realized_pnl: _Optional[float] = ...) -> None: ...

class Bracket(_message.Message):
    __slots__ = ("client_order_id", "account_id", "symbol", "side", "quantity", "filled_quantity", "average_entry_price", "stop_loss", "take_profit", "state", "entry", "stop", "take", "error", "exit_price", "realized_pnl", "created_ms", "updated_ms")
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    FILLED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_ENTRY_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    EXIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    CREATED_MS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_MS_FIELD_NUMBER: _ClassVar[int]
    client_order_id: str
    account_id: str
    symbol: str
    side: _common_pb2.Side
    quantity: float
    filled_quantity: float
    average_entry_price: float
    stop_loss: float
    take_profit: float
    state: BracketState
    entry: ExchangeOrder
    stop: ExchangeOrder
    take: ExchangeOrder
    error: str
    exit_price: float
    realized_pnl: float
    created_ms: int
    updated_ms: int
    def __init__(self, client_order_id: _Optional[str] = ..., account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ..., quantity: _Optional[float] = ..., filled_quantity: _Optional[float] = ..., average_entry_price: _Optional[float] = ..., stop_loss: _Optional[float] = ..., take_profit: _Optional[float] = ..., state: _Optional[_Union[BracketState, str]] = ..., entry: _Optional[_Union[ExchangeOrder, _Mapping]] = ..., stop: _Optional[_Union[ExchangeOrder, _Mapping]] = ..., take: _Optional[_Union[ExchangeOrder, _Mapping]] = ..., error: _Optional[str] = ..., exit_price: _Optional[float] = ..., realized_pnl: _Optional[float] = ..., created_ms: _Optional[int] = ..., updated_ms: _Optional[int] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("account_id", "symbol", "client_order_id", "exchange_order_id", "is_algo")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    IS_ALGO_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    symbol: str
    client_order_id: str
    exchange_order_id: str
    is_algo: bool
    def __init__(self, account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., client_order_id: _Optional[str] = ..., exchange_order_id: _Optional[str] = ..., is_algo: _Optional[bool] = ...) -> None: ...

class ClosePositionRequest(_message.Message):
    __slots__ = ("account_id", "symbol", "position_side")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    POSITION_SIDE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    symbol: str
    position_side: PositionSide
    def __init__(self, account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., position_side: _Optional[_Union[PositionSide, str]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class Position(_message.Message):
    __slots__ = ("symbol", "position_side", "quantity", "entry_price", "mark_price", "unrealized_pnl", "leverage", "margin_type")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    POSITION_SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ENTRY_PRICE_FIELD_NUMBER: _ClassVar[int]
    MARK_PRICE_FIELD_NUMBER: _ClassVar[int]
    UNREALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    LEVERAGE_FIELD_NUMBER: _ClassVar[int]
    MARGIN_TYPE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    position_side: PositionSide
    quantity: float
    entry_price: float
    mark_price: float
    unrealized_pnl: float
    leverage: int
    margin_type: MarginType
    def __init__(self, symbol: _Optional[str] = ..., position_side: _Optional[_Union[PositionSide, str]] = ..., quantity: _Optional[float] = ..., entry_price: _Optional[float] = ..., mark_price: _Optional[float] = ..., unrealized_pnl: _Optional[float] = ..., leverage: _Optional[int] = ..., margin_type: _Optional[_Union[MarginType, str]] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("account_id", "kind", "position_mode", "balance", "available", "unrealized_pnl", "positions", "halted", "halt_reason", "halted_until_ms", "connected")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    POSITION_MODE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    UNREALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    HALTED_FIELD_NUMBER: _ClassVar[int]
    HALT_REASON_FIELD_NUMBER: _ClassVar[int]
    HALTED_UNTIL_MS_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    kind: _orders_pb2.BrokerKind
    position_mode: PositionMode
    balance: float
    available: float
    unrealized_pnl: float
    positions: _containers.RepeatedCompositeFieldContainer[Position]
    halted: bool
    halt_reason: str
    halted_until_ms: int
    connected: bool
    def __init__(self, account_id: _Optional[str] = ..., kind: _Optional[_Union[_orders_pb2.BrokerKind, str]] = ..., position_mode: _Optional[_Union[PositionMode, str]] = ..., balance: _Optional[float] = ..., available: _Optional[float] = ..., unrealized_pnl: _Optional[float] = ..., positions: _Optional[_Iterable[_Union[Position, _Mapping]]] = ..., halted: _Optional[bool] = ..., halt_reason: _Optional[str] = ..., halted_until_ms: _Optional[int] = ..., connected: _Optional[bool] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    def __init__(self, accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ...) -> None: ...

class ListOpenOrdersRequest(_message.Message):
    __slots__ = ("account_id", "symbol")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    symbol: str
    def __init__(self, account_id: _Optional[str] = ..., symbol: _Optional[str] = ...) -> None: ...

class ListOpenOrdersResponse(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[ExchangeOrder]
    def __init__(self, orders: _Optional[_Iterable[_Union[ExchangeOrder, _Mapping]]] = ...) -> None: ...

class StreamAccountEventsRequest(_message.Message):
    __slots__ = ("account_id", "after_event_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    after_event_id: int
    def __init__(self, account_id: _Optional[str] = ..., after_event_id: _Optional[int] = ...) -> None: ...

class BalanceUpdate(_message.Message):
    __slots__ = ("asset", "wallet_balance", "change", "reason")
    ASSET_FIELD_NUMBER: _ClassVar[int]
    WALLET_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    asset: str
    wallet_balance: float
    change: float
    reason: str
    def __init__(self, asset: _Optional[str] = ..., wallet_balance: _Optional[float] = ..., change: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...

class AccountHalted(_message.Message):
    __slots__ = ("reason", "until_ms")
    REASON_FIELD_NUMBER: _ClassVar[int]
    UNTIL_MS_FIELD_NUMBER: _ClassVar[int]
    reason: str
    until_ms: int
    def __init__(self, reason: _Optional[str] = ..., until_ms: _Optional[int] = ...) -> None: ...

class AccountEvent(_message.Message):
    __slots__ = ("event_id", "time_ms", "account_id", "order", "balance", "position", "bracket", "halted")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    BRACKET_FIELD_NUMBER: _ClassVar[int]
    HALTED_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    time_ms: int
    account_id: str
    order: ExchangeOrder
    balance: BalanceUpdate
    position: Position
    bracket: Bracket
    halted: AccountHalted
    def __init__(self, event_id: _Optional[int] = ..., time_ms: _Optional[int] = ..., account_id: _Optional[str] = ..., order: _Optional[_Union[ExchangeOrder, _Mapping]] = ..., balance: _Optional[_Union[BalanceUpdate, _Mapping]] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., bracket: _Optional[_Union[Bracket, _Mapping]] = ..., halted: _Optional[_Union[AccountHalted, _Mapping]] = ...) -> None: ...
