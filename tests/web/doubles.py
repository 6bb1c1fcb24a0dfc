"""Doubles of analysis_service, order_service and broker_service: real grpc.aio servers on loopback
answering the parayok.v1 API with canned data, recording requests, and streaming events a test
publishes. candle_service is the real one (see conftest)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import struct_pb2

from parayok.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    broker_pb2,
    broker_pb2_grpc,
    common_pb2,
    orders_pb2,
    orders_pb2_grpc,
)
from tests.conftest import grpc_test_server

H1 = common_pb2.TIMEFRAME_1H
M15 = common_pb2.TIMEFRAME_15M
H4 = common_pb2.TIMEFRAME_4H
HOUR = 3_600_000
# 2026-01-05 00:00 UTC: exchange_sim's clock starts here, with history before it.
SIM_START = 1_767_571_200_000


def struct(d: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(d)
    return s


FLAGS = {"rsi14": 55.5, "atr14": 120.25, "is_live": True,
         "vlevels": [{"i": 1, "y0": 89000.5, "y1": 89100.5, "r": 2, "s": 1, "rW": 30, "sW": 10,
                      "x0": SIM_START - 50 * HOUR, "w": 40, "alpha": 0.5}]}


def entry(eid_time: int, *, vm: str = "vm-main", symbol: str = "BTCUSDT", tf: int = H1, strategy: str = "tpcwfma",
          side: int = common_pb2.SIDE_BUY, result: int = common_pb2.ENTRY_RESULT_ACTIVE,
          flags: bool = False) -> analysis_pb2.Entry:
    tf_name = {int(H1): "1h", int(M15): "15m", int(H4): "4h"}[int(tf)]
    closed = result in (common_pb2.ENTRY_RESULT_WON, common_pb2.ENTRY_RESULT_LOST)
    e = analysis_pb2.Entry(
        id=f"{symbol}-{tf_name}-{strategy}-{eid_time}", vm_id=vm, symbol=symbol, timeframe=tf,  # type: ignore[arg-type]
        strategy=strategy, side=side, time_ms=eid_time, entry_price=90000.5, stop_loss=89500.0,  # type: ignore[arg-type]
        take_profit=90750.0, opened_at_ms=eid_time, result=result,  # type: ignore[arg-type]
        close_time_ms=eid_time + 3 * HOUR if closed else 0, close_price=90750.0 if closed else 0.0,
        gain_percent=0.83 if closed else 0.1, take_price_reached=90750.0,
        take_percent_reached=100.0 if closed else 12.5,
        loss_price_reached=89900.0, loss_percent_reached=20.0, current_price=90100.0, comment="cmt",
        tags=[common_pb2.Tag(name="RSI", text="P"), common_pb2.Tag(name="MAXPRF", number=0.83, comment="at tp")],
    )
    if flags:
        e.flags.CopyFrom(struct(FLAGS))
    return e


E_ACTIVE = entry(SIM_START - 10 * HOUR - 1)
E_WON = entry(SIM_START - 20 * HOUR - 1, side=common_pb2.SIDE_SELL, result=common_pb2.ENTRY_RESULT_WON,
              strategy="cma3sell")
E_ALT = entry(SIM_START - 8 * HOUR - 1, vm="vm-alt", symbol="ETHUSDT", tf=H4)


def order(e: analysis_pb2.Entry, real: bool = False) -> orders_pb2.Order:
    o = orders_pb2.Order(id=e.id, vm_id=e.vm_id, entry=e, quantity=0.002, gain=1.23456, wallet=1001.23456,
                         stake=5.0, tags=[common_pb2.Tag(name="MRG", text="P")], comment="plan")
    if real:
        o.real.CopyFrom(real_order())
    return o


def real_order(status: int = orders_pb2.REAL_ORDER_STATUS_OPEN) -> orders_pb2.RealOrder:
    return orders_pb2.RealOrder(client_order_id="pk-abc", account_id="paper-1", status=status,  # type: ignore[arg-type]
                                filled_quantity=0.002, average_price=90001.0, entry_order_id="101",
                                stop_order_id="102", take_order_id="103", updated_ms=SIM_START)


def default_plan() -> orders_pb2.Plan:
    return orders_pb2.Plan(start_sum=1000, stake_mode=orders_pb2.STAKE_MODE_FIXED, stake_fixed=5,
                           stake_percent=0.05, leverage=20, cost_buy_percent=0.0004, cost_sell_percent=0.0004,
                           simult_risk_percent=10.0, tags={"MRG": "P"})


VMS = [
    orders_pb2.Vm(id="vm-main", name="main", symbols=["BTCUSDT", "ETHUSDT"], timeframes=[H1, M15],
                  broker_account="paper-1", is_default=True, state=orders_pb2.VM_STATE_LIVE),
    orders_pb2.Vm(id="vm-alt", name="alt", symbols=["ETHUSDT"], timeframes=[H4], analyzers=["tpcwfma", "rsi14"],
                  broker_account="acct-2", state=orders_pb2.VM_STATE_LOADING, progress_percent=42.0),
]


class Publisher:
    """Fan-out of published events to every open stream call."""

    def __init__(self) -> None:
        self.subscribers: list[asyncio.Queue[Any]] = []
        self.subscribed = asyncio.Event()

    def publish(self, ev: Any) -> None:
        for q in self.subscribers:
            q.put_nowait(ev)

    async def stream(self, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        q: asyncio.Queue[Any] = asyncio.Queue()
        self.subscribers.append(q)
        self.subscribed.set()
        try:
            while True:
                yield await q.get()
        finally:
            self.subscribers.remove(q)
            if not self.subscribers:
                self.subscribed.clear()


@dataclass
class Calls:
    log: list[tuple[str, Any]] = field(default_factory=list)

    def add(self, name: str, req: Any) -> None:
        self.log.append((name, req))

    def of(self, name: str) -> list[Any]:
        return [r for n, r in self.log if n == name]


class AnalysisDouble(analysis_pb2_grpc.AnalysisServiceServicer):
    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    async def GetFlags(self, request: Any, context: Any) -> analysis_pb2.GetFlagsResponse:
        self.calls.add("GetFlags", request)
        if request.vm_id not in ("vm-main", "vm-alt"):
            await context.abort(grpc.StatusCode.NOT_FOUND, f"vm_id: no running VM {request.vm_id!r}")
        if request.ticker.symbol not in ("BTCUSDT", "ETHUSDT"):
            await context.abort(grpc.StatusCode.NOT_FOUND, f"ticker: {request.ticker.symbol} is not in the VM")
        return analysis_pb2.GetFlagsResponse(ticker=request.ticker, time_ms=SIM_START - 1, flags=struct(FLAGS))

    async def GetAnnotations(self, request: Any, context: Any) -> analysis_pb2.GetAnnotationsResponse:
        self.calls.add("GetAnnotations", request)
        close = SIM_START - 2 * HOUR - 1
        anns = [
            analysis_pb2.Annotation(kind=analysis_pb2.Annotation.KIND_CIRCLE, time_ms=close, source="hills",
                                    data=struct({"color": "white", "from": [close + 1 - HOUR, 90100.5], "radius": 1})),
            analysis_pb2.Annotation(kind=analysis_pb2.Annotation.KIND_LABEL, time_ms=close, source="cdlpatts",
                                    data=struct({"position": "top", "label": "ham"})),
            analysis_pb2.Annotation(kind=analysis_pb2.Annotation.KIND_ENTRY, time_ms=close - HOUR, source="entries",
                                    data=struct({"src": "entries", "ep": 90000.5, "tp": 90750.0, "sl": 89500.0,
                                                 "by": "tpcwfma"})),
        ]
        return analysis_pb2.GetAnnotationsResponse(
            annotations=[a for a in anns if request.from_ms <= a.time_ms and (not request.to_ms
                                                                            or a.time_ms < request.to_ms)])

    async def ListAnalyzers(self, request: Any, context: Any) -> analysis_pb2.ListAnalyzersResponse:
        return analysis_pb2.ListAnalyzersResponse(analyzers=[
            analysis_pb2.AnalyzerInfo(name="rsi14"), analysis_pb2.AnalyzerInfo(name="tpcwfma", is_strategy=True),
            analysis_pb2.AnalyzerInfo(name="cma3sell", is_strategy=True)])

    async def ListTaggers(self, request: Any, context: Any) -> analysis_pb2.ListTaggersResponse:
        return analysis_pb2.ListTaggersResponse(taggers=[
            common_pb2.TagDescription(name="RSI", vals=["P", "F"], desc="rsi agrees"),
            common_pb2.TagDescription(name="MAXPRF", desc="max profit %")])

    async def ListTickers(self, request: Any, context: Any) -> analysis_pb2.ListTickersResponse:
        self.calls.add("ListTickers", request)
        vm = next((v for v in VMS if v.id == request.vm_id), None)
        if vm is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "vm_id: unknown")
        assert vm is not None
        return analysis_pb2.ListTickersResponse(tickers=[
            analysis_pb2.TickerState(ticker=common_pb2.TickerRef(symbol=s, timeframe=tf), candles=300, is_live=True,
                                     first_time_ms=SIM_START - 300 * HOUR, last_time_ms=SIM_START - 1)
            for s in vm.symbols for tf in vm.timeframes])


class OrderDouble(orders_pb2_grpc.OrderServiceServicer):
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.plans = {"vm-main": default_plan(), "vm-alt": default_plan()}
        self.events = Publisher()
        self.entries = {"vm-main": [E_ACTIVE, E_WON], "vm-alt": [E_ALT]}

    async def ListVms(self, request: Any, context: Any) -> orders_pb2.ListVmsResponse:
        self.calls.add("ListVms", request)
        return orders_pb2.ListVmsResponse(vms=VMS)

    async def _vm(self, vm_id: str, context: Any) -> None:
        if vm_id not in self.plans:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"vm_id: unknown VM {vm_id!r}")

    async def ListEntries(self, request: Any, context: Any) -> orders_pb2.ListEntriesResponse:
        self.calls.add("ListEntries", request)
        await self._vm(request.vm_id, context)
        entries = self.entries[request.vm_id]
        # two pages of one, to exercise paging
        if request.page.page_token == "":
            return orders_pb2.ListEntriesResponse(entries=entries[:1], next_page_token="p2" if len(entries) > 1 else "",
                                                  total=len(entries))
        return orders_pb2.ListEntriesResponse(entries=entries[1:], total=len(entries))

    async def GetEntry(self, request: Any, context: Any) -> analysis_pb2.Entry:
        self.calls.add("GetEntry", request)
        await self._vm(request.vm_id, context)
        for e in self.entries[request.vm_id]:
            if e.id == request.entry_id:
                full = analysis_pb2.Entry()
                full.CopyFrom(e)
                full.flags.CopyFrom(struct(FLAGS))
                return full
        await context.abort(grpc.StatusCode.NOT_FOUND, f"entry_id: no entry {request.entry_id!r}")
        raise AssertionError

    async def ListOrders(self, request: Any, context: Any) -> orders_pb2.ListOrdersResponse:
        self.calls.add("ListOrders", request)
        await self._vm(request.vm_id, context)
        entries = self.entries[request.vm_id]
        return orders_pb2.ListOrdersResponse(orders=[order(e, real=i == 0) for i, e in enumerate(entries)],
                                             total=len(entries))

    async def GetPlan(self, request: Any, context: Any) -> orders_pb2.Plan:
        self.calls.add("GetPlan", request)
        await self._vm(request.vm_id, context)
        return self.plans[request.vm_id]

    async def SetPlan(self, request: Any, context: Any) -> orders_pb2.Plan:
        self.calls.add("SetPlan", request)
        await self._vm(request.vm_id, context)
        if request.plan.expression.count("(") != request.plan.expression.count(")"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "plan.expression: missing ')' at 12")
        self.plans[request.vm_id] = request.plan
        return request.plan

    async def GetReport(self, request: Any, context: Any) -> orders_pb2.Report:
        self.calls.add("GetReport", request)
        await self._vm(request.vm_id, context)
        row = orders_pb2.ReportRow(period_name="2026-01", period_start_ms=SIM_START, num_orders=2, num_closed=1,
                                   num_active=1, ratio=100.0, gain=1.23456, min_gain=0.0, max_gain=1.23456,
                                   max_open_orders=2)
        total = orders_pb2.ReportRow()
        total.CopyFrom(row)
        total.period_name = "TOTAL"
        return orders_pb2.Report(rows=[row], total=total)

    async def MakeRealOrder(self, request: Any, context: Any) -> orders_pb2.RealOrder:
        self.calls.add("MakeRealOrder", request)
        await self._vm(request.vm_id, context)
        if request.entry_id != E_ACTIVE.id:
            await context.abort(grpc.StatusCode.NOT_FOUND, "entry_id: no active entry")
        return real_order()

    async def ListTaggers(self, request: Any, context: Any) -> analysis_pb2.ListTaggersResponse:
        return analysis_pb2.ListTaggersResponse(taggers=[
            common_pb2.TagDescription(name="MRG", vals=["P", "F"], desc="margin")])

    async def StreamEvents(self, request: Any, context: Any) -> AsyncIterator[orders_pb2.OrderEvent]:
        self.calls.add("StreamEvents", request)
        async for ev in self.events.stream(context):
            yield ev


class BrokerDouble(broker_pb2_grpc.BrokerServiceServicer):
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.events = Publisher()

    async def StreamAccountEvents(self, request: Any, context: Any) -> AsyncIterator[broker_pb2.AccountEvent]:
        self.calls.add("StreamAccountEvents", request)
        async for ev in self.events.stream(context):
            yield ev


class DoubleServer:
    """One double on a fixed loopback address that can be stopped and started again (down/up tests)."""

    def __init__(self, addr: str, add: Any) -> None:
        self.addr = addr
        self.add = add
        self.server: grpc.aio.Server | None = None

    async def start(self) -> None:
        self.server = grpc_test_server()
        self.add(self.server)
        self.server.add_insecure_port(self.addr)
        await self.server.start()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(0)
            self.server = None
