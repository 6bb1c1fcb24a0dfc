"""AnalysisService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf import struct_pb2

from analysis_service.candles_client import CandleClient, NotFound
from analysis_service.engine.encode import encode_flags, encode_value
from analysis_service.engine.engine import AnalyzerError
from analysis_service.engine.entries import EntrySink, RecordingSink
from analysis_service.engine.registry import AnalyzerCycleError, AnalyzerRegistry, UnknownAnalyzerError
from analysis_service.engine.timeframes import tf_length
from analysis_service.vm import LiveSwitch, PriceEvent, Progress, PulseEnd, RunConfig, VmRun
from parayok.convert import timeframe_enum, timeframe_name
from parayok.errors import grpc_errors
from parayok.v1 import analysis_pb2, analysis_pb2_grpc, candles_pb2, common_pb2

log = logging.getLogger("analysis_service")

_KINDS = {
    "circle": analysis_pb2.Annotation.KIND_CIRCLE, "line": analysis_pb2.Annotation.KIND_LINE,
    "label": analysis_pb2.Annotation.KIND_LABEL, "onchart": analysis_pb2.Annotation.KIND_ONCHART,
    "offchart": analysis_pb2.Annotation.KIND_OFFCHART, "entry": analysis_pb2.Annotation.KIND_ENTRY,
}

SinkFactory = Callable[[RunConfig, VmRun | None], EntrySink]


def run_config(vm: analysis_pb2.VmAnalysisConfig) -> RunConfig:
    config = RunConfig(
        vm_id=vm.vm_id, symbols=tuple(vm.symbols),
        timeframes=tuple(timeframe_name(t, "vm.timeframes") for t in vm.timeframes),
        analyzers=tuple(vm.analyzers), from_ms=vm.from_ms, to_ms=vm.to_ms, live=vm.live,
        annotations=vm.annotations, flags_snapshot=vm.flags_snapshot,
    )
    config.check()
    return config


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def run_event(item: Any) -> analysis_pb2.RunEvent | None:
    if isinstance(item, PriceEvent):
        return analysis_pb2.RunEvent(price=analysis_pb2.PriceUpdate(
            symbol=item.symbol, time_ms=item.time, low=item.low, high=item.high, close=item.close))
    if isinstance(item, PulseEnd):
        return analysis_pb2.RunEvent(pulse_end=analysis_pb2.PulseEnd(pulse_time_ms=item.time, live=item.live))
    if isinstance(item, Progress):
        return analysis_pb2.RunEvent(progress=candles_pb2.LoadProgress(
            symbol=item.symbol, timeframe=timeframe_enum(item.timeframe),  # type: ignore[arg-type]
            percent=item.percent, candles_loaded=item.candles_loaded,
            candles_per_second=item.candles_per_second, overall_percent=item.overall_percent))
    if isinstance(item, LiveSwitch):
        return analysis_pb2.RunEvent(live=candles_pb2.LiveSwitch(last_history_pulse_ms=item.last_history_pulse))
    if isinstance(item, AnalyzerError):
        return analysis_pb2.RunEvent(analyzer_error=analysis_pb2.AnalyzerError(
            ticker=item.ticker_id, analyzer=item.analyzer, message=item.message, time_ms=item.candle_close_time))
    return None


class AnalysisServicer(analysis_pb2_grpc.AnalysisServiceServicer):
    def __init__(self, candles: CandleClient, registry: AnalyzerRegistry,
                 sink_factory: SinkFactory | None = None) -> None:
        self.candles = candles
        self.registry = registry
        self.sink_factory = sink_factory or (lambda config, previous: RecordingSink())
        self.runs: dict[str, VmRun] = {}

    def _run_of(self, vm_id: str) -> VmRun:
        run = self.runs.get(vm_id)
        if run is None:
            raise NotFound(f"vm_id: no run of VM {vm_id!r} on this service")
        return run

    def _ticker(self, vm_id: str, ticker: common_pb2.TickerRef) -> Any:
        run = self._run_of(vm_id)
        tf = timeframe_name(ticker.timeframe, "ticker.timeframe")
        found = run.engine.tickers.get(f"{ticker.symbol}-{tf}")
        if found is None:
            raise NotFound(f"ticker: {ticker.symbol}-{tf} is not part of VM {vm_id!r}")
        return found

    @grpc_errors
    async def Run(self, request: analysis_pb2.RunRequest,
                  context: grpc.aio.ServicerContext) -> AsyncIterator[analysis_pb2.RunEvent]:
        config = run_config(request.vm)
        try:  # unknown names and dependency cycles fail before any candle moves
            self.registry.build_box(config.analyzers)
        except (UnknownAnalyzerError, AnalyzerCycleError) as exc:
            raise ValueError(f"vm.analyzers: {exc}") from exc
        infos = await self.candles.symbol_infos(config.symbols)
        run = VmRun(config, infos, self.registry, self.sink_factory(config, self.runs.get(config.vm_id)))
        self.runs[config.vm_id] = run
        log.info("run started", extra={"event": "run_started", "vm": config.vm_id, "symbols": list(config.symbols),
                                       "timeframes": list(config.timeframes), "live": config.live})
        async for item in run.run(self.candles.pulses(config)):
            event = run_event(item)
            if event is None:
                event = self.translate_entry_event(item)
            if event is not None:
                yield event

    def translate_entry_event(self, item: Any) -> analysis_pb2.RunEvent | None:
        """Entry events of the emulator (proto translation lives with the emulator's types)."""
        translate = getattr(item, "to_run_event", None)
        return translate() if translate is not None else None

    @grpc_errors
    async def GetFlags(self, request: analysis_pb2.GetFlagsRequest,
                       context: grpc.aio.ServicerContext) -> analysis_pb2.GetFlagsResponse:
        ticker = self._ticker(request.vm_id, request.ticker)
        last = ticker.candles[-1].close_time if ticker.candles else 0
        return analysis_pb2.GetFlagsResponse(ticker=request.ticker, time_ms=last,
                                             flags=struct(encode_flags(ticker.flags)))

    @grpc_errors
    async def GetAnnotations(self, request: analysis_pb2.GetAnnotationsRequest,
                             context: grpc.aio.ServicerContext) -> analysis_pb2.GetAnnotationsResponse:
        ticker = self._ticker(request.vm_id, request.ticker)
        length = tf_length(ticker.timeframe)
        out = []
        for open_time, items in ticker.debug.get(request.from_ms or None).items():
            close_time = open_time + length - 1
            if request.to_ms and close_time >= request.to_ms:
                continue
            for item in items:
                data = {k: encode_value(v) for k, v in item.items() if k not in ("type", "src") and v is not None}
                kind = _KINDS.get(item.get("type", ""), analysis_pb2.Annotation.KIND_UNSPECIFIED)
                out.append(analysis_pb2.Annotation(kind=kind, time_ms=close_time, source=str(item.get("src", "")),
                                                   data=struct(data)))
        return analysis_pb2.GetAnnotationsResponse(annotations=out)

    @grpc_errors
    async def ListAnalyzers(self, request: analysis_pb2.ListAnalyzersRequest,
                            context: grpc.aio.ServicerContext) -> analysis_pb2.ListAnalyzersResponse:
        kinds = {d["kind"]: d for d in self.registry.describe()}
        out = []
        for name in self.registry.names():
            inst = self.registry.create(name)
            desc = kinds.get(type(inst).KIND, {})
            params = []
            for p in desc.get("params", []):
                default = struct({"v": encode_value(p["default"])}).fields["v"]
                params.append(analysis_pb2.AnalyzerParam(name=p["name"], type=p["type"], default=default,
                                                         description=p["description"]))
            module_doc = (sys.modules[type(inst).__module__].__doc__ or "").strip()
            description = str(desc.get("description") or " ".join(module_doc.split("\n\n")[0].split()))
            out.append(analysis_pb2.AnalyzerInfo(
                name=name, is_strategy=bool(desc.get("strategy")), description=description,
                requires=list(inst.requires()), flags=[f.replace("{id}", inst.id) for f in desc.get("writes", [])],
                params=params))
        return analysis_pb2.ListAnalyzersResponse(analyzers=out)

    @grpc_errors
    async def ListTickers(self, request: analysis_pb2.ListTickersRequest,
                          context: grpc.aio.ServicerContext) -> analysis_pb2.ListTickersResponse:
        run = self._run_of(request.vm_id)
        out = []
        for ticker in run.engine.tickers.values():
            out.append(analysis_pb2.TickerState(
                ticker=common_pb2.TickerRef(symbol=ticker.symbol,
                                            timeframe=timeframe_enum(ticker.timeframe)),  # type: ignore[arg-type]
                candles=len(ticker.candles), is_live=run.live,
                first_time_ms=ticker.candles[0].open_time if ticker.candles else 0,
                last_time_ms=ticker.candles[-1].close_time if ticker.candles else 0))
        return analysis_pb2.ListTickersResponse(tickers=out)
