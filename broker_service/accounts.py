"""Broker account configuration: a JSON file of accounts, or one default account from the environment.

File (``PARAYOK_BROKER_ACCOUNTS_FILE``): a list of objects
``{"id", "kind", "api_key" | "api_key_env", "api_secret" | "api_secret_env", "position_mode",
"margin_type", "leverage", "symbols", "url"}``. Keys may sit in the file (then it is a secrets file:
keep it private) or be named by environment variable. Keys are SecretStr: never logged or returned.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from .exchange import BINANCE_REST, BINANCE_WS, DEMO_REST, DEMO_WS
from .models import AccountKind, MarginType, PositionMode
from .settings import BrokerSettings

KINDS: tuple[AccountKind, ...] = ("paper", "binance", "binance-demo", "sim")


@dataclass
class AccountConfig:
    id: str
    kind: AccountKind
    api_key: SecretStr = field(default_factory=lambda: SecretStr(""))
    api_secret: SecretStr = field(default_factory=lambda: SecretStr(""))
    position_mode: PositionMode = "hedge"
    margin_type: MarginType = "ISOLATED"
    leverage: int = 20
    symbols: list[str] = field(default_factory=list)
    # Base URL for kind "sim" (exchange_sim), e.g. http://127.0.0.1:8765.
    url: str = ""
    # Which clock signs requests: "exchange" (local + the measured server-time offset) or "local".
    # exchange_sim's clock may be stepped or run 60x; it accepts the wall clock, so "sim" uses local.
    time_source: Literal["exchange", "local"] = "exchange"

    def rest_url(self) -> str:
        if self.kind == "sim":
            return self.url.rstrip("/") + "/fapi"
        return DEMO_REST if self.kind == "binance-demo" else BINANCE_REST

    def ws_url(self) -> str:
        if self.kind == "sim":
            return self.url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/"
        return DEMO_WS if self.kind == "binance-demo" else BINANCE_WS

    def __repr__(self) -> str:  # never show keys
        return f"AccountConfig(id={self.id!r}, kind={self.kind!r}, position_mode={self.position_mode!r})"


def _symbols(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [s.strip().upper() for s in raw.split(",") if s.strip()]
    return [str(s).upper() for s in raw or []]


def _secret(doc: dict[str, Any], name: str) -> SecretStr:
    if doc.get(f"{name}_env"):
        return SecretStr(os.environ.get(str(doc[f"{name}_env"]), ""))
    return SecretStr(str(doc.get(name, "")))


def _account(doc: dict[str, Any], settings: BrokerSettings) -> AccountConfig:
    kind = doc.get("kind", "paper")
    if kind not in KINDS:
        raise ValueError(f"broker_accounts_file: account {doc.get('id')!r} has unknown kind {kind!r}")
    mode = doc.get("position_mode", settings.broker_position_mode)
    if mode not in ("hedge", "one-way"):
        raise ValueError(f"broker_accounts_file: position_mode {mode!r} is not hedge or one-way")
    mt = str(doc.get("margin_type", settings.broker_margin_type)).upper()
    if mt not in ("ISOLATED", "CROSSED"):
        raise ValueError(f"broker_accounts_file: margin_type {mt!r} is not ISOLATED or CROSSED")
    acct_id = str(doc.get("id") or kind)
    return AccountConfig(
        id=acct_id,
        kind=kind,
        api_key=_secret(doc, "api_key"),
        api_secret=_secret(doc, "api_secret"),
        position_mode=mode,
        margin_type=mt,  # type: ignore[arg-type]
        leverage=int(doc.get("leverage", settings.broker_leverage)),
        symbols=_symbols(doc.get("symbols", settings.broker_symbols)),
        url=str(doc.get("url") or settings.sim_url),
        time_source=doc.get("time_source", "local" if kind == "sim" else "exchange"),
    )


def load_accounts(settings: BrokerSettings) -> list[AccountConfig]:
    if settings.broker_accounts_file is not None:
        docs = json.loads(Path(settings.broker_accounts_file).read_text())
        if not isinstance(docs, list):
            raise ValueError("broker_accounts_file: must hold a JSON list of accounts")
        accounts = [_account(d, settings) for d in docs]
    else:
        key = settings.binance_api_key.get_secret_value()
        secret = settings.binance_api_secret.get_secret_value()
        if settings.broker_kind == "sim" and not (key or secret):
            # exchange_sim's default account, so `make run MARKET=sim` trades with no setup.
            key, secret = "sim-key", "sim-secret"
        accounts = [
            _account(
                {
                    "id": settings.broker_account_id or settings.broker_kind,
                    "kind": settings.broker_kind,
                    "api_key": key,
                    "api_secret": secret,
                },
                settings,
            )
        ]
    ids = [a.id for a in accounts]
    if len(set(ids)) != len(ids):
        raise ValueError("broker_accounts_file: account ids must be unique")
    for a in accounts:
        if a.kind != "paper" and not (a.api_key.get_secret_value() and a.api_secret.get_secret_value()):
            raise ValueError(f"account {a.id!r}: kind {a.kind} needs an API key and secret")
    return accounts
