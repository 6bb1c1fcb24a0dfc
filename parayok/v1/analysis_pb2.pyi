from google.protobuf import struct_pb2 as _struct_pb2
from parayok.v1 import candles_pb2 as _candles_pb2
from parayok.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RejectReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REJECT_REASON_UNSPECIFIED: _ClassVar[RejectReason]
    REJECT_REASON_DUPLICATE_ACTIVE_ID: _ClassVar[RejectReason]
    REJECT_REASON_BAD_ORDER_PARAMS: _ClassVar[RejectReason]
REJECT_REASON_UNSPECIFIED: RejectReason
REJECT_REASON_DUPLICATE_ACTIVE_ID: RejectReason
REJECT_REASON_BAD_ORDER_PARAMS: RejectReason

class VmAnalysisConfig(_message.Message):
    __slots__ = ("vm_id", "symbols", "timeframes", "analyzers", "params", "from_ms", "to_ms", "live", "annotations", "flags_snapshot", "all_pulses")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAMES_FIELD_NUMBER: _ClassVar[int]
    ANALYZERS_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    ALL_PULSES_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    symbols: _containers.RepeatedScalarFieldContainer[str]
    timeframes: _containers.RepeatedScalarFieldContainer[_common_pb2.Timeframe]
    analyzers: _containers.RepeatedScalarFieldContainer[str]
    params: _containers.MessageMap[str, _struct_pb2.Struct]
    from_ms: int
    to_ms: int
    live: bool
    annotations: bool
    flags_snapshot: bool
    all_pulses: bool
    def __init__(self, vm_id: _Optional[str] = ..., symbols: _Optional[_Iterable[str]] = ..., timeframes: _Optional[_Iterable[_Union[_common_pb2.Timeframe, str]]] = ..., analyzers: _Optional[_Iterable[str]] = ..., params: _Optional[_Mapping[str, _struct_pb2.Struct]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., live: _Optional[bool] = ..., annotations: _Optional[bool] = ..., flags_snapshot: _Optional[bool] = ..., all_pulses: _Optional[bool] = ...) -> None: ...

class RunRequest(_message.Message):
    __slots__ = ("vm", "batch_live_events")
    VM_FIELD_NUMBER: _ClassVar[int]
    BATCH_LIVE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    vm: VmAnalysisConfig
    batch_live_events: bool
    def __init__(self, vm: _Optional[_Union[VmAnalysisConfig, _Mapping]] = ..., batch_live_events: _Optional[bool] = ...) -> None: ...

class RunEvent(_message.Message):
    __slots__ = ("progress", "price", "entry_opened", "entry_closed", "pulse_end", "live", "analyzer_error", "limit_placed", "entry_rejected", "limit_expired", "batch")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_OPENED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_CLOSED_FIELD_NUMBER: _ClassVar[int]
    PULSE_END_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    ANALYZER_ERROR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PLACED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_REJECTED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    progress: _candles_pb2.LoadProgress
    price: PriceUpdate
    entry_opened: Entry
    entry_closed: Entry
    pulse_end: PulseEnd
    live: _candles_pb2.LiveSwitch
    analyzer_error: AnalyzerError
    limit_placed: LimitPlaced
    entry_rejected: EntryRejected
    limit_expired: LimitExpired
    batch: RunEventBatch
    def __init__(self, progress: _Optional[_Union[_candles_pb2.LoadProgress, _Mapping]] = ..., price: _Optional[_Union[PriceUpdate, _Mapping]] = ..., entry_opened: _Optional[_Union[Entry, _Mapping]] = ..., entry_closed: _Optional[_Union[Entry, _Mapping]] = ..., pulse_end: _Optional[_Union[PulseEnd, _Mapping]] = ..., live: _Optional[_Union[_candles_pb2.LiveSwitch, _Mapping]] = ..., analyzer_error: _Optional[_Union[AnalyzerError, _Mapping]] = ..., limit_placed: _Optional[_Union[LimitPlaced, _Mapping]] = ..., entry_rejected: _Optional[_Union[EntryRejected, _Mapping]] = ..., limit_expired: _Optional[_Union[LimitExpired, _Mapping]] = ..., batch: _Optional[_Union[RunEventBatch, _Mapping]] = ...) -> None: ...

class RunEventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[RunEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[RunEvent, _Mapping]]] = ...) -> None: ...

