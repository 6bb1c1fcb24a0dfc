"""The previous `max_candles` highs and lows for exact-price queries
(seed: src/vm/Analyzers/list/prices.js). The flag is the analyzer object itself."""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


class Prices(Analyzer):
    KIND = "prices"
    PARAMS = (Param("max_candles", int, 100, "how many previous candles are remembered"),)
    INSTANCES: ClassVar[Instances] = {"prices": {"max_candles": 100}}
    WRITES = ("prices",)

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.max_candles: int = self.params["max_candles"]
        # bounded deques: appending drops the oldest (list-like: count, len, iteration, indexing)
        self.highs: deque[float] = deque(maxlen=self.max_candles)
        self.lows: deque[float] = deque(maxlen=self.max_candles)
        self.prev: Candle | None = None

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        prev = self.prev
        if prev is not None:
            self.highs.append(prev.high)
            self.lows.append(prev.low)
        self.prev = candle
        io.flags["prices"] = self

    def find_price(self, price: float) -> dict[str, int]:
        """How often `price` was exactly a previous high / low (exact float equality)."""
        th = self.highs.count(price)
        tl = self.lows.count(price)
        return {"times": th + tl, "low": tl, "high": th}

    def fixture_json(self) -> dict[str, Any]:
        return {"$prices": {"n": len(self.highs)}}
