"""The Telegram side, through python-telegram-bot: polling for commands, sending the outbox.

Only chats in PARAYOK_TELEGRAM_ALLOWED_CHATS are served; an update from any other chat is logged
(chat and user ids only) and dropped before any handler runs, so a stranger never gets a byte back.
Connecting to Telegram happens in the background with tenacity backoff: the service serves its RPCs
and keeps queuing while Telegram is unreachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_never, wait_exponential

from .commands import Commands, Reply
from .delivery import RetryLater, Undeliverable, seconds
from .store import Message, NotifyStore

log = logging.getLogger("notify_service.telegram")

# PTB 22 deprecates int time periods (RetryAfter.retry_after) and warns on every 429; opt in to the
# timedelta form it will use from its next major version.
os.environ.setdefault("PTB_TIMEDELTA", "1")

MAX_TEXT = 4096  # Telegram's limit for one message

COMMAND_HELP = {
    "start": "subscribe", "stop": "unsubscribe", "status": "VMs and their state",
    "account": "balance, PnL, positions", "orders": "open orders", "entries": "last entries",
    "profit": "gain over the last days", "daily": "gain per day", "report": "today's report",
    "live": "real trading on|off <vm>", "entries_on": "emulated entries on", "entries_off": "emulated entries off",
    "help": "commands",
}


@dataclass
class TelegramState:
    """What GetStatus reports about Telegram."""

    enabled: bool
    connected: bool = False
    bot_username: str = ""
    last_error: str = ""


class TelegramBot:
    def __init__(
        self,
        token: str,
        base_url: str,
        allowed_chats: frozenset[int],
        store: NotifyStore,
        commands: Commands,
        state: TelegramState,
        on_queued: Any,
        poll_timeout: float = 10.0,
    ) -> None:
        self._token = token
        self._allowed = allowed_chats
        self._store = store
        self._commands = commands
        self.state = state
        self._on_queued = on_queued
        self._poll_timeout = poll_timeout
        self.ready = asyncio.Event()
        self._starting: asyncio.Task[None] | None = None
        self._app = (
            Application.builder()
            .token(token)
            .base_url(base_url)
            .concurrent_updates(True)  # a slow command (a service timing out) must not hold the others
            .connect_timeout(5.0)
            .read_timeout(10.0)
            .write_timeout(10.0)
            .get_updates_read_timeout(poll_timeout + 10.0)
            .build()
        )
        self._app.add_handler(TypeHandler(Update, self._gate), group=-1)
        self._app.add_handler(MessageHandler(filters.COMMAND, self._on_command))
        self._app.add_handler(CallbackQueryHandler(self._on_callback))
        self._app.add_error_handler(self._on_error)

    def _clean(self, text: str) -> str:
        # PTB puts the token in some messages (InvalidToken); it must never reach a log or an RPC.
        return text.replace(self._token, "***") if self._token else text

    def record(self, error: str) -> None:
        """The outcome of the last call to Telegram: "" for a success."""
        self.state.connected = not error
        if error:
            self.state.last_error = self._clean(error)[:500]

    # life cycle

    def start(self) -> None:
        self._starting = asyncio.create_task(self._connect(), name="telegram-connect")

    async def _connect(self) -> None:
        def retryable(exc: BaseException) -> bool:
            return isinstance(exc, TelegramError)

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            self.record(f"{type(exc).__name__}: {exc}")
            log.warning("Telegram not reachable; retrying",
                        extra={"event": "telegram_connect_retry", "attempt": state.attempt_number,
                               "error": self.state.last_error, "wait_s": round(state.upcoming_sleep, 3)})

        async for attempt in AsyncRetrying(retry=retry_if_exception(retryable), stop=stop_never,
                                           wait=wait_exponential(multiplier=0.5, max=30.0),
                                           before_sleep=before_sleep):
            with attempt:
                await self._app.initialize()
                if self._app.updater and not self._app.updater.running:
                    await self._app.updater.start_polling(
                        timeout=dt.timedelta(seconds=self._poll_timeout),
                        allowed_updates=["message", "callback_query"],
                        error_callback=self._poll_error,
                    )
        self.state.bot_username = self._app.bot.username or ""
        self.record("")
        await self._app.start()
        with contextlib.suppress(TelegramError):  # only the menu of commands; not worth failing for
            await self._app.bot.set_my_commands([BotCommand(k, v) for k, v in COMMAND_HELP.items()])
        log.info("Telegram connected", extra={"event": "telegram_connected", "bot": self.state.bot_username})
        self.ready.set()

    async def stop(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting
        with contextlib.suppress(Exception):
            if self._app.updater and self._app.updater.running:
                await self._app.updater.stop()
        with contextlib.suppress(Exception):
            if self._app.running:
                await self._app.stop()
        with contextlib.suppress(Exception):
            await self._app.shutdown()

    def _poll_error(self, exc: TelegramError) -> None:
        self.record(f"{type(exc).__name__}: {exc}")
        log.warning("polling Telegram failed", extra={"event": "telegram_poll_error", "error": self.state.last_error})

    # sending (the Deliverer's SendFn)

    async def send(self, chat_id: int, text: str, markup: dict[str, Any] | None) -> None:
        reply_markup = InlineKeyboardMarkup.de_json(markup, self._app.bot) if markup else None
        try:
            try:
                await self._app.bot.send_message(
                    chat_id=chat_id, text=text, parse_mode=ParseMode.HTML, reply_markup=reply_markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except BadRequest as exc:
                if "parse" not in str(exc).lower():
                    raise
                # Malformed HTML (e.g. from a Notify caller): the words still matter more than the markup.
                await self._app.bot.send_message(chat_id=chat_id, text=text, reply_markup=reply_markup)
        except RetryAfter as exc:
            wait = seconds(exc.retry_after)
            raise RetryLater(f"Telegram flood control: retry after {wait:g} s", retry_after=wait) from exc
        except (BadRequest, Forbidden, ChatMigrated) as exc:
            raise Undeliverable(self._clean(str(exc))) from exc
        except (NetworkError, InvalidToken, TelegramError) as exc:
            raise RetryLater(self._clean(f"{type(exc).__name__}: {exc}")) from exc

    # updates

    async def _gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or chat.id not in self._allowed:
            user = update.effective_user
            log.warning("update from a chat not allowed; ignored",
                        extra={"event": "stranger", "chat_id": chat.id if chat else None,
                               "user_id": user.id if user else None, "update_id": update.update_id})
            raise ApplicationHandlerStop
        if self._store.is_seen(self._reply_key(update)):
            # Fetched again after a restart that came before Telegram learnt the offset: already answered.
            raise ApplicationHandlerStop

    @staticmethod
    def _reply_key(update: Update) -> str:
        return f"update:{update.update_id}"

    def _queue_reply(self, update: Update, chat_id: int, reply: Reply) -> None:
        text = reply.text if len(reply.text) <= MAX_TEXT else reply.text[: MAX_TEXT - 2] + "\n…"
        if self._store.enqueue(self._reply_key(update), [Message(chat_id, text, reply.markup)]):
            self._on_queued()

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        head, *args = message.text.split()
        name, _, target = head.removeprefix("/").partition("@")
        if target and target.lower() != self.state.bot_username.lower():
            return  # a command for another bot in the same group
        chat_name = chat.title or chat.username or chat.full_name or str(chat.id)
        reply = await self._commands.run(name.lower(), chat.id, chat_name, args)
        self._queue_reply(update, chat.id, reply)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        answer, reply = await self._commands.callback(chat.id, query.data or "")
        try:
            await query.answer(answer)
        except TelegramError as exc:  # the button's spinner only; the reply below still goes out
            log.warning("answerCallbackQuery failed", extra={"event": "callback_answer_failed",
                                                             "error": self._clean(str(exc))})
        if reply is not None:
            self._queue_reply(update, chat.id, reply)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        exc = context.error
        log.error("handling a Telegram update failed",
                  extra={"event": "update_failed", "error": self._clean(f"{type(exc).__name__}: {exc}")},
                  exc_info=exc if not isinstance(exc, TelegramError) else None)
