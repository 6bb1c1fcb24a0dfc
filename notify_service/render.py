"""Telegram HTML for every message the bot sends. Pure functions of API messages (no I/O).

Anything that comes from outside (names, errors, symbols) is escaped: Telegram rejects a message
with a stray ``<``.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from parayok.convert import TIMEFRAME_TO_NAME
from parayok.v1 import analysis_pb2, broker_pb2, common_pb2, orders_pb2


def num(value: float, decimals: int = 8) -> str:
    """A price or quantity without float noise or trailing zeros: 50000.1, 0.00012."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def usd(value: float, signed: bool = False) -> str:
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def tf(value: int) -> str:
    return TIMEFRAME_TO_NAME.get(value, "?")


def side_label(side: int) -> str:
    return "🍏 Long" if side == common_pb2.SIDE_BUY else "🍎 Short"


def utc(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def order_line(symbol: str, side: int, entry: float, take: float, stop: float, timeframe: str, strategy: str) -> str:
    """The seed's real-order line: 🍏 Long <b>SYM</b> entry, 💰 TP, ⛔ SL, (tf, strategy)."""
    return (
        f"{side_label(side)} <b>{escape(symbol)}</b> {num(entry)}, 💰 {num(take)}, ⛔ {num(stop)}, "
        f"({escape(timeframe)}, {escape(strategy)})"
    )


def order_doc(order: orders_pb2.Order) -> dict[str, Any]:
    """What real-order messages need to know about the order behind a client order id."""
    e = order.entry
    return {
        "vm_id": order.vm_id, "symbol": e.symbol, "side": e.side, "timeframe": tf(e.timeframe),
        "strategy": e.strategy, "entry": e.entry_price, "take": e.take_profit, "stop": e.stop_loss,
    }


def _subject(doc: dict[str, Any] | None, real: orders_pb2.RealOrder) -> str:
    if doc is not None:
        return f"{side_label(doc['side'])} <b>{escape(doc['symbol'])}</b>"
    if real.symbol and real.side in (common_pb2.SIDE_BUY, common_pb2.SIDE_SELL):  # the real order's own
        return f"{side_label(real.side)} <b>{escape(real.symbol)}</b>"
    return f"<code>{escape(real.client_order_id)}</code>"


def real_order(real: orders_pb2.RealOrder, doc: dict[str, Any] | None) -> str | None:
    """The message for a real order's new status (None: nothing worth a message)."""
    account = escape(real.account_id)
    if real.status == orders_pb2.REAL_ORDER_STATUS_SENT:
        if doc is None:
            return f"💸 New real order {_subject(None, real)} on {account}"
        return order_line(doc["symbol"], doc["side"], doc["entry"], doc["take"], doc["stop"],
                          doc["timeframe"], doc["strategy"])
    if real.status == orders_pb2.REAL_ORDER_STATUS_OPEN:
        text = (f"✅ Filled {_subject(doc, real)}: {num(real.filled_quantity)} @ {num(real.average_price)} "
                f"({account})")
        if not real.stop_order_id:
            text += "\n⚠️ <b>Stop loss not placed</b>: the position is unprotected"
        if real.error:
            text += f"\n⚠️ {escape(real.error)}"
        return text
    if real.status == orders_pb2.REAL_ORDER_STATUS_CLOSED:
        mark = "🟢" if real.realized_pnl >= 0 else "🔴"
        return (f"{mark} Closed {_subject(doc, real)} @ {num(real.exit_price)}: "
                f"PnL <b>{usd(real.realized_pnl, signed=True)} USDT</b> ({account})")
    if real.status == orders_pb2.REAL_ORDER_STATUS_FAILED:
        return f"❌ Real order failed {_subject(doc, real)} ({account}): {escape(real.error or 'unknown error')}"
    return None


def emulated_entry_opened(entry: analysis_pb2.Entry) -> str:
    return "📝 Entry " + order_line(entry.symbol, entry.side, entry.entry_price, entry.take_profit,
                                   entry.stop_loss, tf(entry.timeframe), entry.strategy)


def emulated_entry_closed(entry: analysis_pb2.Entry) -> str:
    won = entry.result == common_pb2.ENTRY_RESULT_WON
    return (f"{'🏆 Won' if won else '💥 Lost'} {side_label(entry.side)} <b>{escape(entry.symbol)}</b> "
            f"({tf(entry.timeframe)}, {escape(entry.strategy)}) @ {num(entry.close_price)}: "
            f"{entry.gain_percent:+.2f}%")


def vm_error(vm_name: str, status: orders_pb2.VmStatus) -> str:
    return f"🛑 VM <b>{escape(vm_name)}</b> stopped by an error: {escape(status.error or 'unknown error')}"


def account_halted(account_id: str, halted: broker_pb2.AccountHalted) -> str:
    text = f"⛔ Account <b>{escape(account_id)}</b> halted: {escape(halted.reason or 'unknown reason')}"
    if halted.until_ms:
        text += f" (until {utc(halted.until_ms)})"
    return text + "\nNo order is sent until it resumes."


def stop_failed(bracket: broker_pb2.Bracket) -> str:
    return (f"⚠️ <b>Stop loss placement failed</b> {side_label(bracket.side)} <b>{escape(bracket.symbol)}</b> "
            f"({escape(bracket.account_id)}): {escape(bracket.error)}")


def balance_moved(account_id: str, asset: str, balance: float, change: float) -> str:
    return (f"💵 Account <b>{escape(account_id)}</b>: balance <b>{usd(balance)} {escape(asset)}</b> "
            f"({usd(change, signed=True)})")


def account(acc: broker_pb2.Account) -> str:
    """The seed's /account: balance, unrealised PnL, one line per position."""
    kind = orders_pb2.BrokerKind.Name(acc.kind).removeprefix("BROKER_KIND_").lower().replace("_", "-")
    lines = [
        f"🏦 <b>{escape(acc.account_id)}</b> ({kind})",
        f"Balance: <b>{usd(acc.balance)} USDT</b> (available {usd(acc.available)})",
        f"Unrealised PnL: <b>{usd(acc.unrealized_pnl, signed=True)} USDT</b>",
    ]
    if acc.halted:
        lines.append(f"⛔ halted: {escape(acc.halt_reason)}")
    for p in acc.positions:
        long = p.position_side == broker_pb2.POSITION_SIDE_LONG or (
            p.position_side != broker_pb2.POSITION_SIDE_SHORT and p.quantity > 0)
        lines.append(
            f"{'🍏' if long else '🍎'} {escape(p.symbol)} {num(abs(p.quantity))} @ {num(p.entry_price)} "
            f"→ {num(p.mark_price)}: {usd(p.unrealized_pnl, signed=True)}"
        )
    if not acc.positions:
        lines.append("No open position.")
    return "\n".join(lines)


def vm_state(state: int) -> str:
    return orders_pb2.VmState.Name(state).removeprefix("VM_STATE_").lower()


def vm_status_line(vm: orders_pb2.Vm) -> str:
    state = vm_state(vm.state)
    if vm.state == orders_pb2.VM_STATE_LOADING:
        state += f" {vm.progress_percent:.0f}%"
    line = (f"• <b>{escape(vm.name or vm.id)}</b> <code>{escape(vm.id)}</code>: {state}, "
            f"real trading {'ON' if vm.live_trading else 'off'}")
    if vm.error:
        line += f"\n  error: {escape(vm.error)}"
    return line


def open_order_line(order: orders_pb2.Order) -> str:
    e = order.entry
    real = " 💸" if order.real.client_order_id else ""
    return (f"{side_label(e.side)} <b>{escape(e.symbol)}</b> {num(e.entry_price)} → {num(e.current_price)} "
            f"({e.gain_percent:+.2f}%), 💰 {num(e.take_profit)}, ⛔ {num(e.stop_loss)} "
            f"({tf(e.timeframe)}, {escape(e.strategy)}){real}")


def entry_line(entry: analysis_pb2.Entry) -> str:
    result = common_pb2.EntryResult.Name(entry.result).removeprefix("ENTRY_RESULT_").lower()
    return (f"{utc(entry.time_ms)[5:16]} {side_label(entry.side)} <b>{escape(entry.symbol)}</b> "
            f"{num(entry.entry_price)} ({tf(entry.timeframe)}, {escape(entry.strategy)}): "
            f"{result} {entry.gain_percent:+.2f}%")


def report_row(row: orders_pb2.ReportRow) -> str:
    return (f"{row.period_name[:12]:<12} {row.num_orders:>4} {row.ratio:>5.1f}% {row.gain:>+10.2f}")


def report_table(title: str, rows: list[orders_pb2.ReportRow]) -> str:
    head = f"{'period':<12} {'ord':>4} {'win':>6} {'gain USD':>10}"
    body = "\n".join(report_row(r) for r in rows) or "no orders"
    return f"<b>{escape(title)}</b>\n<pre>{head}\n{escape(body)}</pre>"


def profit(vm: orders_pb2.Vm, days: int, report: orders_pb2.Report) -> str:
    t, s = report.total, report.stats
    return (
        f"📊 <b>{escape(vm.name or vm.id)}</b>, last {days} day(s)\n"
        f"Orders: {t.num_orders} ({t.num_closed} closed, {t.num_active} active), win {t.ratio:.1f}%\n"
        f"Gain: <b>{usd(t.gain, signed=True)} USD</b>\n"
        f"Profit factor {s.profit_factor:.2f}, expectancy {usd(s.expectancy, signed=True)}, "
        f"max drawdown {usd(s.max_drawdown_usd)} ({s.max_drawdown_percent:.1f}%)"
    )
