"""python -m order_service: VMs, plans, orders, reports."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc

from order_service.clients import AnalysisClient, BrokerClient, CandleClient
from order_service.server import OrderServicer
from order_service.service import OrderService, default_vm_from_settings
from order_service.settings import OrderSettings
from order_service.store import Store
from parayok.bootstrap import run_grpc_service
from parayok.v1 import orders_pb2_grpc


def main() -> None:
    settings = OrderSettings()

    @contextlib.asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[None]:
        store = Store(settings.db_path())
        analysis = AnalysisClient(settings.analysis_addr)
        candles = CandleClient(settings.candle_addr, settings.order_call_timeout)
        broker = BrokerClient(settings.broker_addr, settings.order_call_timeout)
        service = OrderService(store, analysis, candles, broker, retry_max_wait=settings.order_retry_max_wait)
        default_vm = None
        if settings.default_vm_enabled:
            default_vm = default_vm_from_settings(
                settings.default_vm_symbols,
                settings.default_vm_timeframes,
                settings.default_vm_history_days,
                settings.default_vm_broker,
            )
        await service.start(default_vm)
        orders_pb2_grpc.add_OrderServiceServicer_to_server(OrderServicer(service), server)
        try:
            yield
        finally:
            await service.close()
            for client in (analysis, candles, broker):
                await client.close()
            store.close()

    run_grpc_service("order_service", settings, setup)


if __name__ == "__main__":
    main()