class PriceUpdate(_message.Message):
    __slots__ = ("symbol", "time_ms", "low", "high", "close")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    time_ms: int
    low: float
    high: float
    close: float
    def __init__(self, symbol: _Optional[str] = ..., time_ms: _Optional[int] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., close: _Optional[float] = ...) -> None: ...

class PulseEnd(_message.Message):
    __slots__ = ("pulse_time_ms", "live")
    PULSE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    pulse_time_ms: int
    live: bool
    def __init__(self, pulse_time_ms: _Optional[int] = ..., live: _Optional[bool] = ...) -> None: ...

class AnalyzerError(_message.Message):
    __slots__ = ("ticker", "analyzer", "message", "time_ms")
    TICKER_FIELD_NUMBER: _ClassVar[int]
    ANALYZER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    ticker: str
    analyzer: str
    message: str
    time_ms: int
    def __init__(self, ticker: _Optional[str] = ..., analyzer: _Optional[str] = ..., message: _Optional[str] = ..., time_ms: _Optional[int] = ...) -> None: ...

class LimitPlaced(_message.Message):
    __slots__ = ("entry", "expire_ms")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_MS_FIELD_NUMBER: _ClassVar[int]
    entry: Entry
    expire_ms: int
    def __init__(self, entry: _Optional[_Union[Entry, _Mapping]] = ..., expire_ms: _Optional[int] = ...) -> None: ...

