"""Price magnets: centres of fair-value gaps ('im') and order-block body centres ('ob'),
removed once a candle's range touches them (seed: src/vm/Analyzers/list/magnets.js,
magnets/magnets.js, magnets/magnet.js). The flag is the container object.

The order block is the newest stored candle, within 30 timeframe lengths ending at
the trend-start candle's *open* time (as the seed passes it), whose colour differs
from the trend-start candle's."""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances

MAX_CANDLES_BACK = 30
IMBALANCE = "im"
ORDERBLOCK = "ob"


class Magnet:
    __slots__ = ("candle", "id", "price", "type", "weight")

    def __init__(self, price: float, weight: int, candle: Candle, magnet_id: int, kind: str) -> None:
        self.price = price
        self.weight = weight
        self.candle = candle
        self.id = magnet_id
        self.type = kind


class Magnets:
    def __init__(self) -> None:
        self.magnets: list[Magnet] = []
        self.max_id = 0
        self.version = 0
        # the magnets' prices, sorted: most candles touch none, found by one bisect
        self._sorted: list[float] = []

    def add(self, price: float, weight: int, candle: Candle, kind: str, io: AnalyzerIO) -> None:
        self.max_id += 1
        m = Magnet(price, weight, candle, self.max_id, kind)
        self.magnets.append(m)
        insort(self._sorted, price)
        self.version += 1
        if io.annotate:
            io.debug.hline(candle, price, **self._line(None, m))

    @staticmethod
    def _line(x1: int | None, m: Magnet) -> dict[str, Any]:
        return {
            "x1": x1,
            "id": f"mgn{m.id}",
            "color": "purple" if m.type == IMBALANCE else "cyan",
            "alpha": 0.3 + 0.1 * m.weight,
            "width": 2 + 0.5 * m.weight,
        }

    def remove_touched(self, candle: Candle, io: AnalyzerIO) -> int:
        lo = candle.low
        hi = candle.high
        ps = self._sorted
        i = bisect_left(ps, lo)
        if i == len(ps) or ps[i] > hi:
            return 0
        touched = [m for m in self.magnets if lo <= m.price <= hi]
        if touched:
            self.magnets = [m for m in self.magnets if not (lo <= m.price <= hi)]
            self._sorted = sorted(m.price for m in self.magnets)
            self.version += 1
            if io.annotate:
                for m in touched:
                    io.debug.hline(m.candle, m.price, **self._line(candle.open_time, m))
        return len(touched)

    # --- consumer side (strategies, taggers) -----------------------------------------

    @staticmethod
    def info(magnets: list[Magnet]) -> dict[str, Any]:
        min_p = 1.7976931348623157e308
        max_p = 5e-324  # JS Number.MIN_VALUE, kept as the seed's starting maximum
        w = 0
        for m in magnets:
            if m.price < min_p:
                min_p = m.price
            if m.price > max_p:
                max_p = m.price
            w += m.weight
        return {"minPrice": min_p, "maxPrice": max_p, "weight": w, "count": len(magnets)}

    def get_since(self, timestamp: int) -> list[Magnet]:
        return [m for m in self.magnets if m.candle.open_time >= timestamp]

    def filter_range(self, y0: float, y1: float, magnets: list[Magnet] | None = None) -> list[Magnet]:
        return [m for m in (self.magnets if magnets is None else magnets) if y0 <= m.price <= y1]

    def info_above(self, price: float) -> dict[str, Any]:
        above = [m for m in self.magnets if m.price > price]
        res = self.info(above)
        res.update(closestPrice=res["minPrice"], farestPrice=res["maxPrice"], recent=above[-1] if above else None)
        return res

    def info_below(self, price: float) -> dict[str, Any]:
        below = [m for m in self.magnets if m.price < price]
        res = self.info(below)
        res.update(closestPrice=res["maxPrice"], farestPrice=res["minPrice"], recent=below[-1] if below else None)
        return res

    def json_safe(self) -> dict[str, Any]:
        """What a flag snapshot writes for this object: its fixture summary, ints only (so
        already JSON-safe)."""
        return self.fixture_json()

    def fixture_json(self) -> dict[str, Any]:
        return {"$magnets": {"n": len(self.magnets), "maxId": self.max_id}}

    def fixture_list(self) -> list[list[Any]]:
        return [
            [m.id, m.price if math.isfinite(m.price) else str(m.price), m.weight, m.type, m.candle.open_time]
            for m in self.magnets
        ]


class MagnetsAnalyzer(Analyzer):
    KIND = "magnets"
    INSTANCES: ClassVar[Instances] = {"magnets": {}}
    WRITES = ("magnets",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.magnets = Magnets()
        self.trend_start: Candle | None = None

    def requires(self) -> tuple[str, ...]:
        return ("impulse", "vlevels")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        mg = self.magnets
        if mg.magnets:
            mg.remove_touched(candle, io)
        flags = io.flags
        gap = flags.get("impulse.gap")
        if gap:
            mg.add(gap["y0"] + (gap["y1"] - gap["y0"]) / 2, 1, gap["candle"], IMBALANCE, io)
        end = flags.get("impulse.end")
        ts = self.trend_start
        if end and ts is not None:
            ts_green = ts.open < ts.close
            found = io.find_candles_back(ts.open_time, MAX_CANDLES_BACK, 1, lambda c: (c.open < c.close) != ts_green)
            if found:
                mg.add(found[0].body_center(), 1, candle, ORDERBLOCK, io)
            self.trend_start = None
        start = flags.get("impulse.trend")
        if start:
            self.trend_start = start
        flags["magnets"] = mg
