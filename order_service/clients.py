"""gRPC clients of the services order_service calls, behind the small ports of ``ports.py``.

Each translates API messages to domain types and gRPC failures to ``Unavailable`` (retry later),
``NotFound`` or ``BrokerRejected`` (do not retry).
"""

from __future__ import annotations

import asyncio
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
from parayok.tasks import cancel_and_wait
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
STATUS_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}
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


class PlacementStream:
    """One PlaceBracketOrders stream: requests written as they come, answers matched by client order id.

    A stream instead of a unary call per bracket: no call setup on a live entry's path (a unary call after
    an idle spell costs about 1 ms more, twice that in the tail). When the stream breaks (broker restarted),
    every placement still waiting on it fails as Unavailable and is resent by the caller on a new stream,
    with the same client order id: the broker answers a bracket it already has instead of placing it again."""

    def __init__(self, stub: broker_pb2_grpc.BrokerServiceStub) -> None:
        self.call = stub.PlaceBracketOrders()
        self.waiting: dict[str, list[asyncio.Future[broker_pb2.BracketPlacement]]] = {}
        self.broken: Unavailable | None = None
        self.writing = asyncio.Lock()  # gRPC takes one message at a time on a call
        self.reader = asyncio.create_task(self._read())

    async def place(self, request: broker_pb2.PlaceBracketOrderRequest) -> broker_pb2.BracketPlacement:
        answer = asyncio.get_running_loop().create_future()
        queue = self.waiting.setdefault(request.client_order_id, [])
        queue.append(answer)
        try:
            async with self.writing:
                await self.call.write(request)
            return await answer
        except grpc.aio.AioRpcError as exc:
            raise _unavailable("broker_service", exc) from exc
        except asyncio.InvalidStateError as exc:  # written after the stream ended
            raise Unavailable("broker_service: the bracket placement stream has ended") from exc
        finally:
            if answer in queue:
                queue.remove(answer)
            if not queue:
                self.waiting.pop(request.client_order_id, None)

    async def _read(self) -> None:
        broken = Unavailable("broker_service: the bracket placement stream was closed")
        try:
            while (placement := await self.call.read()) is not grpc.aio.EOF:
                assert isinstance(placement, broker_pb2.BracketPlacement)
                for answer in self.waiting.get(placement.client_order_id, []):
                    if not answer.done():  # the oldest placement of this id still waiting
                        answer.set_result(placement)
                        break
            broken = Unavailable("broker_service: the bracket placement stream ended")
        except grpc.aio.AioRpcError as exc:
            broken = _unavailable("broker_service", exc)
        finally:
            self.broken = broken
            for queue in self.waiting.values():
                for answer in queue:
                    if not answer.done():
                        answer.set_exception(broken)

    async def close(self) -> None:
        self.call.cancel()
        await cancel_and_wait(self.reader)


class BrokerClient:
    def __init__(self, addr: str, timeout: float = 10.0) -> None:
        self.channel = grpc.aio.insecure_channel(addr)
        self.stub = broker_pb2_grpc.BrokerServiceStub(self.channel)
        self.timeout = timeout
        self._placements: PlacementStream | None = None

    async def close(self) -> None:
        if self._placements is not None:
            await self._placements.close()
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
        if self._placements is None or self._placements.broken is not None:
            self._placements = PlacementStream(self.stub)
        try:
            async with asyncio.timeout(self.timeout):
                placement = await self._placements.place(request)
        except TimeoutError as exc:
            # the broker keeps placing it; the resend with the same id joins that placement
            raise Unavailable(f"broker_service: no answer for bracket {r.client_order_id} in {self.timeout} s") from exc
        if placement.error_code:
            code = STATUS_BY_NUMBER.get(placement.error_code, grpc.StatusCode.UNKNOWN)
            if code in TRANSIENT:
                raise Unavailable(f"broker_service: {code.name}: {placement.error_message}")
            raise BrokerRejected(f"{code.name}: {placement.error_message}")
        return bracket_info(placement.bracket)

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
