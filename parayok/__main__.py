"""python -m parayok up: run the whole suite under the supervisor."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

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
    setup_logging("supervisor", settings.log_level, settings.log_format)
    env = dict(os.environ, PARAYOK_MARKET=settings.market)
    supervisor = Supervisor(default_children(settings), env=env)
    asyncio.run(supervisor.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
