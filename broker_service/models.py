"""Domain types of broker_service (no grpc here): orders, brackets, positions, accounts, events.

Quantities and prices are floats at the edges (proto doubles, JSON); every computation that must be
exact (rounding to tickSize/stepSize, comparisons with filters) goes through ``Decimal`` of the
exchange's own strings in :mod:`broker_service.filters`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

Side = Literal["BUY", "SELL"]
PositionSide = Literal["BOTH", "LONG", "SHORT"]
PositionMode = Literal["hedge", "one-way"]
MarginType = Literal["ISOLATED", "CROSSED"]
BracketState = Literal["PENDING", "OPEN", "CLOSED", "FAILED"]
AccountKind = Literal["paper", "binance", "binance-demo", "sim"]

CLIENT_ID_RE = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
TERMINAL: tuple[BracketState, ...] = ("CLOSED", "FAILED")


class NotFound(Exception):
    """No such account, bracket or order (→ NOT_FOUND)."""


class Precondition(Exception):
    """The account cannot do this now, e.g. a bracket is already open on that side (→ FAILED_PRECONDITION)."""


class Unavailable(Exception):
    """The exchange cannot be reached, rate-limits or bans us (→ UNAVAILABLE)."""


class AlreadyExists(Exception):
    """A client order id reused for a different bracket (→ ALREADY_EXISTS)."""


def plain(obj: Any) -> dict[str, Any]:
    """``dataclasses.asdict`` for these flat records (a Bracket nests OrderInfo, nothing nests lists or
    dicts), without its recursive deep copies: a tenth of its cost on the bracket and stream hot paths."""
    return {k: plain(v) if hasattr(v, "__dataclass_fields__") else v for k, v in obj.__dict__.items()}


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class OrderInfo:
    """An order at the exchange (regular or algo), as ExchangeOrder in broker.proto."""

    exchange_order_id: str = ""
    client_order_id: str = ""
    symbol: str = ""
    side: str = ""
    position_side: str = ""
    type: str = ""
    status: str = ""
    quantity: float = 0.0
    price: float = 0.0
    stop_price: float = 0.0
    filled_quantity: float = 0.0
    average_price: float = 0.0
    is_algo: bool = False
    reduce_only: bool = False
    close_position: bool = False
    update_time_ms: int = 0
    last_fill_quantity: float = 0.0
    last_fill_price: float = 0.0
    commission: float = 0.0
    commission_asset: str = ""
    realized_pnl: float = 0.0

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> OrderInfo | None:
        return None if d is None else cls(**d)


@dataclass
class BracketRequest:
    account_id: str
    symbol: str
    side: Side
    client_order_id: str
    stop_loss: float
    take_profit: float
    quantity: float = 0.0
    quote_notional: float = 0.0
    # When the caller first decided to send this bracket (ms since the epoch, the caller's clock); the same on
    # every resend; 0 = unknown. Decides whether a bracket without a record is looked up at the exchange first.
    first_sent_ms: int = 0


@dataclass
class Bracket:
    client_order_id: str
    account_id: str
    symbol: str
    side: Side
    position_side: PositionSide
    quantity: float
    stop_loss: float
    take_profit: float
    state: BracketState = "PENDING"
    # Where the placement stands; written before each exchange call so a restart knows what to look up.
    step: str = "recorded"
    filled_quantity: float = 0.0
    average_entry_price: float = 0.0
    entry: OrderInfo | None = None
    stop: OrderInfo | None = None
    take: OrderInfo | None = None
    error: str = ""
    exit_price: float = 0.0
    realized_pnl: float = 0.0
    created_ms: int = field(default_factory=now_ms)
    updated_ms: int = field(default_factory=now_ms)
    # Client ids of the legs (deterministic from client_order_id; a generation suffix when re-placed).
    stop_cid: str = ""
    take_cid: str = ""
    # True when nothing reached the exchange: the same client order id may be placed again.
    retryable: bool = False
    # The notional request, kept so a resumed placement sizes the same way.
    quote_notional: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Bracket:
        d = dict(d)
        for leg in ("entry", "stop", "take"):
            d[leg] = OrderInfo.from_dict(d.get(leg))
        return cls(**d)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def exit_side(self) -> Side:
        return "SELL" if self.side == "BUY" else "BUY"


@dataclass
class PositionInfo:
    symbol: str
    position_side: str
    quantity: float  # signed in one-way mode; positive LONG/SHORT sizes are reported signed too
    entry_price: float = 0.0
    mark_price: float = 0.0
    unrealized_pnl: float = 0.0
    leverage: int = 0
    margin_type: str = ""


@dataclass
class AccountInfo:
    account_id: str
    kind: AccountKind
    position_mode: PositionMode
    balance: float = 0.0
    available: float = 0.0
    unrealized_pnl: float = 0.0
    positions: list[PositionInfo] = field(default_factory=list)
    halted: bool = False
    halt_reason: str = ""
    halted_until_ms: int = 0
    connected: bool = False


@dataclass
class BalanceChange:
    asset: str
    wallet_balance: float
    change: float
    reason: str


@dataclass
class Halt:
    reason: str
    until_ms: int


EventKind = Literal["order", "balance", "position", "bracket", "halted"]
EVENT_TYPES: dict[str, type] = {
    "order": OrderInfo,
    "balance": BalanceChange,
    "position": PositionInfo,
    "bracket": Bracket,
    "halted": Halt,
}


@dataclass
class AccountEvent:
    event_id: int
    time_ms: int
    account_id: str
    kind: EventKind
    payload: OrderInfo | BalanceChange | PositionInfo | Bracket | Halt


def payload_from(kind: str, data: dict[str, Any]) -> OrderInfo | BalanceChange | PositionInfo | Bracket | Halt:
    if kind == "bracket":
        return Bracket.from_dict(data)
    cls = EVENT_TYPES[kind]
    obj: OrderInfo | BalanceChange | PositionInfo | Halt = cls(**data)
    return obj


def leg_client_id(client_order_id: str, leg: str, generation: int = 0) -> str:
    """Deterministic client id of a bracket leg ("sl"/"tp"/"x" for a rollback close), ≤ 36 chars."""
    import hashlib

    suffix = f".{leg}" if generation == 0 else f".{leg}{generation}"
    cid = client_order_id + suffix
    if len(cid) <= 36:
        return cid
    digest = hashlib.sha1(client_order_id.encode()).hexdigest()[:10]
    return client_order_id[: 36 - len(suffix) - 11] + "." + digest + suffix
