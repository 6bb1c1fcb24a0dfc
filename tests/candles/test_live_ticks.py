"""Live ticks (unclosed klines) leave candle_service as unclosed pulses, a burst in one chunk."""

from __future__ import annotations

import asyncio
from typing import Any

from candle_service.live import LiveFeed, LivePulser, Tick
from candle_service.pulse_chunks import LivePulse, PulseChunk, live_chunk

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
MIN = 60_000


def pulser(tick_batch_ms: int = 0) -> LivePulser:
    # The ticks path touches neither the market nor the store.
    feed = LiveFeed(market=None, symbols=SYMBOLS, timeframes=["5m", "1m"],  # type: ignore[arg-type]
                    store_closed=lambda _: None)
    return LivePulser(feed, store=None, history=None, run=None, wait_ms=0,  # type: ignore[arg-type]
                      tick_batch_ms=tick_batch_ms)


def tick(p: LivePulser, t: Tick) -> None:
    p.feed.ticks.put_nowait(t)
    p.feed.changed.set()


def prices(chunk: Any) -> list[list[tuple[str, float, float, float]]]:
    out, k = [], 0
    for n in chunk.price_count:
        out.append([(chunk.symbols[chunk.price_symbol[i]], chunk.price_low[i], chunk.price_high[i],
                     chunk.price_close[i]) for i in range(k, k + int(n))])
        k += int(n)
    return out


def test_a_push_of_several_symbols_is_one_pulse_and_a_burst_one_chunk() -> None:
    p = pulser()
    for tick in [Tick("BTCUSDT", 100, 9.0, 11.0, 10.0), Tick("ETHUSDT", 100, 1.0, 2.0, 1.5),
                 Tick("BTCUSDT", 50, 0.0, 99.0, 5.0),  # not after the last closed pulse: dropped
                 Tick("BTCUSDT", 200, 9.5, 12.0, 11.5),  # widens BTC's range since the last close
                 Tick("SOLUSDT", 200, 3.0, 3.0, 3.0), Tick("SOLUSDT", 200, 2.0, 3.5, 2.5)]:
        p.feed.ticks.put_nowait(tick)
    pulses = p._ticks(after=60)
    assert [(x.time, x.closed) for x in pulses] == [(100, False), (200, False), (200, False)]
    chunk = live_chunk(SYMBOLS, pulses)
    assert list(chunk.pulse_time) == [100, 200, 200] and not chunk.closed.any()
    assert list(chunk.candle_count) == [0, 0, 0] and chunk.num_candles == 0
    assert prices(chunk) == [
        [("BTCUSDT", 9.0, 11.0, 10.0), ("ETHUSDT", 1.0, 2.0, 1.5)],
        [("BTCUSDT", 9.0, 12.0, 11.5), ("SOLUSDT", 3.0, 3.0, 3.0)],
        [("SOLUSDT", 2.0, 3.5, 2.5)],  # the same symbol twice in one push: its own pulse, in order
    ]
    assert p._ticks(after=60) == []  # the queue was drained



async def test_a_tick_waits_for_its_burst_and_a_due_pulse_never_waits_for_ticks() -> None:
    p = pulser(tick_batch_ms=2000)
    feed = p.feed
    pulses = p.pulses(last_pulse=MIN - 1, server_now=MIN)
    first = asyncio.ensure_future(anext(pulses))
    loop = asyncio.get_running_loop()
    start = loop.time()
    tick(p, Tick("BTCUSDT", MIN + 10, 1.0, 2.0, 1.5))
    await asyncio.sleep(0.05)
    assert not first.done()  # still gathering its burst
    tick(p, Tick("ETHUSDT", MIN + 10, 3.0, 4.0, 3.5))
    chunk = await asyncio.wait_for(first, 5)
    assert loop.time() - start >= 1.99  # left once the window of the first tick ended, with both
    assert list(chunk.pulse_time) == [MIN + 10] and list(chunk.price_count) == [2]

    # A candle close is due while ticks wait: the pulse leaves at once, the waiting ticks after it.
    async def assembled(pulse: int) -> PulseChunk:
        return live_chunk(SYMBOLS, [LivePulse(pulse, True, [])])

    p._assemble = assembled  # type: ignore[method-assign]
    tick(p, Tick("SOLUSDT", 2 * MIN + 5, 5.0, 6.0, 5.5))  # the next candle's first update ...
    nxt = asyncio.ensure_future(anext(pulses))
    await asyncio.sleep(0.02)
    feed.exchange_now = 2 * MIN  # ... came with the close of the candle that ends at 2 * MIN - 1
    feed.changed.set()
    closed = await asyncio.wait_for(nxt, 1)  # not after the ticks' 2 s window
    assert list(closed.pulse_time) == [2 * MIN - 1] and closed.closed.all()
    after = await asyncio.wait_for(anext(pulses), 5)
    assert list(after.pulse_time) == [2 * MIN + 5] and not after.closed.any()
    await pulses.aclose()  # type: ignore[attr-defined]  # an async generator
