"""The entry emulator on hand-made signals and prices (seed: OrdersManager.js)."""

from __future__ import annotations

from typing import Any

import pytest

from analysis_service.engine import Candle, FlagStore, SymbolInfo
from analysis_service.engine.entries import EntrySignal
from analysis_service.entries import (
    BAD_ORDER_PARAMS,
    DUPLICATE_ACTIVE_ID,
    EntryClosed,
    EntryEmulator,
    EntryOpened,
    EntryRejected,
    LimitExpired,
    LimitPlaced,
    NotFound,
)

BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")
T0 = 1_700_006_400_000  # Wednesday 2023-11-15 00:00 UTC
M = 60_000


def candle(t: int, tf: str = "1m", close: float = 100.0) -> Candle:
    return Candle(t, close, close, close, close, 1.0, t + M - 1, "BTCUSDT", tf)


def signal(
    time: int,
    type: str = "buy",
    entry: float = 30000.0,
    sl: float | None = 29900.0,
    tp: float = 30150.0,
    *,
    strategy: str = "s1",
    tf: str = "1m",
    limit: bool = False,
    symbol: str = "BTCUSDT",
) -> EntrySignal:
    return EntrySignal(strategy, symbol, tf, time, type, limit, entry, sl, tp, candle(time - M + 1, tf), {})


@pytest.fixture
def store() -> FlagStore:
    return FlagStore()


@pytest.fixture
def emu(store: FlagStore) -> EntryEmulator:
    return EntryEmulator([BTC], store)


def open_one(emu: EntryEmulator, sig: EntrySignal) -> Any:
    emu.queue_entry(sig)
    emu.phase_end(sig.time)
    return emu.drain_events()


def test_market_entry_opens_at_phase_end_with_rounded_stop_and_take(emu: EntryEmulator, store: FlagStore) -> None:
    store.start("BTCUSDT-1m", False)["rsi14"] = 60.0
    t = T0 + M - 1
    emu.queue_entry(signal(t, sl=29900.04999, tp=30149.95))
    assert emu.entries == []  # nothing before the phase end
    emu.phase_end(t)
    [ev] = emu.drain_events()
    assert isinstance(ev, EntryOpened)
    e = ev.entry
    assert (e.id, e.entry_price, e.stop_loss, e.take_profit) == ("BTCUSDT-1m-s1-" + str(t), 30000.0, 29900.0, 30150.0)
    assert (e.opened_at, e.opened_in, e.result, e.is_limit) == (t, "phase_end", "active", False)
    assert e.flags == {"is_live": False, "rsi14": 60.0}
    assert e.tags["RSI"].value == "P" and e.tags["MAXPRF"].value == 0.5 and e.tags["MAXLSS"].value == -0.333
    assert emu.get(e.id) is emu.entries[0]


def test_stop_is_checked_before_take_and_closes_at_exact_prices(emu: EntryEmulator) -> None:
    t = T0 + M - 1
    open_one(emu, signal(t, "buy", strategy="long"))
    open_one(emu, signal(t, "sell", 30000.0, 30100.0, 29850.0, strategy="short"))
    # one bar through both stops and both takes: both are losses
    emu.price_update("BTCUSDT", t + M, 29800.0, 30200.0, 30000.0)
    closed = [ev.entry for ev in emu.drain_events() if isinstance(ev, EntryClosed)]
    assert [(e.strategy, e.result, e.close_price, e.close_time) for e in closed] == [
        ("short", "lost", 30100.0, t + M),  # shorts' stops are checked first, as the seed does
        ("long", "lost", 29900.0, t + M),
    ]
    assert closed[0].loss_percent_reached == 100 and closed[0].gain_percent == pytest.approx(-1 / 3)
    assert emu.active == []


def test_take_profit_and_reached_prices(emu: EntryEmulator) -> None:
    t = T0 + M - 1
    open_one(emu, signal(t, "sell", 30000.0, 30100.0, 29850.0))
    emu.price_update("BTCUSDT", t + M, 29950.0, 30060.0, 30060.0)
    assert emu.drain_events() == []
    e = emu.active[0]
    assert (e.current_price, e.loss_price_reached, e.loss_percent_reached) == (30060.0, 30060.0, 60.0)
    assert e.gain_percent == pytest.approx(-0.2)
    emu.price_update("BTCUSDT", t + 2 * M, 29900.0, 30010.0, 29900.0)
    assert (e.take_price_reached, e.take_percent_reached) == (29900.0, 66.67)
    emu.price_update("BTCUSDT", t + 3 * M, 29700.0, 29950.0, 29800.0)
    [ev] = emu.drain_events()
    assert isinstance(ev, EntryClosed)
    assert (ev.entry.result, ev.entry.close_price, ev.entry.take_percent_reached) == ("won", 29850.0, 100)
    assert ev.entry.gain_percent == pytest.approx(0.5)
    # other symbols' prices never touch it
    emu.price_update("ETHUSDT", t + 4 * M, 0.0, 1e9, 1.0)
    assert emu.drain_events() == []


def test_entry_is_first_checked_on_the_next_update(emu: EntryEmulator) -> None:
    t = T0 + M - 1
    emu.price_update("BTCUSDT", t, 29000.0, 31000.0, 30000.0)  # the signal candle's own update
    open_one(emu, signal(t))
    assert emu.active and emu.active[0].result == "active"


