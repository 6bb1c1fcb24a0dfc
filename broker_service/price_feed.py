"""The paper broker's prices: candle_service over gRPC (an adapter; the paper account itself never
sees gRPC)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

import grpc
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from parayok.tasks import cancel_and_wait
from parayok.v1 import candles_pb2, candles_pb2_grpc, common_pb2

from .filters import SymbolRules, dec
from .models import Unavailable

log = logging.getLogger("broker_service.price_feed")

PriceHandler = Callable[[str, float, float, float, int], Awaitable[None]]


class CandlePriceFeed:
    """Prices from candle_service: GetCandles for the last price and rules, StreamPulses (1m, live)
    for updates. The stream is reopened (tenacity backoff) when it fails or the symbol set grows."""

    def __init__(self, addr: str) -> None:
        self.addr = addr
        self.symbols: list[str] = []
        self.last: dict[str, float] = {}
        self.last_time: dict[str, int] = {}
        self._channel: grpc.aio.Channel | None = None
        self._task: asyncio.Task[None] | None = None
        self._handler: PriceHandler | None = None

    def _stub(self) -> candles_pb2_grpc.CandleServiceStub:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.addr)
        return candles_pb2_grpc.CandleServiceStub(self._channel)

    async def start(self, handler: PriceHandler, symbols: Sequence[str]) -> None:
        self._handler = handler
        for s in symbols:
            if s not in self.symbols:
                self.symbols.append(s)
        self._restart()

    def _restart(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.symbols and self._handler is not None:
            self._task = asyncio.create_task(self._run(list(self.symbols)), name="paper-feed")

    async def ensure(self, symbol: str) -> None:
        if symbol not in self.symbols:
            self.symbols.append(symbol)
            self._restart()

    async def rules(self, symbol: str) -> SymbolRules:
        try:
            info = await self._stub().GetSymbolInfo(candles_pb2.GetSymbolInfoRequest(symbol=symbol), timeout=10)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise ValueError(f"symbol: {symbol} is not listed ({exc.details()})") from exc
            raise Unavailable(f"candle_service: {exc.code().name} {exc.details()}") from exc
        return SymbolRules(
            symbol=info.symbol,
            tick_size=dec(info.tick_size),
            step_size=dec(info.step_size),
            min_qty=dec(info.min_qty),
            max_qty=Decimal("1e12"),
            market_min_qty=dec(info.min_qty),
            market_max_qty=Decimal("1e12"),
            min_notional=dec(info.min_notional),
            price_precision=info.price_precision,
            quantity_precision=info.quantity_precision,
            status=info.status or "TRADING",
        )

    async def price(self, symbol: str) -> float:
        if symbol in self.last:
            return self.last[symbol]
        try:
            req = candles_pb2.GetCandlesRequest(symbol=symbol, timeframe=common_pb2.TIMEFRAME_1M, limit=1)
            async for batch in self._stub().GetCandles(req, timeout=30):
                if batch.close:
                    self.last[symbol] = batch.close[-1]
                    self.last_time[symbol] = batch.close_time[-1]
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"candle_service: {exc.code().name} {exc.details()}") from exc
        if symbol not in self.last:
            raise Unavailable(f"no price for {symbol} from candle_service yet")
        return self.last[symbol]

    async def _run(self, symbols: list[str]) -> None:
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.2, max=15.0),
            retry=retry_if_exception_type((grpc.aio.AioRpcError, Unavailable)),
        ):
            with attempt:
                await self._stream(symbols)

    async def _stream(self, symbols: list[str]) -> None:
        for s in symbols:
            await self.price(s)
        start = min(self.last_time.get(s, 0) for s in symbols) + 1
        req = candles_pb2.StreamPulsesRequest(
            symbols=symbols, timeframes=[common_pb2.TIMEFRAME_1M], from_ms=start, live=True
        )
        async for ev in self._stub().StreamPulses(req):
            if ev.WhichOneof("event") != "pulses":
                continue
            b = ev.pulses
            pi = 0
            for i, t in enumerate(b.pulse_time):
                for _ in range(b.price_count[i]):
                    sym = b.symbols[b.price_symbol[pi]]
                    low, high, close = b.price_low[pi], b.price_high[pi], b.price_close[pi]
                    pi += 1
                    self.last[sym] = close
                    self.last_time[sym] = int(t)
                    if self._handler is not None:
                        await self._handler(sym, low, high, close, int(t))

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        if self._channel is not None:
            await self._channel.close()
