"""broker_service settings (``PARAYOK_*``). Keys are secrets: never logged, never returned."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from parayok.settings import ServiceSettings

BrokerKindName = Literal["paper", "binance", "binance-demo", "sim"]


class BrokerSettings(ServiceSettings):
    # The account that `make run` uses; "paper" needs no keys.
    broker_kind: BrokerKindName = "paper"
    binance_api_key: SecretStr = SecretStr("")
    binance_api_secret: SecretStr = SecretStr("")
    # A JSON file of accounts {id, kind, api_key, api_secret, position_mode, margin_type, leverage}.
    broker_accounts_file: Path | None = None
    sim_url: str = "http://127.0.0.1:8765"
    paper_start_balance: float = 10_000.0
    paper_slippage_percent: float = 0.02
