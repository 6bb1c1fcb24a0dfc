"""What order_service needs from other services, as domain types (the gRPC clients live in clients.py).

Keeping these small lets tests drive the VM runner with doubles and lets the real services drop in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from order_service.model import Entry, SymbolRules, VmConfig


@dataclass(frozen=True, slots=True)
class Opened:
    entry: Entry


@dataclass(frozen=True, slots=True)
class Closed:
    entry: Entry


@dataclass(frozen=True, slots=True)
class PriceSeen:
    symbol: str
    time_ms: int


@dataclass(frozen=True, slots=True)
class PulseDone:
    time_ms: int
    live: bool


@dataclass(frozen=True, slots=True)
class WentLive:
    last_history_pulse_ms: int


@dataclass(frozen=True, slots=True)
class Progress:
    percent: float


RunItem = Opened | Closed | PriceSeen | PulseDone | WentLive | Progress


class AnalysisPort(Protocol):
    def run(self, vm: VmConfig, from_ms: int) -> AsyncIterator[RunItem]:
        """The VM's analysis stream; raises Unavailable when analysis_service cannot be reached."""
        ...


class SymbolPort(Protocol):
    async def symbol_rules(self, symbol: str) -> SymbolRules:
        """Trading rules of a symbol; raises Unavailable or NotFound."""
        ...


class BrokerRejected(Exception):
    """The broker refused the bracket (bad request, halted account): retrying would not help."""


@dataclass(slots=True)
class BracketRequest:
    account_id: str
    symbol: str
    side: str  # buy | sell
    quantity: float
    stop_loss: float
    take_profit: float
    client_order_id: str
    # When the intent was first recorded (RealOrder.created_ms), the same on every resend; 0 = unknown (the
    # broker then looks the client order id up at the exchange before placing).
    first_sent_ms: int = 0


@dataclass(slots=True)
class BracketInfo:
    """What the broker says about a bracket."""

    client_order_id: str
    account_id: str
    state: str  # pending | open | closed | failed
    filled_quantity: float = 0.0
    average_price: float = 0.0
    exit_price: float = 0.0
    realized_pnl: float = 0.0
    entry_order_id: str = ""
    stop_order_id: str = ""
    take_order_id: str = ""
    error: str = ""
    updated_ms: int = 0


class BrokerPort(Protocol):
    async def place_bracket(self, request: BracketRequest) -> BracketInfo:
        """Idempotent by client order id; raises Unavailable or BrokerRejected."""
        ...

    async def get_bracket(self, account_id: str, client_order_id: str) -> BracketInfo | None:
        """None when the broker never saw that id; raises Unavailable."""
        ...

    def account_events(self, account_id: str, after_event_id: int) -> AsyncIterator[tuple[int, BracketInfo]]:
        """Bracket changes of an account (event id, bracket); raises Unavailable."""
        ...
