"""Wires notify_service together: store, Telegram bot, outbox delivery, event streams, the RPC facade."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from parayok.tasks import cancel_and_wait

from .clients import ServiceClients, follow
from .commands import Commands
from .delivery import Deliverer, RateLimiter
from .events import ACCOUNT_STREAM, ORDER_STREAM, EventRouter
from .service import NotifyCore
from .settings import NotifySettings
from .store import NotifyStore
from .telegram import TelegramBot, TelegramState

log = logging.getLogger("notify_service")


@dataclass
class NotifyApp:
    core: NotifyCore
    store: NotifyStore
    bot: TelegramBot | None
    deliverer: Deliverer | None
    router: EventRouter


@contextlib.asynccontextmanager
async def running(settings: NotifySettings) -> AsyncIterator[NotifyApp]:
    """Everything but the gRPC server, started; stopped on exit."""
    store = NotifyStore.open(settings.store_path())
    allowed = settings.allowed_chat_ids()
    state = TelegramState(enabled=settings.enabled())
    clients = ServiceClients(settings.order_addr, settings.broker_addr)
    commands = Commands(store, clients)
    deliverer: Deliverer | None = None

    def wake() -> None:
        if deliverer is not None:
            deliverer.wake()

    router = EventRouter(store, allowed, settings.balance_move_threshold, wake, clients.find_order, clients.vm_name)
    core = NotifyCore(store, allowed, state, wake)
    bot: TelegramBot | None = None
    tasks: list[asyncio.Task[None]] = []
    if state.enabled:
        bot = TelegramBot(settings.telegram_token.get_secret_value(), settings.telegram_base_url, allowed, store,
                          commands, state, wake, settings.telegram_poll_timeout)
        deliverer = Deliverer(store, bot.send, RateLimiter(settings.telegram_global_rate,
                                                           settings.telegram_chat_interval),
                              bot.record, allowed.__contains__)
        if not allowed:
            log.warning("no allowed chat: the bot answers nobody and sends nothing",
                        extra={"event": "no_allowed_chats"})
        bot.start()

        async def deliver_when_connected() -> None:
            assert bot is not None and deliverer is not None
            await bot.ready.wait()
            deliverer.start()

        tasks = [
            asyncio.create_task(deliver_when_connected(), name="notify-deliver-start"),
            asyncio.create_task(follow(ORDER_STREAM, store, clients.order_events, router.on_order_event),
                                name="notify-order-stream"),
            asyncio.create_task(follow(ACCOUNT_STREAM, store, clients.account_events, router.on_account_event),
                                name="notify-account-stream"),
        ]
    else:
        log.warning("Telegram disabled: PARAYOK_TELEGRAM_TOKEN is not set", extra={"event": "telegram_disabled"})
        state.last_error = "Telegram disabled: PARAYOK_TELEGRAM_TOKEN is not set"
    try:
        yield NotifyApp(core, store, bot, deliverer, router)
    finally:
        await cancel_and_wait(*tasks)
        router.save_cursors()
        # Bounded: the whole service must stop within its shutdown grace, Telegram reachable or not.
        if deliverer is not None:
            await deliverer.stop(grace=1.0)
        if bot is not None:
            try:
                await asyncio.wait_for(bot.stop(), 2.0)
            except TimeoutError:
                log.warning("Telegram did not stop in time", extra={"event": "telegram_stop_timeout"})
        await clients.close()
        store.close()
