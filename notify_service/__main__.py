"""python -m notify_service: Telegram notifications."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import grpc

from parayok.bootstrap import run_grpc_service
from parayok.v1 import notify_pb2_grpc

from .server import NotifyServicer
from .settings import NotifySettings


def main() -> None:
    settings = NotifySettings()

    @contextlib.asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[None]:
        notify_pb2_grpc.add_NotifyServiceServicer_to_server(NotifyServicer(), server)
        if not settings.telegram_token.get_secret_value():
            logging.getLogger("notify_service").warning(
                "Telegram disabled: PARAYOK_TELEGRAM_TOKEN is not set", extra={"event": "telegram_disabled"}
            )
        yield

    run_grpc_service("notify_service", settings, setup)


if __name__ == "__main__":
    main()
