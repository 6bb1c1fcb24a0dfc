from parayok.v1 import analysis_pb2 as _analysis_pb2
from parayok.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VmState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VM_STATE_UNSPECIFIED: _ClassVar[VmState]
    VM_STATE_STOPPED: _ClassVar[VmState]
    VM_STATE_LOADING: _ClassVar[VmState]
    VM_STATE_LIVE: _ClassVar[VmState]
    VM_STATE_FINISHED: _ClassVar[VmState]
    VM_STATE_ERROR: _ClassVar[VmState]

class StakeMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAKE_MODE_UNSPECIFIED: _ClassVar[StakeMode]
    STAKE_MODE_FIXED: _ClassVar[StakeMode]
    STAKE_MODE_PERCENT: _ClassVar[StakeMode]

class BrokerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BROKER_KIND_UNSPECIFIED: _ClassVar[BrokerKind]
    BROKER_KIND_NONE: _ClassVar[BrokerKind]
    BROKER_KIND_PAPER: _ClassVar[BrokerKind]
    BROKER_KIND_BINANCE: _ClassVar[BrokerKind]
    BROKER_KIND_BINANCE_DEMO: _ClassVar[BrokerKind]

class ReportInterval(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_INTERVAL_UNSPECIFIED: _ClassVar[ReportInterval]
    REPORT_INTERVAL_HOUR: _ClassVar[ReportInterval]
    REPORT_INTERVAL_DAY: _ClassVar[ReportInterval]
    REPORT_INTERVAL_WEEK: _ClassVar[ReportInterval]
    REPORT_INTERVAL_MONTH: _ClassVar[ReportInterval]

class RealOrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REAL_ORDER_STATUS_UNSPECIFIED: _ClassVar[RealOrderStatus]
    REAL_ORDER_STATUS_SENT: _ClassVar[RealOrderStatus]
    REAL_ORDER_STATUS_OPEN: _ClassVar[RealOrderStatus]
    REAL_ORDER_STATUS_CLOSED: _ClassVar[RealOrderStatus]
    REAL_ORDER_STATUS_FAILED: _ClassVar[RealOrderStatus]
VM_STATE_UNSPECIFIED: VmState
VM_STATE_STOPPED: VmState
VM_STATE_LOADING: VmState
VM_STATE_LIVE: VmState
VM_STATE_FINISHED: VmState
VM_STATE_ERROR: VmState
STAKE_MODE_UNSPECIFIED: StakeMode
STAKE_MODE_FIXED: StakeMode
STAKE_MODE_PERCENT: StakeMode
BROKER_KIND_UNSPECIFIED: BrokerKind
BROKER_KIND_NONE: BrokerKind
BROKER_KIND_PAPER: BrokerKind
BROKER_KIND_BINANCE: BrokerKind
BROKER_KIND_BINANCE_DEMO: BrokerKind
REPORT_INTERVAL_UNSPECIFIED: ReportInterval
REPORT_INTERVAL_HOUR: ReportInterval
REPORT_INTERVAL_DAY: ReportInterval
REPORT_INTERVAL_WEEK: ReportInterval
REPORT_INTERVAL_MONTH: ReportInterval
REAL_ORDER_STATUS_UNSPECIFIED: RealOrderStatus
REAL_ORDER_STATUS_SENT: RealOrderStatus
REAL_ORDER_STATUS_OPEN: RealOrderStatus
REAL_ORDER_STATUS_CLOSED: RealOrderStatus
REAL_ORDER_STATUS_FAILED: RealOrderStatus

class Plan(_message.Message):
    __slots__ = ("start_sum", "stake_mode", "stake_fixed", "stake_percent", "leverage", "cost_buy_percent", "cost_sell_percent", "simult_risk_percent", "symbols", "timeframes", "strategies", "tags", "expression")
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    START_SUM_FIELD_NUMBER: _ClassVar[int]
    STAKE_MODE_FIELD_NUMBER: _ClassVar[int]
    STAKE_FIXED_FIELD_NUMBER: _ClassVar[int]
    STAKE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    LEVERAGE_FIELD_NUMBER: _ClassVar[int]
    COST_BUY_PERCENT_FIELD_NUMBER: _ClassVar[int]
    COST_SELL_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SIMULT_RISK_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAMES_FIELD_NUMBER: _ClassVar[int]
    STRATEGIES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    start_sum: float
    stake_mode: StakeMode
    stake_fixed: float
    stake_percent: float
    leverage: float
    cost_buy_percent: float
    cost_sell_percent: float
    simult_risk_percent: float
    symbols: _containers.RepeatedScalarFieldContainer[str]
    timeframes: _containers.RepeatedScalarFieldContainer[_common_pb2.Timeframe]
    strategies: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.ScalarMap[str, str]
    expression: str
    def __init__(self, start_sum: _Optional[float] = ..., stake_mode: _Optional[_Union[StakeMode, str]] = ..., stake_fixed: _Optional[float] = ..., stake_percent: _Optional[float] = ..., leverage: _Optional[float] = ..., cost_buy_percent: _Optional[float] = ..., cost_sell_percent: _Optional[float] = ..., simult_risk_percent: _Optional[float] = ..., symbols: _Optional[_Iterable[str]] = ..., timeframes: _Optional[_Iterable[_Union[_common_pb2.Timeframe, str]]] = ..., strategies: _Optional[_Iterable[str]] = ..., tags: _Optional[_Mapping[str, str]] = ..., expression: _Optional[str] = ...) -> None: ...

class Vm(_message.Message):
    __slots__ = ("id", "name", "symbols", "timeframes", "analyzers", "history_days", "history_from_ms", "end_ms", "broker_account", "broker_kind", "plan", "live_trading", "state", "progress_percent", "error", "last_pulse_ms", "is_default")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAMES_FIELD_NUMBER: _ClassVar[int]
    ANALYZERS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FROM_MS_FIELD_NUMBER: _ClassVar[int]
    END_MS_FIELD_NUMBER: _ClassVar[int]
    BROKER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BROKER_KIND_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    LIVE_TRADING_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_PULSE_MS_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    symbols: _containers.RepeatedScalarFieldContainer[str]
    timeframes: _containers.RepeatedScalarFieldContainer[_common_pb2.Timeframe]
    analyzers: _containers.RepeatedScalarFieldContainer[str]
    history_days: int
    history_from_ms: int
    end_ms: int
    broker_account: str
    broker_kind: BrokerKind
    plan: Plan
    live_trading: bool
    state: VmState
    progress_percent: float
    error: str
    last_pulse_ms: int
    is_default: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., symbols: _Optional[_Iterable[str]] = ..., timeframes: _Optional[_Iterable[_Union[_common_pb2.Timeframe, str]]] = ..., analyzers: _Optional[_Iterable[str]] = ..., history_days: _Optional[int] = ..., history_from_ms: _Optional[int] = ..., end_ms: _Optional[int] = ..., broker_account: _Optional[str] = ..., broker_kind: _Optional[_Union[BrokerKind, str]] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ..., live_trading: _Optional[bool] = ..., state: _Optional[_Union[VmState, str]] = ..., progress_percent: _Optional[float] = ..., error: _Optional[str] = ..., last_pulse_ms: _Optional[int] = ..., is_default: _Optional[bool] = ...) -> None: ...

