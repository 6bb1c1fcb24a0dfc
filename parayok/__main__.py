"""python -m parayok up: run the whole suite under the supervisor."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from parayok.dashboard import run_dashboard
from parayok.logs import setup_logging
from parayok.settings import SupervisorSettings
from parayok.supervisor import Supervisor, default_children


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parayok")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start every service and keep them running")
    up.add_argument("--market", choices=["binance", "binance-demo", "sim"],
                    help="overrides PARAYOK_MARKET")
    args = parser.parse_args(argv)
    settings = SupervisorSettings()
    if args.market:
        settings = settings.model_copy(update={"market": args.market})
    log_dir = None
    if sys.stdout.isatty():
        # On a terminal the dashboard owns the screen: every process logs to a file instead.
        log_dir = settings.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        sys.stderr = (log_dir / "supervisor.log").open("a", buffering=1)
        print(f"PARAYOK starting ({settings.market} market); logs in {log_dir}/", flush=True)
    setup_logging("supervisor", settings.log_level, settings.log_format)
    env = dict(os.environ, PARAYOK_MARKET=settings.market)

    async def dashboard(stop: asyncio.Event) -> None:
        await run_dashboard(settings.candle_addr, settings.order_addr, settings.market, stop)

    supervisor = Supervisor(default_children(settings), env=env, after_ready=dashboard, log_dir=log_dir)
    asyncio.run(supervisor.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
