"""The JSON module both Socket.IO transports use (``dumps``/``loads``, as python-socketio expects).

It is the standard library's json plus two kinds of values written verbatim:

- :class:`~web_bridge.protocol.Fractional` numbers: the stdlib writes 0.00001 as ``1e-05`` and an
  integral value as ``10``, both refused by paraclient's plan form (a decimal-point regex);
- :class:`Raw` JSON text encoded once and sent to many clients (a 1,000-candle chart is ~100 kB:
  encoding it per client would dominate the bridge's CPU).

Such a value is first written as a marked string holding its index, then the marks are replaced —
only when one is present, so other payloads pay one scan. The mark carries a random per-process
token, so no string a client sends can pose as one.
"""

from __future__ import annotations

import json as _json
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from .protocol import Fractional

T = TypeVar("T")
_TOKEN = secrets.token_hex(8)
_MARKED = f'"\\u0000{_TOKEN}:'
_MARK_RE = re.compile(re.escape(_MARKED) + r'(\d+)\\u0000"')


class Raw:
    """JSON text to embed as is.

    A Raw value is shared by every client that asks for the same chart within the cache window, so the
    transports also keep here the whole packet they build around it (:meth:`packet`): the ~130 kB frame is
    then written once per chart, not once per reply."""

    __slots__ = ("_packets", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._packets: dict[Any, Any] = {}

    def packet(self, key: Any, build: Callable[[], T]) -> T:
        """The packet ``build()`` makes for this value, built once per ``key``."""
        try:
            return self._packets[key]  # type: ignore[no-any-return]
        except KeyError:
            out = self._packets[key] = build()
            return out


class Utf8Text(str):
    """Text whose UTF-8 bytes are computed once: aiohttp's ``send_str`` calls ``.encode("utf-8")`` on
    every send, a 130 kB copy per reply for a shared chart packet."""

    def __new__(cls, text: str) -> Utf8Text:
        obj = super().__new__(cls, text)
        obj._utf8 = text.encode("utf-8")
        return obj

    _utf8: bytes

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        if encoding.lower().replace("-", "").replace("_", "") == "utf8":
            return self._utf8
        return str.encode(self, encoding, errors)


def dumps(obj: Any, **kw: Any) -> str:
    verbatim: list[str] = []

    def default(value: Any) -> Any:
        if isinstance(value, Fractional | Raw):
            verbatim.append(value.text)
            return f"\x00{_TOKEN}:{len(verbatim) - 1}\x00"
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    kw.setdefault("separators", (",", ":"))
    kw.setdefault("ensure_ascii", False)
    text = _json.dumps(obj, default=default, **kw)
    if not verbatim:
        return text
    return _MARK_RE.sub(lambda m: verbatim[int(m.group(1))], text)


def loads(text: str | bytes, **kw: Any) -> Any:
    return _json.loads(text, **kw)


JSONDecodeError = _json.JSONDecodeError
