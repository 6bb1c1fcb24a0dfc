"""The catalogue of PARAYOK services: names, modules, the gRPC services each one serves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    name: str              # settings prefix: PARAYOK_<NAME>_ADDR
    module: str            # python -m <module>
    grpc_services: tuple[str, ...]  # full names served (empty for web_bridge, which speaks HTTP)
    default_addr: str


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("candle", "candle_service", ("parayok.v1.CandleService",), "127.0.0.1:50051"),
    ServiceSpec("analysis", "analysis_service", ("parayok.v1.AnalysisService",), "127.0.0.1:50052"),
    ServiceSpec("order", "order_service", ("parayok.v1.OrderService",), "127.0.0.1:50053"),
    ServiceSpec("broker", "broker_service", ("parayok.v1.BrokerService",), "127.0.0.1:50054"),
    ServiceSpec("notify", "notify_service", ("parayok.v1.NotifyService",), "127.0.0.1:50055"),
    ServiceSpec("web", "web_bridge", (), "127.0.0.1:3005"),
)

BY_MODULE = {spec.module: spec for spec in SERVICES}
