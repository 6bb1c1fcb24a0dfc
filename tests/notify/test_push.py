"""Pushed messages: every event type from the OrderService and BrokerService streams, rendered, routed
to the right chats, resumed after a cut without loss or repeat."""

from __future__ import annotations

import time

from parayok.v1 import broker_pb2, common_pb2, orders_pb2
from tests.notify.conftest import GROUP, OWNER, Stack
from tests.notify.doubles import entry

DAY_MS = 86_400_000


async def _subscribe(stack: Stack) -> None:
    await stack.command(OWNER, "/start")
    await stack.command(OWNER, "/entries_on")
    await stack.command(GROUP, "/start")


def _pushed(stack: Stack, chat: int, skip: int) -> list[str]:
    return stack.api.texts(chat)[skip:]


async def test_every_event_type_is_pushed_as_expected(stack: Stack) -> None:
    await _subscribe(stack)
    skip_owner, skip_group = len(stack.api.texts(OWNER)), len(stack.api.texts(GROUP))
    now = int(time.time() * 1000)
    btc = orders_pb2.Order(id="o1", vm_id="vm1", entry=entry(),
                           real=orders_pb2.RealOrder(client_order_id="c1", account_id="paper"))
    eth = orders_pb2.Order(id="o2", vm_id="vm1", entry=entry("ETHUSDT", common_pb2.SIDE_SELL, entry_price=3000.25,
                                                             stop_loss=3100, take_profit=2800),
                           real=orders_pb2.RealOrder(client_order_id="c2", account_id="paper"))
    stack.order.orders = [eth]  # c2 is only known through ListOrders
    sent, opened, closed, failed = (orders_pb2.REAL_ORDER_STATUS_SENT, orders_pb2.REAL_ORDER_STATUS_OPEN,
                                    orders_pb2.REAL_ORDER_STATUS_CLOSED, orders_pb2.REAL_ORDER_STATUS_FAILED)
    events = [
        orders_pb2.OrderEvent(vm_id="vm1", order_created=btc),
        orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
            client_order_id="c1", account_id="paper", status=sent)),
        orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
            client_order_id="c1", account_id="paper", status=opened, filled_quantity=0.01, average_price=50010.5,
            stop_order_id="s1", take_order_id="t1")),
        orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
            client_order_id="c1", account_id="paper", status=closed, exit_price=52000.5, realized_pnl=19.9)),
        orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
            client_order_id="c2", account_id="paper", status=opened, filled_quantity=0.5, average_price=3000)),
        orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
            client_order_id="c2", account_id="paper", status=failed, error="Margin is <insufficient>")),
        orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
            client_order_id="c9", account_id="paper", status=closed, exit_price=1.5, realized_pnl=-2)),
        orders_pb2.OrderEvent(vm_id="vm1", vm_status=orders_pb2.VmStatus(
            vm_id="vm1", state=orders_pb2.VM_STATE_ERROR, error="candle_service unavailable")),
        orders_pb2.OrderEvent(vm_id="vm1", vm_status=orders_pb2.VmStatus(vm_id="vm1", state=orders_pb2.VM_STATE_LIVE)),
        orders_pb2.OrderEvent(vm_id="vm1", entry_opened=entry("SOLUSDT", opened_at_ms=now - 2 * DAY_MS)),  # replay
        orders_pb2.OrderEvent(vm_id="vm1", entry_opened=entry("SOLUSDT")),
        orders_pb2.OrderEvent(vm_id="vm1", entry_closed=entry(
            "SOLUSDT", result=common_pb2.ENTRY_RESULT_WON, close_time_ms=now, close_price=52000.5, gain_percent=4.0)),
        orders_pb2.OrderEvent(vm_id="vm1", order_closed=btc),
    ]
    for event in events:
        await stack.order.log.push(event)
    both = [
        "🍏 Long <b>BTCUSDT</b> 50000, 💰 52000.5, ⛔ 49000, (1h, tpcwfma)",
        "✅ Filled 🍏 Long <b>BTCUSDT</b>: 0.01 @ 50010.5 (paper)",
        "🟢 Closed 🍏 Long <b>BTCUSDT</b> @ 52000.5: PnL <b>+19.90 USDT</b> (paper)",
        "✅ Filled 🍎 Short <b>ETHUSDT</b>: 0.5 @ 3000 (paper)\n"
        "⚠️ <b>Stop loss not placed</b>: the position is unprotected",
        "❌ Real order failed 🍎 Short <b>ETHUSDT</b> (paper): Margin is &lt;insufficient&gt;",
        "🔴 Closed <code>c9</code> @ 1.5: PnL <b>-2.00 USDT</b> (paper)",
        "🛑 VM <b>Main</b> stopped by an error: candle_service unavailable",
    ]
    entries_only = [
        "📝 Entry 🍏 Long <b>SOLUSDT</b> 50000, 💰 52000.5, ⛔ 49000, (1h, tpcwfma)",
        "🏆 Won 🍏 Long <b>SOLUSDT</b> (1h, tpcwfma) @ 52000.5: +4.00%",
    ]
    await stack.api.wait_sent(skip_owner + len(both) + len(entries_only), OWNER)
    await stack.api.wait_sent(skip_group + len(both), GROUP)

    until = 1_795_000_000_000
    account_events = [
        broker_pb2.AccountEvent(account_id="paper", balance=broker_pb2.BalanceUpdate(
            asset="USDT", wallet_balance=10003.0, change=3.0, reason="ORDER")),  # +3: below 5
        broker_pb2.AccountEvent(account_id="paper", balance=broker_pb2.BalanceUpdate(
            asset="BNB", wallet_balance=1.0, change=-50)),  # not USDT
        broker_pb2.AccountEvent(account_id="paper", balance=broker_pb2.BalanceUpdate(
            asset="USDT", wallet_balance=10005.5, change=2.5, reason="ORDER")),  # +5.5 since the reference
        broker_pb2.AccountEvent(account_id="paper", balance=broker_pb2.BalanceUpdate(
            asset="USDT", wallet_balance=10001.0, change=-4.5, reason="FUNDING_FEE")),  # -4.5: below
        broker_pb2.AccountEvent(account_id="paper", balance=broker_pb2.BalanceUpdate(
            asset="USDT", wallet_balance=9999.0, change=-2.0, reason="ORDER")),  # -6.5
        broker_pb2.AccountEvent(account_id="paper", halted=broker_pb2.AccountHalted(
            reason="HTTP 418: IP banned", until_ms=until)),
        broker_pb2.AccountEvent(account_id="paper", bracket=broker_pb2.Bracket(
            client_order_id="c3", account_id="paper", symbol="BTCUSDT", side=common_pb2.SIDE_BUY,
            state=broker_pb2.BRACKET_STATE_OPEN, error="STOP_MARKET rejected: -2021 would immediately trigger")),
        broker_pb2.AccountEvent(account_id="paper", bracket=broker_pb2.Bracket(
            client_order_id="c4", account_id="paper", symbol="BTCUSDT", state=broker_pb2.BRACKET_STATE_OPEN,
            stop=broker_pb2.ExchangeOrder(exchange_order_id="9"))),
        broker_pb2.AccountEvent(account_id="paper", position=broker_pb2.Position(symbol="BTCUSDT")),
    ]
    for event in account_events:
        await stack.broker.log.push(event)
    account = [
        "💵 Account <b>paper</b>: balance <b>10005.50 USDT</b> (+5.50)",
        "💵 Account <b>paper</b>: balance <b>9999.00 USDT</b> (-6.50)",
        "⛔ Account <b>paper</b> halted: HTTP 418: IP banned (until 2026-11-18 11:06 UTC)\n"
        "No order is sent until it resumes.",
        "⚠️ <b>Stop loss placement failed</b> 🍏 Long <b>BTCUSDT</b> (paper): "
        "STOP_MARKET rejected: -2021 would immediately trigger",
    ]
    await stack.api.wait_sent(skip_owner + len(both) + len(entries_only) + len(account), OWNER)
    await stack.api.wait_sent(skip_group + len(both) + len(account), GROUP)
    owner = _pushed(stack, OWNER, skip_owner)
    assert owner == both + entries_only + account
    assert _pushed(stack, GROUP, skip_group) == both + account
    assert all(s.parse_mode == "HTML" for s in stack.api.sent)
    status = await stack.status()
    assert status.outbox == 0 and status.connected and status.bot_username == "parayok_test_bot"


