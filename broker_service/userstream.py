"""The user data stream of one account: listen key, websocket, keep-alive, silence detector, reconnects.

python-binance's ``futures_user_socket`` reconnects by itself and silently; a broker must know when
the stream was down (to reconcile with REST afterwards), so the socket is driven here with aiohttp
at the URL python-binance uses (``<FSTREAM_URL>private/ws?listenKey=K``), while the listen key calls
go through the same python-binance client as everything else.

- keep-alive PUT every ``keepalive_s`` (30 min on Binance); -1125 (key gone) → a new key, reconnect;
- ``listenKeyExpired`` pushed by the exchange → reconnect with a new key;
- silence: no message for ``silence_s`` → a keep-alive probe; a dead socket (no pong) is closed by
  aiohttp's heartbeat; either way the session ends and tenacity reconnects with backoff;
- after every (re)connect ``on_connected`` runs: the account reconciles from REST.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from parayok.tasks import cancel_and_wait

from .exchange import BinanceRest, ExchangeError, Rejected

log = logging.getLogger("broker_service.userstream")


class StreamEnded(Exception):
    """The session ended (drop, expiry, silence); reconnect."""


class UserStream:
    def __init__(
        self,
        rest: BinanceRest,
        ws_url: str,
        on_message: Callable[[dict[str, Any]], Awaitable[None]],
        on_connected: Callable[[], Awaitable[None]],
        on_state: Callable[[bool], None],
        keepalive_s: float = 1800.0,
        silence_s: float = 60.0,
        account_id: str = "",
    ) -> None:
        self.rest = rest
        self.ws_url = ws_url
        self.on_message = on_message
        self.on_connected = on_connected
        self.on_state = on_state
        self.keepalive_s = keepalive_s
        self.silence_s = silence_s
        self.account_id = account_id
        self.listen_key: str | None = None
        self.connects = 0
        self.probes = 0
        self.keepalives = 0
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"userstream-{self.account_id}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        self._session = aiohttp.ClientSession()
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.2, max=30.0),
            retry=retry_if_exception_type((StreamEnded, ExchangeError, aiohttp.ClientError, OSError, TimeoutError)),
        ):
            with attempt:
                await self._session_once()

    async def _new_key(self) -> str:
        key = await self.rest.read(self.rest.client.futures_stream_get_listen_key)
        self.listen_key = str(key)
        return self.listen_key

    async def _session_once(self) -> None:
        assert self._session is not None
        key = self.listen_key or await self._new_key()
        url = f"{self.ws_url}private/ws?listenKey={key}"
        try:
            ws = await self._session.ws_connect(
                url, heartbeat=max(self.silence_s / 2, 1.0), timeout=aiohttp.ClientWSTimeout(ws_close=10)
            )
        except aiohttp.WSServerHandshakeError as exc:
            self.listen_key = None  # the key may be gone: take a new one next time
            raise StreamEnded(f"handshake {exc.status}") from exc
        self._ws = ws
        self.connects += 1
        log.info(
            "user stream connected",
            extra={"event": "userstream_connected", "account": self.account_id, "connects": self.connects},
        )
        keepalive = asyncio.create_task(self._keepalive_loop(ws))
        try:
            self.on_state(True)
            # Reconcile after every (re)connect: events may have been missed while we were away.
            await self.on_connected()
            while True:
                try:
                    msg = await ws.receive(timeout=self.silence_s)
                except TimeoutError:
                    await self._probe(ws)
                    continue
                if msg.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.ERROR,
                ):
                    raise StreamEnded(f"websocket {msg.type.name}")
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data.get("e") == "listenKeyExpired":
                    self.listen_key = None
                    raise StreamEnded("listenKeyExpired")
                await self.on_message(data)
        finally:
            self.on_state(False)
            await cancel_and_wait(keepalive)
            await ws.close()
            self._ws = None

    async def _probe(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Nothing heard for a while: check the key is alive (a quiet account is normal)."""
        self.probes += 1
        log.info("user stream silent: probing", extra={"event": "userstream_silent", "account": self.account_id})
        await self._keepalive_once(ws)

    async def _keepalive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            await asyncio.sleep(self.keepalive_s)
            await self._keepalive_once(ws)

    async def _keepalive_once(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            await self.rest.read(self.rest.client.futures_stream_keepalive, listenKey=self.listen_key)
            self.keepalives += 1
        except Rejected as exc:
            if exc.code == -1125:
                log.warning(
                    "listen key gone (-1125): new key",
                    extra={"event": "listen_key_recreate", "account": self.account_id},
                )
                self.listen_key = None
                await ws.close()
                return
            log.warning("keep-alive failed", extra={"event": "keepalive_failed", "error": str(exc)})
        except ExchangeError as exc:
            log.warning("keep-alive failed", extra={"event": "keepalive_failed", "error": str(exc)})

    async def drop(self) -> None:
        """Closes the socket (tests, and when a key is known dead); the run loop reconnects."""
        if self._ws is not None:
            await self._ws.close()
