"""Live closed klines held back and written to the store in few, large inserts.

Why: one insert per live pulse makes chDB write one tiny part per pulse and merge those parts in its
background threads; at a few pulses per second that was most of candle_service's CPU and a third of the
live latency. Buffering a few seconds of pulses turns hundreds of inserts into one.

What the buffer must keep true (``CandleService`` owns the one buffer and the store thread):
- every store call sees the live klines published before it, exactly as with one insert per pulse:
  the service flushes the buffer onto the store thread before queuing ANY store call, and the store
  thread runs calls in order;
- a graceful stop flushes (the service's ``close`` is a store call);
- a crash (SIGKILL) loses at most ``flush_ms`` of live klines. That is a hole in the store, which the
  next history request finds and fetches by REST: the store is a cache of the exchange (the same rule as
  a crash before a per-pulse insert landed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from candle_service.candles import CandleColumns

# A burst (a reconnect's catch-up, hundreds of streams closing together) is written at once rather than
# grown without bound until the timer; 10,000 one-row klines are still a single small insert.
DEFAULT_MAX_ROWS = 10_000


class LiveBuffer:
    """Closed klines waiting for one insert, handed to ``submit`` when the oldest has waited ``flush_ms``,
    when ``max_rows`` are held, or on ``flush()``. ``flush_ms <= 0`` submits every ``add`` at once.

    Event-loop only (no locks): ``add`` and ``flush`` are called from the loop, the timer runs on it.
    ``submit`` must not block: it queues the insert on the store thread.
    """

    def __init__(self, submit: Callable[[list[CandleColumns]], object], flush_ms: int,
                 max_rows: int = DEFAULT_MAX_ROWS) -> None:
        if flush_ms < 0:
            raise ValueError(f"live_flush_ms: must not be negative, got {flush_ms}")
        if max_rows < 1:
            raise ValueError(f"max_rows: must be at least 1, got {max_rows}")
        self.submit = submit
        self.flush_ms = flush_ms
        self.max_rows = max_rows
        self.rows = 0
        self._series: list[CandleColumns] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, series: Sequence[CandleColumns]) -> None:
        parts = [c for c in series if len(c)]
        if not parts:
            return
        self._series.extend(parts)
        self.rows += sum(len(c) for c in parts)
        if self.rows >= self.max_rows or self.flush_ms == 0:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.flush_ms / 1000, self.flush)

    def flush(self) -> None:
        """Hands everything held to ``submit`` as one batch (nothing if empty)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._series:
            return
        batch, self._series, self.rows = self._series, [], 0
        self.submit(batch)
