from parayok.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CandleBatch(_message.Message):
    __slots__ = ("symbol", "timeframe", "open_time", "close_time", "open", "high", "low", "close", "volume", "quote_volume", "trades", "taker_buy_base", "taker_buy_quote")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    QUOTE_VOLUME_FIELD_NUMBER: _ClassVar[int]
    TRADES_FIELD_NUMBER: _ClassVar[int]
    TAKER_BUY_BASE_FIELD_NUMBER: _ClassVar[int]
    TAKER_BUY_QUOTE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: _common_pb2.Timeframe
    open_time: _containers.RepeatedScalarFieldContainer[int]
    close_time: _containers.RepeatedScalarFieldContainer[int]
    open: _containers.RepeatedScalarFieldContainer[float]
    high: _containers.RepeatedScalarFieldContainer[float]
    low: _containers.RepeatedScalarFieldContainer[float]
    close: _containers.RepeatedScalarFieldContainer[float]
    volume: _containers.RepeatedScalarFieldContainer[float]
    quote_volume: _containers.RepeatedScalarFieldContainer[float]
    trades: _containers.RepeatedScalarFieldContainer[int]
    taker_buy_base: _containers.RepeatedScalarFieldContainer[float]
    taker_buy_quote: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., open_time: _Optional[_Iterable[int]] = ..., close_time: _Optional[_Iterable[int]] = ..., open: _Optional[_Iterable[float]] = ..., high: _Optional[_Iterable[float]] = ..., low: _Optional[_Iterable[float]] = ..., close: _Optional[_Iterable[float]] = ..., volume: _Optional[_Iterable[float]] = ..., quote_volume: _Optional[_Iterable[float]] = ..., trades: _Optional[_Iterable[int]] = ..., taker_buy_base: _Optional[_Iterable[float]] = ..., taker_buy_quote: _Optional[_Iterable[float]] = ...) -> None: ...

class GetCandlesRequest(_message.Message):
    __slots__ = ("symbol", "timeframe", "from_ms", "to_ms", "limit", "around_ms")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AROUND_MS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: _common_pb2.Timeframe
    from_ms: int
    to_ms: int
    limit: int
    around_ms: int
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., limit: _Optional[int] = ..., around_ms: _Optional[int] = ...) -> None: ...

class StreamPulsesRequest(_message.Message):
    __slots__ = ("symbols", "timeframes", "from_ms", "to_ms", "live", "late_candle_wait_ms")
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAMES_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    LATE_CANDLE_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    timeframes: _containers.RepeatedScalarFieldContainer[_common_pb2.Timeframe]
    from_ms: int
    to_ms: int
    live: bool
    late_candle_wait_ms: int
    def __init__(self, symbols: _Optional[_Iterable[str]] = ..., timeframes: _Optional[_Iterable[_Union[_common_pb2.Timeframe, str]]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., live: _Optional[bool] = ..., late_candle_wait_ms: _Optional[int] = ...) -> None: ...

class PulseStreamEvent(_message.Message):
    __slots__ = ("pulses", "progress", "live", "gap", "market")
    PULSES_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    pulses: PulseBatch
    progress: LoadProgress
    live: LiveSwitch
    gap: GapReport
    market: MarketStatus
    def __init__(self, pulses: _Optional[_Union[PulseBatch, _Mapping]] = ..., progress: _Optional[_Union[LoadProgress, _Mapping]] = ..., live: _Optional[_Union[LiveSwitch, _Mapping]] = ..., gap: _Optional[_Union[GapReport, _Mapping]] = ..., market: _Optional[_Union[MarketStatus, _Mapping]] = ...) -> None: ...

class PulseBatch(_message.Message):
    __slots__ = ("pulse_time", "closed", "price_count", "candle_count", "price_symbol", "price_low", "price_high", "price_close", "candle_symbol", "candle_timeframe", "open_time", "close_time", "open", "high", "low", "close", "volume", "symbols")
    PULSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    PRICE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CANDLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    PRICE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    PRICE_LOW_FIELD_NUMBER: _ClassVar[int]
    PRICE_HIGH_FIELD_NUMBER: _ClassVar[int]
    PRICE_CLOSE_FIELD_NUMBER: _ClassVar[int]
    CANDLE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CANDLE_TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    pulse_time: _containers.RepeatedScalarFieldContainer[int]
    closed: _containers.RepeatedScalarFieldContainer[bool]
    price_count: _containers.RepeatedScalarFieldContainer[int]
    candle_count: _containers.RepeatedScalarFieldContainer[int]
    price_symbol: _containers.RepeatedScalarFieldContainer[int]
    price_low: _containers.RepeatedScalarFieldContainer[float]
    price_high: _containers.RepeatedScalarFieldContainer[float]
    price_close: _containers.RepeatedScalarFieldContainer[float]
    candle_symbol: _containers.RepeatedScalarFieldContainer[int]
    candle_timeframe: _containers.RepeatedScalarFieldContainer[_common_pb2.Timeframe]
    open_time: _containers.RepeatedScalarFieldContainer[int]
    close_time: _containers.RepeatedScalarFieldContainer[int]
    open: _containers.RepeatedScalarFieldContainer[float]
    high: _containers.RepeatedScalarFieldContainer[float]
    low: _containers.RepeatedScalarFieldContainer[float]
    close: _containers.RepeatedScalarFieldContainer[float]
    volume: _containers.RepeatedScalarFieldContainer[float]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, pulse_time: _Optional[_Iterable[int]] = ..., closed: _Optional[_Iterable[bool]] = ..., price_count: _Optional[_Iterable[int]] = ..., candle_count: _Optional[_Iterable[int]] = ..., price_symbol: _Optional[_Iterable[int]] = ..., price_low: _Optional[_Iterable[float]] = ..., price_high: _Optional[_Iterable[float]] = ..., price_close: _Optional[_Iterable[float]] = ..., candle_symbol: _Optional[_Iterable[int]] = ..., candle_timeframe: _Optional[_Iterable[_Union[_common_pb2.Timeframe, str]]] = ..., open_time: _Optional[_Iterable[int]] = ..., close_time: _Optional[_Iterable[int]] = ..., open: _Optional[_Iterable[float]] = ..., high: _Optional[_Iterable[float]] = ..., low: _Optional[_Iterable[float]] = ..., close: _Optional[_Iterable[float]] = ..., volume: _Optional[_Iterable[float]] = ..., symbols: _Optional[_Iterable[str]] = ...) -> None: ...

