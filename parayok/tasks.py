"""Stopping background tasks for good."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None, retry_s: float = 1.0) -> None:
    """Cancels ``tasks`` (None: skipped) and returns once each has ended, whatever it raised.

    A task still running ``retry_s`` after its cancellation is cancelled again: on Python 3.11 a cancellation
    that reaches ``asyncio.wait_for`` just as the awaited thing completes is lost (python-binance's socket
    ``recv`` is such a wait_for), and a task in a reconnect loop then runs on; ``task.cancel(); await task``
    would wait for it forever. The caller's own cancellation is not swallowed.
    """
    pending = {t for t in tasks if t is not None}
    while pending:
        for task in pending:
            task.cancel()
        done, pending = await asyncio.wait(pending, timeout=retry_s)
        for task in done:
            if not task.cancelled():
                task.exception()  # retrieved: a stopped task's last error is no "never retrieved" warning
