"""Every command through python-telegram-bot and the Bot API double, from an allowed chat and a stranger."""

from __future__ import annotations

import logging
import time

import pytest

from parayok.v1 import common_pb2, notify_pb2, orders_pb2
from tests.conftest import free_port
from tests.notify.conftest import GROUP, OWNER, STRANGER, Stack
from tests.notify.doubles import entry

DAY_MS = 86_400_000


def _subscribers(reply: notify_pb2.ListSubscribersResponse) -> dict[int, notify_pb2.Subscriber]:
    return {s.chat_id: s for s in reply.subscribers}


async def test_subscriptions_and_entries_switch(stack: Stack) -> None:
    assert "Subscribed" in await stack.command(OWNER, "/start")
    assert "already subscribed" in await stack.command(OWNER, "/start")
    assert "Subscribed" in await stack.command(GROUP, "/start@parayok_test_bot")
    subs = _subscribers(await stack.stub.ListSubscribers(notify_pb2.ListSubscribersRequest(), timeout=5))
    assert set(subs) == {OWNER, GROUP}
    assert subs[GROUP].name == f"group{GROUP}" and subs[OWNER].subscribed_ms > 0
    assert not subs[OWNER].entries_enabled

    assert "on" in await stack.command(OWNER, "/entries_on")
    subs = _subscribers(await stack.stub.ListSubscribers(notify_pb2.ListSubscribersRequest(), timeout=5))
    assert subs[OWNER].entries_enabled and not subs[GROUP].entries_enabled
    assert "off" in await stack.command(OWNER, "/entries_off")

    assert "Unsubscribed" in await stack.command(GROUP, "/stop")
    assert "not subscribed" in await stack.command(GROUP, "/cancel")
    assert "/start first" in await stack.command(GROUP, "/entries_on")
    subs = _subscribers(await stack.stub.ListSubscribers(notify_pb2.ListSubscribersRequest(), timeout=5))
    assert set(subs) == {OWNER}
    help_text = await stack.command(OWNER, "/help")
    for command in ("/status", "/account", "/orders", "/entries", "/profit", "/daily", "/report", "/live"):
        assert command in help_text
    assert "Unknown command /nope" in await stack.command(OWNER, "/nope")
    # Every reply went out as HTML.
    assert {s.parse_mode for s in stack.api.sent} == {"HTML"}


async def test_reading_commands(stack: Stack) -> None:
    now = int(time.time() * 1000)
    status = await stack.command(OWNER, "/status")
    assert "<b>Main</b> <code>vm1</code>: live, real trading off" in status
    assert "<b>Backtest &lt;2024&gt;</b> <code>bt</code>: loading 42%" in status

    account = await stack.command(OWNER, "/account")
    assert account.splitlines() == [
        "🏦 <b>paper</b> (paper)",
        "Balance: <b>10012.50 USDT</b> (available 9000.00)",
        "Unrealised PnL: <b>-3.25 USDT</b>",
        "🍏 BTCUSDT 0.01 @ 50000 → 50100: +1.00",
        "🍎 ETHUSDT 0.5 @ 3000 → 3008.5: -4.25",
    ]
    assert "⚠️" in await stack.command(OWNER, "/account nosuch")

    stack.order.orders = [
        orders_pb2.Order(id="o1", vm_id="vm1", entry=entry()),
        orders_pb2.Order(id="o2", vm_id="vm1", entry=entry("ETHUSDT", common_pb2.SIDE_SELL, entry_price=3000,
                                                             stop_loss=3100, take_profit=2800, current_price=2990,
                                                             gain_percent=0.33),
                         real=orders_pb2.RealOrder(client_order_id="c2")),
        orders_pb2.Order(id="o3", vm_id="vm1", entry=entry("XRPUSDT", result=common_pb2.ENTRY_RESULT_WON)),
    ]
    orders = await stack.command(OWNER, "/orders")
    assert "<b>Main</b>: 2 open order(s)" in orders
    assert "🍏 Long <b>BTCUSDT</b> 50000 → 50100 (+0.20%), 💰 52000.5, ⛔ 49000 (1h, tpcwfma)" in orders
    assert "🍎 Short <b>ETHUSDT</b> 3000 → 2990 (+0.33%), 💰 2800, ⛔ 3100 (1h, tpcwfma) 💸" in orders
    assert "XRPUSDT" not in orders

    stack.order.entries = [entry(f"S{i}USDT", time_ms=now - (10 - i) * 3_600_000) for i in range(10)]
    entries = await stack.command(OWNER, "/entries 3")
    assert "last 3 entries" in entries
    assert [s for s in ("S7USDT", "S8USDT", "S9USDT", "S6USDT") if s in entries] == ["S7USDT", "S8USDT", "S9USDT"]
    assert "n must be a number" in await stack.command(OWNER, "/entries many")

    row = orders_pb2.ReportRow(period_name="2026-11-25", num_orders=4, num_closed=3, num_active=1, ratio=66.7,
                               gain=12.5)
    stack.order.report = orders_pb2.Report(
        rows=[row], total=orders_pb2.ReportRow(period_name="TOTAL", num_orders=4, num_closed=3, num_active=1,
                                               ratio=66.7, gain=12.5),
        stats=orders_pb2.ReportStats(profit_factor=2.5, expectancy=4.17, max_drawdown_usd=3.0,
                                     max_drawdown_percent=0.03),
        by_strategy=[orders_pb2.ReportRow(period_name="tpcwfma", num_orders=4, ratio=66.7, gain=12.5)],
    )
    profit = await stack.command(OWNER, "/profit 7")
    assert "<b>Main</b>, last 7 day(s)" in profit and "Gain: <b>+12.50 USD</b>" in profit
    assert "win 66.7%" in profit and "Profit factor 2.50" in profit
    request = stack.order.report_requests[-1]
    assert request.vm_id == "vm1" and request.interval == orders_pb2.REPORT_INTERVAL_DAY
    assert abs(request.to_ms - request.from_ms - 7 * DAY_MS) < 1000

    daily = await stack.command(OWNER, "/daily 3")
    assert "<pre>" in daily and "2026-11-25      4  66.7%     +12.50" in daily and "TOTAL" in daily
    request = stack.order.report_requests[-1]
    assert request.from_ms % DAY_MS == 0 and request.to_ms - request.from_ms < 3 * DAY_MS

    report = await stack.command(OWNER, "/report")
    assert "Main: today" in report and "by strategy" in report and "tpcwfma" in report
    request = stack.order.report_requests[-1]
    assert request.interval == orders_pb2.REPORT_INTERVAL_HOUR and request.from_ms % DAY_MS == 0


