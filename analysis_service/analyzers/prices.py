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
        # how many of highs + lows equal a price (dict equality is float ==, as deque.count's):
        # built on the first `times` call (a box without geroflvl never pays), then kept in step
        # by add_candle; rebuilt when someone replaced or resized the deques themselves
        self._times: dict[float, int] | None = None
        self._h: deque[float] | None = None
        self._l: deque[float] | None = None
        self._n = -1

    def _rebuild(self) -> dict[float, int]:
        times: dict[float, int] = {}
        for dq in (self.highs, self.lows):
            for price in dq:
                times[price] = times.get(price, 0) + 1
        self._times = times
        self._h = self.highs
        self._l = self.lows
        self._n = len(self.highs) + len(self.lows)
        return times

    def _counted(self) -> dict[float, int] | None:
        times = self._times
        if times is not None and (
            self.highs is not self._h or self.lows is not self._l or len(self.highs) + len(self.lows) != self._n
        ):
            times = self._rebuild()
        return times

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        prev = self.prev
        if prev is not None:
            highs = self.highs
            lows = self.lows
            times = self._counted()
            if times is None:
                highs.append(prev.high)
                lows.append(prev.low)
            else:
                for dq, price in ((highs, prev.high), (lows, prev.low)):
                    if len(dq) == dq.maxlen:
                        if not dq:
                            continue  # maxlen 0: appending keeps nothing
                        old = dq[0]  # dropped by the append
                        n = times[old] - 1
                        if n:
                            times[old] = n
                        else:
                            del times[old]
                    dq.append(price)
                    times[price] = times.get(price, 0) + 1
                self._n = len(highs) + len(lows)
        self.prev = candle
        io.flags["prices"] = self

    def times(self, price: float) -> int:
        """`find_price(price)["times"]` without the counting: highs.count + lows.count."""
        times = self._counted()
        if times is None:
            times = self._rebuild()
        return times.get(price, 0)

    def find_price(self, price: float) -> dict[str, int]:
        """How often `price` was exactly a previous high / low (exact float equality)."""
        th = self.highs.count(price)
        tl = self.lows.count(price)
        return {"times": th + tl, "low": tl, "high": th}

    def json_safe(self) -> dict[str, Any]:
        """What a flag snapshot writes for this object: its fixture summary, ints only (so
        already JSON-safe)."""
        return self.fixture_json()

    def fixture_json(self) -> dict[str, Any]:
        return {"$prices": {"n": len(self.highs)}}
