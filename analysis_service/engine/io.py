"""What an analyzer sees of the engine (seed: src/vm/Analyzers/AnalyzerIO.js).

One `AnalyzerIO` per ticker; the ticker points it at the current candle and the
fresh flag dict before running the box. Hot analyzers may write `io.flags[name]`
directly: it is the same dict `set` writes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from analysis_service.engine.annotations import CandleDebug
from analysis_service.engine.entries import (
    DEFAULT_RR_RATIO,
    DEFAULT_STOP_ATR_RATIO,
    PREV_SWING_MAX_CANDLES,
    EntrySignal,
)
from analysis_service.engine.flags import flag_get, js_truthy
from analysis_service.engine.timeframes import tf_length

if TYPE_CHECKING:
    from analysis_service.engine.candle import Candle
    from analysis_service.engine.engine import Engine, SymbolInfo
    from analysis_service.engine.plugin import Analyzer


class AnalyzerIO:
    __slots__ = (
        "annotate",
        "candle",
        "candles",
        "debug",
        "engine",
        "flags",
        "htf_id",
        "symbol",
        "symbol_info",
        "tf_length",
        "ticker_id",
        "timeframe",
    )

    def __init__(
        self,
        engine: Engine,
        symbol: str,
        timeframe: str,
        candles: deque[Candle],
        debug: CandleDebug,
        htf_id: str | None,
    ) -> None:
        self.engine = engine
        self.symbol = symbol
        self.timeframe = timeframe
        self.ticker_id = f"{symbol}-{timeframe}"
        self.symbol_info: SymbolInfo = engine.symbol_info(symbol)
        self.candles = candles
        self.debug = debug
        self.annotate = debug.enabled
        self.htf_id = htf_id
        self.tf_length = tf_length(timeframe)
        self.flags: dict[str, Any] = {}
        self.candle: Candle | None = None

    # --- flags -----------------------------------------------------------------------

    def get(self, name: str) -> Any:
        return flag_get(self.flags, name)

    def set(self, name: str, value: Any) -> None:
        self.flags[name] = value

    def get_htf(self, name: str) -> Any:
        """The higher timeframe ticker's *current* flag, raw (None when absent)."""
        if self.htf_id is None:
            return None
        t = self.engine.flags.tickers.get(self.htf_id)
        return None if t is None else t.get(name)

    def get_ticker_flag(self, ticker_id: str, name: str) -> Any:
        return self.engine.flags.get_ticker_flag(ticker_id, name)

    def cdb(self) -> CandleDebug:
        return self.debug

    # --- candles ---------------------------------------------------------------------

    def get_candles_from(self, close_time: int) -> list[Candle]:
        """Stored candles closing after `close_time` (seed: `getCandlesFrom`)."""
        return [c for c in self.candles if c.close_time > close_time]

    def find_candles_back(
        self,
        period_end_time: int | None,
        max_candles_back: int,
        max_found: int,
        match: Callable[[Candle], bool],
    ) -> list[Candle]:
        """Newest-first matches among stored candles in a time window of `max_candles_back`
        timeframe lengths ending at `period_end_time` (seed: `TickerProcessor.findCandlesBack`)."""
        if len(self.candles) <= 1:
            return []
        to_time = period_end_time or self.candles[-1].close_time
        from_time = to_time - self.tf_length * max_candles_back
        out: list[Candle] = []
        for c in reversed(self.candles):
            if c.close_time > from_time and c.close_time <= to_time and match(c):
                out.append(c)
                if len(out) >= max_found:
                    break
        return out

    # --- entries ---------------------------------------------------------------------

    def make_entry(
        self,
        strategy: Analyzer | str,
        type: str,
        *,
        entry_price: float | None = None,
        stop_loss: float | None = None,
        take_profit: float | None = None,
        stop_from: float | None = None,
        rr_ratio: float | None = None,
        stop_atr_ratio: float | None = None,
        use_prev_swing: bool = False,
    ) -> EntrySignal | None:
        """Seed defaults: SL = stopFrom ∓ atr14·stopATRRatio, TP = entry ± |entry−SL|·rrRatio.
        Falsy arguments (None, 0) take the default, as in the seed."""
        candle = self.candle
        assert candle is not None
        is_limit = js_truthy(entry_price)
        direction = 1 if type == "buy" else -1
        atr14 = flag_get(self.flags, "atr14")
        if not atr14:
            return None
        if not rr_ratio:
            rr_ratio = DEFAULT_RR_RATIO
        if not stop_atr_ratio:
            stop_atr_ratio = DEFAULT_STOP_ATR_RATIO
        if not entry_price:
            entry_price = candle.close
        if not stop_from:
            stop_from = entry_price
        if not stop_loss:
            stop_loss = stop_from - direction * atr14 * stop_atr_ratio
        if use_prev_swing:
            stop_loss = self._prev_swing_stop(type == "buy", stop_loss)
        stop_height = abs(entry_price - (stop_loss or 0.0))
        if not take_profit:
            take_profit = entry_price + direction * stop_height * rr_ratio
        signal = EntrySignal(
            strategy=strategy if isinstance(strategy, str) else strategy.id,
            symbol=candle.symbol,
            timeframe=candle.timeframe,
            time=candle.close_time,
            type=type,
            is_limit=is_limit,
            entry_price=entry_price,
            stop_loss=stop_loss,
            take_profit=take_profit,
            candle=candle,
            flags=self.flags,
        )
        self.engine.queue_entry(signal)
        return signal

    def _prev_swing_stop(self, is_long: bool, stop_loss: float) -> float | None:
        sw = flag_get(self.flags, "prev_swing")
        if sw is None:
            return None
        if is_long:
            c = sw.find_low(PREV_SWING_MAX_CANDLES, stop_loss)
            return stop_loss if c is None else c.low
        c = sw.find_high(PREV_SWING_MAX_CANDLES, stop_loss)
        return stop_loss if c is None else c.high
