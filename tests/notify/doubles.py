"""Doubles of OrderService and BrokerService: real grpc.aio servers on loopback with canned data and
event streams that behave as the API says (durable ids, resume after ``after_event_id``, 0 = only
new events)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar

import grpc

from parayok.v1 import analysis_pb2, broker_pb2, broker_pb2_grpc, common_pb2, orders_pb2, orders_pb2_grpc
from tests.conftest import free_port, grpc_test_server

E = TypeVar("E", orders_pb2.OrderEvent, broker_pb2.AccountEvent)


def now_ms() -> int:
    return int(time.time() * 1000)


class EventLog(Generic[E]):
    def __init__(self) -> None:
        self.events: list[E] = []
        self.requests: list[int] = []  # after_event_id of every stream opened
        self._changed = asyncio.Condition()
        self._epoch = 0  # bumped to cut every open stream

    async def push(self, event: E) -> E:
        event.event_id = len(self.events) + 1
        if not event.time_ms:
            event.time_ms = now_ms()
        self.events.append(event)
        async with self._changed:
            self._changed.notify_all()
        return event

    async def cut(self) -> None:
        """Ends every open stream with UNAVAILABLE (a restart of the service, seen from the client)."""
        self._epoch += 1
        async with self._changed:
            self._changed.notify_all()

    async def wait_streams(self, count: int, timeout: float = 20.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.requests) >= count), timeout)

    def _moved(self, position: int, epoch: int) -> bool:
        return position < len(self.events) or self._epoch != epoch

    async def stream(self, after: int, context: grpc.aio.ServicerContext) -> AsyncIterator[E]:
        epoch = self._epoch
        position = after if after else len(self.events)
        self.requests.append(after)
        async with self._changed:
            self._changed.notify_all()
        while True:
            while position < len(self.events):
                position += 1
                yield self.events[position - 1]
            async with self._changed:
                await self._changed.wait_for(functools.partial(self._moved, position, epoch))
            if self._epoch != epoch:
                await context.abort(grpc.StatusCode.UNAVAILABLE, "stream cut by the test")


def entry(symbol: str = "BTCUSDT", side: int = common_pb2.SIDE_BUY, **kw: Any) -> analysis_pb2.Entry:
    base: dict[str, Any] = dict(
        id=f"{symbol}-1h-tpcwfma-1", vm_id="vm1", symbol=symbol, timeframe=common_pb2.TIMEFRAME_1H,
        strategy="tpcwfma", side=side, time_ms=now_ms(), entry_price=50000.0, stop_loss=49000.0,
        take_profit=52000.5, opened_at_ms=now_ms(), result=common_pb2.ENTRY_RESULT_ACTIVE, current_price=50100.0,
        gain_percent=0.2,
    )
    base.update(kw)
    return analysis_pb2.Entry(**base)


class OrderDouble(orders_pb2_grpc.OrderServiceServicer):
    def __init__(self) -> None:
        self.vms: dict[str, orders_pb2.Vm] = {
            "vm1": orders_pb2.Vm(id="vm1", name="Main", state=orders_pb2.VM_STATE_LIVE, is_default=True,
                                 broker_account="paper", live_trading=False),
            "bt": orders_pb2.Vm(id="bt", name="Backtest <2024>", state=orders_pb2.VM_STATE_LOADING,
                                progress_percent=42.0),
        }
        self.orders: list[orders_pb2.Order] = []
        self.entries: list[analysis_pb2.Entry] = []
        self.report = orders_pb2.Report()
        self.report_requests: list[orders_pb2.GetReportRequest] = []
        self.updates: list[orders_pb2.Vm] = []
        self.log: EventLog[orders_pb2.OrderEvent] = EventLog()

    async def ListVms(self, request: Any, context: Any) -> orders_pb2.ListVmsResponse:
        return orders_pb2.ListVmsResponse(vms=list(self.vms.values()))

    async def GetVm(self, request: orders_pb2.VmRef, context: grpc.aio.ServicerContext) -> orders_pb2.Vm:
        if request.vm_id not in self.vms:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"vm_id: no VM {request.vm_id!r}")
        return self.vms[request.vm_id]

    async def UpdateVm(self, request: orders_pb2.UpdateVmRequest, context: Any) -> orders_pb2.Vm:
        self.updates.append(request.vm)
        self.vms[request.vm.id] = request.vm
        return request.vm

    async def ListOrders(self, request: orders_pb2.ListOrdersRequest, context: Any) -> orders_pb2.ListOrdersResponse:
        found = [o for o in self.orders if o.vm_id == request.vm_id and (
            not request.filter.result or o.entry.result == request.filter.result)]
        return orders_pb2.ListOrdersResponse(orders=found, total=len(found))

    async def ListEntries(self, request: orders_pb2.ListEntriesRequest,
                          context: Any) -> orders_pb2.ListEntriesResponse:
        found = [e for e in self.entries if e.vm_id == request.vm_id and e.time_ms >= request.filter.from_ms]
        return orders_pb2.ListEntriesResponse(entries=found, total=len(found))

    async def GetReport(self, request: orders_pb2.GetReportRequest, context: Any) -> orders_pb2.Report:
        self.report_requests.append(request)
        return self.report

    async def StreamEvents(self, request: orders_pb2.StreamEventsRequest,
                           context: grpc.aio.ServicerContext) -> AsyncIterator[orders_pb2.OrderEvent]:
        async for event in self.log.stream(request.after_event_id, context):
            yield event


class BrokerDouble(broker_pb2_grpc.BrokerServiceServicer):
    def __init__(self) -> None:
        self.accounts = {
            "paper": broker_pb2.Account(
                account_id="paper", kind=orders_pb2.BROKER_KIND_PAPER, balance=10012.5, available=9000.0,
                unrealized_pnl=-3.25, positions=[
                    broker_pb2.Position(symbol="BTCUSDT", position_side=broker_pb2.POSITION_SIDE_LONG,
                                        quantity=0.01, entry_price=50000, mark_price=50100, unrealized_pnl=1.0),
                    broker_pb2.Position(symbol="ETHUSDT", position_side=broker_pb2.POSITION_SIDE_SHORT,
                                        quantity=0.5, entry_price=3000, mark_price=3008.5, unrealized_pnl=-4.25),
                ]),
        }
        self.log: EventLog[broker_pb2.AccountEvent] = EventLog()

    async def ListAccounts(self, request: Any, context: Any) -> broker_pb2.ListAccountsResponse:
        return broker_pb2.ListAccountsResponse(accounts=list(self.accounts.values()))

    async def GetAccount(self, request: broker_pb2.GetAccountRequest,
                         context: grpc.aio.ServicerContext) -> broker_pb2.Account:
        if request.account_id not in self.accounts:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"account_id: no account {request.account_id!r}")
        return self.accounts[request.account_id]

    async def StreamAccountEvents(self, request: broker_pb2.StreamAccountEventsRequest,
                                  context: grpc.aio.ServicerContext) -> AsyncIterator[broker_pb2.AccountEvent]:
        async for event in self.log.stream(request.after_event_id, context):
            yield event


@contextlib.asynccontextmanager
async def serving(order: OrderDouble | None = None, broker: BrokerDouble | None = None,
                  port: int = 0) -> AsyncIterator[str]:
    """One grpc.aio server on loopback with the doubles given; yields its address."""
    server = grpc_test_server()
    if order is not None:
        orders_pb2_grpc.add_OrderServiceServicer_to_server(order, server)
    if broker is not None:
        broker_pb2_grpc.add_BrokerServiceServicer_to_server(broker, server)
    addr = f"127.0.0.1:{port or free_port()}"
    server.add_insecure_port(addr)
    await server.start()
    try:
        yield addr
    finally:
        await server.stop(0.2)
