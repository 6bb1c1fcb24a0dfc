"""notify_service's domain facade: what the RPCs do (queue a message, list subscribers, report status)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from .store import Message, NotifyStore, Subscriber
from .telegram import MAX_TEXT, TelegramState


@dataclass(frozen=True)
class Status:
    enabled: bool
    connected: bool
    outbox: int
    bot_username: str
    last_error: str


class NotifyCore:
    def __init__(
        self,
        store: NotifyStore,
        allowed_chats: frozenset[int],
        state: TelegramState,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._allowed = allowed_chats
        self.state = state
        self._on_queued = on_queued

    def notify(self, text: str, chat_id: int = 0, dedupe_key: str = "") -> int:
        """Queues ``text`` for one allowed chat or every subscriber; the number of messages queued."""
        if not text.strip():
            raise ValueError("text: must not be empty")
        if len(text) > MAX_TEXT:
            raise ValueError(f"text: {len(text)} characters, Telegram takes at most {MAX_TEXT}")
        if chat_id and chat_id not in self._allowed:
            raise ValueError(f"chat_id: {chat_id} is not in PARAYOK_TELEGRAM_ALLOWED_CHATS")
        if not self.state.enabled:
            return 0
        chats = [chat_id] if chat_id else [s.chat_id for s in self.subscribers()]
        if not chats:
            return 0
        key = f"notify:{dedupe_key}" if dedupe_key else f"notify:{uuid.uuid4().hex}"
        queued = self._store.enqueue(key, [Message(chat, text) for chat in chats])
        if queued:
            self._on_queued()
        return queued

    def subscribers(self) -> list[Subscriber]:
        """Subscribed chats that are still allowed (a chat dropped from the list gets nothing)."""
        return [s for s in self._store.subscribers() if s.chat_id in self._allowed]

    def status(self) -> Status:
        s = self.state
        return Status(s.enabled, s.connected, self._store.outbox_size(), s.bot_username, s.last_error)
