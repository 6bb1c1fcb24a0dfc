"""Trade Pro channel "EMA 50 crosses EMA 200" (seed: src/vm/Analyzers/list/st_tpc_cma3.js),
as two instances: `cma3buy` (emac50 crosses above emac200) and `cma3sell` (below).

After the cross (for a buy): `max_closes_beyond` bodies closing below emac200 cancel the
setup; then a body below emac50 is the touch; then the first green candle closing above
emac50 enters, stop = candle low − `stop_atr_ratio`·atr14, take = `rr_ratio` × stop
distance, and the search starts over. The cross flips back → start over.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


class Cma3(Analyzer):
    KIND = "cma3"
    DESCRIPTION = "EMA 50/200 cross, touch of EMA 50, close back across it with the right colour"
    IS_STRATEGY = True
    PARAMS = (
        Param(
            "is_long", bool, True, "True: buy after emac50 crosses above emac200; False: sell after it crosses below"
        ),
        Param("fast", str, "emac50", "the average that crosses and must be touched"),
        Param("slow", str, "emac200", "the average crossed"),
        Param("max_closes_beyond", int, 3, "this many bodies beyond the slow average cancel the setup"),
        Param("stop_atr_ratio", float, 2.0, "stop distance from the candle's low/high in atr14"),
        Param("rr_ratio", float, 1.5, "take distance / stop distance"),
    )
    INSTANCES: ClassVar[Instances] = {"cma3buy": {"is_long": True}, "cma3sell": {"is_long": False}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.is_long: bool = self.params["is_long"]
        self.fast: str = self.params["fast"]
        self.slow: str = self.params["slow"]
        self.max_closes_beyond: int = self.params["max_closes_beyond"]
        self.stop_atr_ratio: float = self.params["stop_atr_ratio"]
        self.rr_ratio: float = self.params["rr_ratio"]
        self.prev_fast_beyond: bool | None = None
        self.was_cross = False
        self.was_touch = False
        self.count_beyond = 0

    def requires(self) -> tuple[str, ...]:
        return (self.fast, self.slow)

    def _reset(self) -> None:
        self.was_cross = False
        self.was_touch = False
        self.count_beyond = 0

    def _closes_beyond(self, candle: Candle, level: float) -> bool:
        if self.is_long:
            return (candle.open if candle.open < candle.close else candle.close) < level
        return (candle.open if candle.open > candle.close else candle.close) > level

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        fast = flags.get(self.fast)
        slow = flags.get(self.slow)
        if not fast or not slow:
            return
        is_long = self.is_long
        beyond = fast > slow if is_long else fast < slow
        if not self.was_cross:
            prev = self.prev_fast_beyond
            self.prev_fast_beyond = beyond
            if prev is None or prev or not beyond:
                return
            self.was_cross = True
            if io.annotate:
                io.debug.label_top(candle, "C")
        self.prev_fast_beyond = beyond
        if not beyond:
            self._reset()
            return
        if self._closes_beyond(candle, slow):
            self.count_beyond += 1
            if self.count_beyond >= self.max_closes_beyond:
                if io.annotate:
                    io.debug.label_top(candle, "A")
                self._reset()
                return
        if not self.was_touch:
            if not self._closes_beyond(candle, fast):
                return
            self.was_touch = True
            if io.annotate:
                io.debug.label_top(candle, "T")
        if is_long:
            if not (candle.open < candle.close and candle.close > fast):
                return
        elif not (candle.open > candle.close and candle.close < fast):
            return
        io.make_entry(
            self,
            "buy" if is_long else "sell",
            rr_ratio=self.rr_ratio,
            stop_from=candle.low if is_long else candle.high,
            stop_atr_ratio=self.stop_atr_ratio,
        )
        self._reset()
