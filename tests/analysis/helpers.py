"""Small builders for hand-made candle series."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from analysis_service.engine import Candle, Engine, SymbolInfo

BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")
T0 = 1_699_920_000_000  # a UTC midnight


def candles(
    ohlcv: Iterable[Sequence[float]], tf: str = "1h", symbol: str = "BTCUSDT", step: int = 3_600_000
) -> list[Candle]:
    out = []
    for i, (o, h, lo, c, *v) in enumerate(ohlcv):
        t = T0 + i * step
        out.append(
            Candle(t, float(o), float(h), float(lo), float(c), float(v[0] if v else 1.0), t + step - 1, symbol, tf)
        )
    return out


def closes(values: Iterable[float], tf: str = "1h") -> list[Candle]:
    """Candles whose open = previous close, high/low = max/min(open, close)."""
    rows = []
    prev = None
    for c in values:
        o = c if prev is None else prev
        rows.append((o, max(o, c), min(o, c), c, 1.0))
        prev = c
    return candles(rows, tf)


def run(
    series: list[Candle], analyzers: Sequence[str], tf: str = "1h", annotate: bool = False
) -> tuple[Engine, list[dict[str, Any]]]:
    """Feed one ticker candle by candle; return the engine and a copy of its flags after each."""
    engine = Engine([BTC], [tf], analyzers, annotate=annotate)
    snaps: list[dict[str, Any]] = []
    engine.on_candle.append(lambda t, c: snaps.append(dict(t.flags)))
    for c in series:
        engine.process_candle(c)
    return engine, snaps
