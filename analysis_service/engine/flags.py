"""Flag store (seed: src/vm/Processor/Flags.js).

One plain dict per ticker ("SYM-TF"), replaced by a fresh dict before every
candle of that ticker, so event flags live exactly one candle.
"""

from __future__ import annotations

from typing import Any

from analysis_service.engine.timeframes import HTF


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness for the values analyzers store (NaN is falsy, objects truthy)."""
    if value is None or value is False:
        return False
    cls = value.__class__
    if cls is float:
        return value == value and value != 0.0
    if cls is int or cls is str:
        return bool(value)
    return True


def flag_get(flags: dict[str, Any], name: str) -> Any:
    """`Flags.get`: a falsy value (0, NaN, '', false, missing) reads as None."""
    v = flags.get(name)
    if not v:
        # Python's falsiness also hits empty dict/list, which JS treats as truthy
        if v is None or v.__class__ in (int, float, str, bool):
            return None
        return v
    if v.__class__ is float and v != v:
        return None
    return v


class FlagStore:
    __slots__ = ("tickers",)

    def __init__(self) -> None:
        self.tickers: dict[str, dict[str, Any]] = {}

    def start(self, ticker_id: str, is_live: bool) -> dict[str, Any]:
        flags: dict[str, Any] = {"is_live": is_live}
        self.tickers[ticker_id] = flags
        return flags

    def ticker_flags(self, ticker_id: str) -> dict[str, Any] | None:
        return self.tickers.get(ticker_id)

    def get_ticker_flag(self, ticker_id: str, name: str) -> Any:
        """Raw value (no falsy filtering), like the seed's `getTickerFlag`."""
        t = self.tickers.get(ticker_id)
        if t is None:
            return None
        return t.get(name)

    def get_htf(self, symbol: str, timeframe: str, name: str) -> Any:
        htf = HTF.get(timeframe)
        if htf is None:
            return None
        t = self.tickers.get(f"{symbol}-{htf}")
        if t is None:
            return None
        return t.get(name)
