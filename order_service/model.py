"""Domain types of order_service: VMs, plans, entries, orders, real-order links, symbol rules.

Plain dataclasses (no grpc, no protobuf); ``convert.py`` translates them to and from the API.
Entries keep the serialized API message they arrived as (``raw``) so that every field analysis_service
sends is stored and returned unchanged, while the plan reads the few typed fields it needs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum


class NotFound(Exception):
    """A VM, entry or order that does not exist (→ NOT_FOUND)."""


class Precondition(Exception):
    """The VM is not in a state that allows the call (→ FAILED_PRECONDITION)."""


class AlreadyExists(Exception):
    """A VM id that is taken (→ ALREADY_EXISTS)."""


class Unavailable(Exception):
    """Another service could not be reached (→ UNAVAILABLE)."""


class VmState(StrEnum):
    STOPPED = "stopped"
    LOADING = "loading"
    LIVE = "live"
    FINISHED = "finished"
    ERROR = "error"


class StakeMode(StrEnum):
    FIXED = "fixed"
    PERCENT = "percent"


class RealStatus(StrEnum):
    SENT = "sent"
    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"


ACTIVE = "active"
PENDING = "pending"
WON = "won"
LOST = "lost"

TagValue = str | float


@dataclass(slots=True)
class Tag:
    value: TagValue
    comment: str = ""


@dataclass(slots=True)
class Plan:
    """The seed's EntryPlan params (defaults as the seed's PARAMS_SCHEMA). Empty filters accept everything."""

    start_sum: float = 1000.0
    stake_mode: StakeMode = StakeMode.FIXED
    stake_fixed: float = 5.0
    stake_percent: float = 0.05
    leverage: float = 20.0
    cost_buy_percent: float = 0.0004
    cost_sell_percent: float = 0.0004
    simult_risk_percent: float = 0.1
    symbols: list[str] = field(default_factory=list)
    timeframes: list[str] = field(default_factory=list)
    strategies: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    expression: str = ""

    def copy(self) -> Plan:
        return dataclasses.replace(
            self,
            symbols=list(self.symbols),
            timeframes=list(self.timeframes),
            strategies=list(self.strategies),
            tags=dict(self.tags),
        )


@dataclass(slots=True)
class VmConfig:
    id: str
    name: str = ""
    symbols: list[str] = field(default_factory=list)
    timeframes: list[str] = field(default_factory=list)
    analyzers: list[str] = field(default_factory=list)
    history_days: int = 0
    history_from_ms: int = 0
    end_ms: int = 0
    broker_account: str = ""
    broker_kind: str = "none"  # none | paper | binance | binance-demo
    plan: Plan = field(default_factory=Plan)
    live_trading: bool = False
    is_default: bool = False
    # Wanted state survives restarts: a VM that was running is resumed at start.
    running: bool = False
    # The history start fixed when the VM first ran, so that a resume replays the same window.
    resolved_from_ms: int = 0
    # A backtest VM that reached its end (kept so that a restart shows FINISHED, not STOPPED).
    finished: bool = False

    def analysis_key(self) -> tuple[object, ...]:
        """What decides the entries analysis_service makes: a change invalidates the stored history."""
        return (
            tuple(self.symbols),
            tuple(self.timeframes),
            tuple(self.analyzers),
            self.history_days,
            self.history_from_ms,
            self.end_ms,
        )


@dataclass(slots=True)
class VmStatus:
    state: VmState = VmState.STOPPED
    progress: float = 0.0
    error: str = ""
    last_pulse_ms: int = 0


@dataclass(slots=True)
class Entry:
    """An entry received from analysis_service (the seed's Entry)."""

    id: str
    symbol: str
    timeframe: str
    strategy: str
    side: str  # "buy" | "sell"
    time_ms: int
    entry_price: float
    stop_loss: float
    take_profit: float
    result: str = ACTIVE
    close_time_ms: int = 0
    close_price: float = 0.0
    current_price: float = 0.0
    opened_at_ms: int = 0
    is_limit: bool = False
    tags: dict[str, Tag] = field(default_factory=dict)
    raw: bytes = b""  # the API message as received (every field, flags included)
    # A limit entry triggered by a price update (not stored: only batching on arrival needs it).
    by_price_update: bool = False
    # Arrival order inside the VM: the plan replays opens and closes in exactly this order.
    open_seq: int = 0
    close_seq: int = 0

    @property
    def is_long(self) -> bool:
        return self.side == "buy"

    @property
    def active(self) -> bool:
        return self.result in (ACTIVE, PENDING)

    def tag_value(self, name: str) -> TagValue | None:
        tag = self.tags.get(name)
        return None if tag is None else tag.value


@dataclass(slots=True)
class Order:
    """An order the plan made from an entry (the seed's Order)."""

    entry: Entry
    quantity: float
    stake: float
    wallet: float
    gain: float = 0.0
    tags: dict[str, Tag] = field(default_factory=dict)
    comment: str = ""
    closed: bool = False

    @property
    def id(self) -> str:
        return self.entry.id

    def tag_value(self, name: str) -> TagValue | None:
        """Dynamic tags first, then the entry's static tags (as the seed's getTagValue)."""
        tag = self.tags.get(name)
        if tag is not None:
            return tag.value
        return self.entry.tag_value(name)

    def same_as(self, other: Order) -> bool:
        return (
            self.quantity == other.quantity
            and self.stake == other.stake
            and self.wallet == other.wallet
            and self.gain == other.gain
            and self.tags == other.tags
            and self.closed == other.closed
            and self.comment == other.comment
        )


@dataclass(slots=True)
class SymbolRules:
    symbol: str
    step_size: float
    min_qty: float
    tick_size: float = 0.0
    quantity_precision: int = 8
    price_precision: int = 8


@dataclass(slots=True)
class RealOrder:
    """The link between an order and its bracket at the broker."""

    vm_id: str
    entry_id: str
    client_order_id: str
    account_id: str
    status: RealStatus = RealStatus.SENT
    filled_quantity: float = 0.0
    average_price: float = 0.0
    exit_price: float = 0.0
    realized_pnl: float = 0.0
    entry_order_id: str = ""
    stop_order_id: str = ""
    take_order_id: str = ""
    error: str = ""
    updated_ms: int = 0
    # What was asked of the broker, so that a resend after a crash sends exactly the same bracket.
    symbol: str = ""
    side: str = ""
    quantity: float = 0.0
    stop_loss: float = 0.0
    take_profit: float = 0.0
    # When the intent was first recorded (ms, UTC; 0 in rows older than this field): sent as the bracket's
    # first_sent_ms on every (re)send, so that a broker that lost its record in a power cut looks it up.
    created_ms: int = 0
