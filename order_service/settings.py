"""order_service settings (``PARAYOK_*``)."""

from __future__ import annotations

from pathlib import Path

from parayok.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    # The VM created at first start so that `make run` shows something.
    default_vm_symbols: str = "BTCUSDT,ETHUSDT"
    default_vm_timeframes: str = "1h,15m,5m"
    default_vm_history_days: int = 14
    default_vm_broker: str = "paper"
    # Create (and start) the default VM when the database has no VM yet.
    default_vm_enabled: bool = True
    # SQLite file holding every VM, plan, entry, order, real-order link and event ("" = <data dir>/orders.sqlite3).
    order_db: str = ""
    # Longest wait between two reconnection attempts to analysis_service / broker_service, seconds.
    order_retry_max_wait: float = 30.0
    # Deadline of one unary call to another service, seconds.
    order_call_timeout: float = 10.0

    def db_path(self) -> Path:
        return Path(self.order_db) if self.order_db else self.data_dir / "orders.sqlite3"
