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
    # Id of that default account ("" = its kind, e.g. "paper").
    broker_account_id: str = ""
    binance_api_key: SecretStr = SecretStr("")
    binance_api_secret: SecretStr = SecretStr("")
    # A JSON file of accounts {id, kind, api_key, api_secret, position_mode, margin_type, leverage}.
    broker_accounts_file: Path | None = None
    sim_url: str = "http://127.0.0.1:8765"
    paper_start_balance: float = 10_000.0
    paper_slippage_percent: float = 0.02
    # Taker fee charged on every paper fill, percent of the notional (Binance's default taker fee).
    paper_fee_percent: float = 0.05
    # The default account's position mode, margin type, leverage and the symbols set up at start.
    broker_position_mode: Literal["hedge", "one-way"] = "hedge"
    broker_margin_type: Literal["ISOLATED", "CROSSED"] = "ISOLATED"
    broker_leverage: int = 20
    broker_symbols: str = "BTCUSDT,ETHUSDT"
    # SQLite file of brackets and events ("" = <data dir>/broker.sqlite3).
    broker_db: Path | None = None
    # NORMAL: commits survive a killed process, a power cut may lose the last ones — a resend of a bracket
    # whose record was lost is looked up at the exchange (see broker_restart_slack_ms), so it is never placed
    # twice. FULL: the placement's record is also fsynced before its entry is sent (1–3 ms more per bracket).
    broker_db_synchronous: Literal["FULL", "NORMAL"] = "NORMAL"
    broker_recv_window_ms: int = 5000
    broker_request_timeout_s: float = 5.0
    # Server-time offset refresh period (avoids -1021).
    broker_time_sync_s: float = 300.0
    # Listen-key keep-alive period (Binance: every 30 min, keys die after 60).
    broker_keepalive_s: float = 1800.0
    # No user-stream message for this long → probe the key; no pong → reconnect.
    broker_silence_s: float = 60.0
    # A placement interrupted before its entry reached the exchange resumes after a restart only
    # if younger than this; older ones fail (a market entry long after the signal is not wanted).
    broker_resume_window_s: float = 60.0
    # A bracket request the broker has no record of is looked up at the exchange by its client order id
    # first, unless its first_sent_ms is at least this much after the broker's start (the caller's clock may
    # run ahead of ours by up to this): a resend of one placed before a power cut lost its record.
    broker_restart_slack_ms: int = 60_000
    # Tests only: SIGKILL the process at this bracket step (see broker_service/crash.py).
    broker_crash_at: str = ""

    def db_path(self) -> Path:
        return self.broker_db or self.data_dir / "broker.sqlite3"
