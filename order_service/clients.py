"""gRPC clients of the services order_service calls, behind the small ports of ``ports.py``.

Each translates API messages to domain types and gRPC failures to ``Unavailable`` (retry later),
``NotFound`` or ``BrokerRejected`` (do not retry).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from order_service import convert
from order_service.model import NotFound, SymbolRules, Unavailable, VmConfig
from order_service.ports import (
    BracketInfo,
    BracketRequest,
    BrokerRejected,
    Closed,
    Opened,
    PriceSeen,
    Progress,
    PulseDone,
    RunItem,
    WentLive,
)
from parayok.convert import timeframe_enum
from parayok.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    broker_pb2,
    broker_pb2_grpc,
    candles_pb2,
    candles_pb2_grpc,
    common_pb2,
)

# Codes that mean "the other side is not there right now": worth retrying.
TRANSIENT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.UNIMPLEMENTED,  # a service deployed before its RPC exists
}
BRACKET_STATES = {
    broker_pb2.BRACKET_STATE_PENDING: "pending",
    broker_pb2.BRACKET_STATE_OPEN: "open",
    broker_pb2.BRACKET_STATE_CLOSED: "closed",
    broker_pb2.BRACKET_STATE_FAILED: "failed",
}


def _unavailable(service: str, exc: grpc.aio.AioRpcError) -> Unavailable:
    return Unavailable(f"{service}: {exc.code().name}: {exc.details()}")


class AnalysisClient:
    def __init__(self, addr: str) -> None:
        self.channel = grpc.aio.insecure_channel(addr, options=[("grpc.max_receive_message_length", 64 << 20)])
        self.stub = analysis_pb2_grpc.AnalysisServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    @staticmethod
    def request(vm: VmConfig, from_ms: int) -> analysis_pb2.RunRequest:
        return analysis_pb2.RunRequest(
            vm=analysis_pb2.VmAnalysisConfig(
                vm_id=vm.id,
                symbols=vm.symbols,
                timeframes=[timeframe_enum(t) for t in vm.timeframes],  # type: ignore[misc]
                analyzers=vm.analyzers,
                from_ms=from_ms,
                to_ms=vm.end_ms,
                live=vm.end_ms == 0,
                flags_snapshot=True,
            ),
            batch_live_events=True,
        )

    async def run(self, vm: VmConfig, from_ms: int) -> AsyncIterator[RunItem]:
        call = self.stub.Run(self.request(vm, from_ms))
        try:
            async for ev in call:
                for one in ev.batch.events if ev.HasField("batch") else (ev,):
                    item = translate_run_event(one)
                    if item is not None:
                        yield item
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("analysis_service", exc) from exc
        finally:
            call.cancel()


def translate_run_event(ev: analysis_pb2.RunEvent) -> RunItem | None:
    which = ev.WhichOneof("event")
    if which == "entry_opened":
        return Opened(convert.entry_from_pb(ev.entry_opened))
    if which == "entry_closed":
        return Closed(convert.entry_from_pb(ev.entry_closed))
    if which == "price":
        return PriceSeen(ev.price.symbol, ev.price.time_ms)
    if which == "pulse_end":
        return PulseDone(ev.pulse_end.pulse_time_ms, ev.pulse_end.live)
    if which == "live":
        return WentLive(ev.live.last_history_pulse_ms)
    if which == "progress":
        return Progress(ev.progress.overall_percent)
    return None  # limit_placed, analyzer_error: nothing for the plan


class CandleClient:
    def __init__(self, addr: str, timeout: float = 10.0) -> None:
        self.channel = grpc.aio.insecure_channel(addr)
        self.stub = candles_pb2_grpc.CandleServiceStub(self.channel)
        self.timeout = timeout

    async def close(self) -> None:
        await self.channel.close()

    async def symbol_rules(self, symbol: str) -> SymbolRules:
        try:
            info = await self.stub.GetSymbolInfo(candles_pb2.GetSymbolInfoRequest(symbol=symbol), timeout=self.timeout)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise NotFound(f"symbol {symbol!r}: {exc.details()}") from exc
            raise _unavailable("candle_service", exc) from exc
        return SymbolRules(
            symbol=info.symbol or symbol,
            step_size=info.step_size,
            min_qty=info.min_qty,
            tick_size=info.tick_size,
            quantity_precision=info.quantity_precision,
            price_precision=info.price_precision,
        )


def bracket_info(b: broker_pb2.Bracket) -> BracketInfo:
    return BracketInfo(
        client_order_id=b.client_order_id,
        account_id=b.account_id,
        state=BRACKET_STATES.get(b.state, "pending"),
        filled_quantity=b.filled_quantity,
        average_price=b.average_entry_price,
        exit_price=b.exit_price,
        realized_pnl=b.realized_pnl,
        entry_order_id=b.entry.exchange_order_id,
        stop_order_id=b.stop.exchange_order_id,
        take_order_id=b.take.exchange_order_id,
        error=b.error,
        updated_ms=b.updated_ms,
    )


class BrokerClient:
    def __init__(self, addr: str, timeout: float = 10.0) -> None:
        self.channel = grpc.aio.insecure_channel(addr)
        self.stub = broker_pb2_grpc.BrokerServiceStub(self.channel)
        self.timeout = timeout

    async def close(self) -> None:
        await self.channel.close()

    async def place_bracket(self, r: BracketRequest) -> BracketInfo:
        request = broker_pb2.PlaceBracketOrderRequest(
            account_id=r.account_id,
            symbol=r.symbol,
            side=convert.SIDE_ENUM.get(r.side, common_pb2.SIDE_UNSPECIFIED),
            quantity=r.quantity,
            stop_loss=r.stop_loss,
            take_profit=r.take_profit,
            client_order_id=r.client_order_id,
            first_sent_ms=r.first_sent_ms,
        )
        try:
            return bracket_info(await self.stub.PlaceBracketOrder(request, timeout=self.timeout))
        except grpc.aio.AioRpcError as exc:
            if exc.code() in TRANSIENT:
                raise _unavailable("broker_service", exc) from exc
            raise BrokerRejected(f"{exc.code().name}: {exc.details()}") from exc

    async def get_bracket(self, account_id: str, client_order_id: str) -> BracketInfo | None:
        request = broker_pb2.GetBracketRequest(account_id=account_id, client_order_id=client_order_id)
        try:
            return bracket_info(await self.stub.GetBracket(request, timeout=self.timeout))
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _unavailable("broker_service", exc) from exc

    async def account_events(self, account_id: str, after_event_id: int) -> AsyncIterator[tuple[int, BracketInfo]]:
        call = self.stub.StreamAccountEvents(
            broker_pb2.StreamAccountEventsRequest(account_id=account_id, after_event_id=after_event_id)
        )
        try:
            async for ev in call:
                if ev.WhichOneof("event") == "bracket":
                    yield ev.event_id, bracket_info(ev.bracket)
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("broker_service", exc) from exc
        finally:
            call.cancel()
