"""python -m order_service: VMs, plans, orders, reports."""

from __future__ import annotations

from parayok.bootstrap import run_grpc_service, servicer_adder
from parayok.v1 import orders_pb2_grpc

from .server import OrderServicer
from .settings import OrderSettings


def main() -> None:
    settings = OrderSettings()
    setup = servicer_adder(orders_pb2_grpc.add_OrderServiceServicer_to_server, OrderServicer())
    run_grpc_service("order_service", settings, setup)


if __name__ == "__main__":
    main()
