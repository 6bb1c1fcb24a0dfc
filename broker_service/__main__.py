"""python -m broker_service: real and paper execution."""

from __future__ import annotations

from parayok.bootstrap import run_grpc_service, servicer_adder
from parayok.v1 import broker_pb2_grpc

from .server import BrokerServicer
from .settings import BrokerSettings


def main() -> None:
    settings = BrokerSettings()
    setup = servicer_adder(broker_pb2_grpc.add_BrokerServiceServicer_to_server, BrokerServicer())
    run_grpc_service("broker_service", settings, setup)


if __name__ == "__main__":
    main()
