"""notify_service in process against the Bot API double and OrderService/BrokerService doubles."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from notify_service.app import NotifyApp, running
from notify_service.server import NotifyServicer
from notify_service.settings import NotifySettings
from notify_service.testing import BotApiDouble, running_botapi
from parayok.v1 import notify_pb2, notify_pb2_grpc
from tests.conftest import free_port, grpc_test_server
from tests.notify.doubles import BrokerDouble, OrderDouble, serving

OWNER = 111  # a private chat allowed to use the bot
GROUP = -222  # an allowed group
STRANGER = 999


@dataclass
class Stack:
    api: BotApiDouble
    order: OrderDouble
    broker: BrokerDouble
    app: NotifyApp
    stub: notify_pb2_grpc.NotifyServiceStub
    settings: NotifySettings

    async def command(self, chat_id: int, text: str) -> str:
        """Sends a command from ``chat_id`` and returns the bot's reply."""
        before = len(self.api.texts(chat_id))
        self.api.push_command(chat_id, text)
        sent = await self.api.wait_sent(before + 1, chat_id)
        return sent[before].text

    async def status(self) -> notify_pb2.NotifyStatus:
        return await self.stub.GetStatus(notify_pb2.GetNotifyStatusRequest(), timeout=5)


def settings_for(tmp_path: Path, api_url: str, token: str, order_addr: str, broker_addr: str,
                 **overrides: Any) -> NotifySettings:
    values: dict[str, Any] = dict(
        data_dir=tmp_path / "data", telegram_token=token, telegram_base_url=api_url,
        telegram_allowed_chats=f"{OWNER},{GROUP}", order_addr=order_addr, broker_addr=broker_addr,
        notify_addr=f"127.0.0.1:{free_port()}", telegram_chat_interval=0.05, telegram_poll_timeout=2.0,
    )
    values.update(overrides)
    return NotifySettings(**values)


@contextlib.asynccontextmanager
async def notify_running(
    settings: NotifySettings,
) -> AsyncIterator[tuple[NotifyApp, notify_pb2_grpc.NotifyServiceStub]]:
    async with running(settings) as app:
        server = grpc_test_server()
        notify_pb2_grpc.add_NotifyServiceServicer_to_server(NotifyServicer(app.core), server)
        server.add_insecure_port(settings.notify_addr)
        await server.start()
        try:
            async with grpc.aio.insecure_channel(settings.notify_addr) as channel:
                yield app, notify_pb2_grpc.NotifyServiceStub(channel)
        finally:
            await server.stop(0.2)


@pytest.fixture
async def stack(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    overrides = getattr(request, "param", {})
    order, broker = OrderDouble(), BrokerDouble()
    async with running_botapi() as api, serving(order=order) as order_addr, serving(broker=broker) as broker_addr:
        values = {"order_addr": order_addr, "broker_addr": broker_addr, **overrides}
        settings = settings_for(tmp_path, api.base_url, api.token, values.pop("order_addr"),
                                values.pop("broker_addr"), **values)
        async with notify_running(settings) as (app, stub):
            assert app.bot is not None
            await asyncio.wait_for(app.bot.ready.wait(), 20)
            if "order_addr" not in overrides:
                await order.log.wait_streams(1)
            if "broker_addr" not in overrides:
                await broker.log.wait_streams(1)
            yield Stack(api, order, broker, app, stub, settings)
