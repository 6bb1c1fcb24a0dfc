"""Report figures on a fixed, hand-computed order set."""

from __future__ import annotations

import pytest

from order_service.model import ACTIVE, LOST, WON, Entry, Order
from order_service.report import build_report

T0 = 1_767_225_600_000  # Thursday 2026-01-01 00:00 UTC
H = 3_600_000


def order(
    i: int, open_h: float, close_h: float | None, gain: float, wallet: float, strategy: str, symbol: str = "BTCUSDT"
) -> Order:
    closed = close_h is not None
    e = Entry(
        f"e{i}",
        symbol,
        "5m",
        strategy,
        "buy",
        int(T0 + open_h * H),
        100.0,
        99.0,
        102.0,
        result=(WON if gain > 0 else LOST) if closed else ACTIVE,
        close_time_ms=int(T0 + close_h * H) if close_h is not None else 0,
        open_seq=i * 2,
        close_seq=i * 2 + 1 if closed else 0,
    )
    return Order(entry=e, quantity=1.0, stake=5.0, wallet=wallet, gain=gain if closed else 0.0, closed=closed)


ORDERS = [
    order(1, 0, 2, 10.0, 1010.0, "s1"),
    order(2, 1, 3, -5.0, 1005.0, "s1", "ETHUSDT"),
    order(3, 1.5, 5, -3.0, 1002.0, "s2"),
    order(4, 25, None, 0.0, 1002.0, "s2"),
    order(5, 26, 27, 8.0, 1010.0, "s2"),
]


def test_daily_rows_total_and_stats() -> None:
    r = build_report(list(reversed(ORDERS)), 0, 0, "d", now_ms=T0 + 30 * H)
    assert [row.period_name for row in r.rows] == ["2026-01-01", "2026-01-02"]
    d1, d2 = r.rows
    assert (d1.num_orders, d1.num_closed, d1.num_active) == (3, 3, 0)
    assert d1.ratio == pytest.approx(100 / 3)
    assert (d1.gain, d1.min_gain, d1.max_gain, d1.max_open_orders) == (2.0, 0.0, 10.0, 3)
    assert d1.period_start_ms == T0
    assert (d2.num_orders, d2.num_closed, d2.num_active, d2.ratio, d2.gain) == (2, 1, 1, 100.0, 8.0)
    assert d2.max_open_orders == 2  # the active order stays open (the seed dropped it)
    t = r.total
    assert (t.period_name, t.num_orders, t.num_closed, t.num_active, t.ratio, t.gain) == ("TOTAL", 5, 4, 1, 50.0, 10.0)
    assert (t.min_gain, t.max_gain, t.max_open_orders) == (0.0, 10.0, 3)
    s = r.stats
    assert s.max_drawdown_usd == pytest.approx(8.0)
    assert s.max_drawdown_percent == pytest.approx(8 / 1010 * 100)
    assert s.profit_factor == pytest.approx(18 / 8)
    assert s.expectancy == pytest.approx(2.5)
    assert (s.average_win, s.average_loss, s.longest_losing_streak) == (9.0, -4.0, 2)
    assert [(x.period_name, x.num_orders, x.gain) for x in r.by_strategy] == [("s1", 2, 5.0), ("s2", 3, 5.0)]
    assert [(x.period_name, x.num_orders, x.gain) for x in r.by_symbol] == [("BTCUSDT", 4, 15.0), ("ETHUSDT", 1, -5.0)]


def test_other_intervals_and_ranges() -> None:
    hourly = build_report(ORDERS, 0, 0, "h", now_ms=T0)
    assert hourly.rows[0].period_name == "2026-01-01 00:00" and len(hourly.rows) == 27
    assert sum(r.num_orders for r in hourly.rows) == 5
    assert [r.period_name for r in build_report(ORDERS, 0, 0, "w", T0).rows] == ["2026-W01"]
    assert [r.period_name for r in build_report(ORDERS, 0, 0, "m", T0).rows] == ["2026-01"]
    ranged = build_report(ORDERS, T0 + 24 * H, T0 + 48 * H, "d", T0)
    assert [r.period_name for r in ranged.rows] == ["2026-01-02"] and ranged.total.num_orders == 2
    assert build_report([], 0, 0, "d", T0).rows == []
    with pytest.raises(ValueError, match="interval"):
        build_report(ORDERS, 0, 0, "x", T0)
    with pytest.raises(ValueError, match="to_ms"):
        build_report(ORDERS, T0 + H, T0, "d", T0)
    with pytest.raises(ValueError, match="more than"):
        build_report(ORDERS, 1, T0 + 30 * H, "h", T0)
