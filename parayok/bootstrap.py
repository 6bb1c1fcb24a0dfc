"""The one way every gRPC service starts and stops.

``run_grpc_service`` builds a ``grpc.aio`` server, lets the service add its servicers, registers the
standard health service and server reflection, logs one structured line when ready and one when
stopping, and on SIGTERM/SIGINT marks itself NOT_SERVING and drains in-flight calls within the grace
period (so the whole stop takes under 5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection
from tenacity import AsyncRetrying, RetryError, retry_if_exception_type, stop_after_delay, wait_fixed

from parayok.logs import setup_logging
from parayok.memory import settle
from parayok.services import BY_MODULE
from parayok.settings import ServiceSettings

# A service's setup: given the server, add servicers and yield while serving; code after the
# yield runs at shutdown (close stores, stop background tasks).
ServiceSetup = Callable[[grpc.aio.Server], AbstractAsyncContextManager[Any]]

MAX_MESSAGE_BYTES = 64 * 1024 * 1024


async def serve(
    module: str,
    settings: ServiceSettings,
    setup: ServiceSetup,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Serves ``module``'s gRPC services until ``stop_event`` is set or a stop signal arrives."""
    spec = BY_MODULE[module]
    log = logging.getLogger(module)
    addr = settings.listen_addr(spec.name)
    stop = stop_event or asyncio.Event()
    server = grpc.aio.server(
        options=[
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ]
    )
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection(
        (*spec.grpc_services, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME),
        server,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    started = time.monotonic()
    async with setup(server):
        port = server.add_insecure_port(addr)
        if port == 0:
            raise OSError(f"cannot listen on {addr}")
        await server.start()
        for name in (*spec.grpc_services, ""):
            await health.set(name, health_pb2.HealthCheckResponse.SERVING)
        settle()  # what startup made lives as long as the process
        log.info(
            "ready",
            extra={"event": "ready", "addr": addr, "pid": os.getpid(),
                   "startup_s": round(time.monotonic() - started, 3)},
        )
        await stop.wait()
        log.info("stopping", extra={"event": "stopping", "addr": addr, "pid": os.getpid()})
        await health.enter_graceful_shutdown()
        await server.stop(settings.shutdown_grace)
    log.info("stopped", extra={"event": "stopped", "addr": addr, "pid": os.getpid()})


def run_grpc_service(module: str, settings: ServiceSettings, setup: ServiceSetup) -> None:
    """Entry point of ``python -m <module>``: logging, then :func:`serve` until stopped."""
    setup_logging(module, settings.log_level, settings.log_format)
    asyncio.run(serve(module, settings, setup))


@contextlib.asynccontextmanager
async def no_setup(server: grpc.aio.Server) -> AsyncIterator[None]:
    """For tests and placeholders: a service with nothing to set up."""
    yield


class NotServing(Exception):
    pass


async def wait_serving(addr: str, timeout: float = 20.0, service: str = "") -> None:
    """Waits until the gRPC server at ``addr`` reports SERVING; raises TimeoutError otherwise."""
    async with grpc.aio.insecure_channel(addr) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_delay(timeout),
                wait=wait_fixed(0.1),
                retry=retry_if_exception_type((NotServing, grpc.aio.AioRpcError)),
            ):
                with attempt:
                    reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1.0)
                    if reply.status != health_pb2.HealthCheckResponse.SERVING:
                        raise NotServing(addr)
        except RetryError as exc:
            raise TimeoutError(f"{addr} not SERVING after {timeout} s") from exc


def servicer_adder(add: Callable[[Any, grpc.aio.Server], None], servicer: Any) -> ServiceSetup:
    """A setup that only adds one servicer (services whose state needs no start/stop)."""

    @contextlib.asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[None]:
        add(servicer, server)
        yield

    return setup

