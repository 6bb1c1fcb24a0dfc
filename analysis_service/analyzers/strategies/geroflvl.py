"""Gerchik's trade off a level: BSU/BPU (seed: src/vm/Analyzers/list/st_ger_oflvl.js).

A candle whose high (or low) exactly equals a high or low of the previous candles
(`prices`, exact float equality) while touching a level of this or the higher timeframe
is the BPU. On the next candle, if its close is within the luft (`luft` × stop size)
of that price and the candle did not cross it, enter toward the bounce: sell under a
high, buy over a low; stop size = `stop_atr`·atr14 from the close, take = `rr_ratio` ×
stop. When both high and low qualify, the low wins.
"""

from __future__ import annotations

from typing import Any, ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


def _weights(w: dict[str, Any]) -> float:
    return w["rw"] + w["sw"]  # type: ignore[no-any-return]


class GerOfLvl(Analyzer):
    KIND = "geroflvl"
    DESCRIPTION = "Gerchik BSU/BPU: exact high/low repeat on a level, next close within the luft"
    IS_STRATEGY = True
    PARAMS = (
        Param("stop_atr", float, 0.125, "stop size in atr14"),
        Param("luft", float, 0.2, "how far the next close may be from the level price, in stop sizes"),
        Param("rr_ratio", float, 3.0, "take distance / stop distance"),
        Param("match_candles", int, 1, "how many earlier highs/lows must equal the price exactly"),
    )
    INSTANCES: ClassVar[Instances] = {"geroflvl": {}}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        p = self.params
        self.stop_atr: float = p["stop_atr"]
        self.luft: float = p["luft"]
        self.rr_ratio: float = p["rr_ratio"]
        self.match_candles: int = p["match_candles"]
        self.found_level: float | None = None
        self.direction = 0

    def requires(self) -> tuple[str, ...]:
        return ("atr14", "vlevels", "prices")

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        flags = io.flags
        atr = flags.get("atr14")
        if not atr:
            return
        level = self.found_level
        if level:
            stop_size = atr * self.stop_atr
            luft = stop_size * self.luft
            entry = candle.close
            buy = self.direction > 0
            self.found_level = None
            self.direction = 0
            if abs(level - entry) > luft or (buy and candle.low < level) or (not buy and candle.high > level):
                if io.annotate:
                    io.debug.label_bottom(candle, "xOL")
                return
            io.make_entry(
                self, "buy" if buy else "sell", rr_ratio=self.rr_ratio, stop_loss=entry - (1 if buy else -1) * stop_size
            )
        vlevels = flags.get("vlevels")
        vlevels_high = flags.get("vlevels_high")
        if not vlevels or not vlevels_high:
            return
        prices = flags["prices"]
        ph = candle.high
        pl = candle.low
        mp: float | None = None
        need = self.match_candles
        # prices.find_price()["times"], without building its dict or counting on every candle
        times = prices.times
        if (
            times(ph) >= need
            and _weights(vlevels_high.top_touch_weights(candle)) + _weights(vlevels.top_touch_weights(candle)) > 0
        ):
            mp = ph
        if (
            times(pl) >= need
            and _weights(vlevels_high.bottom_touch_weights(candle)) + _weights(vlevels.bottom_touch_weights(candle)) > 0
        ):
            mp = pl
        if not mp:
            return
        self.found_level = mp
        self.direction = 1 if mp == pl else -1
        if io.annotate:
            io.debug.label_bottom(candle, "BU" if self.direction > 0 else "BD")
