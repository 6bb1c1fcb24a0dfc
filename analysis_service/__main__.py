"""python -m analysis_service: analyzers, flags, emulated entries."""

from __future__ import annotations

from parayok.bootstrap import run_grpc_service, servicer_adder
from parayok.v1 import analysis_pb2_grpc

from .server import AnalysisServicer
from .settings import AnalysisSettings


def main() -> None:
    settings = AnalysisSettings()
    setup = servicer_adder(analysis_pb2_grpc.add_AnalysisServiceServicer_to_server, AnalysisServicer())
    run_grpc_service("analysis_service", settings, setup)


if __name__ == "__main__":
    main()
