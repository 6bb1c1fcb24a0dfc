"""python -m analysis_service: analyzers, flags, emulated entries.

``python -m analysis_service flags …`` replays a candle file and writes every flag (see cli.py).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

import grpc

from parayok.bootstrap import run_grpc_service
from parayok.v1 import analysis_pb2_grpc

from .candles_client import CandleClient
from .engine.registry import default_registry
from .server import AnalysisServicer
from .settings import AnalysisSettings


def serve(settings: AnalysisSettings) -> None:
    @contextlib.asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[None]:
        candles = CandleClient(settings.candle_addr)
        registry = default_registry(settings.analyzers_dir)
        analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(AnalysisServicer(candles, registry), server)
        try:
            yield
        finally:
            await candles.close()

    run_grpc_service("analysis_service", settings, setup)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "flags":
        from .cli import main_flags

        return main_flags(argv[1:])
    if argv and argv[0] == "backtest":
        from .backtest import main_backtest

        return main_backtest(argv[1:])
    serve(AnalysisSettings())
    return 0


if __name__ == "__main__":
    sys.exit(main())
