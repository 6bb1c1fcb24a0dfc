"""The same candles give the same entries whether they arrive as history or as live pulses."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc

from analysis_service.candles_client import CandleClient
from analysis_service.engine.registry import default_registry
from analysis_service.server import AnalysisServicer
from parayok.v1 import analysis_pb2, analysis_pb2_grpc, common_pb2
from tests.candle_service.conftest import SIM_START, CandleStack, candle_stack
from tests.conftest import free_port, grpc_test_server

MIN = 60_000
HISTORY = 12 * 60 * MIN
LIVE = 90 * MIN

Fingerprint = tuple[str, str, float, float, float, int, float, tuple[tuple[str, str, float], ...]]


def fingerprint(e: analysis_pb2.Entry, kind: str) -> Fingerprint:
    tags = tuple(sorted((t.name, t.text, t.number) for t in e.tags))
    return (kind, e.id, e.entry_price, e.stop_loss, e.take_profit, e.close_time_ms, e.close_price, tags)


async def run(stack: CandleStack, live: bool, batch: bool = False) -> list[Fingerprint]:
    client = CandleClient(stack.addr)
    server = grpc_test_server()
    analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(AnalysisServicer(client, default_registry()), server)
    addr = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(addr)
    await server.start()
    out: list[Fingerprint] = []
    batches: list[int] = []
    try:
        async with grpc.aio.insecure_channel(addr) as channel:
            stub = analysis_pb2_grpc.AnalysisServiceStub(channel)
            vm = analysis_pb2.VmAnalysisConfig(vm_id="v", symbols=["BTCUSDT", "ETHUSDT"],
                                               timeframes=[common_pb2.TIMEFRAME_1M, common_pb2.TIMEFRAME_5M],
                                               from_ms=SIM_START - HISTORY, live=live)
            if not live:
                vm.to_ms = SIM_START + LIVE
            # the deadline bounds the whole stream, and with it the `async for` below
            call = stub.Run(analysis_pb2.RunRequest(vm=vm, batch_live_events=batch), timeout=180)
            stepping: asyncio.Task[None] | None = None
            done = False

            async def step_clock() -> None:
                for _ in range(LIVE // MIN):
                    await stack.sim.admin.step(minutes=1)
                    await asyncio.sleep(0.05)

            async for message in call:
                if message.HasField("batch"):
                    batches.append(len(message.batch.events))
                for event in message.batch.events if message.HasField("batch") else (message,):
                    kind = event.WhichOneof("event")
                    if kind in ("entry_opened", "entry_closed"):
                        out.append(fingerprint(getattr(event, kind), kind))
                    elif kind == "live":
                        await asyncio.sleep(0.3)  # let the kline websocket subscribe
                        stepping = asyncio.create_task(step_clock())
                    elif kind == "pulse_end" and event.pulse_end.pulse_time_ms >= SIM_START + LIVE - 1:
                        done = True
                if done:
                    call.cancel()
                    break
            if stepping is not None:
                await stepping
    finally:
        await server.stop(0)
        await client.close()
    # Asked for batches, live pulses come as batches (a pulse has its price updates and its pulse_end).
    assert (not batch and not batches) or (batch and batches and min(batches) >= 2)
    return out


async def test_history_and_live_pulses_give_the_same_entries(tmp_path: Path) -> None:
    async with candle_stack(tmp_path / "history") as stack:
        await stack.sim.admin.step(minutes=LIVE // MIN)
        history = await asyncio.wait_for(run(stack, live=False), timeout=300)
    # Live pulses only: no unclosed-kline ticks between steps (a tick may close an entry inside a
    # candle, where history can only see the whole candle — stop first).
    async with candle_stack(tmp_path / "live", push_interval=3600.0) as stack:
        live = await asyncio.wait_for(run(stack, live=True), timeout=300)
    async with candle_stack(tmp_path / "batched", push_interval=3600.0) as stack:
        batched = await asyncio.wait_for(run(stack, live=True, batch=True), timeout=300)
    assert history, "no entry in the window: the comparison would prove nothing"
    assert any(k == "entry_opened" and t > 0 for k, _, _, _, _, _, _, _ in history for t in [1])
    assert all((close + 1) % MIN == 0 for kind, _, _, _, _, close, _, _ in live if kind == "entry_closed")
    assert live == history
    assert batched == history  # the events of a live pulse in one message: the same events, same order