class VmRef(_message.Message):
    __slots__ = ("vm_id",)
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    def __init__(self, vm_id: _Optional[str] = ...) -> None: ...

class CreateVmRequest(_message.Message):
    __slots__ = ("vm", "start")
    VM_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    vm: Vm
    start: bool
    def __init__(self, vm: _Optional[_Union[Vm, _Mapping]] = ..., start: _Optional[bool] = ...) -> None: ...

class UpdateVmRequest(_message.Message):
    __slots__ = ("vm",)
    VM_FIELD_NUMBER: _ClassVar[int]
    vm: Vm
    def __init__(self, vm: _Optional[_Union[Vm, _Mapping]] = ...) -> None: ...

class DeleteVmResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListVmsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListVmsResponse(_message.Message):
    __slots__ = ("vms",)
    VMS_FIELD_NUMBER: _ClassVar[int]
    vms: _containers.RepeatedCompositeFieldContainer[Vm]
    def __init__(self, vms: _Optional[_Iterable[_Union[Vm, _Mapping]]] = ...) -> None: ...

class EntryFilter(_message.Message):
    __slots__ = ("symbol", "timeframe", "strategy", "result", "from_ms", "to_ms")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: _common_pb2.Timeframe
    strategy: str
    result: _common_pb2.EntryResult
    from_ms: int
    to_ms: int
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., strategy: _Optional[str] = ..., result: _Optional[_Union[_common_pb2.EntryResult, str]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ...) -> None: ...