async def test_live_switch_asks_then_switches_on_the_button(stack: Stack) -> None:
    assert "Usage" in await stack.command(OWNER, "/live maybe vm1")
    assert "⚠️" in await stack.command(OWNER, "/live on nosuch")
    before = len(stack.api.texts(OWNER))
    stack.api.push_command(OWNER, "/live on vm1")
    [*_, question] = await stack.api.wait_sent(before + 1, OWNER)
    assert "real trading" in question.text and "<b>Main</b>" in question.text
    assert question.reply_markup is not None
    yes, cancel = question.reply_markup["inline_keyboard"][0]
    assert yes["callback_data"].startswith("live:on:") and cancel["callback_data"] == "live:cancel"
    assert stack.order.updates == []  # nothing changes before the confirmation

    stack.api.push_callback(OWNER, yes["callback_data"], question.message_id)
    sent = await stack.api.wait_sent(before + 2, OWNER)
    assert "Real trading is <b>ON</b> on VM <b>Main</b>" in sent[-1].text
    assert [vm.live_trading for vm in stack.order.updates] == [True]
    assert stack.order.updates[0].id == "vm1" and stack.order.updates[0].name == "Main"
    assert stack.api.callback_answers[-1]["text"] == "Real trading ON"

    stack.api.push_callback(OWNER, "live:cancel")
    sent = await stack.api.wait_sent(before + 3, OWNER)
    assert "left as it was" in sent[-1].text
    stale = f"live:off:{int(time.time()) - 3600}:vm1"
    stack.api.push_callback(OWNER, stale)
    sent = await stack.api.wait_sent(before + 4, OWNER)
    assert "expired" in sent[-1].text
    assert len(stack.order.updates) == 1
    assert len(stack.api.callback_answers) == 3


async def test_strangers_get_nothing(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="notify_service.telegram")
    commands = ["/start", "/help", "/status", "/account", "/orders", "/entries 3", "/profit", "/daily",
                "/report", "/live on vm1", "/entries_on", "/stop", "hello"]
    ids = [stack.api.push_command(STRANGER, text) for text in commands]
    ids.append(stack.api.push_callback(STRANGER, f"live:on:{int(time.time())}:vm1"))
    # An allowed chat after them: once it is answered, the strangers' updates were fetched too.
    assert "Subscribed" in await stack.command(OWNER, "/start")
    await stack.api.wait_confirmed(ids[-1])
    dropped = {r.update_id for r in caplog.records if getattr(r, "event", "") == "stranger"}  # type: ignore[attr-defined]
    assert dropped >= set(ids)
    assert all(getattr(r, "chat_id", None) == STRANGER for r in caplog.records
               if getattr(r, "event", "") == "stranger")
    assert stack.api.texts(STRANGER) == []
    assert stack.api.callback_answers == []
    assert stack.order.updates == [] and stack.order.report_requests == []
    subs = await stack.stub.ListSubscribers(notify_pb2.ListSubscribersRequest(), timeout=5)
    assert [s.chat_id for s in subs.subscribers] == [OWNER]


@pytest.mark.parametrize("stack", [{"order_addr": f"127.0.0.1:{free_port()}"}], indirect=True)
async def test_commands_say_when_a_service_is_down(stack: Stack) -> None:
    assert "order_service is unavailable" in await stack.command(OWNER, "/status")
    assert "order_service is unavailable" in await stack.command(OWNER, "/profit")
    assert "⚠️" in await stack.command(OWNER, "/live on vm1")
    assert "Balance: <b>10012.50 USDT</b>" in await stack.command(OWNER, "/account")  # broker_service is up
