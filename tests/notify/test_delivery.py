"""Delivery through the Bot API double: retries (429 retry_after, 5xx, network), rate limits, outages."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import grpc
import pytest

from notify_service.testing import running_botapi
from parayok.v1 import notify_pb2, orders_pb2
from tests.conftest import free_port
from tests.notify.conftest import GROUP, OWNER, Stack, notify_running, settings_for
from tests.notify.doubles import BrokerDouble, OrderDouble, serving


async def _notify(stack: Stack, text: str, chat_id: int = OWNER, key: str = "") -> int:
    reply = await stack.stub.Notify(notify_pb2.NotifyRequest(text=text, chat_id=chat_id, dedupe_key=key), timeout=5)
    return reply.queued


async def test_429_is_retried_after_retry_after(stack: Stack) -> None:
    stack.api.fail("sendMessage", 429, retry_after=1, description="Too Many Requests: retry after 1")
    assert await _notify(stack, "<b>hello</b>") == 1
    [sent] = await stack.api.wait_sent(1, OWNER)
    assert sent.text == "<b>hello</b>" and sent.parse_mode == "HTML"
    first, second = [c for c in stack.api.calls if c.method == "sendMessage"]
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 1.0


async def test_5xx_is_retried_and_delivered_once(stack: Stack) -> None:
    stack.api.fail("sendMessage", 502, times=2)
    stack.api.fail("sendMessage", 500, times=1)
    assert await _notify(stack, "after the storm") == 1
    await stack.api.wait_sent(1, OWNER)
    statuses = [c.status for c in stack.api.calls if c.method == "sendMessage"]
    assert statuses == [502, 502, 500, 200]
    assert stack.api.texts(OWNER) == ["after the storm"]
    status = await stack.status()
    assert status.connected and status.outbox == 0
    assert "500" in status.last_error or "injected" in status.last_error


async def test_refused_message_is_dropped_and_the_next_goes_out(stack: Stack) -> None:
    stack.api.fail("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    await _notify(stack, "lost")
    await _notify(stack, "next")
    await stack.api.wait_sent(1, OWNER)
    assert stack.api.texts(OWNER) == ["next"]


async def test_broken_html_goes_out_as_plain_text(stack: Stack) -> None:
    stack.api.fail("sendMessage", 400, description="Bad Request: can't parse entities: unclosed tag")
    await _notify(stack, "<b>oops")
    [sent] = await stack.api.wait_sent(1, OWNER)
    assert sent.text == "<b>oops" and sent.parse_mode is None


@pytest.mark.parametrize("stack", [{"telegram_chat_interval": 1.0, "telegram_global_rate": 30.0}], indirect=True)
async def test_rate_limit_per_chat(stack: Stack) -> None:
    for n in range(3):
        await _notify(stack, f"owner {n}")
    sent = await stack.api.wait_sent(3, OWNER)
    assert [s.text for s in sent] == ["owner 0", "owner 1", "owner 2"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    assert all(gap >= 1.0 for gap in gaps), gaps


@pytest.mark.parametrize("stack", [{"telegram_allowed_chats": ",".join(str(1000 + i) for i in range(45)),
                                    "telegram_global_rate": 30.0, "telegram_chat_interval": 1.0}], indirect=True)
async def test_global_rate_limit(stack: Stack) -> None:
    chats = [1000 + i for i in range(45)]
    for chat in chats:
        await _notify(stack, f"to {chat}", chat_id=chat)
    sent = await stack.api.wait_sent(45, timeout=30)
    times = sorted(s.at for s in sent)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30
    assert times[-1] - times[0] >= 1.0  # the 31st had to wait
    assert sorted(s.chat_id for s in sent) == chats


async def test_a_failing_chat_does_not_hold_back_the_others(stack: Stack) -> None:
    stack.api.fail("sendMessage", 502, times=1000)
    await _notify(stack, "stuck", chat_id=OWNER)
    await stack.api.wait_call("sendMessage", 2)
    stack.api._failures["sendMessage"].clear()
    stack.api.hold_sends(lambda chat, text: chat == OWNER)
    await _notify(stack, "free", chat_id=GROUP)
    [sent] = await stack.api.wait_sent(1, GROUP)
    assert sent.text == "free"
    stack.api.release_sends()
    await stack.api.wait_sent(1, OWNER)


async def test_starts_and_serves_with_telegram_and_services_down(tmp_path: Path) -> None:
    """Nothing listens at first: RPCs answer, Notify queues; then everything comes up and it catches up."""
    api_port, order_port, broker_port = free_port(), free_port(), free_port()
    order, broker = OrderDouble(), BrokerDouble()
    settings = settings_for(tmp_path, f"http://127.0.0.1:{api_port}/bot", "123456:PARAYOK-TEST-TOKEN",
                            f"127.0.0.1:{order_port}", f"127.0.0.1:{broker_port}")
    async with notify_running(settings) as (_app, stub):
        reply = await stub.Notify(notify_pb2.NotifyRequest(text="while down", chat_id=OWNER), timeout=5)
        assert reply.queued == 1

        async def down_status() -> notify_pb2.NotifyStatus:
            while True:
                status = await stub.GetStatus(notify_pb2.GetNotifyStatusRequest(), timeout=5)
                if status.last_error:
                    return status
                await asyncio.sleep(0.05)

        status = await asyncio.wait_for(down_status(), 20)
        assert status.enabled and not status.connected and status.outbox == 1
        assert "PARAYOK-TEST-TOKEN" not in status.last_error

        async with running_botapi(port=api_port) as api, serving(order=order, port=order_port), \
                serving(broker=broker, port=broker_port):
            [sent] = await api.wait_sent(1, OWNER, timeout=40)
            assert sent.text == "while down"
            await order.log.wait_streams(1, timeout=20)
            await broker.log.wait_streams(1, timeout=20)
            api.push_command(GROUP, "/start")
            await api.wait_sent(1, GROUP)
            await order.log.push(orders_pb2.OrderEvent(vm_id="vm1", vm_status=orders_pb2.VmStatus(
                vm_id="vm1", state=orders_pb2.VM_STATE_ERROR, error="late")))
            sent_group = await api.wait_sent(2, GROUP)
            assert "late" in sent_group[-1].text
            status = await stub.GetStatus(notify_pb2.GetNotifyStatusRequest(), timeout=5)
            assert status.connected and status.outbox == 0 and status.bot_username == "parayok_test_bot"


async def test_disabled_without_a_token(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(tmp_path, "http://127.0.0.1:9/bot", "", f"127.0.0.1:{free_port()}",
                            f"127.0.0.1:{free_port()}")
    async with notify_running(settings) as (_app, stub):
        status = await stub.GetStatus(notify_pb2.GetNotifyStatusRequest(), timeout=5)
        assert not status.enabled and not status.connected and status.outbox == 0
        assert "disabled" in status.last_error
        reply = await stub.Notify(notify_pb2.NotifyRequest(text="nobody hears", chat_id=OWNER), timeout=5)
        assert reply.queued == 0
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Notify(notify_pb2.NotifyRequest(text=""), timeout=5)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert any(getattr(r, "event", "") == "telegram_disabled" for r in caplog.records)
