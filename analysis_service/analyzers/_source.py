"""Candle value sources shared by the moving-average analyzers."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

SOURCES: dict[str, Any] = {
    "c": attrgetter("close"),
    "o": attrgetter("open"),
    "h": attrgetter("high"),
    "l": attrgetter("low"),
    "v": attrgetter("volume"),
}


def source_getter(code: str) -> Any:
    try:
        return SOURCES[code]
    except KeyError:
        raise ValueError(f"unknown source code {code!r} for moving average") from None
