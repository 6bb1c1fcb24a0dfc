"""OrderService gRPC servicer: validates requests, translates proto ⇄ domain, delegates to OrderService."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from order_service import convert
from order_service.model import VmConfig, VmStatus
from order_service.service import OrderService
from parayok.convert import timeframe_name
from parayok.errors import grpc_errors
from parayok.v1 import analysis_pb2, common_pb2, orders_pb2, orders_pb2_grpc

DEFAULT_PAGE = 100
MAX_PAGE = 10_000


def _page(page: common_pb2.PageRequest) -> tuple[int, int]:
    if page.page_size < 0 or page.page_size > MAX_PAGE:
        raise ValueError(f"page.page_size: 0..{MAX_PAGE} (got {page.page_size})")
    offset = 0
    if page.page_token:
        if not page.page_token.isdigit() or len(page.page_token) > 12:
            raise ValueError(f"page.page_token: not a token from a previous page ({page.page_token!r})")
        offset = int(page.page_token)
    return offset, page.page_size or DEFAULT_PAGE


def _next_token(offset: int, size: int, total: int) -> str:
    return str(offset + size) if offset + size < total else ""


def _filter(f: orders_pb2.EntryFilter) -> dict[str, Any]:
    if f.from_ms < 0 or f.to_ms < 0:
        raise ValueError("filter.from_ms / to_ms: must be ≥ 0")
    if f.result and f.result not in convert.RESULTS:
        raise ValueError(f"filter.result: unknown value {f.result}")
    return {
        "symbol": f.symbol.strip().upper(),
        "timeframe": timeframe_name(f.timeframe, "filter.timeframe") if f.timeframe else "",
        "strategy": f.strategy,
        "result": convert.RESULTS.get(f.result, ""),
        "from_ms": f.from_ms,
        "to_ms": f.to_ms,
    }


def _vm(pair: tuple[VmConfig, VmStatus]) -> orders_pb2.Vm:
    return convert.vm_to_pb(*pair)


class OrderServicer(orders_pb2_grpc.OrderServiceServicer):
    def __init__(self, service: OrderService) -> None:
        self.service = service

    @grpc_errors
    async def CreateVm(self, request: orders_pb2.CreateVmRequest, context: grpc.aio.ServicerContext) -> orders_pb2.Vm:
        if not request.HasField("vm"):
            raise ValueError("vm: required")
        return _vm(await self.service.create_vm(convert.vm_from_pb(request.vm), request.start))

    @grpc_errors
    async def UpdateVm(self, request: orders_pb2.UpdateVmRequest, context: grpc.aio.ServicerContext) -> orders_pb2.Vm:
        if not request.vm.id:
            raise ValueError("vm.id: required")
        return _vm(await self.service.update_vm(convert.vm_from_pb(request.vm)))

    @grpc_errors
    async def StartVm(self, request: orders_pb2.VmRef, context: grpc.aio.ServicerContext) -> orders_pb2.Vm:
        return _vm(await self.service.start_vm(request.vm_id))

    @grpc_errors
    async def StopVm(self, request: orders_pb2.VmRef, context: grpc.aio.ServicerContext) -> orders_pb2.Vm:
        return _vm(await self.service.stop_vm(request.vm_id))

    @grpc_errors
    async def DeleteVm(
        self, request: orders_pb2.VmRef, context: grpc.aio.ServicerContext
    ) -> orders_pb2.DeleteVmResponse:
        await self.service.delete_vm(request.vm_id)
        return orders_pb2.DeleteVmResponse()

    @grpc_errors
    async def ListVms(
        self, request: orders_pb2.ListVmsRequest, context: grpc.aio.ServicerContext
    ) -> orders_pb2.ListVmsResponse:
        return orders_pb2.ListVmsResponse(vms=[_vm(p) for p in self.service.list_vms()])

    @grpc_errors
    async def GetVm(self, request: orders_pb2.VmRef, context: grpc.aio.ServicerContext) -> orders_pb2.Vm:
        return _vm(self.service.get_vm(request.vm_id))

    @grpc_errors
    async def ListEntries(
        self, request: orders_pb2.ListEntriesRequest, context: grpc.aio.ServicerContext
    ) -> orders_pb2.ListEntriesResponse:
        offset, size = _page(request.page)
        raws, total = self.service.list_entries(request.vm_id, _filter(request.filter), offset, size)
        entries = [convert.entry_to_pb(raw, with_flags=request.with_flags) for raw in raws]
        return orders_pb2.ListEntriesResponse(
            entries=entries, total=total, next_page_token=_next_token(offset, size, total)
        )

    @grpc_errors
    async def GetEntry(
        self, request: orders_pb2.GetEntryRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.Entry:
        return convert.entry_to_pb(self.service.get_entry(request.vm_id, request.entry_id), with_flags=True)

    @grpc_errors
    async def ListOrders(
        self, request: orders_pb2.ListOrdersRequest, context: grpc.aio.ServicerContext
    ) -> orders_pb2.ListOrdersResponse:
        offset, size = _page(request.page)
        orders, total = self.service.list_orders(request.vm_id, _filter(request.filter), offset, size)
        return orders_pb2.ListOrdersResponse(
            orders=orders, total=total, next_page_token=_next_token(offset, size, total)
        )

    @grpc_errors
    async def GetPlan(self, request: orders_pb2.VmRef, context: grpc.aio.ServicerContext) -> orders_pb2.Plan:
        return convert.plan_to_pb(self.service.get_plan(request.vm_id))

    @grpc_errors
    async def SetPlan(self, request: orders_pb2.SetPlanRequest, context: grpc.aio.ServicerContext) -> orders_pb2.Plan:
        if not request.vm_id:
            raise ValueError("vm_id: required")
        if not request.HasField("plan"):
            raise ValueError("plan: required")
        return convert.plan_to_pb(self.service.set_plan(request.vm_id, convert.plan_from_pb(request.plan)))

    @grpc_errors
    async def GetReport(
        self, request: orders_pb2.GetReportRequest, context: grpc.aio.ServicerContext
    ) -> orders_pb2.Report:
        interval = convert.INTERVALS.get(request.interval)
        if interval is None:
            raise ValueError("interval: HOUR, DAY, WEEK or MONTH required")
        report = self.service.report(request.vm_id, request.from_ms, request.to_ms, interval)
        return convert.report_to_pb(report)

    @grpc_errors
    async def MakeRealOrder(
        self, request: orders_pb2.MakeRealOrderRequest, context: grpc.aio.ServicerContext
    ) -> orders_pb2.RealOrder:
        return convert.real_to_pb(await self.service.make_real_order(request.vm_id, request.entry_id))

    @grpc_errors
    async def ListTaggers(
        self, request: analysis_pb2.ListTaggersRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.ListTaggersResponse:
        return analysis_pb2.ListTaggersResponse(taggers=[convert.tagger_pb(d) for d in self.service.taggers()])

    @grpc_errors
    async def StreamEvents(
        self, request: orders_pb2.StreamEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[orders_pb2.OrderEvent]:
        async for event_id, payload in self.service.events(request.vm_id, request.after_event_id):
            yield convert.event_from_row(event_id, payload)
