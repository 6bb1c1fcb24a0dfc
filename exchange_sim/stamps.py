"""The exchange's own stopwatch: when a closed kline left for its subscribers, and when an order arrived.

A latency measured by a client that watches the exchange (its own kline socket, its own user-data socket)
adds that client's delivery and wake-up delays at both ends; on a 2-core machine they are several ms in
the tail. Stamped here, at the exchange's boundary and on one clock, "closed candle at the exchange →
order received by the exchange" is what a trader's system is answerable for. ``/_sim/stamps`` serves them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

# A bounded record: a long run keeps the most recent ones (a benchmark reads them as it goes).
DEFAULT_KEEP = 200_000


class Stamps:
    """``time.monotonic_ns()`` moments: a closed kline's first write to any subscriber's socket (symbol,
    interval, close time — the earliest, so the interval measured from it is never shortened), and an
    accepted order's arrival (by client order id; the first arrival of that id)."""

    def __init__(self, keep: int = DEFAULT_KEEP) -> None:
        if keep < 1:
            raise ValueError(f"keep: must be at least 1, got {keep}")
        self.keep = keep
        # OrderedDict, not dict: dropping a dict's first key again and again makes each next(iter()) step
        # over every earlier deleted slot, quadratic once the bound is reached
        self.klines: OrderedDict[tuple[str, str, int], int] = OrderedDict()
        self.orders: OrderedDict[str, int] = OrderedDict()

    def kline_pushed(self, key: tuple[str, str, int], at_ns: int) -> None:
        if key not in self.klines:
            self.klines[key] = at_ns
            self._bound(self.klines)

    def order_received(self, client_order_id: str, at_ns: int) -> None:
        if client_order_id and client_order_id not in self.orders:
            self.orders[client_order_id] = at_ns
            self._bound(self.orders)

    def _bound(self, d: OrderedDict[Any, int]) -> None:
        if len(d) > self.keep:
            d.popitem(last=False)  # the oldest

    def as_json(self) -> dict[str, Any]:
        return {"clock": "monotonic_ns",
                "klines": [[s, i, t, ns] for (s, i, t), ns in self.klines.items()],
                "orders": [[cid, ns] for cid, ns in self.orders.items()]}
