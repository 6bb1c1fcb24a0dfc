"""A strategy that enters on every pulse, for the live-latency benchmark (bench/live_latency.py).

Candle k of the timeframe (open time / length) is entered on the VM's symbol number k mod N (N symbols, in
the VM's order), so each pulse makes exactly one entry; the side alternates with each round of symbols. In
hedge mode broker_service keeps one bracket per symbol and position side: a side is used again only 2·N
pulses later, by which time the market has reached the bracket's stop or take, which sit `percent` from
the close.
"""

from __future__ import annotations

from typing import ClassVar

from analysis_service.engine.candle import Candle
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Instances, Param


class EveryCandle(Analyzer):
    KIND = "bench_every_candle"
    DESCRIPTION = "benchmark only: a market entry on every closed candle, sides alternating"
    IS_STRATEGY = True
    PARAMS = (Param("percent", float, 0.05, "stop and take distance from the close, percent"),)
    INSTANCES: ClassVar[Instances] = {"bench_every_candle": {}}

    def requires(self) -> tuple[str, ...]:
        return ("atr14",)  # io.make_entry refuses to enter before the ATR exists, as the seed

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        length = candle.close_time + 1 - candle.open_time
        k = candle.open_time // length
        symbols = list(io.engine.symbols)  # the VM's symbols, in its order
        n = len(symbols)
        if k % n != symbols.index(candle.symbol):
            return
        buy = (k // n) % 2 == 0
        d = candle.close * self.params["percent"] / 100
        if buy:
            io.make_entry(self, "buy", stop_loss=candle.close - d, take_profit=candle.close + d)
        else:
            io.make_entry(self, "sell", stop_loss=candle.close + d, take_profit=candle.close - d)
