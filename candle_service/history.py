"""History: make the store hold every closed candle of a range, fetching only what is missing.

Seed counterpart: CandleProxy (DB cache first, broker REST for missing head, tail and holes).
What the store lacks is found in SQL (``CandleStore.missing_ranges``); each missing range is fetched
in pages of 1500. The unclosed last candle is never stored: the range is cut at the exchange's
clock. A range the exchange returns nothing for is recorded as a known gap and never asked again —
except near "now", where an empty answer may only mean the exchange is a moment behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from candle_service.candles import CandleColumns, TimeRange
from candle_service.market import KLINES_PAGE, Market
from candle_service.store import CandleStore
from candle_service.timeframes import parse_timeframe

log = logging.getLogger("candle_service.history")

# Candle lengths before the exchange's "now" in which an empty answer is not taken as a real gap.
RECENT_GRACE_CANDLES = 3


@dataclass(frozen=True)
class LoadProgress:
    symbol: str
    timeframe: str
    percent: float
    loaded: int
    candles_per_second: float


@dataclass(frozen=True)
class LoadResult:
    symbol: str
    timeframe: str
    fetched: int
    gaps: list[TimeRange]


StoreRunner = Callable[..., Awaitable[object]]
ProgressCallback = Callable[[LoadProgress], Awaitable[None]]


class HistoryLoader:
    """Fills the store from the market. ``run`` executes a blocking store call off the event loop."""

    def __init__(self, store: CandleStore, market: Market, run: Callable[..., Awaitable[object]]) -> None:
        self.store = store
        self.market = market
        self.run = run
        # Ranges known to be complete in the store (candles or recorded gaps), per series. Only this
        # process writes the store, so what was complete stays complete: repeated reads of loaded
        # history skip the SQL gap search.
        self.covered: dict[tuple[str, str], list[TimeRange]] = {}

    def is_covered(self, symbol: str, timeframe: str, start: int, end: int) -> bool:
        return any(r.start <= start and end <= r.end for r in self.covered.get((symbol, timeframe), []))

    def _cover(self, symbol: str, timeframe: str, start: int, end: int) -> None:
        ranges = sorted([*self.covered.get((symbol, timeframe), []), TimeRange(start, end)])
        merged: list[TimeRange] = []
        for r in ranges:
            if merged and r.start <= merged[-1].end:
                merged[-1] = TimeRange(merged[-1].start, max(merged[-1].end, r.end))
            else:
                merged.append(r)
        self.covered[(symbol, timeframe)] = merged

    async def ensure(self, symbol: str, timeframe: str, start: int, end: int,
                     on_progress: ProgressCallback | None = None, now_ms: int | None = None) -> LoadResult:
        """Fetch and store what the store lacks of closed candles with open time in ``[start, end)``."""
        tf = parse_timeframe(timeframe)
        now = now_ms if now_ms is not None else await self.market.server_time()
        current_bucket = tf.bucket(now)
        end = min(end, current_bucket)  # the candle open at `now` is not closed: never store it
        first = tf.bucket(start)
        if first < start:
            first += tf.length_ms
        if end <= first or self.is_covered(symbol, tf.name, first, end):
            return LoadResult(symbol, tf.name, 0, [])
        missing: list[TimeRange] = await self.run(self.store.missing_ranges, symbol, tf.name, start, end)  # type: ignore[assignment]
        total = sum((r.end - r.start) // tf.length_ms for r in missing)
        fetched = 0
        gaps: list[TimeRange] = []
        started = time.monotonic()
        recent = current_bucket - RECENT_GRACE_CANDLES * tf.length_ms
        for rng in missing:
            cursor = rng.start
            while cursor < rng.end:
                page = await self.market.klines(symbol, tf.name, cursor, rng.end, KLINES_PAGE)
                page = page.take(page.close_time < now)
                holes = _holes(page, cursor, rng.end if len(page) < KLINES_PAGE else None)
                for hole in holes:
                    if hole.end <= recent:
                        await self.run(self.store.record_gap, symbol, tf.name, hole.start, hole.end)
                        gaps.append(hole)
                        log.info("exchange gap recorded", extra={"event": "gap", "symbol": symbol,
                                                                  "timeframe": tf.name, "from_ms": hole.start,
                                                                  "to_ms": hole.end})
                if len(page) == 0:
                    break
                await self.run(self.store.insert, page)
                fetched += len(page)
                cursor = int(page.close_time[-1]) + 1
                if on_progress is not None:
                    elapsed = max(time.monotonic() - started, 1e-6)
                    await on_progress(LoadProgress(symbol, tf.name, min(100.0, 100.0 * fetched / max(total, 1)),
                                                   fetched, fetched / elapsed))
                if len(page) < KLINES_PAGE and (len(page) == 0 or int(page.close_time[-1]) + 1 >= rng.end):
                    break
        # Complete up to the recent edge (a hole there may still be filled by the exchange).
        recent_edge = min(end, recent) if missing else end
        if recent_edge > first:
            self._cover(symbol, tf.name, first, recent_edge)
        if fetched:
            elapsed = max(time.monotonic() - started, 1e-6)
            log.info("history loaded", extra={"event": "history_loaded", "symbol": symbol, "timeframe": tf.name,
                                              "candles": fetched, "candles_per_s": round(fetched / elapsed)})
        return LoadResult(symbol, tf.name, fetched, gaps)


def _holes(page: CandleColumns, start: int, end: int | None) -> list[TimeRange]:
    """Ranges within ``[start, end)`` that a page of consecutive klines skips.

    ``end`` is None when the page was full: then nothing after its last candle is judged yet.
    """
    if len(page) == 0:
        return [TimeRange(start, end)] if end is not None and end > start else []
    holes: list[TimeRange] = []
    first = int(page.open_time[0])
    if first > start:
        holes.append(TimeRange(start, first))
    breaks = np.nonzero(page.open_time[1:] != page.close_time[:-1] + 1)[0]
    holes.extend(TimeRange(int(page.close_time[i]) + 1, int(page.open_time[i + 1])) for i in breaks)
    last = int(page.close_time[-1]) + 1
    if end is not None and last < end:
        holes.append(TimeRange(last, end))
    return holes
