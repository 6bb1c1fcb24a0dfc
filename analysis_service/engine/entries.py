"""Entry signals (seed: `AnalyzersIO.makeEntry` in src/vm/Analyzers/AnalyzerIO.js).

For now an entry is only recorded with the seed's default stop/take arithmetic
(before any broker rounding). The orders emulation of a later issue implements
`EntrySink` and receives `queue_entry`, `price_update` and `phase_end`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from analysis_service.engine.candle import Candle

DEFAULT_RR_RATIO = 1.5
DEFAULT_STOP_ATR_RATIO = 1.0
PREV_SWING_MAX_CANDLES = 25


@dataclass(slots=True)
class EntrySignal:
    strategy: str
    symbol: str
    timeframe: str
    time: int
    type: str  # 'buy' | 'sell'
    is_limit: bool
    entry_price: float
    stop_loss: float | None
    take_profit: float
    candle: Candle
    flags: dict[str, Any] = field(repr=False)

    @property
    def is_long(self) -> bool:
        return self.type == "buy"


class EntrySink(Protocol):
    def queue_entry(self, signal: EntrySignal) -> None: ...

    def price_update(self, symbol: str, event_time: int, low: float, high: float, current: float) -> None: ...

    def phase_end(self, pulse_time: int) -> None: ...


class RecordingSink:
    """Keeps every signal; no emulation (that comes with the orders issue)."""

    def __init__(self) -> None:
        self.signals: list[EntrySignal] = []

    def queue_entry(self, signal: EntrySignal) -> None:
        self.signals.append(signal)

    def price_update(self, symbol: str, event_time: int, low: float, high: float, current: float) -> None:
        pass

    def phase_end(self, pulse_time: int) -> None:
        pass
