"""Backtest equals live through order_service: in the reference run (``tests/e2e/harness.py``) one VM
goes live before the window and meets its candles as live pulses, then a second VM whose history
covers the same window replays them; both have the same entries and the same emulated orders."""

from __future__ import annotations

from parayok.v1 import orders_pb2
from tests.e2e.conftest import Reference
from tests.e2e.harness import differences


async def test_history_replay_and_live_pulses_give_the_same_entries_and_orders(reference: Reference) -> None:
    run = await reference.get()
    live, backtest = run.live, run.backtest
    assert backtest is not None
    # What makes the comparison able to fail: entries opened and closed live, each an order, some real.
    assert len(live.live_entries()) >= 10 and len(live.entries) > 200
    assert set(live.orders) == set(live.entries)  # the plan's filter is empty
    assert any(e.get("result") in ("ENTRY_RESULT_WON", "ENTRY_RESULT_LOST") for i, e in live.entries.items()
               if i in live.live_entries())
    placed = {orders_pb2.RealOrderStatus.Name(s) for s in (orders_pb2.REAL_ORDER_STATUS_OPEN,
                                                           orders_pb2.REAL_ORDER_STATUS_CLOSED)}
    assert placed & set(live.real.values()), f"no bracket reached the exchange: {live.real}"
    assert not backtest.real
    assert not differences(backtest, live), "\n".join(differences(backtest, live))
