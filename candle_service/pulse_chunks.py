"""Pulses as columnar chunks: what StreamPulses sends, independent of the wire format.

A chunk holds consecutive whole pulses. Pulse ``i`` owns price updates
``[sum(price_count[:i]), +price_count[i])`` and candles ``[sum(candle_count[:i]), +candle_count[i])``;
within a pulse the price updates come first, then the candles in symbol-list order, higher
timeframe first (the seed's CandleSequencer).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from candle_service.candles import CandleColumns
from candle_service.pulses import PulseSequence, price_updates

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]

CANDLE_COLUMNS = ("open_time", "close_time", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class PulseChunk:
    symbols: tuple[str, ...]
    pulse_time: I64
    closed: npt.NDArray[np.bool_]
    price_count: U32
    candle_count: U32
    price_symbol: U32
    price_low: F64
    price_high: F64
    price_close: F64
    candle_symbol: U32
    timeframes: tuple[str, ...]  # the names indexed by candle_timeframe
    candle_timeframe: npt.NDArray[np.uint8]
    open_time: I64
    close_time: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64

    @property
    def num_pulses(self) -> int:
        return len(self.pulse_time)

    @property
    def num_candles(self) -> int:
        return len(self.open_time)


def chunks_from_sequence(
    symbols: Sequence[str],
    seq: PulseSequence,
    columns: Mapping[tuple[str, str], CandleColumns],
    max_candles: int = 10_000,
) -> Iterator[PulseChunk]:
    """Cut a history pulse sequence into chunks of about ``max_candles`` candles (whole pulses)."""
    if seq.num_pulses == 0:
        return
    updates = price_updates(seq, columns)
    sym_index = {s: i for i, s in enumerate(symbols)}
    tf_names = tuple(dict.fromkeys(tf for _, tf in seq.buffers))
    buffer_sym = np.array([sym_index[s] for s, _ in seq.buffers], dtype=np.uint32)
    buffer_tf = np.array([tf_names.index(tf) for _, tf in seq.buffers], dtype=np.uint8)
    # One take per field over all buffers laid end to end, instead of a mask per buffer.
    empty = CandleColumns.empty("X", "1m")
    series = [columns.get(key, empty) for key in seq.buffers]
    offsets = np.cumsum([0] + [len(c) for c in series[:-1]]).astype(np.int64)
    flat = offsets[seq.buffer] + seq.row
    fields = {f: np.concatenate([getattr(c, f) for c in series])[flat] for f in CANDLE_COLUMNS}
    update_pulse = seq.pulse[updates.position]
    update_symbol = buffer_sym[seq.buffer[updates.position]]
    price_count_all = np.bincount(update_pulse, minlength=seq.num_pulses).astype(np.uint32)
    candle_count_all = np.diff(seq.pulse_start).astype(np.uint32)
    p = 0
    n = seq.num_pulses
    while p < n:  # walks whole pulses; not a retry loop
        target = int(seq.pulse_start[p]) + max_candles
        q = int(np.searchsorted(seq.pulse_start, target, side="right")) - 1
        q = min(max(q, p + 1), n)
        a, b = int(seq.pulse_start[p]), int(seq.pulse_start[q])
        ua, ub = np.searchsorted(update_pulse, [p, q], side="left")
        buf = seq.buffer[a:b]
        yield PulseChunk(
            symbols=tuple(symbols),
            pulse_time=seq.pulse_times[p:q],
            closed=np.ones(q - p, dtype=bool),
            price_count=price_count_all[p:q],
            candle_count=candle_count_all[p:q],
            price_symbol=update_symbol[ua:ub],
            price_low=updates.low[ua:ub],
            price_high=updates.high[ua:ub],
            price_close=updates.close[ua:ub],
            candle_symbol=buffer_sym[buf],
            timeframes=tf_names,
            candle_timeframe=buffer_tf[buf],
            **{f: fields[f][a:b] for f in CANDLE_COLUMNS},
        )
        p = q


Price = tuple[int, float, float, float]  # (symbol index, low, high, close)
LiveCandle = tuple[int, str, CandleColumns]  # (symbol index, timeframe, one-row columns)


@dataclass(frozen=True)
class LivePulse:
    time: int
    closed: bool
    prices: Sequence[Price]
    candles: Sequence[LiveCandle] = ()


def single_pulse(
    symbols: Sequence[str],
    pulse_time: int,
    closed: bool,
    prices: Sequence[Price],
    candles: Sequence[LiveCandle],
) -> PulseChunk:
    """One live pulse: ``prices`` as (symbol index, low, high, close); ``candles`` as
    (symbol index, timeframe, one-row columns), already in processing order."""
    return live_chunk(symbols, [LivePulse(pulse_time, closed, prices, candles)])


def live_chunk(symbols: Sequence[str], pulses: Sequence[LivePulse]) -> PulseChunk:
    """Consecutive live pulses in one chunk: what arrived together goes out in one message."""
    prices = [p for pulse in pulses for p in pulse.prices]
    candles = [c for pulse in pulses for c in pulse.candles]
    tf_names = tuple(dict.fromkeys(c[1] for c in candles))

    def col(name: str, dtype: type) -> np.ndarray:
        if not candles:
            return np.empty(0, dtype=dtype)
        return np.concatenate([getattr(c, name) for _, _, c in candles]).astype(dtype)

    return PulseChunk(
        symbols=tuple(symbols),
        pulse_time=np.array([p.time for p in pulses], dtype=np.int64),
        closed=np.array([p.closed for p in pulses], dtype=bool),
        price_count=np.array([len(p.prices) for p in pulses], dtype=np.uint32),
        candle_count=np.array([len(p.candles) for p in pulses], dtype=np.uint32),
        price_symbol=np.array([p[0] for p in prices], dtype=np.uint32),
        price_low=np.array([p[1] for p in prices], dtype=np.float64),
        price_high=np.array([p[2] for p in prices], dtype=np.float64),
        price_close=np.array([p[3] for p in prices], dtype=np.float64),
        candle_symbol=np.array([c[0] for c in candles], dtype=np.uint32),
        timeframes=tf_names,
        candle_timeframe=np.array([tf_names.index(c[1]) for c in candles], dtype=np.uint8),
        open_time=col("open_time", np.int64),
        close_time=col("close_time", np.int64),
        open=col("open", np.float64),
        high=col("high", np.float64),
        low=col("low", np.float64),
        close=col("close", np.float64),
        volume=col("volume", np.float64),
    )
