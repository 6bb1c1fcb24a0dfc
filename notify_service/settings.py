"""notify_service settings (``PARAYOK_*``). The bot token is a secret: never logged or returned."""

from __future__ import annotations

from pydantic import SecretStr

from parayok.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    telegram_token: SecretStr = SecretStr("")
    # Comma-separated chat ids allowed to talk to the bot; others are ignored.
    telegram_allowed_chats: str = ""
    # Bot API base (tests point it at a local double).
    telegram_base_url: str = "https://api.telegram.org/bot"
    balance_move_threshold: float = 5.0

    def allowed_chat_ids(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.telegram_allowed_chats.replace(" ", "").split(",") if c)
