"""The analysis service's view of CandleService: symbol rules and the pulse stream, as domain
values (an adapter: the VM run itself never sees gRPC)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

import grpc
import numpy as np

from analysis_service.engine.engine import SymbolInfo
from analysis_service.vm import LiveSwitch, Progress, PulseBatchData, RunConfig, SourceEvent
from parayok.convert import timeframe_enum, timeframe_name
from parayok.v1 import candles_pb2, candles_pb2_grpc

log = logging.getLogger("analysis_service.candles")


class NotFound(Exception):
    pass


class Unavailable(Exception):
    pass


def _translate(exc: grpc.aio.AioRpcError) -> Exception:
    if exc.code() == grpc.StatusCode.NOT_FOUND:
        return NotFound(exc.details() or "not found")
    if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
        return ValueError(exc.details() or "invalid argument")
    return Unavailable(f"candle_service: {exc.code().name}: {exc.details()}")


def _min_qty_string(value: float) -> str:
    # Binance sends filters as decimal strings ("0.001", "1") and the seed compares quantities
    # with them as strings: rebuild the exchange's spelling from the number.
    return str(np.format_float_positional(value, trim="-"))


class CandleClient:
    def __init__(self, addr: str) -> None:
        self.channel = grpc.aio.insecure_channel(addr, options=[("grpc.max_receive_message_length", 64 << 20)])
        self.stub = candles_pb2_grpc.CandleServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    async def symbol_infos(self, symbols: Sequence[str]) -> list[SymbolInfo]:
        out = []
        for symbol in symbols:
            try:
                info = await self.stub.GetSymbolInfo(candles_pb2.GetSymbolInfoRequest(symbol=symbol), timeout=30)
            except grpc.aio.AioRpcError as exc:
                raise _translate(exc) from exc
            out.append(SymbolInfo(info.symbol, info.tick_size, info.price_precision, info.quantity_precision,
                                  _min_qty_string(info.min_qty)))
        return out

    async def pulses(self, config: RunConfig) -> AsyncIterator[SourceEvent]:
        request = candles_pb2.StreamPulsesRequest(
            symbols=list(config.symbols), timeframes=[timeframe_enum(t) for t in config.timeframes],  # type: ignore[misc]
            from_ms=config.from_ms, to_ms=config.to_ms, live=config.live)
        try:
            async for event in self.stub.StreamPulses(request):
                kind = event.WhichOneof("event")
                if kind == "pulses":
                    yield _batch(event.pulses)
                elif kind == "progress":
                    p = event.progress
                    yield Progress(p.symbol, timeframe_name(p.timeframe), p.percent, p.overall_percent,
                                   p.candles_loaded, p.candles_per_second)
                elif kind == "live":
                    yield LiveSwitch(event.live.last_history_pulse_ms)
                elif kind == "gap":
                    log.info("exchange gap in the pulse stream", extra={
                        "event": "gap", "symbol": event.gap.symbol, "from_ms": event.gap.from_ms,
                        "to_ms": event.gap.to_ms})
                elif kind == "market":
                    log.warning("market status", extra={"event": "market", "reachable": event.market.reachable,
                                                         "cause": event.market.cause})
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from exc


def _batch(b: candles_pb2.PulseBatch) -> PulseBatchData:
    names = {t: timeframe_name(t) for t in set(b.candle_timeframe)}
    return PulseBatchData(
        symbols=list(b.symbols), pulse_time=list(b.pulse_time), closed=list(b.closed),
        price_count=list(b.price_count), candle_count=list(b.candle_count), price_symbol=list(b.price_symbol),
        price_low=list(b.price_low), price_high=list(b.price_high), price_close=list(b.price_close),
        candle_symbol=list(b.candle_symbol), candle_timeframe=[names[t] for t in b.candle_timeframe],
        open_time=list(b.open_time), close_time=list(b.close_time), open=list(b.open), high=list(b.high),
        low=list(b.low), close=list(b.close), volume=list(b.volume),
    )
