"""Builds the BrokerService of a process from its settings: the store and one object per account."""

from __future__ import annotations

from .accounts import AccountConfig, load_accounts
from .binance_account import BinanceAccount
from .service import BrokerAccount, BrokerService
from .settings import BrokerSettings
from .store import BrokerStore


def build_account(cfg: AccountConfig, store: BrokerStore, settings: BrokerSettings) -> BrokerAccount:
    if cfg.kind == "paper":
        from .paper import CandlePriceFeed, PaperAccount

        return PaperAccount(
            cfg,
            store,
            CandlePriceFeed(settings.candle_addr),
            start_balance=settings.paper_start_balance,
            slippage_percent=settings.paper_slippage_percent,
            fee_percent=settings.paper_fee_percent,
        )
    return BinanceAccount(
        cfg,
        store,
        recv_window_ms=settings.broker_recv_window_ms,
        timeout_s=settings.broker_request_timeout_s,
        time_sync_s=settings.broker_time_sync_s,
        keepalive_s=settings.broker_keepalive_s,
        silence_s=settings.broker_silence_s,
        resume_window_s=settings.broker_resume_window_s,
        restart_slack_ms=settings.broker_restart_slack_ms,
    )


def build_service(settings: BrokerSettings) -> BrokerService:
    store = BrokerStore(settings.db_path(), settings.broker_db_synchronous)
    accounts = [build_account(cfg, store, settings) for cfg in load_accounts(settings)]
    return BrokerService(store, accounts)
