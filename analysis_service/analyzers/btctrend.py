"""BTCUSDT trend versus emac9/emac20 on 15m/30m/1h/4h/1d → `bt-<tf>-<9|20>` in −4..4
(seed: src/vm/Analyzers/list/btctrend.js). Needs a truthy atr14."""

from __future__ import annotations

from typing import ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.flags import flag_get
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances

SYMBOL = "BTCUSDT"
TIMEFRAMES = frozenset(("15m", "30m", "1h", "4h", "1d"))
PERIODS = (9, 20)


def trend_level(candle: Candle, ema: float, atr: float) -> int:
    o, c = candle.open, candle.close
    if c > ema:
        if min(o, c) > ema:
            if candle.low > ema:
                return 4 if candle.low > ema + atr / 2 else 3
            return 2
        return 1
    if c < ema:
        if max(o, c) < ema:
            if candle.high < ema:
                return -4 if candle.high < ema - atr / 2 else -3
            return -2
        return -1
    return 0


class BTCTrend(Analyzer):
    KIND = "btctrend"
    INSTANCES: ClassVar[Instances] = {"btctrend": {}}
    WRITES = ("bt-{tf}-9", "bt-{tf}-20")

    def requires(self) -> tuple[str, ...]:
        return ("atr14", "emac9", "emac20")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        if candle.symbol != SYMBOL or candle.timeframe not in TIMEFRAMES:
            return
        flags = io.flags
        atr = flag_get(flags, "atr14")
        if not atr:
            return
        for p in PERIODS:
            ema = flag_get(flags, f"emac{p}")
            flags[f"bt-{candle.timeframe}-{p}"] = trend_level(candle, ema, atr) if ema else 0
