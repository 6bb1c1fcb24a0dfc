"""The analyzer engine: tickers, flags, the analyzer box, the sequencer (no gRPC here)."""

from analysis_service.engine.annotations import CandleDebug
from analysis_service.engine.candle import Candle
from analysis_service.engine.engine import AnalyzerError, Engine, SymbolInfo
from analysis_service.engine.entries import EntrySignal
from analysis_service.engine.flags import FlagStore
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer, Param
from analysis_service.engine.registry import (
    AnalyzerCycleError,
    AnalyzerRegistry,
    UnknownAnalyzerError,
    default_registry,
)
from analysis_service.engine.sequencer import Sequencer, aggregate
from analysis_service.engine.ticker import Ticker

__all__ = [
    "Analyzer",
    "AnalyzerCycleError",
    "AnalyzerError",
    "AnalyzerIO",
    "AnalyzerRegistry",
    "Candle",
    "CandleDebug",
    "Engine",
    "EntrySignal",
    "FlagStore",
    "Param",
    "Sequencer",
    "SymbolInfo",
    "Ticker",
    "UnknownAnalyzerError",
    "aggregate",
    "default_registry",
]
