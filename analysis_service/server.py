"""AnalysisService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf import struct_pb2

from analysis_service.candles_client import CandleClient, NotFound
from analysis_service.engine.engine import AnalyzerError
from analysis_service.engine.entries import EntrySink
from analysis_service.engine.registry import AnalyzerCycleError, AnalyzerRegistry, UnknownAnalyzerError
from analysis_service.engine.timeframes import tf_length
from analysis_service.entries.entry import ACTIVE, LOST, OPENED_AT_PRICE_UPDATE, PENDING, WON, Entry, Tag
from analysis_service.entries.events import (
    BAD_ORDER_PARAMS,
    DUPLICATE_ACTIVE_ID,
    EntryClosed,
    EntryOpened,
    EntryRejected,
    LimitExpired,
    LimitPlaced,
)
from analysis_service.entries.snapshot import json_snapshot, json_value
from analysis_service.taggers import default_tagger_registry
from analysis_service.vm import ChunkDone, LiveSwitch, PriceEvent, Progress, PulseEnd, RunConfig, VmRun
from parayok.convert import timeframe_enum, timeframe_name
from parayok.errors import grpc_errors
from parayok.v1 import analysis_pb2, analysis_pb2_grpc, candles_pb2, common_pb2

log = logging.getLogger("analysis_service")

_KINDS = {
    "circle": analysis_pb2.Annotation.KIND_CIRCLE, "line": analysis_pb2.Annotation.KIND_LINE,
    "label": analysis_pb2.Annotation.KIND_LABEL, "onchart": analysis_pb2.Annotation.KIND_ONCHART,
    "offchart": analysis_pb2.Annotation.KIND_OFFCHART, "entry": analysis_pb2.Annotation.KIND_ENTRY,
}

SinkFactory = Callable[[RunConfig, VmRun | None], EntrySink | None]


def run_config(vm: analysis_pb2.VmAnalysisConfig) -> RunConfig:
    config = RunConfig(
        vm_id=vm.vm_id, symbols=tuple(vm.symbols),
        timeframes=tuple(timeframe_name(t, "vm.timeframes") for t in vm.timeframes),
        analyzers=tuple(vm.analyzers), from_ms=vm.from_ms, to_ms=vm.to_ms, live=vm.live,
        annotations=vm.annotations, flags_snapshot=vm.flags_snapshot, all_pulses=vm.all_pulses,
    )
    config.check()
    return config


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


_RESULTS = {
    ACTIVE: common_pb2.ENTRY_RESULT_ACTIVE, WON: common_pb2.ENTRY_RESULT_WON, LOST: common_pb2.ENTRY_RESULT_LOST,
    PENDING: common_pb2.ENTRY_RESULT_PENDING,
}


_REJECT_REASONS = {
    DUPLICATE_ACTIVE_ID: analysis_pb2.REJECT_REASON_DUPLICATE_ACTIVE_ID,
    BAD_ORDER_PARAMS: analysis_pb2.REJECT_REASON_BAD_ORDER_PARAMS,
}


def tag_pb(name: str, tag: Tag) -> common_pb2.Tag:
    value = tag.value
    comment = tag.comment or ""
    if isinstance(value, str):
        return common_pb2.Tag(name=name, text=value, comment=comment)
    return common_pb2.Tag(name=name, number=float(value), comment=comment)


def entry_pb(entry: Entry, vm_id: str, with_flags: bool = True) -> analysis_pb2.Entry:
    out = analysis_pb2.Entry(
        id=entry.id, vm_id=vm_id, symbol=entry.symbol, timeframe=timeframe_enum(entry.timeframe),  # type: ignore[arg-type]
        strategy=entry.strategy, side=common_pb2.SIDE_BUY if entry.is_long else common_pb2.SIDE_SELL,
        time_ms=entry.time, entry_price=entry.entry_price, stop_loss=entry.stop_loss, take_profit=entry.take_profit,
        is_limit=entry.is_limit, opened_at_ms=entry.opened_at, result=_RESULTS.get(entry.result, 0),  # type: ignore[arg-type]
        close_time_ms=entry.close_time or 0, close_price=entry.close_price or 0.0, gain_percent=entry.gain_percent,
        take_price_reached=entry.take_price_reached, take_percent_reached=entry.take_percent_reached,
        loss_price_reached=entry.loss_price_reached, loss_percent_reached=entry.loss_percent_reached,
        current_price=entry.current_price, comment=entry.comment,
        opened_by_price_update=entry.opened_in == OPENED_AT_PRICE_UPDATE,
        tags=[tag_pb(name, tag) for name, tag in entry.tags.items()],
    )
    if with_flags and entry.flags:
        out.flags.update(entry.flags)
    return out


def entry_event(item: Any, vm_id: str) -> analysis_pb2.RunEvent | None:
    if isinstance(item, EntryOpened):
        return analysis_pb2.RunEvent(entry_opened=entry_pb(item.entry, vm_id))
    if isinstance(item, EntryClosed):
        return analysis_pb2.RunEvent(entry_closed=entry_pb(item.entry, vm_id, with_flags=False))
    if isinstance(item, LimitPlaced):
        return analysis_pb2.RunEvent(limit_placed=analysis_pb2.LimitPlaced(
            entry=entry_pb(item.entry, vm_id, with_flags=False), expire_ms=item.expire))
    if isinstance(item, EntryRejected):
        return analysis_pb2.RunEvent(entry_rejected=analysis_pb2.EntryRejected(
            id=item.id, symbol=item.symbol, timeframe=timeframe_enum(item.timeframe),  # type: ignore[arg-type]
            strategy=item.strategy, side=common_pb2.SIDE_BUY if item.type == "buy" else common_pb2.SIDE_SELL,
            time_ms=item.time, is_limit=item.is_limit, at_ms=item.at,
            reason=_REJECT_REASONS.get(item.reason, analysis_pb2.REJECT_REASON_UNSPECIFIED), message=item.message))
    if isinstance(item, LimitExpired):
        return analysis_pb2.RunEvent(limit_expired=analysis_pb2.LimitExpired(
            entry=entry_pb(item.entry, vm_id, with_flags=False), at_ms=item.at))
    return None


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
        # None = the entry emulator; tests may record signals only.
        self.sink_factory = sink_factory or (lambda config, previous: None)
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
        batch: list[analysis_pb2.RunEvent] = []
        async for item in run.run(self.candles.pulses(config)):
            if isinstance(item, ChunkDone):
                if len(batch) > 1:
                    yield analysis_pb2.RunEvent(batch=analysis_pb2.RunEventBatch(events=batch))
                elif batch:
                    yield batch[0]
                batch = []
                continue
            event = run_event(item) or entry_event(item, config.vm_id)
            if event is None:
                continue
            if request.batch_live_events and run.live and not isinstance(item, (LiveSwitch, Progress)):
                batch.append(event)
            else:
                yield event

    @grpc_errors
    async def ListEntries(self, request: analysis_pb2.ListAnalysisEntriesRequest,
                          context: grpc.aio.ServicerContext) -> analysis_pb2.ListAnalysisEntriesResponse:
        run = self._run_of(request.vm_id)
        size = request.page.page_size or 100
        if size < 0 or size > 10_000:
            raise ValueError("page.page_size: must be between 0 and 10000")
        try:
            after = int(request.page.page_token) if request.page.page_token else -1
        except ValueError:
            raise ValueError("page.page_token: not a token this service issued") from None
        entries, cursor = run.entries.page(request.active_only, after, size)
        return analysis_pb2.ListAnalysisEntriesResponse(
            entries=[entry_pb(e, request.vm_id, with_flags=False) for e in entries],
            next_page_token="" if cursor is None else str(cursor))

    @grpc_errors
    async def GetEntry(self, request: analysis_pb2.GetAnalysisEntryRequest,
                       context: grpc.aio.ServicerContext) -> analysis_pb2.Entry:
        run = self._run_of(request.vm_id)
        try:
            entry = run.entries.get(request.entry_id)
        except LookupError as exc:
            raise NotFound(str(exc)) from exc
        return entry_pb(entry, request.vm_id)

    @grpc_errors
    async def ListTaggers(self, request: analysis_pb2.ListTaggersRequest,
                          context: grpc.aio.ServicerContext) -> analysis_pb2.ListTaggersResponse:
        descriptions = [d for t in default_tagger_registry().create_all() for d in t.DESCRIPTIONS]
        return analysis_pb2.ListTaggersResponse(taggers=[
            common_pb2.TagDescription(name=d.name, vals=list(d.vals), desc=d.desc) for d in descriptions])

    @grpc_errors
    async def GetFlags(self, request: analysis_pb2.GetFlagsRequest,
                       context: grpc.aio.ServicerContext) -> analysis_pb2.GetFlagsResponse:
        ticker = self._ticker(request.vm_id, request.ticker)
        last = ticker.candles[-1].close_time if ticker.candles else 0
        return analysis_pb2.GetFlagsResponse(ticker=request.ticker, time_ms=last,
                                             flags=struct(json_snapshot(ticker.flags)))

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
                data = {k: json_value(v) for k, v in item.items() if k not in ("type", "src") and v is not None}
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
                default = struct({"v": json_value(p["default"])}).fields["v"]
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
