"""StreamPulses: ordered history, then live pulses at the simulator's clock with no gap and no
duplicate, through websocket drops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from candle_service.live import LiveFeed
from parayok.convert import timeframe_name
from parayok.tasks import cancel_and_wait
from parayok.v1 import candles_pb2, common_pb2

from .conftest import SIM_START, CandleStack, candle_stack

M1, M5, H1 = common_pb2.TIMEFRAME_1M, common_pb2.TIMEFRAME_5M, common_pb2.TIMEFRAME_1H
MIN = 60_000


@dataclass
class Pulse:
    time: int
    closed: bool
    prices: list[tuple[str, float, float, float]] = field(default_factory=list)
    candles: list[tuple[str, str, int, int]] = field(default_factory=list)  # symbol, tf, open, close


def unpack(batch: candles_pb2.PulseBatch) -> list[Pulse]:
    out = []
    pi = ci = 0
    for i, t in enumerate(batch.pulse_time):
        p = Pulse(t, batch.closed[i])
        for _ in range(batch.price_count[i]):
            p.prices.append((batch.symbols[batch.price_symbol[pi]], batch.price_low[pi], batch.price_high[pi],
                             batch.price_close[pi]))
            pi += 1
        for _ in range(batch.candle_count[i]):
            p.candles.append((batch.symbols[batch.candle_symbol[ci]], timeframe_name(batch.candle_timeframe[ci]),
                              batch.open_time[ci], batch.close_time[ci]))
            ci += 1
        out.append(p)
    assert pi == len(batch.price_low) and ci == len(batch.open_time)
    return out


class Reader:
    """Reads a pulse stream in the background so the test can drive the simulator meanwhile."""

    def __init__(self, call: AsyncIterator[candles_pb2.PulseStreamEvent]) -> None:
        self.call = call
        self.pulses: list[Pulse] = []
        self.events: list[str] = []
        self.live = asyncio.Event()
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for event in self.call:
            kind = event.WhichOneof("event")
            self.events.append(kind or "")
            if kind == "pulses":
                self.pulses.extend(unpack(event.pulses))
            elif kind == "live":
                self.live.set()
            self.changed.set()

    def closed(self) -> list[Pulse]:
        return [p for p in self.pulses if p.closed]

    async def wait_closed(self, n: int, timeout: float = 60.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.closed()) < n:  # bounded by the timeout
                self.changed.clear()
                if self.task.done():
                    self.task.result()
                await self.changed.wait()

    async def close(self) -> None:
        self.call.cancel()  # type: ignore[attr-defined]
        with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
            await self.task


def expected_order(symbols: list[str], tfs: list[str], pulse: int) -> list[tuple[str, str]]:
    lengths = {"1m": MIN, "5m": 5 * MIN, "1h": 60 * MIN}
    return [(s, tf) for s in symbols for tf in tfs if (pulse + 1) % lengths[tf] == 0]


async def test_history_pulses_are_ordered_higher_timeframe_first(stack: CandleStack) -> None:
    symbols = ["BTCUSDT", "ETHUSDT"]
    start = SIM_START - 3 * 3600_000
    request = candles_pb2.StreamPulsesRequest(symbols=symbols, timeframes=[M1, H1, M5], from_ms=start,
                                              to_ms=SIM_START)
    pulses: list[Pulse] = []
    kinds = []
    async for event in stack.stub.StreamPulses(request, timeout=120):  # a deadline for the whole stream
        kinds.append(event.WhichOneof("event"))
        if event.HasField("pulses"):
            pulses.extend(unpack(event.pulses))
    assert "progress" in kinds and "live" not in kinds
    assert [p.time for p in pulses] == list(range(start + MIN - 1, SIM_START, MIN))
    for p in pulses:
        assert [(s, tf) for s, tf, _, _ in p.candles] == expected_order(symbols, ["1h", "5m", "1m"], p.time)
        assert all(close == p.time for _, _, _, close in p.candles)
        assert [s for s, *_ in p.prices] == symbols
    # The seed's history price rule: the first update carries the candle's full range.
    first_btc = pulses[0].candles[0]
    assert first_btc[:2] == ("BTCUSDT", "1m")
    assert sum(len(p.candles) for p in pulses) == 2 * (180 + 36 + 3)


async def open_live(stack: CandleStack, symbols: list[str], start: int, late_ms: int, timeout: float) -> Reader:
    """A live StreamPulses of 1m and 5m from ``start``, read in the background, once it has switched to live."""
    reader = Reader(stack.stub.StreamPulses(candles_pb2.StreamPulsesRequest(
        symbols=symbols, timeframes=[M1, M5], from_ms=start, live=True, late_candle_wait_ms=late_ms)))
    try:
        async with asyncio.timeout(timeout):
            await reader.live.wait()
    except BaseException:
        await reader.close()
        raise
    return reader


async def test_history_then_live_without_gap_or_duplicate_through_ws_drops(stack: CandleStack) -> None:
    symbols = ["BTCUSDT", "ETHUSDT"]
    start = SIM_START - 30 * MIN
    reader = await open_live(stack, symbols, start, late_ms=500, timeout=20)
    try:
        assert len(reader.closed()) == 30
        await asyncio.sleep(0.3)  # let the websocket subscribe
        expected = 30
        for minute in range(1, 8):
            await stack.sim.admin.step(minutes=1)
            expected += 1
            await reader.wait_closed(expected)
            if minute == 3:
                # Drop the kline websocket: what closes while it is down must still come, in order.
                await stack.sim.admin.drop_websockets()
                await stack.sim.admin.step(minutes=2)
                expected += 2
                await reader.wait_closed(expected)
        closed = reader.closed()
        times = [p.time for p in closed]
        assert times == list(range(start + MIN - 1, SIM_START + 9 * MIN, MIN)), "gap or duplicate at a pulse"
        for p in closed:
            assert [(s, tf) for s, tf, _, _ in p.candles] == expected_order(symbols, ["5m", "1m"], p.time), p.time
        # Live candles were stored too.
        assert await stack.service.run(stack.store.count, "ETHUSDT", "1m") >= 39
    finally:
        await reader.close()


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        ({"symbols": [], "timeframes": [M1], "from_ms": SIM_START - MIN, "to_ms": SIM_START}, "symbols"),
        ({"symbols": ["BTCUSDT"], "timeframes": [], "from_ms": SIM_START - MIN, "to_ms": SIM_START}, "timeframes"),
        ({"symbols": ["BTCUSDT"], "timeframes": [M1], "to_ms": SIM_START}, "from_ms"),
        ({"symbols": ["BTCUSDT"], "timeframes": [M1], "from_ms": SIM_START, "to_ms": SIM_START - MIN}, "from_ms"),
        ({"symbols": ["BTCUSDT"], "timeframes": [M1], "from_ms": SIM_START - MIN}, "to_ms"),
        ({"symbols": ["BTCUSDT", "BTCUSDT"], "timeframes": [M1], "from_ms": SIM_START - MIN, "to_ms": SIM_START},
         "symbols"),
        ({"symbols": ["BTCUSDT"], "timeframes": [0], "from_ms": SIM_START - MIN, "to_ms": SIM_START}, "timeframes"),
    ],
)
async def test_bad_pulse_requests(stack: CandleStack, kw: dict[str, object], text: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for _ in stack.stub.StreamPulses(candles_pb2.StreamPulsesRequest(**kw), timeout=30):  # type: ignore[arg-type]
            pass
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert text in (info.value.details() or "")


async def test_unknown_symbol_in_pulses_is_not_found(stack: CandleStack) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for _ in stack.stub.StreamPulses(candles_pb2.StreamPulsesRequest(
                symbols=["BTCUSDT", "NOSUCHUSDT"], timeframes=[M1], from_ms=SIM_START - MIN, to_ms=SIM_START),
                timeout=30):
            pass
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


async def test_slow_store_gets_one_insert_for_a_burst_and_every_published_candle(tmp_path: Path) -> None:
    """A slow store never backs up the kline websocket or the pulses; live candles are buffered (not one
    insert per pulse, let alone per kline), and every store call after a pulse sees its candles: the first
    one after the burst stores the whole burst in one insert."""
    symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT", "DOGEUSDT"]
    async with candle_stack(tmp_path / "store", {"live_flush_ms": 600_000}) as stack:
        store = stack.service.store
        real_insert = store.insert_many
        inserts: list[int] = []

        def slow_insert(series):  # type: ignore[no-untyped-def]
            series = list(series)
            inserts.append(len(series))
            import time
            time.sleep(0.2)  # a busy store (it runs in a worker thread: the event loop goes on)
            return real_insert(series)

        store.insert_many = slow_insert  # type: ignore[method-assign]
        start = SIM_START - 10 * MIN
        reader = await open_live(stack, symbols, start, late_ms=3000, timeout=30)
        try:
            await asyncio.sleep(0.3)  # let the websocket subscribe
            inserts.clear()
            await stack.sim.admin.step(minutes=6)  # a burst: 6 symbols × 7 closed klines at once
            await reader.wait_closed(16)
            closed = reader.closed()
            assert [p.time for p in closed] == list(range(start + MIN - 1, SIM_START + 6 * MIN, MIN))
            live = closed[10:]
            assert all([(s, tf) for s, tf, _, _ in p.candles] == expected_order(symbols, ["5m", "1m"], p.time)
                       for p in live)
            for s in symbols:  # what was published is in the store for every later store call
                got = await stack.service.run(store.read, s, "1m", SIM_START, SIM_START + 6 * MIN)
                assert list(got.open_time) == list(range(SIM_START, SIM_START + 6 * MIN, MIN))
            assert inserts == [6 * 7], f"inserts of {inserts} klines for {len(live)} pulses"
        finally:
            await reader.close()
            store.insert_many = real_insert  # type: ignore[method-assign]


async def test_kline_socket_that_overflows_reconnects_and_goes_on(stack: CandleStack) -> None:
    """python-binance closes a socket whose queue overflows (ReadLoopClosed on the next read): the
    feed reconnects instead of ending (it used to end for good), and later klines arrive."""
    symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT", "DOGEUSDT"]
    # A queue bound of 0 overflows on the first message whatever the reader's pace (a bound of 1 overflowed
    # only when the feed fell a message behind, which a quicker feed stopped doing)
    async with running_feed(stack, symbols, max_queue=0) as feed, asyncio.timeout(30):
        now = SIM_START
        while feed.connects < 2:  # bursts of 6 symbols × 5 klines until the queue overflows
            await stack.sim.admin.step(minutes=5)
            now += 5 * MIN
            await asyncio.sleep(0.5)
        # Once it has reconnected, the queue is large enough again: klines of the minutes stepped
        # from now on come through (a minute lost to a last overflow is the pulser's REST backfill).
        feed.max_queue = 10_000
        while not any(t == now - MIN for (_, _, t) in feed.arrived):  # bounded by the timeout
            await stack.sim.admin.step(minutes=1)  # closes the kline that opened at `now`
            now += MIN
            await asyncio.sleep(0.5)


async def test_kline_socket_dropped_by_the_exchange_reconnects_and_closes_arrive_over_it(stack: CandleStack) -> None:
    """The exchange drops the socket (exchange_sim closes it with code 1006): the feed reconnects through
    its own tenacity loop and the next closes arrive over the new socket. python-binance's own silent
    reconnect used to leave the feed without klines for good, every pulse then backfilled by REST."""
    async with running_feed(stack, ["BTCUSDT", "ETHUSDT"]) as feed, asyncio.timeout(30):
        dropped = await stack.sim.admin.call("POST", "/_sim/drop_ws", {"kind": "market"})
        assert dropped["dropped"] >= 1
        while feed.connects < 2:  # bounded by the timeout
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        await stack.sim.admin.step(minutes=1)
        close_open_time = SIM_START
        while not {("BTCUSDT", "1m", close_open_time), ("ETHUSDT", "1m", close_open_time)} <= set(feed.arrived):
            await asyncio.sleep(0.05)  # bounded by the timeout


@contextlib.asynccontextmanager
async def running_feed(stack: CandleStack, symbols: list[str],
                       max_queue: int = LiveFeed.max_queue) -> AsyncIterator[LiveFeed]:
    """A LiveFeed on the stack's exchange (storing nothing), connected once; cancelled on the way out,
    after the caller checked that it had not ended by itself."""
    feed = LiveFeed(stack.service.market, symbols, ["1m"], lambda series: None, max_queue=max_queue)
    task = asyncio.create_task(feed.run())
    try:
        async with asyncio.timeout(30):
            while feed.connects < 1:  # bounded by the timeout
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        yield feed
        assert not task.done()
    finally:
        await cancel_and_wait(task)
