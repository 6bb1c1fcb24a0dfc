"""python -m candle_service: the candle store and pulse stream."""

from __future__ import annotations

from parayok.bootstrap import run_grpc_service, servicer_adder
from parayok.v1 import candles_pb2_grpc

from .server import CandleServicer
from .settings import CandleSettings


def main() -> None:
    settings = CandleSettings()
    setup = servicer_adder(candles_pb2_grpc.add_CandleServiceServicer_to_server, CandleServicer())
    run_grpc_service("candle_service", settings, setup)


if __name__ == "__main__":
    main()
