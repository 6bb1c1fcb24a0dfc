"""One symbol × timeframe: its last 300 candles and its box of analyzers
(seed: src/vm/Processor/TickerProcessor.js + AnalyzersBox.js)."""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from analysis_service.engine.annotations import CandleDebug
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.timeframes import HTF

if TYPE_CHECKING:
    from analysis_service.engine.candle import Candle
    from analysis_service.engine.engine import Engine
    from analysis_service.engine.plugin import Analyzer


class Ticker:
    def __init__(
        self,
        engine: Engine,
        symbol: str,
        timeframe: str,
        box: list[Analyzer],
        window: int,
        annotate: bool,
    ) -> None:
        self.engine = engine
        self.symbol = symbol
        self.timeframe = timeframe
        self.id = f"{symbol}-{timeframe}"
        self.window = window
        self.candles: deque[Candle] = deque()
        self.box = box
        self.disabled: list[str] = []
        self.debug = CandleDebug(annotate, window)
        htf = HTF.get(timeframe)
        self.io = AnalyzerIO(engine, symbol, timeframe, self.candles, self.debug,
                             f"{symbol}-{htf}" if htf else None)
        self._calls: list[Callable[[Candle, AnalyzerIO], None]] = [a.add_candle for a in box]
        self._ids: list[str] = [a.id for a in box]

    @property
    def flags(self) -> dict[str, Any]:
        return self.io.flags

    def analyzer(self, name: str) -> Analyzer | None:
        for a in self.box:
            if a.id == name or a.name == name:
                return a
        return None

    def add_candle(self, candle: Candle, is_live: bool) -> None:
        candles = self.candles
        candles.append(candle)
        if len(candles) > self.window:
            first = candles.popleft()
            t = first.open_time
            for a in self.box:
                a.forget_before(t)
            self.debug.forget_before(t)
        io = self.io
        io.candle = candle
        flags = {"is_live": is_live}
        self.engine.flags.tickers[self.id] = flags
        io.flags = flags
        if self.debug.enabled:
            self._run_annotated(0, candle, io)
        else:
            self._run(0, candle, io)

    def _run(self, start: int, candle: Candle, io: AnalyzerIO) -> None:
        calls = self._calls
        i = start
        try:
            for i in range(start, len(calls)):  # noqa: B007 - i is read by the handler
                calls[i](candle, io)
        except Exception as exc:
            self._disable(i, candle, exc)
            self._run(i, candle, io)

    def _run_annotated(self, start: int, candle: Candle, io: AnalyzerIO) -> None:
        # same loop, but annotations are tagged with the analyzer that drew them
        calls = self._calls
        ids = self._ids
        debug = self.debug
        i = start
        try:
            for i in range(start, len(calls)):  # noqa: B007 - i is read by the handler
                debug.source = ids[i]
                calls[i](candle, io)
        except Exception as exc:
            self._disable(i, candle, exc)
            self._run_annotated(i, candle, io)

    def _disable(self, index: int, candle: Candle, exc: BaseException) -> None:
        """An analyzer raised: drop it from this ticker only and record the error once."""
        analyzer = self.box.pop(index)
        del self._calls[index]
        del self._ids[index]
        self.disabled.append(analyzer.id)
        self.engine.record_error(
            self.id, analyzer.id, candle.close_time,
            f"{type(exc).__name__}: {exc}",
            "".join(traceback.format_exception(exc)),
        )