async def test_streams_resume_after_a_cut_without_loss_or_repeat(stack: Stack) -> None:
    await _subscribe(stack)
    skip = len(stack.api.texts(GROUP))

    def vm_error(n: int) -> orders_pb2.OrderEvent:
        return orders_pb2.OrderEvent(vm_id="vm1", vm_status=orders_pb2.VmStatus(
            vm_id="vm1", state=orders_pb2.VM_STATE_ERROR, error=f"failure {n}"))

    await stack.order.log.push(vm_error(1))
    await stack.api.wait_sent(skip + 1, GROUP)
    await stack.order.log.cut()
    # Pushed while notify_service is disconnected: read on reconnection, after the last event handled.
    await stack.order.log.push(vm_error(2))
    await stack.order.log.push(vm_error(3))
    await stack.order.log.wait_streams(2)
    await stack.order.log.push(vm_error(4))
    await stack.api.wait_sent(skip + 4, GROUP)
    assert stack.order.log.requests[:2] == [0, 1]
    texts = _pushed(stack, GROUP, skip)
    assert [t.rsplit(" ", 1)[-1] for t in texts] == ["1", "2", "3", "4"]
    assert stack.app.store.cursor("order") == 4


async def test_a_real_order_handled_after_its_order_closed_is_still_named_by_side_and_symbol(stack: Stack) -> None:
    """order_service's order_created carries no real link, so the entry behind a real order is looked up when its
    first event is handled; by then the order may have closed (this service catching up, a stop hit within a
    minute): it is found among all orders, and a real order found nowhere is named by its own side and symbol."""
    await _subscribe(stack)
    skip = len(stack.api.texts(OWNER))
    closed_xrp = orders_pb2.Order(
        id="o3", vm_id="vm1", entry=entry("XRPUSDT", entry_price=3.25, stop_loss=3.2, take_profit=3.3,
                                          result=common_pb2.ENTRY_RESULT_WON),
        real=orders_pb2.RealOrder(client_order_id="c5", account_id="paper"))
    stack.order.orders = [closed_xrp]
    await stack.order.log.push(orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
        client_order_id="c5", account_id="paper", status=orders_pb2.REAL_ORDER_STATUS_SENT)))
    await stack.order.log.push(orders_pb2.OrderEvent(vm_id="vm1", real_order=orders_pb2.RealOrder(
        client_order_id="c6", account_id="paper", status=orders_pb2.REAL_ORDER_STATUS_OPEN, symbol="ADAUSDT",
        side=common_pb2.SIDE_SELL, filled_quantity=10, average_price=0.5, stop_order_id="s6")))
    await stack.api.wait_sent(skip + 2, OWNER)
    assert _pushed(stack, OWNER, skip) == [
        "🍏 Long <b>XRPUSDT</b> 3.25, 💰 3.3, ⛔ 3.2, (1h, tpcwfma)",
        "✅ Filled 🍎 Short <b>ADAUSDT</b>: 10 @ 0.5 (paper)",
    ]