def test_duplicate_active_id_is_rejected(emu: EntryEmulator) -> None:
    t = T0 + M - 1
    emu.queue_entry(signal(t))
    emu.queue_entry(signal(t, sl=29800.0))
    emu.phase_end(t)
    opened, rejected = emu.drain_events()
    assert isinstance(opened, EntryOpened) and isinstance(rejected, EntryRejected)
    assert (rejected.id, rejected.reason, rejected.at) == (opened.entry.id, DUPLICATE_ACTIVE_ID, t)
    # once closed, the same id may open again
    emu.price_update("BTCUSDT", t + M, 29000.0, 30000.0, 29000.0)
    emu.drain_events()
    [again] = open_one(emu, signal(t))
    assert isinstance(again, EntryOpened)
    assert emu.get(again.entry.id).result == "lost"  # get() answers the first entry with that id


def test_bad_order_params(store: FlagStore) -> None:
    # minimum quantity compared as strings: 1000 USD buys "10.000" units, and "10.000" < "2"
    emu = EntryEmulator([SymbolInfo("XUSDT", 0.01, 2, 3, "2")], store)
    t = T0 + M - 1
    [ev] = open_one(emu, signal(t, entry=100.0, sl=99.0, tp=101.5, symbol="XUSDT"))
    assert isinstance(ev, EntryRejected) and ev.reason == BAD_ORDER_PARAMS and "minq=2" in ev.message
    [ev] = open_one(emu, signal(t, entry=400.0, sl=399.0, tp=401.5, symbol="XUSDT"))
    assert isinstance(ev, EntryOpened)  # "2.500" >= "2"
    [ev] = open_one(emu, signal(t, sl=None, strategy="nosl"))
    assert isinstance(ev, EntryRejected) and ev.reason == BAD_ORDER_PARAMS  # no symbol info
    emu2 = EntryEmulator([BTC], store)
    [ev] = open_one(emu2, signal(t, sl=None))
    assert isinstance(ev, EntryRejected) and ev.reason == BAD_ORDER_PARAMS


def test_limit_entry_waits_triggers_before_expiry_and_takes_flags_at_trigger(
    emu: EntryEmulator, store: FlagStore
) -> None:
    t = T0 + 5 * M - 1  # a 5m signal candle
    flags = store.start("BTCUSDT-5m", False)
    flags["rsi14"] = 40.0
    [placed] = open_one(emu, signal(t, "buy", 30010.04, 29950.0, 30100.06, tf="5m", limit=True))
    assert isinstance(placed, LimitPlaced)
    assert placed.expire == t + 5 * M and placed.entry.result == "pending"
    assert (placed.entry.stop_loss, placed.entry.take_profit) == (29950.0, 30100.1)
    assert emu.entries == [] and len(emu.pending_limits()) == 1
    emu.price_update("BTCUSDT", t + M, 29990.0, 30010.0, 30000.0)  # not reached
    assert emu.drain_events() == []
    store.start("BTCUSDT-5m", False)["rsi14"] = 70.0  # a later candle's flags
    # reached exactly at the expiry: the trigger wins
    emu.price_update("BTCUSDT", t + 5 * M, 29990.0, 30010.04, 30000.0)
    [ev] = emu.drain_events()
    assert isinstance(ev, EntryOpened)
    e = ev.entry
    assert (e.is_limit, e.opened_in, e.opened_at, e.time, e.entry_price) == (
        True,
        "price_update",
        t + 5 * M,
        t,
        30010.04,
    )
    assert e.flags == {"is_live": False, "rsi14": 70.0} and e.tags["RSI"].value == "P"
    assert emu.pending_limits() == []


def test_sell_limit_expires(emu: EntryEmulator) -> None:
    t = T0 + M - 1
    open_one(emu, signal(t, "sell", 29990.0, 30050.0, 29900.0, limit=True))
    emu.price_update("BTCUSDT", t + M - 1, 29995.0, 30000.0, 30000.0)
    assert emu.drain_events() == []
    emu.price_update("BTCUSDT", t + M, 29995.0, 30000.0, 29996.0)
    [ev] = emu.drain_events()
    assert isinstance(ev, LimitExpired) and ev.at == t + M
    emu.price_update("BTCUSDT", t + 2 * M, 29000.0, 30000.0, 29500.0)
    assert emu.drain_events() == [] and emu.entries == []


def test_bad_limit_is_rejected(emu: EntryEmulator) -> None:
    [ev] = open_one(emu, signal(T0 + M - 1, sl=None, limit=True))
    assert isinstance(ev, EntryRejected) and ev.is_limit and ev.reason == BAD_ORDER_PARAMS


def test_listing_paging_and_listeners(emu: EntryEmulator) -> None:
    seen: list[Any] = []
    emu.listeners.append(seen.append)
    for i in range(5):
        open_one(emu, signal(T0 + (i + 1) * M - 1, strategy=f"s{i}"))
    emu.price_update("BTCUSDT", T0 + 10 * M, 29000.0, 30000.0, 29000.0)  # all stop out
    open_one(emu, signal(T0 + 11 * M - 1, strategy="late"))
    assert len(seen) == 11
    assert [e.strategy for e in emu.list_entries(active_only=True)] == ["late"]
    page1, cur = emu.page(size=4)
    page2, cur2 = emu.page(after=cur if cur is not None else -1, size=4)
    assert [e.strategy for e in page1 + page2] == ["s0", "s1", "s2", "s3", "s4", "late"] and cur2 is None
    assert emu.page(active_only=True, size=1) == ([emu.entries[-1]], None)
    with pytest.raises(NotFound):
        emu.get("nope")
    with pytest.raises(ValueError):
        emu.page(size=0)
    assert [d.name for d in emu.tag_descriptions()][:3] == ["MACDF", "SYD", "TOK"]
