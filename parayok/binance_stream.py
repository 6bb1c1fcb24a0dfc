"""A python-binance combined (multiplex) market stream whose reconnects are the caller's.

candle_service's klines and broker_service's mark prices read the same kind of socket. python-binance would
reconnect such a socket by itself, silently: after an exchange-side drop its reconnect left candle_service
with no klines and no error. Here it never does (``MAX_RECONNECTS = 0``): a drop, an overflow or a silent
socket ends the iteration with :class:`StreamBroken`, and the caller's tenacity loop opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from binance import BinanceSocketManager
from binance.async_client import AsyncClient


class StreamBroken(Exception):
    """The socket reported an error (drop, overflow) or went silent: reconnect."""


@contextlib.asynccontextmanager
async def market_stream(client: AsyncClient, ws_url: str, streams: Sequence[str], *, max_queue: int = 100,
                        read_timeout_s: float = 0.5,
                        silence_s: float | None = None) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """Opens ``streams`` on one combined socket at ``ws_url``; yields their payloads (``data``) in order.

    ``max_queue``: python-binance's queue bound (an overflow breaks the stream). ``read_timeout_s``: how long
    python-binance's read loop waits on a quiet socket before it notices a close or a stop (its own default,
    10 s, made every stop and reconnect of a quiet stream, such as a stepped simulator's, that slow).
    ``silence_s``: no message for this long breaks the stream (None: a quiet stream is fine)."""
    manager = BinanceSocketManager(client, max_queue_size=max_queue)
    manager.FSTREAM_URL = ws_url
    socket = manager.futures_multiplex_socket(list(streams))
    socket.TIMEOUT = read_timeout_s
    socket.MAX_RECONNECTS = 0
    async with socket as stream:
        yield _payloads(stream, silence_s)


async def _payloads(stream: Any, silence_s: float | None) -> AsyncIterator[dict[str, Any]]:
    while True:  # one message per turn until the socket breaks
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps every recv in a task of its own
        try:
            async with asyncio.timeout(silence_s):
                msg = await stream.recv()
        except TimeoutError as exc:
            raise StreamBroken(f"no message in {silence_s} s") from exc
        if not isinstance(msg, dict):
            continue
        if msg.get("e") == "error":
            raise StreamBroken(f"{msg.get('type')}: {msg.get('m')}")
        data = msg.get("data", msg)
        if isinstance(data, dict):
            yield data
