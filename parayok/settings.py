"""Typed settings shared by every service, read from ``PARAYOK_*`` environment variables.

Each service extends :class:`ServiceSettings` with its own fields in its ``settings.py``; one object
per process, built once at start. Secrets are ``SecretStr`` so that they never reach a log line or a
repr.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogFormat = Literal["json", "text"]


class ServiceSettings(BaseSettings):
    """What every PARAYOK process needs: where the others listen, where data lives, how to log."""

    model_config = SettingsConfigDict(env_prefix="PARAYOK_", extra="ignore", frozen=True)

    data_dir: Path = Path("data")
    log_level: str = "INFO"
    log_format: LogFormat = "json"
    # Seconds a service has to finish in-flight calls after SIGTERM before it is cut off.
    shutdown_grace: float = 4.0

    candle_addr: str = "127.0.0.1:50051"
    analysis_addr: str = "127.0.0.1:50052"
    order_addr: str = "127.0.0.1:50053"
    broker_addr: str = "127.0.0.1:50054"
    notify_addr: str = "127.0.0.1:50055"
    web_addr: str = "127.0.0.1:3005"

    def listen_addr(self, service: str) -> str:
        """The address of ``service`` (one of the names in :data:`parayok.services.SERVICES`)."""
        return str(getattr(self, f"{service}_addr"))


def split_host_port(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"address {addr!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


class SupervisorSettings(ServiceSettings):
    """Settings of ``python -m parayok up``."""

    market: Literal["binance", "binance-demo", "sim"] = "binance"
    sim_url: str = "http://127.0.0.1:8765"
    # exchange_sim's clock speed when the market is simulated (market ms per wall ms: 60 = one market
    # minute per second; 0 = frozen, moved only by POST /_sim/clock).
    sim_speed: float = 60.0
    # exchange_sim's clock start (ISO-8601, UTC when no offset, or epoch ms); empty = now. Fixed, it
    # makes two runs see the same candles (the synthetic market depends only on seed, symbol and day).
    sim_start: str = ""

    @field_validator("sim_start")
    @classmethod
    def _start_is_a_time(cls, value: str) -> str:
        value = value.strip()
        if value and not value.isdigit():
            try:
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"sim_start: {value!r} is neither ISO-8601 nor epoch ms") from None
        return value
