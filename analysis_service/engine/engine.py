"""The analysis engine of one VM: tickers, the flag store, errors, the entry sink
(seed: src/vm/Processor/VMCandleProcessor.js).

Candles reach it already ordered (see `sequencer.Sequencer`); the engine runs the
ticker's box on each and forwards price updates and phase ends to the entry sink,
where the orders emulation of a later issue plugs in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from analysis_service.engine.candle import Candle
from analysis_service.engine.entries import EntrySignal, EntrySink, RecordingSink
from analysis_service.engine.flags import FlagStore
from analysis_service.engine.registry import AnalyzerRegistry, default_registry
from analysis_service.engine.ticker import Ticker
from analysis_service.engine.timeframes import TICKER_WINDOW, sort_longest_first


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    symbol: str
    tick_size: float
    price_precision: int
    qty_precision: int
    min_qty: str  # kept as Binance's string: the seed compares quantities as strings


@dataclass(frozen=True, slots=True)
class AnalyzerError:
    ticker_id: str
    analyzer: str
    candle_close_time: int
    message: str
    traceback: str = field(repr=False)


CandleHook = Callable[[Ticker, Candle], None]


class Engine:
    def __init__(
        self,
        symbols: Sequence[SymbolInfo],
        timeframes: Sequence[str],
        analyzers: Iterable[str] | None = None,
        *,
        registry: AnalyzerRegistry | None = None,
        entry_sink: EntrySink | None = None,
        annotate: bool = True,
        window: int = TICKER_WINDOW,
        batch: bool = True,
    ) -> None:
        self.registry = registry or default_registry()
        names = list(analyzers) if analyzers is not None else self.registry.names()
        self.symbols = {s.symbol: s for s in symbols}
        self.symbol_order = [s.symbol for s in symbols]
        self.timeframes = sort_longest_first(list(timeframes))
        self.flags = FlagStore()
        self.errors: list[AnalyzerError] = []
        self.error_listeners: list[Callable[[AnalyzerError], None]] = []
        self.entry_sink: EntrySink = entry_sink if entry_sink is not None else RecordingSink()
        self.is_live = False
        # precompute known history in batch (analysis_service/fast); False = always candle by candle
        self.batch = batch
        self.on_candle: list[CandleHook] = []
        self.tickers: dict[str, Ticker] = {}
        # symbol -> timeframe -> ticker: no key string built per candle
        self._by_symbol: dict[str, dict[str, Ticker]] = {}
        for sym in self.symbol_order:
            for tf in self.timeframes:
                box = self.registry.build_box(names)
                t = Ticker(self, sym, tf, box, window, annotate)
                self.tickers[t.id] = t
                self._by_symbol.setdefault(sym, {})[tf] = t

    def symbol_info(self, symbol: str) -> SymbolInfo:
        return self.symbols[symbol]

    def ticker(self, symbol: str, timeframe: str) -> Ticker:
        return self.tickers[f"{symbol}-{timeframe}"]

    def prepare_history(self, sequences: dict[str, list[Candle]]) -> None:
        """Announce the candles each ticker (by id) will be given next, in processing order,
        so their batchable analyzers are computed at once (no-op unless `batch`). A ticker
        that deviates from its announced sequence continues candle by candle.

        With annotations on, the last `window` candles of each sequence are left to the
        incremental analyzers, which draw the chart items the final window shows."""
        if not self.batch:
            return
        planned = []
        for tid, seq in sequences.items():
            t = self.tickers.get(tid)
            if t is None:
                continue
            if t.debug.enabled:
                seq = seq[: max(0, len(seq) - t.window)]
            if t.enter_batch(seq):
                planned.append(t)
        self._lazy_flags(planned)

    def _lazy_flags(self, planned: list[Ticker]) -> None:
        """Lazy flags when no one can see a history candle's flags but the box itself: no
        candle hooks, no chart snapshots, only built-in indicators in every box (so no strategy
        makes entries with flag snapshots, and no analyzer reads another ticker's flags but
        the ones that are always stored). Then the batched analyzers' keys are stored only
        where an incremental analyzer reads them; `Ticker.flags` completes on demand."""
        from analysis_service.fast.plan import lazy_capable, lazy_keys

        if self.on_candle or not all(lazy_capable(t.box) for t in self.tickers.values()):
            return
        for t in planned:
            if t.debug.enabled or t.plan is None:
                continue
            keys = lazy_keys(t.plan)
            if keys is not None:
                t.set_lazy(keys)

    # --- the pulse protocol (driven by the sequencer or a live pulser) --------------

    def price_update(self, symbol: str, event_time: int, low: float, high: float, current: float) -> None:
        self.entry_sink.price_update(symbol, event_time, low, high, current)

    def process_candle(self, candle: Candle) -> None:
        by_tf = self._by_symbol.get(candle.symbol)
        ticker = by_tf.get(candle.timeframe) if by_tf is not None else None
        if ticker is None:
            return
        ticker.add_candle(candle, self.is_live)
        if self.on_candle:
            for hook in self.on_candle:
                hook(ticker, candle)

    def phase_end(self, pulse_time: int) -> None:
        self.entry_sink.phase_end(pulse_time)

    def switch_live(self) -> None:
        self.is_live = True

    # --- called by tickers and analyzers --------------------------------------------

    def queue_entry(self, signal: EntrySignal) -> None:
        self.entry_sink.queue_entry(signal)

    def record_error(self, ticker_id: str, analyzer: str, time: int, message: str, tb: str) -> None:
        err = AnalyzerError(ticker_id, analyzer, time, message, tb)
        self.errors.append(err)
        for listener in self.error_listeners:
            listener(err)
