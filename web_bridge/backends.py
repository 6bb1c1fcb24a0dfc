"""Every gRPC call web_bridge makes, in one place: candle, analysis, order and broker services.

Unary calls carry a deadline (``PARAYOK_WEB_RPC_TIMEOUT``, 2 s) and do not wait for a channel to be
ready, so a service that is down answers UNAVAILABLE at once instead of hanging a client's request.
Channels reconnect with a short backoff (≤ 2 s) so the bridge recovers soon after a service is back.
Streams (pushes) are resumed by :mod:`web_bridge.hub` with tenacity.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc

from parayok.convert import timeframe_enum
from parayok.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    broker_pb2,
    broker_pb2_grpc,
    candles_pb2,
    candles_pb2_grpc,
    common_pb2,
    orders_pb2,
    orders_pb2_grpc,
)

_CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 20_000),
]
PAGE = 10_000


class _Stream:
    """A server stream whose gRPC errors arrive as BackendError, like the unary calls', so the hub
    above never handles gRPC itself."""

    def __init__(self, service: str, call: Any) -> None:
        self.service = service
        self.call = call
        self._items = call.__aiter__()

    def __aiter__(self) -> _Stream:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self._items.__anext__()
        except grpc.RpcError as exc:
            raise _wrap(self.service, exc) from None

    def cancel(self) -> bool:
        return bool(self.call.cancel())


class BackendError(Exception):
    """A service failed a call; ``text`` is what the client is told."""

    def __init__(self, service: str, code: grpc.StatusCode | None, details: str) -> None:
        self.service = service
        self.code = code
        self.details = details
        name = code.name if code is not None else "ERROR"
        super().__init__(f"{service}: {name}: {details}")

    @property
    def unavailable(self) -> bool:
        return self.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def _wrap(service: str, exc: grpc.RpcError) -> BackendError:
    code = exc.code() if hasattr(exc, "code") else None
    details = exc.details() if hasattr(exc, "details") else str(exc)
    if code == grpc.StatusCode.UNAVAILABLE:
        details = "service unavailable"  # grpc's text names sockets and errno; not for clients
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        details = "no answer in time"
    return BackendError(service, code, details or "")


@dataclass(frozen=True)
class Addresses:
    candle: str
    analysis: str
    order: str
    broker: str


class Backends:
    """Stubs of the four services the bridge translates to."""

    def __init__(self, addrs: Addresses, timeout: float = 2.0) -> None:
        self.timeout = timeout
        self._channels = {
            name: grpc.aio.insecure_channel(addr, options=_CHANNEL_OPTIONS)
            for name, addr in (("candle", addrs.candle), ("analysis", addrs.analysis),
                               ("order", addrs.order), ("broker", addrs.broker))
        }
        self.candles = candles_pb2_grpc.CandleServiceStub(self._channels["candle"])
        self.analysis = analysis_pb2_grpc.AnalysisServiceStub(self._channels["analysis"])
        self.orders = orders_pb2_grpc.OrderServiceStub(self._channels["order"])
        self.broker = broker_pb2_grpc.BrokerServiceStub(self._channels["broker"])

    async def close(self) -> None:
        for ch in self._channels.values():
            await ch.close(grace=None)

    async def _unary(self, service: str, call, request):  # type: ignore[no-untyped-def]
        try:
            return await call(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            raise _wrap(service, exc) from None

    # candle_service -----------------------------------------------------------------------

    async def get_candles(self, symbol: str, tf: str, limit: int, around_ms: int = 0,
                          to_ms: int = 0) -> list[candles_pb2.CandleBatch]:
        req = candles_pb2.GetCandlesRequest(symbol=symbol, timeframe=timeframe_enum(tf),  # type: ignore[arg-type]
                                            limit=limit, around_ms=around_ms, to_ms=to_ms)
        try:
            return [b async for b in self.candles.GetCandles(req, timeout=self.timeout * 5)]
        except grpc.RpcError as exc:
            raise _wrap("candle_service", exc) from None

    def stream_pulses(self, symbols: list[str], tfs: list[str], from_ms: int) -> AsyncIterator[
            candles_pb2.PulseStreamEvent]:
        req = candles_pb2.StreamPulsesRequest(symbols=symbols, timeframes=[timeframe_enum(t) for t in tfs],  # type: ignore[misc]
                                              from_ms=from_ms, live=True)
        return _Stream("candle_service", self.candles.StreamPulses(req))

    # analysis_service ---------------------------------------------------------------------

    async def get_flags(self, vm_id: str, symbol: str, tf: str) -> analysis_pb2.GetFlagsResponse:
        ref = common_pb2.TickerRef(symbol=symbol, timeframe=timeframe_enum(tf))  # type: ignore[arg-type]
        return await self._unary("analysis_service", self.analysis.GetFlags,
                                 analysis_pb2.GetFlagsRequest(vm_id=vm_id, ticker=ref))

    async def get_annotations(self, vm_id: str, symbol: str, tf: str, from_ms: int,
                              to_ms: int) -> list[analysis_pb2.Annotation]:
        ref = common_pb2.TickerRef(symbol=symbol, timeframe=timeframe_enum(tf))  # type: ignore[arg-type]
        resp = await self._unary("analysis_service", self.analysis.GetAnnotations, analysis_pb2.GetAnnotationsRequest(
            vm_id=vm_id, ticker=ref, from_ms=from_ms, to_ms=to_ms))
        return list(resp.annotations)

    async def list_tickers(self, vm_id: str) -> list[analysis_pb2.TickerState]:
        resp = await self._unary("analysis_service", self.analysis.ListTickers,
                                 analysis_pb2.ListTickersRequest(vm_id=vm_id))
        return list(resp.tickers)

    async def list_analyzers(self) -> list[analysis_pb2.AnalyzerInfo]:
        resp = await self._unary("analysis_service", self.analysis.ListAnalyzers, analysis_pb2.ListAnalyzersRequest())
        return list(resp.analyzers)

    async def static_taggers(self) -> list[common_pb2.TagDescription]:
        resp = await self._unary("analysis_service", self.analysis.ListTaggers, analysis_pb2.ListTaggersRequest())
        return list(resp.taggers)

    # order_service ------------------------------------------------------------------------

    async def list_vms(self) -> list[orders_pb2.Vm]:
        resp = await self._unary("order_service", self.orders.ListVms, orders_pb2.ListVmsRequest())
        return list(resp.vms)

    async def list_entries(self, vm_id: str) -> list[analysis_pb2.Entry]:
        out: list[analysis_pb2.Entry] = []
        token = ""
        while True:
            resp = await self._unary("order_service", self.orders.ListEntries, orders_pb2.ListEntriesRequest(
                vm_id=vm_id, page=common_pb2.PageRequest(page_size=PAGE, page_token=token)))
            out.extend(resp.entries)
            token = resp.next_page_token
            if not token:
                return out

    async def list_orders(self, vm_id: str) -> list[orders_pb2.Order]:
        out: list[orders_pb2.Order] = []
        token = ""
        while True:
            resp = await self._unary("order_service", self.orders.ListOrders, orders_pb2.ListOrdersRequest(
                vm_id=vm_id, page=common_pb2.PageRequest(page_size=PAGE, page_token=token)))
            out.extend(resp.orders)
            token = resp.next_page_token
            if not token:
                return out

    async def get_entry(self, vm_id: str, entry_id: str) -> analysis_pb2.Entry:
        return await self._unary("order_service", self.orders.GetEntry,
                                 orders_pb2.GetEntryRequest(vm_id=vm_id, entry_id=entry_id))

    async def get_plan(self, vm_id: str) -> orders_pb2.Plan:
        return await self._unary("order_service", self.orders.GetPlan, orders_pb2.VmRef(vm_id=vm_id))

    async def set_plan(self, vm_id: str, plan: orders_pb2.Plan) -> orders_pb2.Plan:
        # SetPlan replays every entry of the VM: allow it longer than a lookup.
        try:
            return await self.orders.SetPlan(orders_pb2.SetPlanRequest(vm_id=vm_id, plan=plan),  # type: ignore[no-any-return]
                                             timeout=self.timeout * 15)
        except grpc.RpcError as exc:
            raise _wrap("order_service", exc) from None

    async def get_report(self, vm_id: str, from_ms: int, to_ms: int, interval: int) -> orders_pb2.Report:
        return await self._unary("order_service", self.orders.GetReport, orders_pb2.GetReportRequest(
            vm_id=vm_id, from_ms=from_ms, to_ms=to_ms, interval=interval))  # type: ignore[arg-type]

    async def make_real_order(self, vm_id: str, entry_id: str) -> orders_pb2.RealOrder:
        try:
            return await self.orders.MakeRealOrder(  # type: ignore[no-any-return]
                orders_pb2.MakeRealOrderRequest(vm_id=vm_id, entry_id=entry_id), timeout=self.timeout * 5)
        except grpc.RpcError as exc:
            raise _wrap("order_service", exc) from None

    async def dynamic_taggers(self) -> list[common_pb2.TagDescription]:
        resp = await self._unary("order_service", self.orders.ListTaggers, analysis_pb2.ListTaggersRequest())
        return list(resp.taggers)

    def stream_order_events(self, after_event_id: int) -> AsyncIterator[orders_pb2.OrderEvent]:
        return _Stream("order_service", self.orders.StreamEvents(
            orders_pb2.StreamEventsRequest(vm_id="", after_event_id=after_event_id)))

    # broker_service -----------------------------------------------------------------------

    def stream_account_events(self, after_event_id: int) -> AsyncIterator[broker_pb2.AccountEvent]:
        return _Stream("broker_service", self.broker.StreamAccountEvents(
            broker_pb2.StreamAccountEventsRequest(account_id="", after_event_id=after_event_id)))
