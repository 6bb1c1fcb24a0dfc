"""python -m candle_service: the candle store and pulse stream.

``python -m candle_service import FILE… --symbol S --timeframe TF`` loads data.binance.vision kline
files into the store instead (the service must not be running on the same data dir: chDB allows one
process per store).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator

import grpc

from parayok.bootstrap import run_grpc_service
from parayok.v1 import candles_pb2_grpc

from .market import Market
from .server import CandleServicer
from .service import CandleService
from .settings import CandleSettings
from .store import CandleStore


def serve(settings: CandleSettings) -> None:
    @contextlib.asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = CandleStore.open(settings.store_dsn())
        market = Market(settings.market, settings.sim_url)
        service = CandleService(store, market, settings.late_candle_wait_ms, settings.live_flush_ms,
                                live_tick_batch_ms=settings.live_tick_batch_ms)
        candles_pb2_grpc.add_CandleServiceServicer_to_server(CandleServicer(service), server)
        try:
            yield
        finally:
            await service.close()

    run_grpc_service("candle_service", settings, setup)


def import_command(settings: CandleSettings, argv: list[str]) -> int:
    from .importer import import_files

    parser = argparse.ArgumentParser(prog="python -m candle_service import")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--timeframe", required=True)
    parser.add_argument("--derive", default="", help="comma-separated higher timeframes to derive")
    args = parser.parse_args(argv)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = CandleStore.open(settings.store_dsn())
    try:
        result = import_files(store, args.files, args.symbol, args.timeframe)
        print(f"imported {result.rows} candles of {args.symbol} {args.timeframe} from {result.files} file(s)")
        for target in filter(None, args.derive.split(",")):
            rows = store.derive(args.symbol, target, source=args.timeframe)
            print(f"derived {rows} candles of {args.symbol} {target}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    settings = CandleSettings()
    if argv and argv[0] == "import":
        return import_command(settings, argv[1:])
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