class LoadProgress(_message.Message):
    __slots__ = ("symbol", "timeframe", "percent", "candles_loaded", "candles_per_second", "overall_percent")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    CANDLES_LOADED_FIELD_NUMBER: _ClassVar[int]
    CANDLES_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    OVERALL_PERCENT_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: _common_pb2.Timeframe
    percent: float
    candles_loaded: int
    candles_per_second: float
    overall_percent: float
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., percent: _Optional[float] = ..., candles_loaded: _Optional[int] = ..., candles_per_second: _Optional[float] = ..., overall_percent: _Optional[float] = ...) -> None: ...

class LiveSwitch(_message.Message):
    __slots__ = ("last_history_pulse_ms",)
    LAST_HISTORY_PULSE_MS_FIELD_NUMBER: _ClassVar[int]
    last_history_pulse_ms: int
    def __init__(self, last_history_pulse_ms: _Optional[int] = ...) -> None: ...

class GapReport(_message.Message):
    __slots__ = ("symbol", "timeframe", "from_ms", "to_ms")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: _common_pb2.Timeframe
    from_ms: int
    to_ms: int
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ...) -> None: ...

class MarketStatus(_message.Message):
    __slots__ = ("reachable", "cause", "retry_at_ms")
    REACHABLE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AT_MS_FIELD_NUMBER: _ClassVar[int]
    reachable: bool
    cause: str
    retry_at_ms: int
    def __init__(self, reachable: _Optional[bool] = ..., cause: _Optional[str] = ..., retry_at_ms: _Optional[int] = ...) -> None: ...

class ImportCandlesRequest(_message.Message):
    __slots__ = ("paths", "symbol", "timeframe", "derive_higher", "derive_timeframes")
    PATHS_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    DERIVE_HIGHER_FIELD_NUMBER: _ClassVar[int]
    DERIVE_TIMEFRAMES_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.RepeatedScalarFieldContainer[str]
    symbol: str
    timeframe: _common_pb2.Timeframe
    derive_higher: bool
    derive_timeframes: _containers.RepeatedScalarFieldContainer[_common_pb2.Timeframe]
    def __init__(self, paths: _Optional[_Iterable[str]] = ..., symbol: _Optional[str] = ..., timeframe: _Optional[_Union[_common_pb2.Timeframe, str]] = ..., derive_higher: _Optional[bool] = ..., derive_timeframes: _Optional[_Iterable[_Union[_common_pb2.Timeframe, str]]] = ...) -> None: ...

class ImportCandlesResponse(_message.Message):
    __slots__ = ("rows_read", "rows_stored", "first_open_time", "last_open_time", "derived")
    ROWS_READ_FIELD_NUMBER: _ClassVar[int]
    ROWS_STORED_FIELD_NUMBER: _ClassVar[int]
    FIRST_OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    DERIVED_FIELD_NUMBER: _ClassVar[int]
    rows_read: int
    rows_stored: int
    first_open_time: int
    last_open_time: int
    derived: _containers.RepeatedScalarFieldContainer[_common_pb2.Timeframe]
    def __init__(self, rows_read: _Optional[int] = ..., rows_stored: _Optional[int] = ..., first_open_time: _Optional[int] = ..., last_open_time: _Optional[int] = ..., derived: _Optional[_Iterable[_Union[_common_pb2.Timeframe, str]]] = ...) -> None: ...

class ListSymbolsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSymbolsResponse(_message.Message):
    __slots__ = ("symbols",)
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedCompositeFieldContainer[_common_pb2.SymbolInfo]
    def __init__(self, symbols: _Optional[_Iterable[_Union[_common_pb2.SymbolInfo, _Mapping]]] = ...) -> None: ...

class GetSymbolInfoRequest(_message.Message):
    __slots__ = ("symbol",)
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    def __init__(self, symbol: _Optional[str] = ...) -> None: ...
