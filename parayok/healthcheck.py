"""``python -m parayok.healthcheck ADDR|URL``: exit 0 when the service is SERVING (container healthchecks)."""

from __future__ import annotations

import asyncio
import sys

from parayok.bootstrap import wait_serving
from parayok.supervisor import wait_http_ok


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m parayok.healthcheck HOST:PORT | http://HOST:PORT/healthz", file=sys.stderr)
        return 2
    target = argv[0]
    try:
        if target.startswith("http"):
            asyncio.run(wait_http_ok(target, timeout=2.0))
        else:
            asyncio.run(wait_serving(target, timeout=2.0))
    except TimeoutError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
