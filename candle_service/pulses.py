"""The pulse sequence: history candles in the exact order the seed's CandleSequencer processes them.

Rules (seed ``src/vm/Sequencer/CandleSequencer.js`` and ``TickerBuffer.js``):

* Timeframes are sorted longest first; the shortest is the pulse timeframe. One *ticker buffer*
  per (symbol, timeframe), in the order symbols (as given) × timeframes (longest first).
* The pulses are the close times of the **first symbol's** pulse-timeframe candles, in time order.
* At pulse P every buffer, in that order, gives up **at most one** candle, and only if its
  ``close_time <= P``. So a candle whose pulse is missing (a gap in the first symbol's series, or a
  bucket whose closing minute is missing) comes out at the next pulse, and a buffer that falls
  behind stays one pulse late per extra candle until it runs dry.
* Per pulse, the consumer first sends price updates for the emitted pulse-timeframe candles, then
  processes every emitted candle in sequence order (per symbol, higher timeframe first), then
  ends the phase.
* History is loaded in parts (5 days from the history start, a UTC midnight): each part reloads
  every buffer with ``close_time >= part_start AND open_time <= part_end``, which drops candles
  still waiting at the end of a part. ``part_ms=None`` turns that quirk off.

Everything is computed on arrays: per buffer the emission pulse of candle k is
``e_k = max(e_{k-1} + 1, s_k)`` with ``s_k`` the first pulse at or after its close, i.e.
``e = maximum.accumulate(s - k) + k``; one argsort of ``pulse * buffers + buffer`` then gives
the order. No Python object is made per candle unless :meth:`PulseSequence.pulses` is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from candle_service.candles import CandleColumns
from candle_service.timeframes import DAY_MS, parse_timeframe, sort_longest_first

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: The seed's ``CandleSequencer.SPLIT_LOAD_PART_SIZE``.
SEED_PART_MS = 5 * DAY_MS


@dataclass(frozen=True, slots=True)
class PulseSequence:
    """Candles in processing order, as indexes into the given series.

    ``buffers[b]`` is the (symbol, timeframe) of buffer ``b``; candle ``i`` of the sequence is row
    ``row[i]`` of buffer ``buffer[i]`` and is processed at pulse ``pulse[i]`` (an index into
    ``pulse_times``). Candles of pulse ``p`` are ``pulse_start[p]:pulse_start[p + 1]``.
    """

    buffers: tuple[tuple[str, str], ...]
    pulse_timeframe: str
    pulse_times: I64
    pulse_start: I64
    pulse: I64
    buffer: I64
    row: I64

    def __len__(self) -> int:
        return len(self.row)

    @property
    def num_pulses(self) -> int:
        return len(self.pulse_times)

    @property
    def buffer_symbol_index(self) -> I64:
        """Index into the symbol list for each buffer."""
        syms: dict[str, int] = {}
        out = [syms.setdefault(s, len(syms)) for s, _ in self.buffers]
        return np.asarray(out, dtype=np.int64)

    @property
    def is_pulse_candle(self) -> npt.NDArray[np.bool_]:
        """Candles of the pulse timeframe: the ones that also drive price updates."""
        pulse_tf = np.array([tf == self.pulse_timeframe for _, tf in self.buffers], dtype=bool)
        out: npt.NDArray[np.bool_] = pulse_tf[self.buffer]
        return out

    @property
    def pulse_time_of(self) -> I64:
        """Pulse time per candle (later than its close time when the candle was held back)."""
        out: I64 = self.pulse_times[self.pulse]
        return out

    def gather(self, columns: Mapping[tuple[str, str], CandleColumns], field: str) -> np.ndarray:
        """One field of every candle, in sequence order: one take over all buffers laid end to end."""
        parts = [getattr(columns[key], field) for key in self.buffers if key in columns]
        if not parts:
            return np.empty(len(self), dtype=np.float64)
        lengths = [len(columns[key]) if key in columns else 0 for key in self.buffers]
        offsets = np.cumsum([0, *lengths[:-1]]).astype(np.int64)
        out: np.ndarray = np.concatenate(parts)[offsets[self.buffer] + self.row]
        return out

    def slice_pulses(self, first: int, stop: int) -> PulseSequence:
        """Pulses ``first:stop`` as a sequence of their own (pulse indexes renumbered from 0)."""
        a, b = int(self.pulse_start[first]), int(self.pulse_start[stop])
        return PulseSequence(
            self.buffers,
            self.pulse_timeframe,
            self.pulse_times[first:stop],
            self.pulse_start[first : stop + 1] - a,
            self.pulse[a:b] - first,
            self.buffer[a:b],
            self.row[a:b],
        )

    def batches(self, max_candles: int) -> Iterator[PulseSequence]:
        """Consecutive whole pulses of about ``max_candles`` candles each (a pulse is never split)."""
        if max_candles <= 0:
            raise ValueError(f"max_candles: expected a positive int, got {max_candles!r}")
        p = 0
        n = self.num_pulses
        while p < n:
            target = int(self.pulse_start[p]) + max_candles
            q = int(np.searchsorted(self.pulse_start, target, side="right")) - 1
            q = min(max(q, p + 1), n)
            yield self.slice_pulses(p, q)
            p = q

    def pulses(self, columns: Mapping[tuple[str, str], CandleColumns]) -> Iterator[Pulse]:
        """The slow, object-per-candle view, for tests and small live batches."""
        for p in range(self.num_pulses):
            a, b = int(self.pulse_start[p]), int(self.pulse_start[p + 1])
            candles = tuple(columns[self.buffers[int(self.buffer[i])]].row(int(self.row[i])) for i in range(a, b))
            yield Pulse(int(self.pulse_times[p]), candles, self.pulse_timeframe)


@dataclass(frozen=True, slots=True)
class Pulse:
    """One pulse: its time and the candles processed in it, in order."""

    time: int
    candles: tuple  # tuple[Candle, ...]
    pulse_timeframe: str

    @property
    def price_update_candles(self) -> tuple:
        return tuple(c for c in self.candles if c.timeframe == self.pulse_timeframe)


def merge_pulses(
    symbols: Sequence[str],
    timeframes: Sequence[str],
    columns: Mapping[tuple[str, str], CandleColumns],
    *,
    start: int | None = None,
    end: int | None = None,
    part_ms: int | None = SEED_PART_MS,
) -> PulseSequence:
    """Order history candles into pulses exactly as the seed's sequencer does (see module doc).

    ``columns`` maps (symbol, timeframe) to that series, sorted by open time (a missing key is an
    empty series). ``start`` is the history start (default: the UTC midnight at or before the first
    candle), ``end`` the last millisecond of history (default: the last close time).
    """
    if not symbols:
        raise ValueError("symbols: at least one symbol is needed")
    if len(set(symbols)) != len(symbols):
        raise ValueError(f"symbols: duplicates in {list(symbols)!r}")
    if not timeframes:
        raise ValueError("timeframes: at least one timeframe is needed")
    for tf in timeframes:
        parse_timeframe(tf, "timeframes")
    if len(set(timeframes)) != len(timeframes):
        raise ValueError(f"timeframes: duplicates in {list(timeframes)!r}")
    if part_ms is not None and part_ms <= 0:
        raise ValueError(f"part_ms: expected a positive length, got {part_ms!r}")
    tfs = sort_longest_first(list(timeframes))
    pulse_tf = tfs[-1]
    buffers = tuple((s, tf) for s in symbols for tf in tfs)
    for key, cols in columns.items():
        if (cols.symbol, cols.timeframe) != key:
            raise ValueError(f"columns: key {key} holds series {cols.symbol}/{cols.timeframe}")
    empty = np.empty(0, dtype=np.int64)
    opens = [columns[k].open_time if k in columns else empty for k in buffers]
    closes = [columns[k].close_time if k in columns else empty for k in buffers]
    for (sym, tf), o in zip(buffers, opens, strict=True):
        if len(o) > 1 and np.any(o[1:] <= o[:-1]):
            raise ValueError(f"columns: {sym}/{tf} is not sorted by open_time without duplicates")

    nonempty = [o for o in opens if len(o)]
    if start is None:
        start = int(min(int(o[0]) for o in nonempty)) // DAY_MS * DAY_MS if nonempty else 0
    if end is None:
        end = int(max(int(c[-1]) for c in closes if len(c))) if nonempty else start
    parts: list[tuple[int, int]] = []
    if part_ms is None:
        parts.append((start, end))
    else:
        # the seed's loop in loadAndProcessHistory, including its last-part truncation
        cur_end = start - 1
        while cur_end < end:
            cur_start = cur_end + 1
            cur_end = min(cur_start + part_ms - 1, end)
            if cur_start >= cur_end:
                break
            parts.append((cur_start, cur_end))

    pulse_buffer = len(tfs) - 1  # the first symbol's pulse timeframe: buffers are symbol-major
    nb = len(buffers)
    out_pulse_times: list[I64] = []
    out_keys: list[I64] = []
    out_rows: list[I64] = []
    pulse_base = 0
    for ps, pe in parts:
        # rows of each buffer loaded for this part: close >= ps and open <= pe (both sorted)
        lo = [int(np.searchsorted(c, ps, side="left")) for c in closes]
        hi = [int(np.searchsorted(o, pe, side="right")) for o in opens]
        pulses = closes[pulse_buffer][lo[pulse_buffer] : hi[pulse_buffer]]
        if len(pulses) == 0:
            continue  # no pulse: everything loaded for this part is dropped, as in the seed
        for b in range(nb):
            if hi[b] <= lo[b]:
                continue
            c = closes[b][lo[b] : hi[b]]
            k = np.arange(len(c), dtype=np.int64)
            s = np.searchsorted(pulses, c, side="left").astype(np.int64)
            e = np.maximum.accumulate(s - k) + k
            ok = e < len(pulses)
            out_keys.append((e[ok] + pulse_base) * nb + b)
            out_rows.append(k[ok] + lo[b])
        out_pulse_times.append(pulses)
        pulse_base += len(pulses)

    if out_keys:
        keys = np.concatenate(out_keys)
        rows = np.concatenate(out_rows)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        rows = rows[order]
    else:
        keys = rows = np.empty(0, dtype=np.int64)
    pulse_times = np.concatenate(out_pulse_times) if out_pulse_times else np.empty(0, dtype=np.int64)
    pulse_idx = keys // nb
    pulse_start = np.searchsorted(pulse_idx, np.arange(len(pulse_times) + 1), side="left").astype(np.int64)
    return PulseSequence(
        buffers=buffers,
        pulse_timeframe=pulse_tf,
        pulse_times=pulse_times.astype(np.int64),
        pulse_start=pulse_start,
        pulse=pulse_idx,
        buffer=keys % nb,
        row=rows,
    )


@dataclass(frozen=True, slots=True)
class PriceUpdates:
    """The price updates the seed sends in history mode, all pulses at once.

    Update ``j`` is sent at pulse time ``time[j]`` for the candle at sequence position
    ``position[j]`` (symbol ``symbol[j]``), before that pulse's candles are processed.
    """

    position: I64
    time: I64
    symbol: npt.NDArray[np.object_]
    low: F64
    high: F64
    close: F64


def price_updates(seq: PulseSequence, columns: Mapping[tuple[str, str], CandleColumns]) -> PriceUpdates:
    """Seed ``CandleSequencer.livePriceUpdate`` in history mode, vectorised.

    Against ``pc``, the close of the symbol's last candle processed in an earlier pulse:
    ``high = c.high if c.high > pc else c.close``, ``low = c.low if c.low < pc else c.close``; no
    update when neither moved and ``close == pc``. A symbol's first update carries the full range.
    """
    n = len(seq)
    sym_of_buffer = seq.buffer_symbol_index
    sym = sym_of_buffer[seq.buffer]
    close = seq.gather(columns, "close") if n else np.empty(0)
    # within each symbol in sequence order, the element before the symbol's first candle of the
    # current pulse is its last candle of an earlier pulse
    order = np.lexsort((np.arange(n), sym))
    s_sym, s_pulse = sym[order], seq.pulse[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (s_sym[1:] != s_sym[:-1]) | (s_pulse[1:] != s_pulse[:-1])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    prev = group_start - 1
    has_prev = prev >= 0
    has_prev[has_prev] = s_sym[prev[has_prev]] == s_sym[has_prev]
    prev_close_sorted = np.where(has_prev, close[order][np.maximum(prev, 0)], np.nan)
    prev_close = np.empty(n)
    prev_close[order] = prev_close_sorted
    first = np.zeros(n, dtype=bool)
    first[order] = ~has_prev

    pos = np.flatnonzero(seq.is_pulse_candle)
    c_high = seq.gather(columns, "high")[pos] if n else np.empty(0)
    c_low = seq.gather(columns, "low")[pos] if n else np.empty(0)
    c_close = close[pos]
    pc = prev_close[pos]
    is_first = first[pos]
    up = c_high > pc
    down = c_low < pc
    high = np.where(up | is_first, c_high, c_close)
    low = np.where(down | is_first, c_low, c_close)
    sent = is_first | up | down | (c_close != pc)
    pos = pos[sent]
    symbols = np.array([s for s, _ in seq.buffers], dtype=object)
    return PriceUpdates(
        position=pos.astype(np.int64),
        time=seq.pulse_time_of[pos],
        symbol=symbols[seq.buffer[pos]],
        low=low[sent],
        high=high[sent],
        close=c_close[sent],
    )
