"""The VM runner with in-process fakes of the ports: batching inside a pulse, duplicates, unknown closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from order_service.model import Entry, SymbolRules, Tag, VmConfig
from order_service.ports import BracketInfo, BracketRequest, Closed, Opened, PriceSeen, PulseDone, RunItem, WentLive
from order_service.service import OrderService
from order_service.store import Store
from tests.orders.conftest import T0, wait_for

P = 300_000


def entry(eid: str, t: int, *, by_price: bool = False, result: str = "active", close: float = 0.0) -> Entry:
    return Entry(
        eid,
        "BTCUSDT",
        "5m",
        "s1",
        "buy",
        t,
        100.0,
        99.0,
        102.0,
        result=result,
        close_price=close,
        current_price=close or 100.0,
        close_time_ms=t + P if close else 0,
        opened_at_ms=t,
        tags={"MAXLSS": Tag(-1.0)},
        by_price_update=by_price,
    )


class ScriptedAnalysis:
    def __init__(self, items: list[RunItem]) -> None:
        self.items = items

    async def run(self, vm: VmConfig, from_ms: int) -> AsyncIterator[RunItem]:
        for item in self.items:
            yield item
        await asyncio.Event().wait()


class Rules:
    async def symbol_rules(self, symbol: str) -> SymbolRules:
        return SymbolRules(symbol, 0.001, 0.001)


class NoBroker:
    async def place_bracket(self, request: BracketRequest) -> BracketInfo:
        raise AssertionError("no real orders here")

    async def get_bracket(self, account_id: str, client_order_id: str) -> BracketInfo | None:
        return None

    async def account_events(self, account_id: str, after_event_id: int) -> AsyncIterator[tuple[int, BracketInfo]]:
        await asyncio.Event().wait()
        yield 0, BracketInfo("", "", "pending")


async def test_batches_duplicates_and_unknown_closes(tmp_path: Path) -> None:
    t1, t2 = T0 + P, T0 + 2 * P
    items: list[RunItem] = [
        PriceSeen("BTCUSDT", t1),
        Opened(entry("limit-a", t1, by_price=True)),  # limits triggered by the price update: one batch
        Opened(entry("limit-b", t1, by_price=True)),
        Opened(entry("market-c", t1)),  # phase end: a batch of its own, sees the limits as active
        Opened(entry("market-d", t1)),
        Closed(entry("ghost", t1, result="won", close=102.0)),  # never opened here: ignored
        PulseDone(t1, live=False),
        PriceSeen("BTCUSDT", t2),
        Closed(entry("limit-a", t1, result="won", close=102.0)),
        Opened(entry("market-c", t1)),  # the same id again: recognised, not applied twice
        PulseDone(t2, live=False),
        WentLive(t2),
    ]
    store = Store(tmp_path / "o.sqlite3")
    service = OrderService(store, ScriptedAnalysis(items), Rules(), NoBroker(), retry_max_wait=0.2)
    await service.start(None)
    try:
        await service.create_vm(
            VmConfig(id="r", symbols=["BTCUSDT"], timeframes=["5m"], history_from_ms=T0), start=True
        )
        await wait_for(lambda: service.vms["r"].status.state.value == "live", 10, "live")
        engine = service.vms["r"].engine
        assert engine is not None
        same_sym = {i: o.tags["SAME-SYM"].value for i, o in engine.orders.items()}
        assert same_sym == {"limit-a": "P", "limit-b": "P", "market-c": "F", "market-d": "F"}
        assert set(service.vms["r"].entries or {}) == {"limit-a", "limit-b", "market-c", "market-d"}
        assert engine.orders["limit-a"].closed and engine.orders["limit-a"].gain > 0
        assert len(store.load_entries("r")) == 4
        assert [len(s.opens) for s in service.vms["r"].steps if s.opens] == [2, 2]
    finally:
        await service.close()
        store.close()
