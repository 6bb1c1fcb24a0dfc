"""python -m notify_service: Telegram notifications (see notify_service/app.py for the parts)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc

from parayok.bootstrap import run_grpc_service
from parayok.v1 import notify_pb2_grpc

from .app import running
from .server import NotifyServicer
from .settings import NotifySettings


def main() -> None:
    settings = NotifySettings()

    @contextlib.asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[None]:
        async with running(settings) as app:
            notify_pb2_grpc.add_NotifyServiceServicer_to_server(NotifyServicer(app.core), server)
            yield

    run_grpc_service("notify_service", settings, setup)


if __name__ == "__main__":
    main()
