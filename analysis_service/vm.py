"""One VM's analysis run: pulses in, engine in the seed's order, events out.

The run does not know where pulses come from (CandleService over gRPC in the service, a list in
tests) nor how events travel: it turns :class:`PulseBatchData` into engine calls — per pulse the
price updates, then the closed candles (already ordered higher timeframe first by candle_service),
then the phase end — and yields domain events after each pulse.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis_service.engine.candle import Candle
from analysis_service.engine.engine import Engine, SymbolInfo
from analysis_service.engine.entries import EntrySink, RecordingSink
from analysis_service.engine.registry import AnalyzerRegistry
from analysis_service.engine.timeframes import TF_LENGTH_MS
from analysis_service.entries.emulator import EntryEmulator
from parayok.memory import settle

log = logging.getLogger("analysis_service.vm")


@dataclass(frozen=True)
class RunConfig:
    vm_id: str
    symbols: tuple[str, ...]
    timeframes: tuple[str, ...]
    analyzers: tuple[str, ...] = ()  # empty = every registered analyzer
    from_ms: int = 0
    to_ms: int = 0
    live: bool = False
    annotations: bool = False
    flags_snapshot: bool = True
    all_pulses: bool = False  # report every history pulse (price updates and pulse ends), not only busy ones

    def check(self) -> None:
        if not self.vm_id:
            raise ValueError("vm.vm_id: required")
        if not self.symbols:
            raise ValueError("vm.symbols: at least one symbol is needed")
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError("vm.symbols: duplicates")
        if not self.timeframes:
            raise ValueError("vm.timeframes: at least one timeframe is needed")
        for tf in self.timeframes:
            if tf not in TF_LENGTH_MS:
                raise ValueError(f"vm.timeframes: unknown timeframe {tf!r}; expected one of {', '.join(TF_LENGTH_MS)}")
        if self.from_ms <= 0:
            raise ValueError("vm.from_ms: required (> 0)")
        if self.to_ms and self.to_ms <= self.from_ms:
            raise ValueError("vm.to_ms: must be after from_ms")
        if not self.to_ms and not self.live:
            raise ValueError("vm.to_ms: required unless live is set")


@dataclass
class PulseBatchData:
    """Consecutive pulses as plain lists (see CandleService's PulseBatch for the layout)."""

    symbols: list[str]
    pulse_time: list[int]
    closed: list[bool]
    price_count: list[int]
    candle_count: list[int]
    price_symbol: list[int]
    price_low: list[float]
    price_high: list[float]
    price_close: list[float]
    candle_symbol: list[int]
    candle_timeframe: list[str]
    open_time: list[int]
    close_time: list[int]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]
    volume: list[float]


def _candles(b: PulseBatchData) -> list[Candle]:
    syms = b.symbols
    symbol = [syms[0]] * len(b.open_time) if len(syms) == 1 else [syms[i] for i in b.candle_symbol]
    return list(map(Candle, b.open_time, b.open, b.high, b.low, b.close, b.volume, b.close_time, symbol,
                    b.candle_timeframe))


@dataclass(frozen=True)
class Progress:
    symbol: str
    timeframe: str
    percent: float
    overall_percent: float
    candles_loaded: int
    candles_per_second: float


@dataclass(frozen=True)
class LiveSwitch:
    last_history_pulse: int


@dataclass(frozen=True)
class PriceEvent:
    symbol: str
    time: int
    low: float
    high: float
    close: float


@dataclass(frozen=True)
class PulseEnd:
    time: int
    live: bool


@dataclass(frozen=True)
class ChunkDone:
    """Every event of a live chunk (the pulses candle_service sent in one message) has been yielded:
    where a consumer may send what it gathered."""


SourceEvent = PulseBatchData | Progress | LiveSwitch


