"""CandleService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import numpy as np

from parayok.columnar import build
from parayok.convert import timeframe_enum, timeframe_name
from parayok.errors import grpc_errors
from parayok.v1 import candles_pb2, candles_pb2_grpc, common_pb2

from .candles import CANDLE_FIELDS, CandleColumns, SymbolInfo
from .pulse_chunks import PulseChunk
from .service import (
    CandleService,
    GapEvent,
    LiveSwitchEvent,
    MarketStatusEvent,
    ProgressEvent,
    PulseEvent,
)


def candle_batch(cols: CandleColumns) -> candles_pb2.CandleBatch:
    return build(
        candles_pb2.CandleBatch,
        {f: getattr(cols, f) for f in CANDLE_FIELDS},
        symbol=cols.symbol,
        timeframe=timeframe_enum(cols.timeframe),
    )


def symbol_info(info: SymbolInfo) -> common_pb2.SymbolInfo:
    raw = info.raw_json()
    return common_pb2.SymbolInfo(
        symbol=info.symbol, tick_size=info.tick_size, step_size=info.step_size, min_qty=info.min_qty,
        min_notional=info.min_notional, price_precision=info.price_precision,
        quantity_precision=info.quantity_precision, base_asset=str(raw.get("baseAsset", "")),
        quote_asset=str(raw.get("quoteAsset", "")), status=info.status,
    )


def pulse_batch(chunk: PulseChunk) -> candles_pb2.PulseBatch:
    enum_of = np.array([timeframe_enum(tf) for tf in chunk.timeframes] or [0], dtype=np.int64)
    tf_enums = enum_of[chunk.candle_timeframe]
    columns = {
        "pulse_time": chunk.pulse_time, "closed": chunk.closed, "price_count": chunk.price_count,
        "candle_count": chunk.candle_count, "price_symbol": chunk.price_symbol, "price_low": chunk.price_low,
        "price_high": chunk.price_high, "price_close": chunk.price_close, "candle_symbol": chunk.candle_symbol,
        "candle_timeframe": tf_enums, "open_time": chunk.open_time, "close_time": chunk.close_time,
        "open": chunk.open, "high": chunk.high, "low": chunk.low, "close": chunk.close, "volume": chunk.volume,
    }
    return build(candles_pb2.PulseBatch, columns, symbols=list(chunk.symbols))


def pulse_event(event: PulseEvent) -> candles_pb2.PulseStreamEvent:
    if isinstance(event, PulseChunk):
        return candles_pb2.PulseStreamEvent(pulses=pulse_batch(event))
    if isinstance(event, ProgressEvent):
        p = event.progress
        return candles_pb2.PulseStreamEvent(progress=candles_pb2.LoadProgress(
            symbol=p.symbol, timeframe=timeframe_enum(p.timeframe),  # type: ignore[arg-type]
            percent=p.percent, candles_loaded=p.loaded, candles_per_second=p.candles_per_second,
            overall_percent=event.overall_percent))
    if isinstance(event, GapEvent):
        return candles_pb2.PulseStreamEvent(gap=candles_pb2.GapReport(
            symbol=event.symbol, timeframe=timeframe_enum(event.timeframe),  # type: ignore[arg-type]
            from_ms=event.start, to_ms=event.end))
    if isinstance(event, LiveSwitchEvent):
        return candles_pb2.PulseStreamEvent(live=candles_pb2.LiveSwitch(
            last_history_pulse_ms=event.last_history_pulse))
    if isinstance(event, MarketStatusEvent):
        return candles_pb2.PulseStreamEvent(market=candles_pb2.MarketStatus(
            reachable=event.reachable, cause=event.cause, retry_at_ms=event.retry_at_ms))
    raise TypeError(f"unknown pulse event {event!r}")


class CandleServicer(candles_pb2_grpc.CandleServiceServicer):
    def __init__(self, service: CandleService) -> None:
        self.service = service

    @grpc_errors
    async def GetCandles(self, request: candles_pb2.GetCandlesRequest,
                         context: grpc.aio.ServicerContext) -> AsyncIterator[candles_pb2.CandleBatch]:
        tf = timeframe_name(request.timeframe)
        async for cols in self.service.get_candles(request.symbol, tf, request.from_ms, request.to_ms,
                                                   request.limit, request.around_ms):
            yield candle_batch(cols)

    @grpc_errors
    async def StreamPulses(self, request: candles_pb2.StreamPulsesRequest,
                           context: grpc.aio.ServicerContext) -> AsyncIterator[candles_pb2.PulseStreamEvent]:
        tfs = [timeframe_name(t, "timeframes") for t in request.timeframes]
        if request.late_candle_wait_ms < 0:
            raise ValueError("late_candle_wait_ms: must not be negative")
        async for event in self.service.stream_pulses(list(request.symbols), tfs, request.from_ms, request.to_ms,
                                                      request.live, request.late_candle_wait_ms):
            yield pulse_event(event)

    @grpc_errors
    async def ImportCandles(self, request: candles_pb2.ImportCandlesRequest,
                            context: grpc.aio.ServicerContext) -> candles_pb2.ImportCandlesResponse:
        tf = timeframe_name(request.timeframe)
        derive = [timeframe_name(t, "derive_timeframes") for t in request.derive_timeframes]
        if request.derive_higher and not derive:
            raise ValueError("derive_timeframes: name the timeframes to derive")
        result, derived = await self.service.import_files(list(request.paths), request.symbol, tf,
                                                          derive if request.derive_higher else [])
        return candles_pb2.ImportCandlesResponse(
            rows_read=result.rows, rows_stored=result.rows, first_open_time=result.first_open_time or 0,
            last_open_time=result.last_open_time or 0,
            derived=[timeframe_enum(t) for t in derived],  # type: ignore[misc]
        )

    @grpc_errors
    async def ListSymbols(self, request: candles_pb2.ListSymbolsRequest,
                          context: grpc.aio.ServicerContext) -> candles_pb2.ListSymbolsResponse:
        return candles_pb2.ListSymbolsResponse(symbols=[symbol_info(i) for i in await self.service.symbols()])

    @grpc_errors
    async def GetSymbolInfo(self, request: candles_pb2.GetSymbolInfoRequest,
                            context: grpc.aio.ServicerContext) -> common_pb2.SymbolInfo:
        if not request.symbol:
            raise ValueError("symbol: required")
        return symbol_info(await self.service.symbol_info(request.symbol))
