"""python -m exchange_sim: run the Binance USDⓈ-M futures simulator."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
from decimal import Decimal

from aiohttp import web

from .app import build_app
from .limits import LimitConfig
from .sim import SimConfig, Simulator, load_accounts


def parse_time(s: str) -> int:
    if s.isdigit():
        return int(s)
    d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return int(d.timestamp() * 1000)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m exchange_sim", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--symbols", default=None, help="comma-separated, default: all known")
    p.add_argument("--speed", type=float, default=1.0, help="market ms per wall ms; 0 = stepped by /_sim/clock")
    p.add_argument("--start", default=None, help="sim clock start (ISO-8601 UTC or epoch ms); default now")
    p.add_argument("--accounts", default=None, help="JSON file: [{api_key, secret, balance, dual}]")
    p.add_argument("--api-key", default="sim-key")
    p.add_argument("--api-secret", default="sim-secret")
    p.add_argument("--balance", default="10000")
    p.add_argument("--hedge", action="store_true", help="default account starts in hedge mode")
    p.add_argument("--data", default=None, help="dir of data.binance.vision 1m kline zip/csv files to replay")
    p.add_argument("--maker-fee", default="0.0002")
    p.add_argument("--taker-fee", default="0.0005")
    p.add_argument("--slippage-bps", default="0")
    p.add_argument("--weight-limit", type=int, default=2400)
    p.add_argument("--orders-10s", type=int, default=300)
    p.add_argument("--orders-1m", type=int, default=1200)
    p.add_argument("--ban-after", type=int, default=3)
    p.add_argument("--ban-seconds", type=int, default=120)
    p.add_argument("--push-interval", type=float, default=0.25, help="wall seconds between kline pushes")
    p.add_argument("--synthetic-symbols", type=int, default=0,
                   help="add N made-up symbols SYN001USDT… (copies of the known contracts) for load tests")
    p.add_argument(
        "--no-access-log", action="store_true", help="no log line per request (a tenth of the CPU under a bench)"
    )
    return p


def config_from_args(a: argparse.Namespace) -> SimConfig:
    accounts = (
        load_accounts(a.accounts)
        if a.accounts
        else [{"api_key": a.api_key, "secret": a.api_secret, "balance": a.balance, "dual": a.hedge}]
    )
    return SimConfig(
        seed=a.seed,
        symbols=[s.strip().upper() for s in a.symbols.split(",")] if a.symbols else None,
        speed=a.speed,
        start_ms=parse_time(a.start) if a.start else None,
        accounts=accounts,
        data_dir=a.data,
        maker_fee=Decimal(a.maker_fee),
        taker_fee=Decimal(a.taker_fee),
        slippage_bps=Decimal(a.slippage_bps),
        limits=LimitConfig(a.weight_limit, a.orders_10s, a.orders_1m, a.ban_after, a.ban_seconds),
        push_interval=a.push_interval,
        synthetic_symbols=a.synthetic_symbols,
    )


def main(argv: list[str] | None = None) -> None:
    a = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = build_app(Simulator(config_from_args(a)))
    # Startup's objects (symbol specs, modules) are never garbage: frozen out of the collector's full passes,
    # which would otherwise pause the simulated exchange (standalone: it does not import parayok).
    gc.collect()
    gc.freeze()
    web.run_app(
        app,
        host=a.host,
        port=a.port,
        access_log=None if a.no_access_log else web.access_logger,
        print=lambda s: print(f"exchange_sim listening on {a.host}:{a.port}", flush=True),
    )


if __name__ == "__main__":
    main()
