"""The default store (NORMAL) may lose its last commits in a power cut — even the record of a placement whose
entry was already sent. The caller's resend carries the bracket's first_sent_ms: a request with no record that
may predate the broker's start is looked up at the exchange (entry, then legs) instead of placed afresh;
one first sent clearly after the start takes the fast path without any lookup."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest

from broker_service.binance_account import BinanceAccount
from broker_service.models import now_ms
from exchange_sim.testing import SimHandle, make_async_client, running_sim
from parayok.v1 import broker_pb2, common_pb2

from .conftest import ACCOUNT, bracket_req, broker_on, sim_account_state


@dataclass
class LookupSpy:
    """Records the client ids the account looks up at the exchange (the real calls still run)."""

    orders: list[str] = field(default_factory=list)
    algos: list[str] = field(default_factory=list)


def spy_lookups(account: BinanceAccount) -> LookupSpy:
    spy = LookupSpy()
    find_order, find_algo = account.rest.find_order, account.rest.find_algo

    async def order(symbol: str, client_order_id: str) -> dict[str, Any] | None:
        spy.orders.append(client_order_id)
        return await find_order(symbol, client_order_id)

    async def algo(client_algo_id: str) -> dict[str, Any] | None:
        spy.algos.append(client_algo_id)
        return await find_algo(client_algo_id)

    account.rest.find_order = order  # type: ignore[method-assign]
    account.rest.find_algo = algo  # type: ignore[method-assign]
    return spy


def snapshot(db: Path, to: Path) -> None:
    """A consistent copy of the store as it is on disk now (the WAL folded in)."""
    src = sqlite3.connect(str(db))
    dst = sqlite3.connect(str(to))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def restore(copy: Path, db: Path) -> None:
    """Puts the copy back as the store (service stopped): every commit made after the copy is gone."""
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(copy.read_bytes())


async def exchange_orders(sim: SimHandle, cid: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every regular order with this client id, and every algo order of its legs, as the exchange lists them."""
    client = await make_async_client(sim)
    try:
        orders = await client.futures_get_all_orders(symbol="BTCUSDT")
        algos = await client.futures_get_all_algo_orders(symbol="BTCUSDT")
    finally:
        await client.close_connection()
    return (
        [o for o in orders if o["clientOrderId"] == cid],
        [a for a in algos if str(a["clientAlgoId"]).startswith(cid + ".")],
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "broker.sqlite3"


async def test_resend_after_a_power_cut_lost_the_record_finds_the_entry(tmp_path: Path, db: Path) -> None:
    copy = tmp_path / "before.sqlite3"
    async with running_sim(hedge=True, symbols=["BTCUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        first_sent = now_ms()  # order_service records its intent, then sends
        async with broker_on(sim, db) as s:
            snapshot(db, copy)  # what a power cut leaves: nothing of the placement below reached the disk
            placed = await s.stub.PlaceBracketOrder(_req("pc-1", first_sent))
            assert placed.state == broker_pb2.BRACKET_STATE_OPEN
        restore(copy, db)
        async with broker_on(sim, db) as s:
            with pytest.raises(Exception, match="no bracket pc-1"):
                s.account.get_bracket("pc-1")  # the restart truly lost the record
            assert first_sent < s.account.started_ms
            spy = spy_lookups(s.account)
            again = await s.stub.PlaceBracketOrder(_req("pc-1", first_sent))
            # looked up, found: not sent again (and no rollback close of it: it was not rolled back)
            assert spy.orders == ["pc-1", "pc-1.x"]
            assert sorted(spy.algos) == ["pc-1.sl", "pc-1.tp"]
            assert again.state == broker_pb2.BRACKET_STATE_OPEN, again
            assert again.entry.exchange_order_id == placed.entry.exchange_order_id
            assert again.stop.exchange_order_id == placed.stop.exchange_order_id
            assert again.take.exchange_order_id == placed.take.exchange_order_id
            assert again.filled_quantity == pytest.approx(0.01)
            # a resend of the resend is answered from the new record
            assert await s.stub.PlaceBracketOrder(_req("pc-1", first_sent)) == again
            orders, algos = await exchange_orders(sim, "pc-1")
            assert len(orders) == 1 and orders[0]["status"] == "FILLED", orders
            assert sorted(a["orderType"] for a in algos) == ["STOP_MARKET", "TAKE_PROFIT_MARKET"], algos
            positions = await s.stub.GetAccount(broker_pb2.GetAccountRequest(account_id=ACCOUNT))
            assert [(p.symbol, p.quantity) for p in positions.positions] == [("BTCUSDT", pytest.approx(0.01))]


async def test_resend_after_a_lost_rollback_stays_flat(tmp_path: Path, db: Path) -> None:
    """The lost writes include a rollback (a leg failed, the position was closed): the resend must not put
    legs on the flat side and call the bracket open."""
    copy = tmp_path / "before.sqlite3"
    async with running_sim(hedge=True, symbols=["BTCUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        first_sent = now_ms()
        async with broker_on(sim, db) as s:
            snapshot(db, copy)
            # every algo placement answers 503 (not executed): the legs fail, the position is closed at market
            await sim.admin.fault("503", count=8, path="algoOrder", method="POST")
            placed = await s.stub.PlaceBracketOrder(_req("rb-1", first_sent))
            assert placed.state == broker_pb2.BRACKET_STATE_FAILED and "position closed" in placed.error
            await sim.admin.clear_faults()
        restore(copy, db)
        async with broker_on(sim, db) as s:
            again = await s.stub.PlaceBracketOrder(_req("rb-1", first_sent))
            assert again.state == broker_pb2.BRACKET_STATE_FAILED and "position closed" in again.error, again
            assert again.entry.exchange_order_id == placed.entry.exchange_order_id and again.exit_price > 0
            orders, _ = await exchange_orders(sim, "rb-1")
            assert len(orders) == 1
            state = await sim_account_state(sim)
            assert [p for p in state["positions"] if float(p["amt"]) != 0] == [] and state["open_algo_orders"] == []


async def test_first_sent_after_the_start_takes_the_fast_path_and_unknown_looks_up(db: Path) -> None:
    async with running_sim(hedge=True, symbols=["BTCUSDT", "ETHUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        await sim.admin.set_price("ETHUSDT", "3000")
        async with broker_on(sim, db, restart_slack_ms=60_000) as s:
            spy = spy_lookups(s.account)
            # first sent clearly after this start (the caller's clock may run ahead): no run before ours sent it
            late = s.account.started_ms + 60_000 + 1
            fast = await s.stub.PlaceBracketOrder(_req("fp-1", late))
            assert fast.state == broker_pb2.BRACKET_STATE_OPEN
            assert (spy.orders, spy.algos) == ([], [])
            # unknown (0): the entry is looked up first; not there, so sent — and its legs, which cannot exist
            # without it, are not looked up
            unknown = await s.stub.PlaceBracketOrder(_req("fp-2", 0, symbol="ETHUSDT", qty=0.1, sl=2900, tp=3100))
            assert unknown.state == broker_pb2.BRACKET_STATE_OPEN
            assert (spy.orders, spy.algos) == (["fp-2"], [])
            # within the slack of the start: looked up too
            edge = s.account.started_ms + 60_000 - 1
            near = await s.stub.PlaceBracketOrder(_req("fp-3", edge, side_sell=True))
            assert near.state == broker_pb2.BRACKET_STATE_OPEN
            assert (spy.orders, spy.algos) == (["fp-2", "fp-3"], [])
            for cid in ("fp-1", "fp-3"):
                orders, algos = await exchange_orders(sim, cid)
                assert len(orders) == 1 and len(algos) == 2, (cid, orders, algos)


async def test_negative_first_sent_is_refused(db: Path) -> None:
    async with running_sim(hedge=True, symbols=["BTCUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        async with broker_on(sim, db) as s:
            with pytest.raises(grpc.aio.AioRpcError) as e:
                await s.stub.PlaceBracketOrder(_req("neg-1", -5))
            assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "first_sent_ms" in (e.value.details() or "")


def _req(
    cid: str,
    first_sent_ms: int,
    symbol: str = "BTCUSDT",
    qty: float = 0.01,
    sl: float = 49000,
    tp: float = 51000,
    side_sell: bool = False,
) -> broker_pb2.PlaceBracketOrderRequest:
    if side_sell:
        r = bracket_req(cid, common_pb2.SIDE_SELL, qty, sl=51000, tp=49000, symbol=symbol)
    else:
        r = bracket_req(cid, qty=qty, sl=sl, tp=tp, symbol=symbol)
    r.first_sent_ms = first_sent_ms
    return r