class ListEntriesRequest(_message.Message):
    __slots__ = ("vm_id", "filter", "page", "with_flags")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    WITH_FLAGS_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    filter: EntryFilter
    page: _common_pb2.PageRequest
    with_flags: bool
    def __init__(self, vm_id: _Optional[str] = ..., filter: _Optional[_Union[EntryFilter, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., with_flags: _Optional[bool] = ...) -> None: ...

class ListEntriesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_analysis_pb2.Entry]
    next_page_token: str
    total: int
    def __init__(self, entries: _Optional[_Iterable[_Union[_analysis_pb2.Entry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class GetEntryRequest(_message.Message):
    __slots__ = ("vm_id", "entry_id")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    entry_id: str
    def __init__(self, vm_id: _Optional[str] = ..., entry_id: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "vm_id", "entry", "quantity", "gain", "wallet", "stake", "tags", "comment", "real")
    ID_FIELD_NUMBER: _ClassVar[int]
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    GAIN_FIELD_NUMBER: _ClassVar[int]
    WALLET_FIELD_NUMBER: _ClassVar[int]
    STAKE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    vm_id: str
    entry: _analysis_pb2.Entry
    quantity: float
    gain: float
    wallet: float
    stake: float
    tags: _containers.RepeatedCompositeFieldContainer[_common_pb2.Tag]
    comment: str
    real: RealOrder
    def __init__(self, id: _Optional[str] = ..., vm_id: _Optional[str] = ..., entry: _Optional[_Union[_analysis_pb2.Entry, _Mapping]] = ..., quantity: _Optional[float] = ..., gain: _Optional[float] = ..., wallet: _Optional[float] = ..., stake: _Optional[float] = ..., tags: _Optional[_Iterable[_Union[_common_pb2.Tag, _Mapping]]] = ..., comment: _Optional[str] = ..., real: _Optional[_Union[RealOrder, _Mapping]] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("vm_id", "filter", "page")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    filter: EntryFilter
    page: _common_pb2.PageRequest
    def __init__(self, vm_id: _Optional[str] = ..., filter: _Optional[_Union[EntryFilter, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token", "total")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    next_page_token: str
    total: int
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class SetPlanRequest(_message.Message):
    __slots__ = ("vm_id", "plan")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    plan: Plan
    def __init__(self, vm_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("vm_id", "from_ms", "to_ms", "interval")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    from_ms: int
    to_ms: int
    interval: ReportInterval
    def __init__(self, vm_id: _Optional[str] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., interval: _Optional[_Union[ReportInterval, str]] = ...) -> None: ...

class ReportRow(_message.Message):
    __slots__ = ("period_name", "period_start_ms", "num_orders", "num_closed", "num_active", "ratio", "gain", "min_gain", "max_gain", "max_open_orders")
    PERIOD_NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_MS_FIELD_NUMBER: _ClassVar[int]
    NUM_ORDERS_FIELD_NUMBER: _ClassVar[int]
    NUM_CLOSED_FIELD_NUMBER: _ClassVar[int]
    NUM_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    GAIN_FIELD_NUMBER: _ClassVar[int]
    MIN_GAIN_FIELD_NUMBER: _ClassVar[int]
    MAX_GAIN_FIELD_NUMBER: _ClassVar[int]
    MAX_OPEN_ORDERS_FIELD_NUMBER: _ClassVar[int]
    period_name: str
    period_start_ms: int
    num_orders: int
    num_closed: int
    num_active: int
    ratio: float
    gain: float
    min_gain: float
    max_gain: float
    max_open_orders: int
    def __init__(self, period_name: _Optional[str] = ..., period_start_ms: _Optional[int] = ..., num_orders: _Optional[int] = ..., num_closed: _Optional[int] = ..., num_active: _Optional[int] = ..., ratio: _Optional[float] = ..., gain: _Optional[float] = ..., min_gain: _Optional[float] = ..., max_gain: _Optional[float] = ..., max_open_orders: _Optional[int] = ...) -> None: ...

class ReportStats(_message.Message):
    __slots__ = ("max_drawdown_usd", "max_drawdown_percent", "profit_factor", "expectancy", "average_win", "average_loss", "longest_losing_streak")
    MAX_DRAWDOWN_USD_FIELD_NUMBER: _ClassVar[int]
    MAX_DRAWDOWN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    PROFIT_FACTOR_FIELD_NUMBER: _ClassVar[int]
    EXPECTANCY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_WIN_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_LOSS_FIELD_NUMBER: _ClassVar[int]
    LONGEST_LOSING_STREAK_FIELD_NUMBER: _ClassVar[int]
    max_drawdown_usd: float
    max_drawdown_percent: float
    profit_factor: float
    expectancy: float
    average_win: float
    average_loss: float
    longest_losing_streak: int
    def __init__(self, max_drawdown_usd: _Optional[float] = ..., max_drawdown_percent: _Optional[float] = ..., profit_factor: _Optional[float] = ..., expectancy: _Optional[float] = ..., average_win: _Optional[float] = ..., average_loss: _Optional[float] = ..., longest_losing_streak: _Optional[int] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("rows", "total", "stats", "by_strategy", "by_symbol")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    BY_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    BY_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[ReportRow]
    total: ReportRow
    stats: ReportStats
    by_strategy: _containers.RepeatedCompositeFieldContainer[ReportRow]
    by_symbol: _containers.RepeatedCompositeFieldContainer[ReportRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[ReportRow, _Mapping]]] = ..., total: _Optional[_Union[ReportRow, _Mapping]] = ..., stats: _Optional[_Union[ReportStats, _Mapping]] = ..., by_strategy: _Optional[_Iterable[_Union[ReportRow, _Mapping]]] = ..., by_symbol: _Optional[_Iterable[_Union[ReportRow, _Mapping]]] = ...) -> None: ...

class MakeRealOrderRequest(_message.Message):
    __slots__ = ("vm_id", "entry_id")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    entry_id: str
    def __init__(self, vm_id: _Optional[str] = ..., entry_id: _Optional[str] = ...) -> None: ...

class RealOrder(_message.Message):
    __slots__ = ("client_order_id", "account_id", "status", "filled_quantity", "average_price", "exit_price", "realized_pnl", "entry_order_id", "stop_order_id", "take_order_id", "error", "updated_ms", "entry_id", "symbol", "side")
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FILLED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRICE_FIELD_NUMBER: _ClassVar[int]
    EXIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TAKE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    UPDATED_MS_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    client_order_id: str
    account_id: str
    status: RealOrderStatus
    filled_quantity: float
    average_price: float
    exit_price: float
    realized_pnl: float
    entry_order_id: str
    stop_order_id: str
    take_order_id: str
    error: str
    updated_ms: int
    entry_id: str
    symbol: str
    side: _common_pb2.Side
    def __init__(self, client_order_id: _Optional[str] = ..., account_id: _Optional[str] = ..., status: _Optional[_Union[RealOrderStatus, str]] = ..., filled_quantity: _Optional[float] = ..., average_price: _Optional[float] = ..., exit_price: _Optional[float] = ..., realized_pnl: _Optional[float] = ..., entry_order_id: _Optional[str] = ..., stop_order_id: _Optional[str] = ..., take_order_id: _Optional[str] = ..., error: _Optional[str] = ..., updated_ms: _Optional[int] = ..., entry_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("vm_id", "after_event_id")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    after_event_id: int
    def __init__(self, vm_id: _Optional[str] = ..., after_event_id: _Optional[int] = ...) -> None: ...

class VmStatus(_message.Message):
    __slots__ = ("vm_id", "state", "progress_percent", "error")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    state: VmState
    progress_percent: float
    error: str
    def __init__(self, vm_id: _Optional[str] = ..., state: _Optional[_Union[VmState, str]] = ..., progress_percent: _Optional[float] = ..., error: _Optional[str] = ...) -> None: ...

class OrderEvent(_message.Message):
    __slots__ = ("event_id", "time_ms", "vm_id", "entry_opened", "entry_closed", "order_created", "order_closed", "real_order", "vm_status")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_OPENED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_CLOSED_FIELD_NUMBER: _ClassVar[int]
    ORDER_CREATED_FIELD_NUMBER: _ClassVar[int]
    ORDER_CLOSED_FIELD_NUMBER: _ClassVar[int]
    REAL_ORDER_FIELD_NUMBER: _ClassVar[int]
    VM_STATUS_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    time_ms: int
    vm_id: str
    entry_opened: _analysis_pb2.Entry
    entry_closed: _analysis_pb2.Entry
    order_created: Order
    order_closed: Order
    real_order: RealOrder
    vm_status: VmStatus
    def __init__(self, event_id: _Optional[int] = ..., time_ms: _Optional[int] = ..., vm_id: _Optional[str] = ..., entry_opened: _Optional[_Union[_analysis_pb2.Entry, _Mapping]] = ..., entry_closed: _Optional[_Union[_analysis_pb2.Entry, _Mapping]] = ..., order_created: _Optional[_Union[Order, _Mapping]] = ..., order_closed: _Optional[_Union[Order, _Mapping]] = ..., real_order: _Optional[_Union[RealOrder, _Mapping]] = ..., vm_status: _Optional[_Union[VmStatus, _Mapping]] = ...) -> None: ...
