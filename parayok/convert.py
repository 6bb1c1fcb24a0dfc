"""Proto ⇄ domain conversions every service needs: timeframes and sides.

Domain code names timeframes as Binance does ("1m", "4h"); the API uses the ``Timeframe`` enum.
"""

from __future__ import annotations

from parayok.v1 import common_pb2

_PREFIX = "TIMEFRAME_"
TIMEFRAME_TO_NAME: dict[int, str] = {
    value.number: value.name[len(_PREFIX):].lower()
    for value in common_pb2.Timeframe.DESCRIPTOR.values
    if value.number != common_pb2.TIMEFRAME_UNSPECIFIED
}
NAME_TO_TIMEFRAME: dict[str, int] = {name: number for number, name in TIMEFRAME_TO_NAME.items()}


def timeframe_name(value: int, field: str = "timeframe") -> str:
    """The Binance name of a ``Timeframe`` enum value; ValueError naming ``field`` otherwise."""
    name = TIMEFRAME_TO_NAME.get(value)
    if name is None:
        raise ValueError(f"{field}: a timeframe is required (got {value})")
    return name


def timeframe_enum(name: str) -> int:
    value = NAME_TO_TIMEFRAME.get(name)
    if value is None:
        raise ValueError(f"timeframe: unknown timeframe {name!r}")
    return value