class EntryRejected(_message.Message):
    __slots__ = ("id", "symbol", "timeframe", "strategy", "side", "time_ms", "is_limit", "at_ms", "reason", "message")
    ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    IS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    AT_MS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    symbol: str
    timeframe: _common_pb2.Timeframe
    strategy: str
    side: _common_pb2.Side
    time_ms: int
    is_limit: bool
    at_ms: int
    reason: RejectReason
    message: str
    def __init__(self, id: _Optional[str] = ..., symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., strategy: _Optional[str] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ..., time_ms: _Optional[int] = ..., is_limit: _Optional[bool] = ..., at_ms: _Optional[int] = ..., reason: _Optional[_Union[RejectReason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class LimitExpired(_message.Message):
    __slots__ = ("entry", "at_ms")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    AT_MS_FIELD_NUMBER: _ClassVar[int]
    entry: Entry
    at_ms: int
    def __init__(self, entry: _Optional[_Union[Entry, _Mapping]] = ..., at_ms: _Optional[int] = ...) -> None: ...

class Entry(_message.Message):
    __slots__ = ("id", "vm_id", "symbol", "timeframe", "strategy", "side", "time_ms", "entry_price", "stop_loss", "take_profit", "is_limit", "opened_at_ms", "result", "close_time_ms", "close_price", "gain_percent", "take_price_reached", "take_percent_reached", "loss_price_reached", "loss_percent_reached", "current_price", "comment", "tags", "flags", "opened_by_price_update")
    ID_FIELD_NUMBER: _ClassVar[int]
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    ENTRY_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    IS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    CLOSE_PRICE_FIELD_NUMBER: _ClassVar[int]
    GAIN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    TAKE_PRICE_REACHED_FIELD_NUMBER: _ClassVar[int]
    TAKE_PERCENT_REACHED_FIELD_NUMBER: _ClassVar[int]
    LOSS_PRICE_REACHED_FIELD_NUMBER: _ClassVar[int]
    LOSS_PERCENT_REACHED_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PRICE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    OPENED_BY_PRICE_UPDATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    vm_id: str
    symbol: str
    timeframe: _common_pb2.Timeframe
    strategy: str
    side: _common_pb2.Side
    time_ms: int
    entry_price: float
    stop_loss: float
    take_profit: float
    is_limit: bool
    opened_at_ms: int
    result: _common_pb2.EntryResult
    close_time_ms: int
    close_price: float
    gain_percent: float
    take_price_reached: float
    take_percent_reached: float
    loss_price_reached: float
    loss_percent_reached: float
    current_price: float
    comment: str
    tags: _containers.RepeatedCompositeFieldContainer[_common_pb2.Tag]
    flags: _struct_pb2.Struct
    opened_by_price_update: bool
    def __init__(self, id: _Optional[str] = ..., vm_id: _Optional[str] = ..., symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., strategy: _Optional[str] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ..., time_ms: _Optional[int] = ..., entry_price: _Optional[float] = ..., stop_loss: _Optional[float] = ..., take_profit: _Optional[float] = ..., is_limit: _Optional[bool] = ..., opened_at_ms: _Optional[int] = ..., result: _Optional[_Union[_common_pb2.EntryResult, str]] = ..., close_time_ms: _Optional[int] = ..., close_price: _Optional[float] = ..., gain_percent: _Optional[float] = ..., take_price_reached: _Optional[float] = ..., take_percent_reached: _Optional[float] = ..., loss_price_reached: _Optional[float] = ..., loss_percent_reached: _Optional[float] = ..., current_price: _Optional[float] = ..., comment: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[_common_pb2.Tag, _Mapping]]] = ..., flags: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., opened_by_price_update: _Optional[bool] = ...) -> None: ...

class GetFlagsRequest(_message.Message):
    __slots__ = ("vm_id", "ticker")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    ticker: _common_pb2.TickerRef
    def __init__(self, vm_id: _Optional[str] = ..., ticker: _Optional[_Union[_common_pb2.TickerRef, _Mapping]] = ...) -> None: ...

class GetFlagsResponse(_message.Message):
    __slots__ = ("ticker", "time_ms", "flags")
    TICKER_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    ticker: _common_pb2.TickerRef
    time_ms: int
    flags: _struct_pb2.Struct
    def __init__(self, ticker: _Optional[_Union[_common_pb2.TickerRef, _Mapping]] = ..., time_ms: _Optional[int] = ..., flags: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetAnnotationsRequest(_message.Message):
    __slots__ = ("vm_id", "ticker", "from_ms", "to_ms")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    ticker: _common_pb2.TickerRef
    from_ms: int
    to_ms: int
    def __init__(self, vm_id: _Optional[str] = ..., ticker: _Optional[_Union[_common_pb2.TickerRef, _Mapping]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ...) -> None: ...

class Annotation(_message.Message):
    __slots__ = ("kind", "time_ms", "source", "data")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Annotation.Kind]
        KIND_CIRCLE: _ClassVar[Annotation.Kind]
        KIND_LINE: _ClassVar[Annotation.Kind]
        KIND_LABEL: _ClassVar[Annotation.Kind]
        KIND_ONCHART: _ClassVar[Annotation.Kind]
        KIND_OFFCHART: _ClassVar[Annotation.Kind]
        KIND_ENTRY: _ClassVar[Annotation.Kind]
    KIND_UNSPECIFIED: Annotation.Kind
    KIND_CIRCLE: Annotation.Kind
    KIND_LINE: Annotation.Kind
    KIND_LABEL: Annotation.Kind
    KIND_ONCHART: Annotation.Kind
    KIND_OFFCHART: Annotation.Kind
    KIND_ENTRY: Annotation.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    kind: Annotation.Kind
    time_ms: int
    source: str
    data: _struct_pb2.Struct
    def __init__(self, kind: _Optional[_Union[Annotation.Kind, str]] = ..., time_ms: _Optional[int] = ..., source: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetAnnotationsResponse(_message.Message):
    __slots__ = ("annotations",)
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    annotations: _containers.RepeatedCompositeFieldContainer[Annotation]
    def __init__(self, annotations: _Optional[_Iterable[_Union[Annotation, _Mapping]]] = ...) -> None: ...

class ListAnalyzersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AnalyzerParam(_message.Message):
    __slots__ = ("name", "type", "default", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    default: _struct_pb2.Value
    description: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., default: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class AnalyzerInfo(_message.Message):
    __slots__ = ("name", "is_strategy", "description", "requires", "flags", "params")
    NAME_FIELD_NUMBER: _ClassVar[int]
    IS_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    name: str
    is_strategy: bool
    description: str
    requires: _containers.RepeatedScalarFieldContainer[str]
    flags: _containers.RepeatedScalarFieldContainer[str]
    params: _containers.RepeatedCompositeFieldContainer[AnalyzerParam]
    def __init__(self, name: _Optional[str] = ..., is_strategy: _Optional[bool] = ..., description: _Optional[str] = ..., requires: _Optional[_Iterable[str]] = ..., flags: _Optional[_Iterable[str]] = ..., params: _Optional[_Iterable[_Union[AnalyzerParam, _Mapping]]] = ...) -> None: ...

class ListAnalyzersResponse(_message.Message):
    __slots__ = ("analyzers",)
    ANALYZERS_FIELD_NUMBER: _ClassVar[int]
    analyzers: _containers.RepeatedCompositeFieldContainer[AnalyzerInfo]
    def __init__(self, analyzers: _Optional[_Iterable[_Union[AnalyzerInfo, _Mapping]]] = ...) -> None: ...

class ListTaggersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTaggersResponse(_message.Message):
    __slots__ = ("taggers",)
    TAGGERS_FIELD_NUMBER: _ClassVar[int]
    taggers: _containers.RepeatedCompositeFieldContainer[_common_pb2.TagDescription]
    def __init__(self, taggers: _Optional[_Iterable[_Union[_common_pb2.TagDescription, _Mapping]]] = ...) -> None: ...

class ListTickersRequest(_message.Message):
    __slots__ = ("vm_id",)
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    def __init__(self, vm_id: _Optional[str] = ...) -> None: ...

class TickerState(_message.Message):
    __slots__ = ("ticker", "candles", "is_live", "first_time_ms", "last_time_ms")
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CANDLES_FIELD_NUMBER: _ClassVar[int]
    IS_LIVE_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    LAST_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    ticker: _common_pb2.TickerRef
    candles: int
    is_live: bool
    first_time_ms: int
    last_time_ms: int
    def __init__(self, ticker: _Optional[_Union[_common_pb2.TickerRef, _Mapping]] = ..., candles: _Optional[int] = ..., is_live: _Optional[bool] = ..., first_time_ms: _Optional[int] = ..., last_time_ms: _Optional[int] = ...) -> None: ...

class ListTickersResponse(_message.Message):
    __slots__ = ("tickers",)
    TICKERS_FIELD_NUMBER: _ClassVar[int]
    tickers: _containers.RepeatedCompositeFieldContainer[TickerState]
    def __init__(self, tickers: _Optional[_Iterable[_Union[TickerState, _Mapping]]] = ...) -> None: ...

class ListAnalysisEntriesRequest(_message.Message):
    __slots__ = ("vm_id", "active_only", "page")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    active_only: bool
    page: _common_pb2.PageRequest
    def __init__(self, vm_id: _Optional[str] = ..., active_only: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAnalysisEntriesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetAnalysisEntryRequest(_message.Message):
    __slots__ = ("vm_id", "entry_id")
    VM_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    vm_id: str
    entry_id: str
    def __init__(self, vm_id: _Optional[str] = ..., entry_id: _Optional[str] = ...) -> None: ...