@dataclass
class VmRun:
    """The engine of one VM and what it has produced so far."""

    config: RunConfig
    symbol_infos: Sequence[SymbolInfo]
    registry: AnalyzerRegistry
    sink: EntrySink | None = None  # default: the entry emulator over this run's engine
    engine: Engine = field(init=False)
    last_pulse: int = 0
    live: bool = False
    _pending: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        analyzers = list(self.config.analyzers) if self.config.analyzers else None
        self.engine = Engine(self.symbol_infos, list(self.config.timeframes), analyzers, registry=self.registry,
                             entry_sink=self.sink or RecordingSink(), annotate=self.config.annotations)
        if self.sink is None:
            self.sink = EntryEmulator.attach(self.engine, flags_snapshot=self.config.flags_snapshot)
        self.engine.error_listeners.append(self._pending.append)

    @property
    def entries(self) -> EntryEmulator:
        if not isinstance(self.sink, EntryEmulator):
            raise TypeError("this run records signals only; it emulates no entries")
        return self.sink

    def _drain(self) -> list[Any]:
        """Errors and entry events of the pulse just processed (most pulses have none)."""
        out: list[Any] = []
        if self._pending:
            out, self._pending[:] = self._pending[:], []
        drain = getattr(self.sink, "drain_events", None)
        if drain is not None:
            events = drain()
            if events:
                out.extend(events)
        return out

    async def run(self, source: AsyncIterator[SourceEvent]) -> AsyncIterator[Any]:
        """Consumes the pulse stream; yields Progress, PriceEvent, the sink's entry events,
        AnalyzerError, PulseEnd and LiveSwitch, in pulse order, and ChunkDone after each live chunk.

        History is gathered until it ends (the live switch, or the end of the stream) and then
        announced to the engine before it is processed, so that indicators that are pure functions
        of the series are computed in batch; the events and their order are the same as candle by
        candle. Live pulses are processed as they come."""
        history: list[PulseBatchData] = []
        # candles are built as batches arrive, while candle_service is still streaming
        history_candles: list[list[Candle]] = []
        async for event in source:
            if isinstance(event, Progress):
                yield event
                continue
            if isinstance(event, LiveSwitch):
                for item in self._process(history, history_candles, announce=True):
                    yield item
                history, history_candles = [], []
                self.live = True
                self.engine.switch_live()
                settle()  # the history's objects stay for the whole live run: out of the collector's way
                yield event
                continue
            if not self.live:
                history.append(event)
                history_candles.append(_candles(event))
                continue
            for item in self._process([event], [_candles(event)], announce=False):
                yield item
            yield ChunkDone()
        for item in self._process(history, history_candles, announce=True):
            yield item

    def _process(self, batches: list[PulseBatchData], candles: list[list[Candle]], announce: bool) -> Iterator[Any]:
        engine = self.engine
        if announce and candles:
            sequences: dict[str, list[Candle]] = {}
            for batch in candles:
                for c in batch:
                    sequences.setdefault(f"{c.symbol}-{c.timeframe}", []).append(c)
            engine.prepare_history(sequences)
        process = engine.process_candle
        phase_end = engine.phase_end
        price_update = engine.price_update
        for event, batch_candles in zip(batches, candles, strict=True):
            every = self.live or self.config.all_pulses
            last = len(event.pulse_time) - 1
            closed = event.closed
            price_count = event.price_count
            candle_count = event.candle_count
            pi = ci = 0
            for p, pulse_time in enumerate(event.pulse_time):
                for _ in range(price_count[p]):
                    sym = event.symbols[event.price_symbol[pi]]
                    price_update(sym, pulse_time, event.price_low[pi], event.price_high[pi], event.price_close[pi])
                    if every:
                        yield PriceEvent(sym, pulse_time, event.price_low[pi], event.price_high[pi],
                                         event.price_close[pi])
                    pi += 1
                n = candle_count[p]
                for c in batch_candles[ci:ci + n]:
                    process(c)
                ci += n
                if closed[p]:
                    phase_end(pulse_time)
                drained = self._drain()
                if drained:
                    yield from drained
                if closed[p]:
                    self.last_pulse = pulse_time
                    if every or drained or p == last:
                        yield PulseEnd(pulse_time, self.live)
