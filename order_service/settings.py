"""order_service settings (``PARAYOK_*``)."""

from __future__ import annotations

from parayok.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    # The VM created at first start so that `make run` shows something.
    default_vm_symbols: str = "BTCUSDT,ETHUSDT"
    default_vm_timeframes: str = "1h,15m,5m"
    default_vm_history_days: int = 14
    default_vm_broker: str = "paper"
