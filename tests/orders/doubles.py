"""Test doubles of the services order_service calls, as real grpc.aio servers on loopback.

One server hosts all three (point PARAYOK_ANALYSIS_ADDR, _CANDLE_ADDR and _BROKER_ADDR at it):

* AnalysisService.Run replays a deterministic script: pulse k of a VM is at ``from_ms + (k+1)·5 min``;
  every third pulse opens an entry per symbol, which closes four pulses later (won/lost alternating).
  Pulses already released to any earlier call are history; then LiveSwitch, then new pulses are
  released live, one per ``live_interval`` seconds, up to ``live_pulses`` — like a real restart,
  history grows with time and replays identically.
* CandleService.GetSymbolInfo answers fixed trading rules.
* BrokerService: PlaceBracketOrder (and its stream, PlaceBracketOrders) is idempotent by client order id and
  counts calls; GetBracket; StreamAccountEvents sends a bracket event when a bracket opens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc

from order_service.clients import STATUS_BY_NUMBER
from parayok.request_stream import answer_each
from parayok.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    broker_pb2,
    broker_pb2_grpc,
    candles_pb2,
    candles_pb2_grpc,
    common_pb2,
)
from tests.conftest import grpc_test_server

PULSE_MS = 300_000
PRICES = {"BTCUSDT": 20000.0, "ETHUSDT": 1500.0, "XRPUSDT": 0.5}
RULES = {
    "BTCUSDT": common_pb2.SymbolInfo(
        symbol="BTCUSDT", tick_size=0.1, step_size=0.001, min_qty=0.001, quantity_precision=3, price_precision=1
    ),
    "ETHUSDT": common_pb2.SymbolInfo(
        symbol="ETHUSDT", tick_size=0.01, step_size=0.001, min_qty=0.001, quantity_precision=3, price_precision=2
    ),
    "XRPUSDT": common_pb2.SymbolInfo(
        symbol="XRPUSDT", tick_size=0.0001, step_size=0.1, min_qty=0.1, quantity_precision=1, price_precision=4
    ),
}


def entry_at(symbol: str, k: int, from_ms: int, vm_id: str) -> analysis_pb2.Entry:
    t = from_ms + (k + 1) * PULSE_MS
    price = PRICES[symbol]
    buy = (k // 3) % 2 == 0
    side = common_pb2.SIDE_BUY if buy else common_pb2.SIDE_SELL
    sl = price * (0.99 if buy else 1.01)
    tp = price * (1.02 if buy else 0.98)
    e = analysis_pb2.Entry(
        id=f"{symbol}-5m-dbl-{t}",
        vm_id=vm_id,
        symbol=symbol,
        timeframe=common_pb2.TIMEFRAME_5M,
        strategy="dbl",
        side=side,
        time_ms=t,
        entry_price=price,
        stop_loss=sl,
        take_profit=tp,
        opened_at_ms=t,
        result=common_pb2.ENTRY_RESULT_ACTIVE,
        current_price=price,
        tags=[common_pb2.Tag(name="MAXLSS", number=-1.0), common_pb2.Tag(name="NYC", text="P" if k % 2 else "F")],
    )
    e.flags.update({"rsi": 40.0 + k % 20, "trend": "up" if buy else "down"})
    return e


def closed_at(symbol: str, k_open: int, from_ms: int, vm_id: str) -> analysis_pb2.Entry:
    e = entry_at(symbol, k_open, from_ms, vm_id)
    won = (k_open // 3) % 4 in (0, 3)
    e.result = common_pb2.ENTRY_RESULT_WON if won else common_pb2.ENTRY_RESULT_LOST
    e.close_time_ms = e.time_ms + 4 * PULSE_MS
    e.close_price = e.take_profit if won else e.stop_loss
    e.current_price = e.close_price
    return e


def pulse_events(symbols: list[str], k: int, from_ms: int, vm_id: str, live: bool) -> list[analysis_pb2.RunEvent]:
    t = from_ms + (k + 1) * PULSE_MS
    out: list[analysis_pb2.RunEvent] = []
    for s in symbols:
        out.append(analysis_pb2.RunEvent(price=analysis_pb2.PriceUpdate(symbol=s, time_ms=t, low=1, high=2, close=1)))
        if k >= 4 and (k - 4) % 3 == 0:
            out.append(analysis_pb2.RunEvent(entry_closed=closed_at(s, k - 4, from_ms, vm_id)))
    if k % 3 == 0:
        for s in symbols:
            out.append(analysis_pb2.RunEvent(entry_opened=entry_at(s, k, from_ms, vm_id)))
    out.append(analysis_pb2.RunEvent(pulse_end=analysis_pb2.PulseEnd(pulse_time_ms=t, live=live)))
    return out


def expected_entry_ids(symbols: list[str], from_ms: int, last_pulse_ms: int) -> set[str]:
    ids: set[str] = set()
    k = 0
    while from_ms + (k + 1) * PULSE_MS <= last_pulse_ms:
        if k % 3 == 0:
            ids.update(entry_at(s, k, from_ms, "").id for s in symbols)
        k += 1
    return ids


@dataclass
class AnalysisDouble(analysis_pb2_grpc.AnalysisServiceServicer):
    history_pulses: int = 60
    live_pulses: int = 30
    live_interval: float = 0.02
    history_delay: float = 0.0  # seconds between history pulses (lets a test kill mid-history)
    released: dict[str, int] = field(default_factory=dict)  # vm id → pulses released so far
    runs: int = 0
    down: bool = False

    async def Run(
        self, request: analysis_pb2.RunRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[analysis_pb2.RunEvent]:
        if self.down:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "double is down")
        self.runs += 1
        vm = request.vm
        symbols = list(vm.symbols)
        released = max(self.released.get(vm.vm_id, 0), self.history_pulses)
        self.released[vm.vm_id] = released
        for k in range(released):
            if k % 20 == 0:
                yield analysis_pb2.RunEvent(progress=candles_pb2.LoadProgress(overall_percent=100.0 * k / released))
            for ev in pulse_events(symbols, k, vm.from_ms, vm.vm_id, live=False):
                yield ev
            if self.history_delay:
                await asyncio.sleep(self.history_delay)
        if not vm.live:
            return
        yield analysis_pb2.RunEvent(live=candles_pb2.LiveSwitch(last_history_pulse_ms=vm.from_ms + released * PULSE_MS))
        k = released
        while k < self.history_pulses + self.live_pulses:
            await asyncio.sleep(self.live_interval)
            for ev in pulse_events(symbols, k, vm.from_ms, vm.vm_id, live=True):
                yield ev
            k += 1
            self.released[vm.vm_id] = k
        await asyncio.Event().wait()  # live stream stays open


class CandleDouble(candles_pb2_grpc.CandleServiceServicer):
    async def GetSymbolInfo(
        self, request: candles_pb2.GetSymbolInfoRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.SymbolInfo:
        if request.symbol not in RULES:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no symbol {request.symbol}")
        return RULES[request.symbol]


@dataclass
class BrokerDouble(broker_pb2_grpc.BrokerServiceServicer):
    brackets: dict[str, broker_pb2.Bracket] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    events: list[broker_pb2.AccountEvent] = field(default_factory=list)
    reject: bool = False
    down: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def PlaceBracketOrder(
        self, request: broker_pb2.PlaceBracketOrderRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.Bracket:
        placement = await self._placement(request)
        if placement.error_code:
            await context.abort(STATUS_BY_NUMBER[placement.error_code], placement.error_message)
        return placement.bracket

    async def PlaceBracketOrders(
        self, requests: AsyncIterator[broker_pb2.PlaceBracketOrderRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[broker_pb2.BracketPlacement]:
        async for placement in answer_each(requests, self._placement):
            yield placement

    async def _placement(self, request: broker_pb2.PlaceBracketOrderRequest) -> broker_pb2.BracketPlacement:
        cid = request.client_order_id
        if self.down:
            return broker_pb2.BracketPlacement(client_order_id=cid, error_code=grpc.StatusCode.UNAVAILABLE.value[0],
                                               error_message="broker double is down")
        if self.reject:
            return broker_pb2.BracketPlacement(client_order_id=cid,
                                               error_code=grpc.StatusCode.FAILED_PRECONDITION.value[0],
                                               error_message="account halted")
        self.calls[cid] = self.calls.get(cid, 0) + 1
        if cid not in self.brackets:
            n = len(self.brackets) + 1
            b = broker_pb2.Bracket(
                client_order_id=cid,
                account_id=request.account_id,
                symbol=request.symbol,
                side=request.side,
                quantity=request.quantity,
                filled_quantity=request.quantity,
                average_entry_price=PRICES.get(request.symbol, 1.0),
                stop_loss=request.stop_loss,
                take_profit=request.take_profit,
                state=broker_pb2.BRACKET_STATE_OPEN,
                entry=broker_pb2.ExchangeOrder(exchange_order_id=f"E{n}"),
                stop=broker_pb2.ExchangeOrder(exchange_order_id=f"S{n}"),
                take=broker_pb2.ExchangeOrder(exchange_order_id=f"T{n}"),
            )
            self.brackets[cid] = b
        return broker_pb2.BracketPlacement(client_order_id=cid, bracket=self.brackets[cid])

    def close_bracket(self, cid: str, exit_price: float, pnl: float) -> None:
        b = self.brackets[cid]
        b.state = broker_pb2.BRACKET_STATE_CLOSED
        b.exit_price = exit_price
        b.realized_pnl = pnl
        ev = broker_pb2.AccountEvent(event_id=len(self.events) + 1, account_id=b.account_id)
        ev.bracket.CopyFrom(b)
        self.events.append(ev)
        self.changed.set()
        self.changed = asyncio.Event()

    async def GetBracket(
        self, request: broker_pb2.GetBracketRequest, context: grpc.aio.ServicerContext
    ) -> broker_pb2.Bracket:
        if self.down:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "broker double is down")
        if request.client_order_id not in self.brackets:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such bracket")
        return self.brackets[request.client_order_id]

    async def StreamAccountEvents(
        self, request: broker_pb2.StreamAccountEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[broker_pb2.AccountEvent]:
        after = request.after_event_id
        while True:
            waiter = self.changed
            for ev in self.events[after:]:
                after = ev.event_id
                yield ev
            await waiter.wait()


@dataclass
class Doubles:
    addr: str
    analysis: AnalysisDouble
    candles: CandleDouble
    broker: BrokerDouble
    server: grpc.aio.Server


@contextlib.asynccontextmanager
async def running_doubles(port: int, **analysis_kw: object) -> AsyncIterator[Doubles]:
    server = grpc_test_server()
    analysis = AnalysisDouble(**analysis_kw)  # type: ignore[arg-type]
    candles = CandleDouble()
    broker = BrokerDouble()
    analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(analysis, server)
    candles_pb2_grpc.add_CandleServiceServicer_to_server(candles, server)
    broker_pb2_grpc.add_BrokerServiceServicer_to_server(broker, server)
    addr = f"127.0.0.1:{port}"
    server.add_insecure_port(addr)
    await server.start()
    try:
        yield Doubles(addr, analysis, candles, broker, server)
    finally:
        await server.stop(0.5)
