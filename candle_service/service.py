"""The candle service's domain facade: what the gRPC servicer delegates to.

Owns the store (blocking clickhouse-connect calls run on one worker thread: chDB is one engine per
process and its client is not meant for concurrent use), the market adapter and the history
loader. Errors are domain exceptions; the servicer maps them to gRPC codes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from candle_service.candles import CandleColumns, SymbolInfo
from candle_service.history import HistoryLoader, LoadProgress
from candle_service.importer import ImportResult, import_files
from candle_service.live import LiveFeed, LivePulser
from candle_service.live_buffer import DEFAULT_MAX_ROWS, LiveBuffer
from candle_service.market import Market, MarketUnavailable, SymbolNotFound
from candle_service.pulse_chunks import PulseChunk, chunks_from_sequence
from candle_service.pulses import merge_pulses
from candle_service.store import CandleStore, check_symbol
from candle_service.timeframes import parse_timeframe, sort_longest_first
from parayok.memory import settle
from parayok.tasks import cancel_and_wait

log = logging.getLogger("candle_service")
T = TypeVar("T")

BATCH = 10_000
MAX_LIMIT = 100_000
DEFAULT_AROUND_LIMIT = 1000


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class GapEvent:
    symbol: str
    timeframe: str
    start: int
    end: int


@dataclass(frozen=True)
class LiveSwitchEvent:
    last_history_pulse: int


@dataclass(frozen=True)
class MarketStatusEvent:
    reachable: bool
    cause: str
    retry_at_ms: int


@dataclass(frozen=True)
class ProgressEvent:
    progress: LoadProgress
    overall_percent: float


PulseEvent = PulseChunk | ProgressEvent | GapEvent | LiveSwitchEvent | MarketStatusEvent


class CandleService:
    def __init__(self, store: CandleStore, market: Market, late_candle_wait_ms: int = 10_000,
                 live_flush_ms: int = 5000, live_flush_rows: int = DEFAULT_MAX_ROWS,
                 live_tick_batch_ms: int = 0) -> None:
        self.store = store
        self.market = market
        self.late_candle_wait_ms = late_candle_wait_ms
        self.live_tick_batch_ms = live_tick_batch_ms
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self.live_buffer = LiveBuffer(self._insert_live, live_flush_ms, live_flush_rows)
        self.history = HistoryLoader(store, market, self.run)
        self._symbols: dict[str, SymbolInfo] = {}
        self.market_error: MarketUnavailable | None = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs a blocking store call on the store thread.

        Every store call goes through here, so this is where the buffered live klines are flushed: queued
        just before the call on the one store thread, which runs calls in order, the call sees them as if
        each pulse had been inserted when it was published.
        """
        self.live_buffer.flush()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def close(self) -> None:
        """Graceful stop: the buffered live klines are flushed (``run``) before the store closes."""
        await self.market.close()
        await self.run(self.store.close)
        self._executor.shutdown(wait=True)

    # -- symbols ------------------------------------------------------------------------------

    async def refresh_symbols(self) -> None:
        """exchangeInfo into the store; on failure the stored snapshot serves."""
        try:
            infos = await self.market.symbols()
        except MarketUnavailable as exc:
            self.market_error = exc
            log.warning("market unreachable; serving stored symbols",
                        extra={"event": "market_unavailable", "cause": exc.cause})
            infos = await self.run(self.store.symbol_info)
        else:
            self.market_error = None
            await self.run(self.store.upsert_symbol_info, infos)
        self._symbols = {i.symbol: i for i in infos}

    async def symbols(self) -> list[SymbolInfo]:
        if not self._symbols or self.market_error is not None:
            await self.refresh_symbols()
        return sorted(self._symbols.values(), key=lambda i: i.symbol)

    async def symbol_info(self, symbol: str) -> SymbolInfo:
        check_symbol(symbol)
        if symbol not in self._symbols:
            await self.refresh_symbols()
        info = self._symbols.get(symbol)
        if info is None:
            if self.market_error is not None and not self._symbols:
                raise self.market_error
            raise NotFound(f"symbol {symbol!r} is not listed by the exchange")
        return info

    # -- candles ------------------------------------------------------------------------------

    async def _ensure(self, symbol: str, timeframe: str, start: int, end: int, now: int,
                      on_progress: Callable[[LoadProgress], Any] | None = None) -> list[GapEvent]:
        """Load what the store lacks; an unreachable market is remembered, not raised."""
        if self.market_error is not None and self.market.banned_until_ms > time.time() * 1000:
            return []  # banned: the exchange must not be called before the ban ends
        try:
            result = await self.history.ensure(symbol, timeframe, start, end, on_progress, now_ms=now)
        except MarketUnavailable as exc:
            self.market_error = exc
            log.warning("market unreachable; serving the store", extra={"event": "market_unavailable",
                                                                         "cause": exc.cause})
            return []
        except SymbolNotFound as exc:
            raise NotFound(f"symbol {symbol!r} is not listed by the exchange") from exc
        self.market_error = None
        return [GapEvent(symbol, timeframe, g.start, g.end) for g in result.gaps]

    async def get_candles(self, symbol: str, timeframe: str, start: int = 0, end: int = 0, limit: int = 0,
                          around: int = 0) -> AsyncIterator[CandleColumns]:
        """Closed candles, oldest first, in batches of at most 10,000."""
        tf = parse_timeframe(timeframe)
        await self.symbol_info(symbol)
        if limit < 0 or limit > MAX_LIMIT:
            raise ValueError(f"limit: must be between 0 and {MAX_LIMIT}, got {limit}")
        if start < 0 or end < 0 or around < 0:
            raise ValueError("from_ms/to_ms/around_ms: must not be negative")
        # "Now" is the exchange's clock (a simulator's may run anywhere in time).
        now = await self._server_now() if not end or around else end
        if around:
            n = limit or DEFAULT_AROUND_LIMIT
            await self._ensure(symbol, tf.name, around - n * tf.length_ms, around + n * tf.length_ms, now)
            cols = await self.run(self.store.read_around, symbol, tf.name, around, n)
        elif start:
            stop = end or now + tf.length_ms
            if start >= stop:
                raise ValueError(f"from_ms: {start} is not before to_ms {stop}")
            await self._ensure(symbol, tf.name, start, stop, now)
            if not limit:
                async for part in self._read_pipelined(symbol, tf.name, start, stop):
                    yield part
                return
            cols = await self.run(self.store.read_first, symbol, tf.name, limit, start)
            cols = cols.take(cols.open_time < stop)
        else:
            if not limit:
                raise ValueError("limit: give from_ms, around_ms or a limit > 0")
            stop = end or now + tf.length_ms
            first = tf.bucket(min(stop, now)) - (limit + 1) * tf.length_ms
            await self._ensure(symbol, tf.name, first, stop, now)
            cols = await self.run(self.store.read_last, symbol, tf.name, limit, stop)
        if len(cols) == 0 and self.market_error is not None:
            raise self.market_error
        for i in range(0, len(cols), BATCH):
            yield cols.take(slice(i, i + BATCH))

    async def _read_pipelined(self, symbol: str, timeframe: str, start: int, stop: int,
                              span_candles: int = 200_000) -> AsyncIterator[CandleColumns]:
        """A long range read in slices, the next slice read on the store thread while this one is
        sent: the database and the network work at the same time."""
        span = span_candles * parse_timeframe(timeframe).length_ms
        bounds = [*range(start, stop, span), stop]
        pending = asyncio.ensure_future(self.run(self.store.read, symbol, timeframe, bounds[0], bounds[1]))
        sent = 0
        for i in range(1, len(bounds)):
            cols = await pending
            if i + 1 < len(bounds):
                pending = asyncio.ensure_future(self.run(self.store.read, symbol, timeframe, bounds[i], bounds[i + 1]))
            for j in range(0, len(cols), BATCH):
                yield cols.take(slice(j, j + BATCH))
            sent += len(cols)
        if sent == 0 and self.market_error is not None:
            raise self.market_error

    async def import_files(self, paths: Sequence[str], symbol: str, timeframe: str,
                           derive: Sequence[str] = ()) -> tuple[ImportResult, list[str]]:
        result: ImportResult = await self.run(import_files, self.store, paths, symbol, timeframe)
        derived: list[str] = []
        for target in derive:
            await self.run(self.store.derive, symbol, target, source=timeframe)
            derived.append(target)
        return result, derived

    # -- pulses -------------------------------------------------------------------------------

    def _check_pulse_request(self, symbols: Sequence[str], timeframes: Sequence[str], start: int,
                             end: int, live: bool) -> list[str]:
        if not symbols:
            raise ValueError("symbols: at least one symbol is needed")
        if len(set(symbols)) != len(symbols):
            raise ValueError("symbols: duplicates")
        if not timeframes:
            raise ValueError("timeframes: at least one timeframe is needed")
        tfs = sort_longest_first([parse_timeframe(t, "timeframes").name for t in timeframes])
        if len(set(tfs)) != len(tfs):
            raise ValueError("timeframes: duplicates")
        if start <= 0:
            raise ValueError("from_ms: required (> 0)")
        if end and start >= end:
            raise ValueError(f"from_ms: {start} is not before to_ms {end}")
        if not end and not live:
            raise ValueError("to_ms: required unless live is set")
        return tfs

    async def stream_pulses(self, symbols: Sequence[str], timeframes: Sequence[str], start: int, end: int,
                            live: bool, late_wait_ms: int = 0) -> AsyncIterator[PulseEvent]:
        tfs = self._check_pulse_request(symbols, timeframes, start, end, live)
        for s in symbols:
            await self.symbol_info(s)
        pulse_tf = parse_timeframe(tfs[-1])
        feed: LiveFeed | None = None
        feed_task: asyncio.Task[None] | None = None
        if live:
            # Subscribe before loading history, so nothing that closes meanwhile is missed.
            feed = LiveFeed(self.market, list(symbols), tfs, self._store_closed)
            feed_task = asyncio.create_task(feed.run())
        try:
            now = await self._server_now()
            history_end = min(end, now) if end else now
            total = len(symbols) * len(tfs)
            done = 0
            progress_q: asyncio.Queue[ProgressEvent] = asyncio.Queue()
            gaps: list[GapEvent] = []
            for s in symbols:
                for tf in tfs:
                    async def report(p: LoadProgress, base: int = done) -> None:
                        progress_q.put_nowait(ProgressEvent(p, 100.0 * (base + p.percent / 100) / total))

                    gaps.extend(await self._ensure(s, tf, _first_needed(start, tf), history_end, now, report))
                    done += 1
                    while not progress_q.empty():
                        yield progress_q.get_nowait()
            if self.market_error is not None:
                yield MarketStatusEvent(False, self.market_error.cause, self.market_error.retry_at_ms)
            for gap in gaps:
                yield gap
            columns = await self.run(self.store.read_many, list(symbols), tfs, _first_needed(start, tfs[0]),
                                     history_end)
            seq = merge_pulses(list(symbols), tfs, columns, start=start, end=history_end - 1, part_ms=None)
            last_pulse = start - 1
            for chunk in chunks_from_sequence(symbols, seq, columns, BATCH):
                last_pulse = int(chunk.pulse_time[-1])
                yield chunk
            if not live or feed is None:
                return
            # Pulses are aligned to the pulse timeframe even when history had none.
            last_pulse = max(last_pulse, pulse_tf.bucket(history_end) - 1)
            settle()  # what the history load left lives on: out of the collector's full passes while live
            yield LiveSwitchEvent(last_pulse)
            pulser = LivePulser(feed, self.store, self.history, self.run, late_wait_ms or self.late_candle_wait_ms,
                                self.live_tick_batch_ms)
            async for chunk in pulser.pulses(last_pulse, now):
                yield chunk
        finally:
            await cancel_and_wait(feed_task)

    async def _server_now(self) -> int:
        try:
            return await self.market.server_time()
        except MarketUnavailable as exc:
            self.market_error = exc
            return int(time.time() * 1000)

    def _store_closed(self, series: Sequence[CandleColumns]) -> None:
        """A live pulse's closed klines, as it is published: buffered, not inserted (see live_buffer.py).
        An insert per pulse cost chDB a new part to merge per pulse; the buffer goes to the store in one
        insert every ``live_flush_ms``, and before any other store call (``run``), so nothing that reads
        the store can miss them."""
        self.live_buffer.add(series)

    def _insert_live(self, batch: list[CandleColumns]) -> None:
        """Queues buffered live klines on the store thread without waiting for the insert (tens of ms in
        chDB, which would be a live pulse's latency). A failed insert is logged, never raised: the live
        feed goes on, and the next history request refetches the hole by REST (the store is a cache of
        the exchange)."""
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, self.store.insert_many, batch)
        except RuntimeError as exc:  # the executor is shut down: a pulse raced the service's close
            log.warning("live candles not stored; history requests will fetch them again",
                        extra={"event": "live_store_failed", "error": repr(exc), "rows": sum(map(len, batch))})
            return
        future.add_done_callback(_report_failed_insert)


def _report_failed_insert(future: asyncio.Future[int]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("live candles not stored; history requests will fetch them again",
                    extra={"event": "live_store_failed", "error": repr(future.exception())})


def _first_needed(start: int, timeframe: str) -> int:
    """Open time of the first candle of ``timeframe`` that can close at or after ``start``."""
    tf = parse_timeframe(timeframe)
    return int(tf.bucket(start))

