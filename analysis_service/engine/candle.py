"""Closed candle of one ticker (seed: src/types/Candle.js).

Analyzers read the plain attributes directly in their hot paths; the helper
methods exist for readability in the less frequent code paths.
"""

from __future__ import annotations


class Candle:
    __slots__ = ("close", "close_time", "high", "low", "open", "open_time", "symbol", "timeframe", "volume")

    def __init__(
        self,
        open_time: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        close_time: int,
        symbol: str,
        timeframe: str,
    ) -> None:
        self.open_time = open_time
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.close_time = close_time
        self.symbol = symbol
        self.timeframe = timeframe

    def __repr__(self) -> str:
        return (
            f"Candle({self.symbol}-{self.timeframe} {self.open_time} "
            f"o={self.open} h={self.high} l={self.low} c={self.close} v={self.volume})"
        )

    def body_low(self) -> float:
        return self.open if self.open < self.close else self.close

    def body_high(self) -> float:
        return self.open if self.open > self.close else self.close

    def body_size(self) -> float:
        return abs(self.open - self.close)

    def body_center(self) -> float:
        return self.body_low() + self.body_size() / 2

    def is_red(self) -> bool:
        return self.open > self.close

    def is_green(self) -> bool:
        return self.open < self.close

    def lower_tail_size(self) -> float:
        return self.body_low() - self.low

    def upper_tail_size(self) -> float:
        return self.high - self.body_high()

    def tail_above(self, other: Candle) -> bool:
        return self.high > other.high

    def tail_below(self, other: Candle) -> bool:
        return self.low < other.low

    def close_below(self, other: Candle) -> bool:
        return self.close < other.low

    def close_above(self, other: Candle) -> bool:
        return self.close > other.high
