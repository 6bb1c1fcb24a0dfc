"""MACD-based filter → `macdf = {d, m, r}` (seed: src/vm/Analyzers/list/macdf.js).

Seed quirks kept on purpose: the sign is `h/|h|`, so it is NaN when the histogram is
exactly 0 and NaN != NaN counts as a switch; the typo `swithLine = 0` means the
switch line is never reset when the count runs out.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.flags import flag_get
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


def _sign_by_division(h: float) -> float:
    # h/|h| in IEEE terms: 0/0 is NaN
    return math.nan if h == 0 else (1.0 if h > 0 else -1.0)


class MACDF(Analyzer):
    KIND = "macdf"
    PARAMS = (Param("swlen", int, 3, "candles after a histogram sign switch that stay flagged"),)
    INSTANCES: ClassVar[Instances] = {"macdf": {}}
    WRITES = ("macdf",)

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.swlen: int = self.params["swlen"]
        self.count = 0
        self.direction: float = 0
        self.line: float = 0
        self.prev_sign: float | None = None

    def requires(self) -> tuple[str, ...]:
        return ("macd",)

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        macd = flag_get(io.flags, "macd")
        if not macd:
            return
        sign = _sign_by_division(macd["h"])
        if self.prev_sign is None:
            self.prev_sign = sign
            return
        if sign != self.prev_sign:  # NaN != NaN is a switch, as in JS
            self.count = self.swlen
            self.direction = sign
            self.line = macd["m"]
        elif self.count > 0:
            self.count -= 1
            if self.count == 0:
                self.direction = 0
        r = ""
        if self.direction > 0:
            if self.line < 0:
                if io.annotate:
                    io.debug.label_bottom(candle, "DS")
                r = "ds"
        elif self.direction < 0 and self.line > 0:
            if io.annotate:
                io.debug.label_bottom(candle, "DB")
            r = "db"
        self.prev_sign = sign
        io.flags["macdf"] = {"d": self.direction, "m": self.line, "r": r}
