"""Recent Williams-fractal swing highs/lows of the last 100 candles (time-based window),
newest first; `find_high`/`find_low` serve makeEntry's `usePrevSwing`
(seed: src/vm/Analyzers/list/prev_swing.js). The flag is the analyzer object itself."""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param
from analysis_service.engine.timeframes import tf_length


class PrevSwing(Analyzer):
    KIND = "prev_swing"
    PARAMS = (Param("max_candles", int, 100, "window, in timeframe lengths"),)
    INSTANCES: ClassVar[Instances] = {"prev_swing": {}}
    WRITES = ("prev_swing",)

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.max_candles: int = self.params["max_candles"]
        self.highs: list[Candle] = []
        self.lows: list[Candle] = []
        self.last: Candle | None = None
        self.tf_len = 0
        self.version = 0  # bumped whenever highs or lows change, so consumers can cache (flag snapshots)

    def requires(self) -> tuple[str, ...]:
        return ("hl_trend", "hills", "wfractals")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        self.last = candle
        self.tf_len = io.tf_length
        wf = io.flags.get("wfractals")
        if wf:
            if wf["type"] == "high":
                self.highs.insert(0, wf["candle"])
                self.version += 1
            if wf["type"] == "low":
                self.lows.insert(0, wf["candle"])
                self.version += 1
        t = candle.open_time - self.tf_len * self.max_candles
        # forget_before, only when the oldest kept swing is actually old
        if (self.highs and self.highs[-1].open_time <= t) or (self.lows and self.lows[-1].open_time <= t):
            self.forget_before(t)
        io.flags["prev_swing"] = self

    def _from_time(self, max_candles_back: int) -> int:
        assert self.last is not None
        return self.last.open_time - tf_length(self.last.timeframe) * max_candles_back

    def find_high(self, max_candles_back: int, high_above: float) -> Candle | None:
        if self.last is None:
            return None
        t = self._from_time(max_candles_back)
        for c in self.highs:
            if c.open_time > t and c.body_high() > high_above:
                return c
        return None

    def find_low(self, max_candles_back: int, low_below: float) -> Candle | None:
        if self.last is None:
            return None
        t = self._from_time(max_candles_back)
        for c in self.lows:
            if c.open_time > t and c.body_low() < low_below:
                return c
        return None

    def forget_before(self, time: int) -> None:
        # lists are newest first: trim the tail only when it is actually old
        highs = self.highs
        if highs and highs[-1].open_time <= time:
            self.highs = [c for c in highs if c.open_time > time]
            self.version += 1
        lows = self.lows
        if lows and lows[-1].open_time <= time:
            self.lows = [c for c in lows if c.open_time > time]
            self.version += 1

    def json_safe(self) -> dict[str, Any]:
        """What a flag snapshot writes for this object: its fixture summary, ints only (so
        already JSON-safe)."""
        return self.fixture_json()

    def fixture_json(self) -> dict[str, Any]:
        return {"$prev_swing": {"highs": [c.open_time for c in self.highs], "lows": [c.open_time for c in self.lows]}}
