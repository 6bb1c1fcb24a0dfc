"""Settings come from PARAYOK_* variables, are documented in the README, and hide secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from notify_service.settings import NotifySettings
from parayok.services import SERVICES
from parayok.settings import SupervisorSettings
from tests.foundation.test_compose import settings_class

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    for spec in SERVICES:
        for field in settings_class(spec.module).model_fields:
            assert f"`PARAYOK_{field.upper()}`" in readme, f"PARAYOK_{field.upper()} missing from README"
    for field in SupervisorSettings.model_fields:
        assert f"`PARAYOK_{field.upper()}`" in readme, f"PARAYOK_{field.upper()} missing from README"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARAYOK_NOTIFY_ADDR", "127.0.0.1:6000")
    monkeypatch.setenv("PARAYOK_TELEGRAM_ALLOWED_CHATS", "12, -100200")
    settings = NotifySettings()
    assert settings.listen_addr("notify") == "127.0.0.1:6000"
    assert settings.allowed_chat_ids() == frozenset({12, -100200})


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARAYOK_TELEGRAM_TOKEN", "123456:VERY-SECRET")
    settings = NotifySettings()
    assert "VERY-SECRET" not in repr(settings) and "VERY-SECRET" not in str(settings.model_dump())
    assert settings.telegram_token.get_secret_value() == "123456:VERY-SECRET"
