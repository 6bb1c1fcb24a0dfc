"""notify_service settings (``PARAYOK_*``). The bot token is a secret: never logged or returned."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from parayok.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    telegram_token: SecretStr = SecretStr("")
    # Comma-separated chat ids allowed to talk to the bot; others are ignored.
    telegram_allowed_chats: str = ""
    # Bot API base (tests point it at a local double).
    telegram_base_url: str = "https://api.telegram.org/bot"
    balance_move_threshold: float = 5.0
    # Telegram's documented limits: about 30 messages a second overall and one a second per chat.
    telegram_global_rate: float = 30.0
    telegram_chat_interval: float = 1.0
    # Long-poll length of getUpdates, seconds.
    telegram_poll_timeout: float = 10.0

    def allowed_chat_ids(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.telegram_allowed_chats.replace(" ", "").split(",") if c)

    def enabled(self) -> bool:
        return bool(self.telegram_token.get_secret_value())

    def store_path(self) -> Path:
        return self.data_dir / "notify.sqlite"
