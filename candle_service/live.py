"""Live candles: the kline websockets, and the assembly of live pulses.

Seed counterparts: the broker's kline subscriptions and LivePulser. What we do better: a symbol
whose candle is late is backfilled by REST instead of being dropped, and after any reconnect the
candles missed meanwhile come back (from the store or REST) in order before any newer one.

The store is a cache of the exchange: the closed klines of a pulse are handed to the store's live buffer
(live_buffer.py: stored in one insert every few seconds, never awaited by a pulse) as the pulse is
published; a pulse is built from what arrived, and what did not arrive within the wait is fetched by
REST through the history loader. The websocket reader itself never waits for the store: a slow insert
must not back the socket up (python-binance drops a socket whose queue overflows).
So history→live handover and reconnects share one rule: pulse P follows pulse P − length, whatever
path its candles took.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from candle_service.candles import CandleColumns
from candle_service.history import HistoryLoader
from candle_service.market import Market, MarketUnavailable
from candle_service.pulse_chunks import LivePulse, Price, PulseChunk, live_chunk, single_pulse
from candle_service.store import CandleStore
from candle_service.timeframes import parse_timeframe, sort_longest_first
from parayok.binance_stream import market_stream

log = logging.getLogger("candle_service.live")


@dataclass
class Tick:
    """An unclosed pulse-timeframe kline: a live price update only."""

    symbol: str
    time: int
    low: float
    high: float
    close: float


@dataclass
class LiveFeed:
    """One multiplexed kline websocket for every symbol × timeframe, reconnecting forever.

    Closed klines are kept in ``arrived`` until a pulse takes them and hands them to the store (through
    ``store_closed``, all of a pulse at once); ``exchange_now`` follows the exchange's clock from
    event times, which is what decides that a pulse is due (the simulator's clock may run faster than ours).
    """

    market: Market
    symbols: Sequence[str]
    timeframes: Sequence[str]
    store_closed: Callable[[Sequence[CandleColumns]], object]
    silence_s: float = 30.0
    # python-binance's per-socket queue bound: a burst (a reconnect's catch-up, 100s of streams
    # closing together) must not overflow it while a pulse is being assembled.
    max_queue: int = 100_000
    exchange_now: int = 0
    arrived: dict[tuple[str, str, int], CandleColumns] = field(default_factory=dict)
    ticks: asyncio.Queue[Tick] = field(default_factory=asyncio.Queue)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    connects: int = 0

    def __post_init__(self) -> None:
        self.pulse_timeframe = sort_longest_first(list(self.timeframes))[-1]  # the shortest: its updates are ticks

    def streams(self) -> list[str]:
        return [f"{s.lower()}@kline_{tf}" for s in self.symbols for tf in self.timeframes]

    async def run(self) -> None:
        retrying = AsyncRetrying(
            wait=wait_exponential_jitter(multiplier=0.5, max=30.0),
            # Anything the socket raises (python-binance's ReadLoopClosed after an overflow, a refused
            # connection, a protocol error) means reconnect: the feed must never end by itself.
            retry=retry_if_exception_type(Exception),
            before_sleep=lambda s: log.warning("kline websocket lost; reconnecting", extra={
                "event": "ws_reconnect", "reason": repr(s.outcome.exception() if s.outcome else None)}),
        )
        async for attempt in retrying:
            with attempt:
                await self._run_once()

    async def _run_once(self) -> None:
        async with market_stream(self.market.client, self.market.ws_url, self.streams(), max_queue=self.max_queue,
                                 silence_s=self.silence_s) as payloads:
            self.connects += 1
            log.info("kline websocket connected", extra={"event": "ws_connected", "streams": len(self.streams())})
            self.changed.set()
            async for data in payloads:
                self._on_message(data)

    def _on_message(self, data: dict[str, Any]) -> None:
        k = data.get("k")
        if not isinstance(k, dict):
            return
        symbol = str(k["s"])
        tf = str(k["i"])
        self.exchange_now = max(self.exchange_now, int(data.get("E", 0)))
        if k.get("x"):
            cols = CandleColumns.from_rows(symbol, tf, [[k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"],
                                                          k.get("q", 0), k.get("n", 0), k.get("V", 0),
                                                          k.get("Q", 0)]])
            self.arrived[(symbol, tf, int(k["t"]))] = cols
            self.exchange_now = max(self.exchange_now, int(k["T"]) + 1)
        elif tf == self.pulse_timeframe:
            self.ticks.put_nowait(Tick(symbol, int(data.get("E") or k["t"]), float(k["l"]), float(k["h"]),
                                       float(k["c"])))
        self.changed.set()


class LivePulser:
    """Builds live pulses in order from the feed, backfilling late candles by REST."""

    def __init__(self, feed: LiveFeed, store: CandleStore, history: HistoryLoader,
                 run: Callable[..., Awaitable[Any]], wait_ms: int, tick_batch_ms: int = 0) -> None:
        self.feed = feed
        self.tick_batch_s = tick_batch_ms / 1000
        self._ticks_since: float | None = None  # when the oldest tick still queued was first seen
        self.store = store
        self.history = history
        self.run = run
        self.wait_ms = wait_ms
        self.symbols = list(feed.symbols)
        self.symbol_index = {s: i for i, s in enumerate(self.symbols)}
        self.tfs = sort_longest_first(list(feed.timeframes))
        self.tf_objects = [parse_timeframe(tf) for tf in self.tfs]
        self.pulse_tf = self.tf_objects[-1]
        self.last_close: dict[str, float] = {}
        self.tick_range: dict[str, tuple[float, float]] = {}

    def expected(self, pulse: int) -> list[tuple[str, str, int]]:
        """(symbol, timeframe, open time) of every candle that closes at ``pulse``, in pulse order."""
        closing = [(tf.name, tf.bucket(pulse)) for tf in self.tf_objects if tf.bucket(pulse + 1) == pulse + 1]
        return [(s, name, open_time) for s in self.symbols for name, open_time in closing]

    async def pulses(self, last_pulse: int, server_now: int) -> AsyncIterator[PulseChunk]:
        """Pulses after ``last_pulse``, forever; ticks in between as unclosed pulses."""
        self.feed.exchange_now = max(self.feed.exchange_now, server_now)
        nxt = last_pulse + self.pulse_tf.length_ms
        while True:  # one pulse or tick chunk per turn, forever (the stream is cancelled by the client)
            if self.feed.exchange_now > nxt:
                yield await self._assemble(nxt)
                nxt += self.pulse_tf.length_ms
                continue
            quiet_s, ticks_waiting = 2.0, not self.feed.ticks.empty()
            if ticks_waiting:
                # Ticks wait up to tick_batch_ms for the rest of their burst: a kline push of many symbols
                # leaves as one chunk, and the ticks that come with a candle close (the next candle's first
                # update) go out after that pulse has left, not competing with it for the CPU. A due pulse
                # never waits for ticks.
                now = time.monotonic()
                if self._ticks_since is None:
                    self._ticks_since = now
                left = self._ticks_since + self.tick_batch_s - now
                if left <= 0:
                    self._ticks_since = None
                    ticks = self._ticks(nxt - self.pulse_tf.length_ms)
                    if ticks:
                        yield live_chunk(self.symbols, ticks)
                    continue
                quiet_s = left
            self.feed.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(quiet_s):
                    await self.feed.changed.wait()
            if not ticks_waiting and not self.feed.changed.is_set() and self.feed.exchange_now <= nxt:
                # A quiet socket must not stall pulses: ask the exchange's clock.
                with contextlib.suppress(MarketUnavailable):
                    self.feed.exchange_now = max(self.feed.exchange_now, await self.feed.market.server_time())

    def _ticks(self, after: int) -> list[LivePulse]:
        """The queued ticks newer than ``after`` as unclosed pulses, in arrival order: ticks of one push
        (same event time, different symbols) share a pulse, so a burst costs one message, not one per symbol."""
        groups: list[tuple[int, list[Price]]] = []
        seen: set[str] = set()
        while not self.feed.ticks.empty():
            tick = self.feed.ticks.get_nowait()
            if tick.time <= after:
                continue
            lo, hi = self.tick_range.get(tick.symbol, (tick.low, tick.high))
            lo, hi = min(lo, tick.low), max(hi, tick.high)
            self.tick_range[tick.symbol] = (lo, hi)
            price = (self.symbol_index[tick.symbol], lo, hi, tick.close)
            if groups and groups[-1][0] == tick.time and tick.symbol not in seen:
                groups[-1][1].append(price)
            else:
                groups.append((tick.time, [price]))
                seen = set()
            seen.add(tick.symbol)
        return [LivePulse(time, False, prices) for time, prices in groups]

    async def _assemble(self, pulse: int) -> PulseChunk:
        expected = self.expected(pulse)
        deadline = time.monotonic() + self.wait_ms / 1000
        while True:  # wait for late candles until the deadline, then backfill
            missing = [e for e in expected if e not in self.feed.arrived]
            if not missing or time.monotonic() >= deadline:
                break
            self.feed.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await self.feed.changed.wait()
        candles: list[tuple[int, str, CandleColumns]] = []
        prices: list[tuple[int, float, float, float]] = []
        fresh = {e: c for e in expected if (c := self.feed.arrived.pop(e, None)) is not None}
        if fresh:
            self.feed.store_closed(list(fresh.values()))
        self._forget_before(pulse)
        for symbol, tf, open_time in expected:
            cols = fresh.get((symbol, tf, open_time))
            if cols is None:
                cols = await self._backfill(symbol, tf, open_time)
            if cols is None or len(cols) == 0:
                log.warning("candle missing at the exchange", extra={"event": "live_gap", "symbol": symbol,
                                                                      "timeframe": tf, "open_time": open_time})
                continue
            idx = self.symbol_index[symbol]
            candles.append((idx, tf, cols))
            if tf == self.pulse_tf.name:
                prices.append(self._price_update(symbol, idx, cols))
        return single_pulse(self.symbols, pulse, True, prices, candles)

    def _forget_before(self, pulse: int) -> None:
        """Drop closed klines no pulse will take (arrived before the live switch, or after their backfill)."""
        stale = [key for key, cols in self.feed.arrived.items() if int(cols.close_time[0]) < pulse]
        for key in stale:
            del self.feed.arrived[key]

    def _price_update(self, symbol: str, idx: int, cols: CandleColumns) -> tuple[int, float, float, float]:
        # The seed's live rule: low/high since the last closed candle, including unclosed ticks.
        high, low, close = float(cols.high[0]), float(cols.low[0]), float(cols.close[0])
        self.tick_range.pop(symbol, None)
        self.last_close[symbol] = close
        return (idx, low, high, close)

    async def _backfill(self, symbol: str, tf: str, open_time: int) -> CandleColumns | None:
        length = parse_timeframe(tf).length_ms
        try:
            await self.history.ensure(symbol, tf, open_time, open_time + length,
                                      now_ms=max(self.feed.exchange_now, open_time + length))
        except MarketUnavailable as exc:
            log.warning("backfill failed", extra={"event": "backfill_failed", "cause": exc.cause})
        cols: CandleColumns = await self.run(self.store.read, symbol, tf, open_time, open_time + 1)
        if len(cols):
            log.info("late candle backfilled by REST", extra={"event": "backfill", "symbol": symbol,
                                                              "timeframe": tf, "open_time": open_time})
        return cols
