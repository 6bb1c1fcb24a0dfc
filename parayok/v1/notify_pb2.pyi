from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotifyRequest(_message.Message):
    __slots__ = ("text", "chat_id", "dedupe_key")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CHAT_ID_FIELD_NUMBER: _ClassVar[int]
    DEDUPE_KEY_FIELD_NUMBER: _ClassVar[int]
    text: str
    chat_id: int
    dedupe_key: str
    def __init__(self, text: _Optional[str] = ..., chat_id: _Optional[int] = ..., dedupe_key: _Optional[str] = ...) -> None: ...

class NotifyResponse(_message.Message):
    __slots__ = ("queued",)
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    queued: int
    def __init__(self, queued: _Optional[int] = ...) -> None: ...

class ListSubscribersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Subscriber(_message.Message):
    __slots__ = ("chat_id", "name", "subscribed_ms", "entries_enabled")
    CHAT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_MS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_ENABLED_FIELD_NUMBER: _ClassVar[int]
    chat_id: int
    name: str
    subscribed_ms: int
    entries_enabled: bool
    def __init__(self, chat_id: _Optional[int] = ..., name: _Optional[str] = ..., subscribed_ms: _Optional[int] = ..., entries_enabled: _Optional[bool] = ...) -> None: ...

class ListSubscribersResponse(_message.Message):
    __slots__ = ("subscribers",)
    SUBSCRIBERS_FIELD_NUMBER: _ClassVar[int]
    subscribers: _containers.RepeatedCompositeFieldContainer[Subscriber]
    def __init__(self, subscribers: _Optional[_Iterable[_Union[Subscriber, _Mapping]]] = ...) -> None: ...

class GetNotifyStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NotifyStatus(_message.Message):
    __slots__ = ("enabled", "connected", "outbox", "bot_username", "last_error")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_FIELD_NUMBER: _ClassVar[int]
    BOT_USERNAME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    connected: bool
    outbox: int
    bot_username: str
    last_error: str
    def __init__(self, enabled: _Optional[bool] = ..., connected: _Optional[bool] = ..., outbox: _Optional[int] = ..., bot_username: _Optional[str] = ..., last_error: _Optional[str] = ...) -> None: ...
