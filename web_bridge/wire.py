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
from typing import Any

from .protocol import Fractional

_TOKEN = secrets.token_hex(8)
_MARKED = f'"\\u0000{_TOKEN}:'
_MARK_RE = re.compile(re.escape(_MARKED) + r'(\d+)\\u0000"')


class Raw:
    """JSON text to embed as is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


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
