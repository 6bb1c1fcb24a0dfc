"""Gain reports per period (the seed's ReportIntervals) and whole-range statistics.

Differences from the seed, on purpose: periods are UTC (the seed used the server's local time); the
win ratio is computed over closed orders only and active orders are counted apart (the seed counted
them as losses); an active order stays open for ``max_open_orders`` (the seed dropped it at once);
weeks (ISO, Monday 00:00 UTC) are added; every figure is unrounded (clients format).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from order_service.model import Order

MAX_ROWS = 20_000
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass(slots=True)
class Row:
    period_name: str
    period_start_ms: int = 0
    num_orders: int = 0
    num_closed: int = 0
    num_active: int = 0
    ratio: float = 0.0
    gain: float = 0.0
    min_gain: float = 0.0
    max_gain: float = 0.0
    max_open_orders: int = 0


@dataclass(slots=True)
class Stats:
    max_drawdown_usd: float = 0.0
    max_drawdown_percent: float = 0.0
    profit_factor: float = 0.0
    expectancy: float = 0.0
    average_win: float = 0.0
    average_loss: float = 0.0
    longest_losing_streak: int = 0


@dataclass(slots=True)
class Report:
    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("TOTAL"))
    stats: Stats = field(default_factory=Stats)
    by_strategy: list[Row] = field(default_factory=list)
    by_symbol: list[Row] = field(default_factory=list)


def _utc(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _ms(d: dt.datetime) -> int:
    return int(d.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Interval:
    start: Callable[[int], int]
    next: Callable[[int], int]
    name: Callable[[int], str]


def _day_start(ms: int) -> int:
    return ms - ms % DAY_MS


def _week_start(ms: int) -> int:
    day = _day_start(ms)
    return day - _utc(day).weekday() * DAY_MS


def _month_start(ms: int) -> int:
    d = _utc(ms)
    return _ms(dt.datetime(d.year, d.month, 1, tzinfo=dt.UTC))


def _month_next(ms: int) -> int:
    d = _utc(ms)
    days = calendar.monthrange(d.year, d.month)[1]
    return _month_start(ms) + days * DAY_MS


def _week_name(ms: int) -> str:
    year, week, _ = _utc(ms).isocalendar()
    return f"{year}-W{week:02d}"


INTERVALS: dict[str, Interval] = {
    "h": Interval(
        lambda t: t - t % HOUR_MS, lambda t: t - t % HOUR_MS + HOUR_MS, lambda t: _utc(t).strftime("%Y-%m-%d %H:00")
    ),
    "d": Interval(_day_start, lambda t: _day_start(t) + DAY_MS, lambda t: _utc(t).strftime("%Y-%m-%d")),
    "w": Interval(_week_start, lambda t: _week_start(t) + 7 * DAY_MS, _week_name),
    "m": Interval(_month_start, _month_next, lambda t: _utc(t).strftime("%Y-%m")),
}


def is_win(order: Order) -> bool:
    return order.closed and order.gain > 0


def summarize(name: str, orders: Sequence[Order], start_ms: int = 0) -> Row:
    """One row over ``orders`` sorted by entry time (the seed's calc, fixed for active orders)."""
    row = Row(name, start_ms, num_orders=len(orders))
    wins = 0
    running = 0.0
    open_close_times: list[float] = []
    for o in orders:
        now = o.entry.time_ms
        open_close_times = [t for t in open_close_times if t > now]
        open_close_times.append(o.entry.close_time_ms if o.closed else float("inf"))
        row.max_open_orders = max(row.max_open_orders, len(open_close_times))
        if o.closed:
            row.num_closed += 1
            wins += o.gain > 0
            running += o.gain
            row.min_gain = min(row.min_gain, running)
            row.max_gain = max(row.max_gain, running)
        else:
            row.num_active += 1
    row.gain = running
    row.ratio = wins / row.num_closed * 100 if row.num_closed else 0.0
    return row


def statistics(orders: Iterable[Order]) -> Stats:
    closed = sorted((o for o in orders if o.closed), key=lambda o: (o.entry.close_seq, o.entry.close_time_ms))
    stats = Stats()
    if not closed:
        return stats
    wins = [o.gain for o in closed if o.gain > 0]
    losses = [o.gain for o in closed if o.gain <= 0]
    gross_loss = -sum(losses)
    stats.profit_factor = sum(wins) / gross_loss if gross_loss > 0 else 0.0
    stats.expectancy = sum(o.gain for o in closed) / len(closed)
    stats.average_win = sum(wins) / len(wins) if wins else 0.0
    stats.average_loss = sum(losses) / len(losses) if losses else 0.0
    streak = 0
    for o in closed:
        streak = streak + 1 if o.gain <= 0 else 0
        stats.longest_losing_streak = max(stats.longest_losing_streak, streak)
    # The deposit curve: each closed order's wallet is the deposit right after it closed.
    peak = closed[0].wallet - closed[0].gain
    for o in closed:
        equity = o.wallet
        peak = max(peak, equity)
        drawdown = peak - equity
        if drawdown > stats.max_drawdown_usd:
            stats.max_drawdown_usd = drawdown
            stats.max_drawdown_percent = drawdown / peak * 100 if peak > 0 else 0.0
    return stats


def build_report(orders: Iterable[Order], from_ms: int, to_ms: int, interval: str, now_ms: int) -> Report:
    """Rows per period from ``from_ms`` (0 = first order) to ``to_ms`` (0 = now), plus TOTAL and stats."""
    spec = INTERVALS.get(interval)
    if spec is None:
        raise ValueError(f"interval: one of {', '.join(INTERVALS)} (got {interval!r})")
    if from_ms < 0 or to_ms < 0:
        raise ValueError("from_ms / to_ms: must be ≥ 0")
    if to_ms and from_ms and to_ms <= from_ms:
        raise ValueError("to_ms: must be after from_ms")
    ordered = sorted(orders, key=lambda o: (o.entry.time_ms, o.entry.open_seq))
    report = Report()
    if not ordered:
        return report
    start = spec.start(from_ms or ordered[0].entry.time_ms)
    end = to_ms or max(now_ms, ordered[-1].entry.time_ms + 1)
    in_range = [o for o in ordered if start <= o.entry.time_ms < end]
    t = start
    i = 0
    while t < end and in_range:
        if len(report.rows) >= MAX_ROWS:
            raise ValueError(f"interval: more than {MAX_ROWS} rows; choose a longer interval or a shorter range")
        nxt = spec.next(t)
        period: list[Order] = []
        while i < len(in_range) and in_range[i].entry.time_ms < nxt:
            period.append(in_range[i])
            i += 1
        report.rows.append(summarize(spec.name(t), period, t))
        t = nxt
        if i >= len(in_range) and to_ms == 0:
            break
    report.total = summarize("TOTAL", in_range)
    report.stats = statistics(in_range)
    for key, target in ((lambda o: o.entry.strategy, report.by_strategy), (lambda o: o.entry.symbol, report.by_symbol)):
        groups: dict[str, list[Order]] = {}
        for o in in_range:
            groups.setdefault(key(o), []).append(o)
        target.extend(summarize(name, group) for name, group in sorted(groups.items()))
    return report
