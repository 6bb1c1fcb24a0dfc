"""Run one strategy over hand-built candles with hand-scripted indicator flags.

Every analyzer the strategy (and every box) requires is replaced by a no-op stub, and a
`script` analyzer placed before the strategy writes the flags `script(i, candles)` returns
for candle i. So each case states exactly what the indicators say and the strategy's own
logic alone decides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from analysis_service.analyzers.vlevels import Level, VLevels
from analysis_service.engine import Analyzer, AnalyzerIO, Candle, Engine, EntrySignal
from analysis_service.engine.entries import RecordingSink
from analysis_service.engine.registry import AnalyzerRegistry, default_registry

from ..helpers import BTC, candles

Script = Callable[[int, list[Candle]], dict[str, Any]]


class _Stub(Analyzer):
    KIND = "stub"

    @classmethod
    def instance_params(cls, name: str) -> dict[str, Any] | None:
        return {}

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        pass


class _Script(Analyzer):
    KIND = "script"
    INSTANCES: ClassVar[dict[str, dict[str, Any]]] = {"script": {}}
    current: ClassVar[Script | None] = None

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.script = _Script.current
        self.seen: list[Candle] = []

    def add_candle(self, candle: Candle, io: AnalyzerIO) -> None:
        self.seen.append(candle)
        if self.script is not None:
            io.flags.update(self.script(len(self.seen) - 1, self.seen))


def run_strategy(
    strategy: str,
    rows: Sequence[Sequence[float]],
    script: Script,
    tf: str = "1h",
    annotate: bool = True,
    **params: Any,
) -> list[EntrySignal]:
    cls = default_registry().named[strategy][0]
    reg = AnalyzerRegistry()
    reg.register(cls)
    reg.named[strategy] = (cls, {**default_registry().named[strategy][1], **params})
    reg.register(_Script)
    reg.register(_Stub)
    sink = RecordingSink()
    _Script.current = script
    try:
        engine = Engine([BTC], [tf], ["script", strategy], registry=reg, annotate=annotate, entry_sink=sink)
    finally:
        _Script.current = None
    box = [a.id for a in engine.ticker("BTCUSDT", tf).box]
    assert box.index("script") < box.index(strategy)
    for c in candles(rows, tf):
        engine.process_candle(c)
    assert engine.errors == []
    return sink.signals


def level_set(*levels: tuple[float, float, bool, int, int]) -> VLevels:
    """A vlevels object with one single-point level per (price, height, bounce_up, weight, time)."""
    vl = VLevels("vlevels")
    for i, (y, h, up, w, t) in enumerate(levels, start=1):
        lvl = Level(i)
        lvl.add_point(t, y, up, h, w)
        vl.levels.append(lvl)
        vl.level_id = i
    return vl


def key(s: EntrySignal) -> tuple[str, str, bool, float, float | None, float]:
    return (s.strategy, s.type, s.is_limit, s.entry_price, s.stop_loss, s.take_profit)
