from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Timeframe(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIMEFRAME_UNSPECIFIED: _ClassVar[Timeframe]
    TIMEFRAME_1M: _ClassVar[Timeframe]
    TIMEFRAME_3M: _ClassVar[Timeframe]
    TIMEFRAME_5M: _ClassVar[Timeframe]
    TIMEFRAME_15M: _ClassVar[Timeframe]
    TIMEFRAME_30M: _ClassVar[Timeframe]
    TIMEFRAME_1H: _ClassVar[Timeframe]
    TIMEFRAME_2H: _ClassVar[Timeframe]
    TIMEFRAME_4H: _ClassVar[Timeframe]
    TIMEFRAME_6H: _ClassVar[Timeframe]
    TIMEFRAME_8H: _ClassVar[Timeframe]
    TIMEFRAME_12H: _ClassVar[Timeframe]
    TIMEFRAME_1D: _ClassVar[Timeframe]
    TIMEFRAME_3D: _ClassVar[Timeframe]
    TIMEFRAME_1W: _ClassVar[Timeframe]

class Side(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIDE_UNSPECIFIED: _ClassVar[Side]
    SIDE_BUY: _ClassVar[Side]
    SIDE_SELL: _ClassVar[Side]

class EntryResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTRY_RESULT_UNSPECIFIED: _ClassVar[EntryResult]
    ENTRY_RESULT_PENDING: _ClassVar[EntryResult]
    ENTRY_RESULT_ACTIVE: _ClassVar[EntryResult]
    ENTRY_RESULT_WON: _ClassVar[EntryResult]
    ENTRY_RESULT_LOST: _ClassVar[EntryResult]
TIMEFRAME_UNSPECIFIED: Timeframe
TIMEFRAME_1M: Timeframe
TIMEFRAME_3M: Timeframe
TIMEFRAME_5M: Timeframe
TIMEFRAME_15M: Timeframe
TIMEFRAME_30M: Timeframe
TIMEFRAME_1H: Timeframe
TIMEFRAME_2H: Timeframe
TIMEFRAME_4H: Timeframe
TIMEFRAME_6H: Timeframe
TIMEFRAME_8H: Timeframe
TIMEFRAME_12H: Timeframe
TIMEFRAME_1D: Timeframe
TIMEFRAME_3D: Timeframe
TIMEFRAME_1W: Timeframe
SIDE_UNSPECIFIED: Side
SIDE_BUY: Side
SIDE_SELL: Side
ENTRY_RESULT_UNSPECIFIED: EntryResult
ENTRY_RESULT_PENDING: EntryResult
ENTRY_RESULT_ACTIVE: EntryResult
ENTRY_RESULT_WON: EntryResult
ENTRY_RESULT_LOST: EntryResult

class TickerRef(_message.Message):
    __slots__ = ("symbol", "timeframe")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: Timeframe
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[_Union[Timeframe, str]] = ...) -> None: ...

class SymbolInfo(_message.Message):
    __slots__ = ("symbol", "tick_size", "step_size", "min_qty", "min_notional", "price_precision", "quantity_precision", "base_asset", "quote_asset", "status")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TICK_SIZE_FIELD_NUMBER: _ClassVar[int]
    STEP_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_QTY_FIELD_NUMBER: _ClassVar[int]
    MIN_NOTIONAL_FIELD_NUMBER: _ClassVar[int]
    PRICE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_PRECISION_FIELD_NUMBER: _ClassVar[int]
    BASE_ASSET_FIELD_NUMBER: _ClassVar[int]
    QUOTE_ASSET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    tick_size: float
    step_size: float
    min_qty: float
    min_notional: float
    price_precision: int
    quantity_precision: int
    base_asset: str
    quote_asset: str
    status: str
    def __init__(self, symbol: _Optional[str] = ..., tick_size: _Optional[float] = ..., step_size: _Optional[float] = ..., min_qty: _Optional[float] = ..., min_notional: _Optional[float] = ..., price_precision: _Optional[int] = ..., quantity_precision: _Optional[int] = ..., base_asset: _Optional[str] = ..., quote_asset: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class Tag(_message.Message):
    __slots__ = ("name", "text", "number", "comment")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    text: str
    number: float
    comment: str
    def __init__(self, name: _Optional[str] = ..., text: _Optional[str] = ..., number: _Optional[float] = ..., comment: _Optional[str] = ...) -> None: ...

class TagDescription(_message.Message):
    __slots__ = ("name", "vals", "desc")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALS_FIELD_NUMBER: _ClassVar[int]
    DESC_FIELD_NUMBER: _ClassVar[int]
    name: str
    vals: _containers.RepeatedScalarFieldContainer[str]
    desc: str
    def __init__(self, name: _Optional[str] = ..., vals: _Optional[_Iterable[str]] = ..., desc: _Optional[str] = ...) -> None: ...

class PageRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...
