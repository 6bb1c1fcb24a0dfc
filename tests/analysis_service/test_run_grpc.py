"""AnalysisService over real gRPC, fed by the real candle_service over exchange_sim and chDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import pytest_asyncio

from analysis_service.candles_client import CandleClient
from analysis_service.engine.registry import default_registry
from analysis_service.server import AnalysisServicer
from parayok.v1 import analysis_pb2, analysis_pb2_grpc, common_pb2
from tests.candle_service.conftest import SIM_START, CandleStack, candle_stack
from tests.conftest import free_port, grpc_test_server

M5, H1 = common_pb2.TIMEFRAME_5M, common_pb2.TIMEFRAME_1H
HOUR = 3_600_000


@dataclass
class AnalysisStack:
    candles: CandleStack
    stub: analysis_pb2_grpc.AnalysisServiceStub


@pytest_asyncio.fixture
async def stack(tmp_path: Path) -> AsyncIterator[AnalysisStack]:
    async with candle_stack(tmp_path / "store") as candles:
        client = CandleClient(candles.addr)
        server = grpc_test_server()
        analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(
            AnalysisServicer(client, default_registry()), server)
        addr = f"127.0.0.1:{free_port()}"
        server.add_insecure_port(addr)
        await server.start()
        channel = grpc.aio.insecure_channel(addr)
        try:
            yield AnalysisStack(candles, analysis_pb2_grpc.AnalysisServiceStub(channel))
        finally:
            await channel.close()
            await server.stop(0)
            await client.close()


def config(**kw: object) -> analysis_pb2.VmAnalysisConfig:
    base: dict[str, object] = {"vm_id": "vm1", "symbols": ["BTCUSDT", "ETHUSDT"], "timeframes": [M5, H1],
                               "from_ms": SIM_START - 48 * HOUR, "to_ms": SIM_START, "annotations": True}
    base.update(kw)
    return analysis_pb2.VmAnalysisConfig(**base)  # type: ignore[arg-type]


async def test_run_streams_prices_and_pulse_ends_in_order_then_flags_are_readable(stack: AnalysisStack) -> None:
    kinds: list[str] = []
    pulse_ends: list[int] = []
    prices: list[tuple[str, int]] = []
    async for event in stack.stub.Run(analysis_pb2.RunRequest(vm=config(all_pulses=True))):
        kind = event.WhichOneof("event") or ""
        kinds.append(kind)
        if kind == "pulse_end":
            pulse_ends.append(event.pulse_end.pulse_time_ms)
        elif kind == "price":
            prices.append((event.price.symbol, event.price.time_ms))
    assert pulse_ends == list(range(SIM_START - 48 * HOUR + 300_000 - 1, SIM_START, 300_000))
    assert "analyzer_error" not in kinds
    # Every pulse's price updates come before its pulse end.
    assert prices[0][1] == pulse_ends[0] and prices[-1][1] == pulse_ends[-1]
    flags = await stack.stub.GetFlags(analysis_pb2.GetFlagsRequest(
        vm_id="vm1", ticker=common_pb2.TickerRef(symbol="ETHUSDT", timeframe=H1)))
    assert flags.time_ms == SIM_START - 1
    values = dict(flags.flags.items())
    assert values["atr14"] > 0 and 0 < values["rsi14"] < 100 and "emac20" in values
    tickers = await stack.stub.ListTickers(analysis_pb2.ListTickersRequest(vm_id="vm1"))
    assert {(t.ticker.symbol, t.ticker.timeframe) for t in tickers.tickers} == {
        ("BTCUSDT", M5), ("BTCUSDT", H1), ("ETHUSDT", M5), ("ETHUSDT", H1)}
    assert all(t.candles == (48 if t.ticker.timeframe == H1 else 300) for t in tickers.tickers)
    notes = await stack.stub.GetAnnotations(analysis_pb2.GetAnnotationsRequest(
        vm_id="vm1", ticker=common_pb2.TickerRef(symbol="BTCUSDT", timeframe=H1)))
    assert notes.annotations and all(a.time_ms < SIM_START for a in notes.annotations)
    assert {a.kind for a in notes.annotations} >= {analysis_pb2.Annotation.KIND_ONCHART}


async def test_history_reports_only_busy_pulses_unless_asked(stack: AnalysisStack) -> None:
    ends: list[int] = []
    busy: set[int] = set()
    kinds: set[str] = set()
    async for event in stack.stub.Run(analysis_pb2.RunRequest(vm=config(vm_id="quiet", annotations=False))):
        kind = event.WhichOneof("event") or ""
        kinds.add(kind)
        if kind == "pulse_end":
            ends.append(event.pulse_end.pulse_time_ms)
        elif kind == "entry_opened":
            busy.add(event.entry_opened.opened_at_ms)
        elif kind == "entry_closed":
            busy.add(event.entry_closed.close_time_ms)
    assert "price" not in kinds
    assert ends[-1] == SIM_START - 1 and ends == sorted(ends)
    assert busy <= set(ends)  # every pulse that produced an entry event is ended explicitly
    assert len(ends) < 48 * 12  # and quiet pulses are not


async def test_list_analyzers_describes_every_analyzer(stack: AnalysisStack) -> None:
    reply = await stack.stub.ListAnalyzers(analysis_pb2.ListAnalyzersRequest())
    names = {a.name for a in reply.analyzers}
    assert {"atr14", "rsi14", "mac20", "emac200", "macd", "vlevels", "hl_trend", "magnets"} <= names
    ema = next(a for a in reply.analyzers if a.name == "emac20")
    assert ema.description and ema.flags


@pytest.mark.parametrize(
    ("kw", "code", "text"),
    [
        ({"vm_id": ""}, grpc.StatusCode.INVALID_ARGUMENT, "vm_id"),
        ({"symbols": []}, grpc.StatusCode.INVALID_ARGUMENT, "symbols"),
        ({"timeframes": [0]}, grpc.StatusCode.INVALID_ARGUMENT, "timeframes"),
        ({"from_ms": 0}, grpc.StatusCode.INVALID_ARGUMENT, "from_ms"),
        ({"to_ms": 0}, grpc.StatusCode.INVALID_ARGUMENT, "to_ms"),
        ({"symbols": ["NOSUCHUSDT"]}, grpc.StatusCode.NOT_FOUND, "NOSUCHUSDT"),
        ({"analyzers": ["no_such_analyzer"]}, grpc.StatusCode.INVALID_ARGUMENT, "no_such_analyzer"),
    ],
)
async def test_bad_run_requests(stack: AnalysisStack, kw: dict[str, object], code: grpc.StatusCode,
                                text: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for _ in stack.stub.Run(analysis_pb2.RunRequest(vm=config(**kw))):
            pass
    assert info.value.code() == code
    assert text in (info.value.details() or "")


async def test_flags_of_unknown_vm_or_ticker_are_not_found(stack: AnalysisStack) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stack.stub.GetFlags(analysis_pb2.GetFlagsRequest(
            vm_id="nope", ticker=common_pb2.TickerRef(symbol="BTCUSDT", timeframe=H1)))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


LIMIT_OUTCOMES: dict[str, list[str]] = {}


async def run_entries(stack: AnalysisStack, vm_id: str) -> tuple[list[analysis_pb2.Entry], list[analysis_pb2.Entry]]:
    opened: list[analysis_pb2.Entry] = []
    closed: list[analysis_pb2.Entry] = []
    placed: list[str] = []
    outcomes: list[str] = []
    LIMIT_OUTCOMES[vm_id] = outcomes
    last_pulse = 0
    async for event in stack.stub.Run(analysis_pb2.RunRequest(vm=config(
            vm_id=vm_id, from_ms=SIM_START - 72 * HOUR, annotations=False, flags_snapshot=True))):
        kind = event.WhichOneof("event")
        if kind == "entry_opened":
            opened.append(event.entry_opened)
            assert event.entry_opened.opened_at_ms > last_pulse  # belongs to the pulse being ended next
            if event.entry_opened.is_limit:
                assert event.entry_opened.opened_by_price_update
                outcomes.append(event.entry_opened.id)
        elif kind == "entry_closed":
            closed.append(event.entry_closed)
        elif kind == "limit_placed":
            assert event.limit_placed.entry.result == common_pb2.ENTRY_RESULT_PENDING
            placed.append(event.limit_placed.entry.id)
        elif kind == "limit_expired":
            outcomes.append(event.limit_expired.entry.id)
        elif kind == "entry_rejected":
            assert event.entry_rejected.reason != analysis_pb2.REJECT_REASON_UNSPECIFIED
            if event.entry_rejected.is_limit:
                outcomes.append(event.entry_rejected.id)
        elif kind == "pulse_end":
            last_pulse = event.pulse_end.pulse_time_ms
    # Every limit entry placed triggers, expires or is refused at most once; only the last may still wait.
    assert len(outcomes) == len(set(outcomes)) and set(outcomes) <= set(placed)
    assert len(placed) - len(outcomes) <= 2 * 4
    assert placed, "hoffman1 placed no limit entry"
    return opened, closed


async def test_entries_are_emulated_tagged_and_deterministic(stack: AnalysisStack) -> None:
    opened, closed = await run_entries(stack, "vm-a")
    assert opened, "no strategy fired over three days of two symbols"
    ids = [e.id for e in opened]
    assert len(ids) == len(set(ids))
    first = opened[0]
    assert first.id == f"{first.symbol}-{'5m' if first.timeframe == M5 else '1h'}-{first.strategy}-{first.time_ms}"
    assert first.result == common_pb2.ENTRY_RESULT_ACTIVE and first.flags.fields and first.tags
    assert {t.name for t in first.tags} >= {"MAXPRF", "MAXLSS", "NYC", "RSI"}
    for e in closed:
        assert e.result in (common_pb2.ENTRY_RESULT_WON, common_pb2.ENTRY_RESULT_LOST)
        assert e.close_price == (e.take_profit if e.result == common_pb2.ENTRY_RESULT_WON else e.stop_loss)
        assert e.id in ids
    listed = await stack.stub.ListEntries(analysis_pb2.ListAnalysisEntriesRequest(
        vm_id="vm-a", page=common_pb2.PageRequest(page_size=5)))
    assert [e.id for e in listed.entries] == ids[:5]
    got = await stack.stub.GetEntry(analysis_pb2.GetAnalysisEntryRequest(vm_id="vm-a", entry_id=first.id))
    assert got.id == first.id and got.flags.fields
    # The same candles give the same entries and closes.
    again_opened, again_closed = await run_entries(stack, "vm-b")
    assert [(e.id, e.stop_loss, e.take_profit) for e in again_opened] == [
        (e.id, e.stop_loss, e.take_profit) for e in opened]
    assert [(e.id, e.close_time_ms, e.close_price) for e in again_closed] == [
        (e.id, e.close_time_ms, e.close_price) for e in closed]
    taggers = await stack.stub.ListTaggers(analysis_pb2.ListTaggersRequest())
    assert {"MAXPRF", "NYC", "LR", "BT9"} <= {t.name for t in taggers.taggers}
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stack.stub.GetEntry(analysis_pb2.GetAnalysisEntryRequest(vm_id="vm-a", entry_id="nope"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
