"""python -m broker_service: real and paper execution."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc

from parayok.bootstrap import run_grpc_service
from parayok.v1 import broker_pb2_grpc

from . import crash
from .factory import build_service
from .server import BrokerServicer
from .settings import BrokerSettings


def main() -> None:
    settings = BrokerSettings()
    crash.configure(settings.broker_crash_at)

    @contextlib.asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[None]:
        service = build_service(settings)
        broker_pb2_grpc.add_BrokerServiceServicer_to_server(BrokerServicer(service), server)
        await service.start()
        try:
            yield
        finally:
            await service.close()

    run_grpc_service("broker_service", settings, setup)


if __name__ == "__main__":
    main()
