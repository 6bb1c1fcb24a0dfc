"""An emulated entry and its tags (seed: src/types/Entry.js).

Names follow the proto's `Entry` message (proto/parayok/v1/analysis.proto) so the servicer's
translation is one line per field. Prices are in the quote asset; times in ms since epoch UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from analysis_service.entries.jsnum import fnum, js_div, js_number_str

ACTIVE = "active"
WON = "won"
LOST = "lost"
PENDING = "pending"  # a limit entry waiting for its price (only in LimitPlaced events)

OPENED_AT_PHASE_END = "phase_end"
OPENED_AT_PRICE_UPDATE = "price_update"

TagValue = str | int | float


@dataclass(frozen=True, slots=True)
class Tag:
    value: TagValue
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The seed's `{value, comment?}`."""
        if self.comment is None:
            return {"value": self.value}
        return {"value": self.value, "comment": self.comment}


@dataclass(frozen=True, slots=True)
class TagDescription:
    """What a tagger writes (proto TagDescription; the seed's `{name, vals, desc}`)."""

    name: str
    vals: tuple[str, ...]
    desc: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "vals": list(self.vals), "desc": self.desc}


def entry_id(symbol: str, timeframe: str, strategy: str, time: int) -> str:
    return f"{symbol}-{timeframe}-{strategy}-{time}"


def _percent_reached(reached: float, entry_price: float, target_price: float) -> float:
    # `coef < 100 ? coef : 100`, so NaN (target == entry) reads as 100, as in the seed
    coef = fnum(abs(js_div(reached - entry_price, abs(target_price - entry_price))) * 100, 2)
    return coef if coef < 100 else 100


@dataclass(slots=True, eq=False)
class Entry:
    id: str
    symbol: str
    timeframe: str
    strategy: str
    type: str  # 'buy' | 'sell'
    time: int  # close time of the signal candle
    entry_price: float
    stop_loss: float
    take_profit: float
    is_limit: bool = False
    opened_at: int = 0  # pulse time (market) or price-update time (triggered limit)
    opened_in: str = OPENED_AT_PHASE_END
    result: str = ACTIVE
    close_time: int | None = None
    close_price: float | None = None
    gain_percent: float = 0.0
    take_price_reached: float = 0.0
    take_percent_reached: float = 0.0
    loss_price_reached: float = 0.0
    loss_percent_reached: float = 0.0
    current_price: float = 0.0
    comment: str = ""
    tags: dict[str, Tag] = field(default_factory=dict)
    flags: dict[str, Any] | None = field(default=None, repr=False)
    seq: int = -1  # creation order within its emulator (paging cursor)
    # the reached percents are computed (they change only when a reached price moves)
    percents_known: bool = field(default=False, repr=False)

    @classmethod
    def open(
        cls,
        *,
        symbol: str,
        timeframe: str,
        strategy: str,
        type: str,
        time: int,
        entry_price: float,
        stop_loss: float,
        take_profit: float,
        is_limit: bool = False,
    ) -> Entry:
        return cls(
            id=entry_id(symbol, timeframe, strategy, time),
            symbol=symbol,
            timeframe=timeframe,
            strategy=strategy,
            type=type,
            time=time,
            entry_price=entry_price,
            stop_loss=stop_loss,
            take_profit=take_profit,
            is_limit=is_limit,
            take_price_reached=entry_price,
            loss_price_reached=entry_price,
            current_price=entry_price,
        )

    @property
    def is_long(self) -> bool:
        return self.type == "buy"

    @property
    def active(self) -> bool:
        return self.result == ACTIVE

    def tag_value(self, name: str) -> TagValue | None:
        t = self.tags.get(name)
        return None if t is None else t.value

    def update_current_price(self, price: float) -> None:
        """Gain and reached prices/percents at a new price (seed: `updateCurrentPrice`)."""
        if self.current_price == price:
            return
        self.current_price = price
        # a reached percent depends only on its reached price (entry, stop and take are fixed
        # once open): recomputed when that price moves, as the seed's every-update result
        known = self.percents_known
        take_moved = loss_moved = not known
        if self.type == "buy":
            self.gain_percent = js_div(price - self.entry_price, self.entry_price) * 100
            if price > self.take_price_reached:
                self.take_price_reached = price
                take_moved = True
            if price < self.loss_price_reached:
                self.loss_price_reached = price
                loss_moved = True
        else:
            self.gain_percent = js_div(self.entry_price - price, self.entry_price) * 100
            if price < self.take_price_reached:
                self.take_price_reached = price
                take_moved = True
            if price > self.loss_price_reached:
                self.loss_price_reached = price
                loss_moved = True
        if take_moved:
            self.take_percent_reached = _percent_reached(self.take_price_reached, self.entry_price, self.take_profit)
        if loss_moved:
            # the seed measures entry − lossReached; abs() makes the direction irrelevant
            self.loss_percent_reached = _percent_reached(self.loss_price_reached, self.entry_price, self.stop_loss)
        if not known:
            self.percents_known = True

    def close(self, won: bool, price: float, time: int) -> None:
        self.update_current_price(price)
        self.close_price = self.current_price
        self.close_time = time
        self.result = WON if won else LOST

    def copy(self) -> Entry:
        """`dataclasses.replace(self)` (a shallow copy: events carry one), without its per-call
        field introspection."""
        return _copy_entry(self)

    def tags_text(self) -> str:
        """The seed's `tagsStringify`: ' NAME:value [comment]' per tag."""
        out = []
        for name, t in self.tags.items():
            out.append(f" {name}:{_tag_text(t.value)}" + (f" [{t.comment}]" if t.comment else ""))
        return "".join(out)


def _make_copier() -> Callable[[Entry], Entry]:
    # every field is an __init__ argument, in field order: the copy passes them positionally
    names = [f.name for f in fields(Entry)]
    assert all(f.init for f in fields(Entry))
    ns: dict[str, Any] = {"Entry": Entry}
    exec(f"def copy(e):\n    return Entry({', '.join('e.' + n for n in names)})", ns)  # our own field names
    return ns["copy"]  # type: ignore[no-any-return]


_copy_entry = _make_copier()


def _tag_text(v: TagValue) -> str:
    if isinstance(v, float):
        return js_number_str(v)
    return str(v)
