"""History replay: 1m rows -> candles of every timeframe -> ordered pulses
(seed: src/vm/Sequencer/CandleSequencer.js, TickerBuffer.js; aggregation as the
fixtures README describes it).

Per pulse (one candle of the smallest timeframe, close time P):
1. the pulse candle's price update goes to the entry sink,
2. closed candles are processed, symbols in list order, higher timeframes first,
   **at most one candle per ticker per pulse** and only when closeTime <= P,
3. phase end.
History is loaded in 5-day parts from the UTC midnight before the first candle and
every ticker buffer is reloaded at each part boundary (candles with
closeTime >= part start and openTime <= part end).

The whole schedule (which candles close on which pulse) is worked out first; the
engine is then told each ticker's candle sequence (`Engine.prepare_history`, batch
indicators) before the pulses are replayed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from analysis_service.engine.candle import Candle
from analysis_service.engine.timeframes import DAY_MS, bucket_start, sort_longest_first, tf_length

if TYPE_CHECKING:
    from analysis_service.engine.engine import Engine

LOAD_PART_MS = 5 * DAY_MS

Row = Sequence[float]  # [openTimeMs, open, high, low, close, volume]


def aggregate(rows: Iterable[Row], symbol: str, timeframe: str) -> list[Candle]:
    """Aggregate 1m rows (time order) into candles of `timeframe`; empty buckets yield nothing."""
    out: list[Candle] = []
    length = tf_length(timeframe)
    cur: Candle | None = None
    for r in rows:
        ot = int(r[0])
        if timeframe == "1m":
            out.append(
                Candle(
                    ot, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]), ot + 59_999, symbol, timeframe
                )
            )
            continue
        b = bucket_start(ot, timeframe)
        if cur is None or cur.open_time != b:
            cur = Candle(
                b, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]), b + length - 1, symbol, timeframe
            )
            out.append(cur)
        else:
            if r[2] > cur.high:
                cur.high = r[2]
            if r[3] < cur.low:
                cur.low = r[3]
            cur.close = r[4]
            cur.volume += r[5]
    return out


class _Buffer:
    __slots__ = ("candles", "close_times", "done", "hi", "open_times", "ptr", "symbol", "timeframe")

    def __init__(self, symbol: str, timeframe: str, candles: list[Candle]) -> None:
        self.symbol = symbol
        self.timeframe = timeframe
        self.candles = candles
        self.close_times = [c.close_time for c in candles]
        self.open_times = [c.open_time for c in candles]
        self.ptr = 0
        self.hi = 0
        self.done: list[Candle] = []  # scheduled candles, in processing order

    def load(self, start: int, end: int) -> None:
        self.ptr = bisect_left(self.close_times, start)
        self.hi = bisect_right(self.open_times, end)


class Sequencer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.last_pulse_time: int | None = None
        # per symbol: [cur, high, low] of the last price update (seed: lastPriceUpdate)
        self._last_price: dict[str, list[float]] = {}

    def run_rows(self, rows_by_symbol: dict[str, Sequence[Row]]) -> int:
        """Aggregate 1m rows for every engine timeframe and replay them. Returns candles processed."""
        series = {
            sym: {tf: aggregate(rows, sym, tf) for tf in self.engine.timeframes} for sym, rows in rows_by_symbol.items()
        }
        return self.run(series)

    def run(self, series: dict[str, dict[str, list[Candle]]]) -> int:
        engine = self.engine
        tfs = sort_longest_first(list(engine.timeframes))
        pulse_tf = tfs[-1]
        symbols = [s for s in engine.symbol_order if s in series]
        if not symbols:
            return 0
        buffers = [_Buffer(s, tf, series[s].get(tf, [])) for s in symbols for tf in tfs]
        pulse_buf = next(b for b in buffers if b.timeframe == pulse_tf)
        first_times = [b.candles[0].open_time for b in buffers if b.candles]
        if not first_times or not pulse_buf.candles:
            return 0
        time_start = min(first_times) // DAY_MS * DAY_MS
        time_end = max(b.candles[-1].close_time for b in buffers if b.candles)
        cur_end = time_start - 1
        pulses: list[int] = []
        closed: list[list[Candle]] = []
        while cur_end < time_end:
            cur_start = cur_end + 1
            cur_end = min(cur_start + LOAD_PART_MS - 1, time_end)
            if cur_start >= cur_end:
                break
            for b in buffers:
                b.load(cur_start, cur_end)
            self._schedule_part(buffers, pulse_buf, pulses, closed)
        engine.prepare_history({f"{b.symbol}-{b.timeframe}": b.done for b in buffers})
        for b in buffers:
            b.done = []
        return self._replay(pulses, closed, pulse_tf)

    @staticmethod
    def _schedule_part(
        buffers: list[_Buffer], pulse_buf: _Buffer, pulses: list[int], closed: list[list[Candle]]
    ) -> None:
        pbuf_times = pulse_buf.close_times
        while pulse_buf.ptr < pulse_buf.hi:
            pulse = pbuf_times[pulse_buf.ptr]
            now: list[Candle] = []
            for b in buffers:
                p = b.ptr
                if p < b.hi and b.close_times[p] <= pulse:
                    c = b.candles[p]
                    now.append(c)
                    b.done.append(c)
                    b.ptr = p + 1
            pulses.append(pulse)
            closed.append(now)

    def _replay(self, pulses: list[int], closed: list[list[Candle]], pulse_tf: str) -> int:
        engine = self.engine
        process = engine.process_candle
        phase_end = engine.phase_end
        last_price = self._last_price
        count = 0
        for pulse, now in zip(pulses, closed, strict=True):
            self.last_pulse_time = pulse
            for c in now:
                if c.timeframe == pulse_tf:
                    self._price_update(c, pulse)
            for c in now:
                process(c)
                cl = c.close
                last_price[c.symbol] = [cl, cl, cl]
            phase_end(pulse)
            count += len(now)
        return count

    def _price_update(self, c: Candle, event_time: int) -> None:
        prev = self._last_price.get(c.symbol)
        if prev is None:
            self._last_price[c.symbol] = [c.close, c.high, c.low]
            self.engine.price_update(c.symbol, event_time, c.low, c.high, c.close)
            return
        high = low = c.close
        changed = False
        if c.high > prev[1]:
            high = prev[1] = c.high
            changed = True
        if c.low < prev[2]:
            low = prev[2] = c.low
            changed = True
        if prev[0] != c.close:
            prev[0] = c.close
            changed = True
        if changed:
            self.engine.price_update(c.symbol, event_time, low, high, c.close)
