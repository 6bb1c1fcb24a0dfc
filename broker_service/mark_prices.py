"""The latest mark price of each traded symbol, from the exchange's ``<symbol>@markPrice@1s`` streams.

A bracket's stop/take sanity check (and quote_notional sizing) needs the current price before the entry is
sent; a REST ticker call there costs a round trip to Binance on every placement (brackets come about once a
minute per symbol, so a cached REST price is nearly always too old). The legs trigger on MARK_PRICE, so the
mark is the right reference, and Binance pushes it every second on one multiplexed websocket.

The socket is python-binance's ``futures_multiplex_socket`` at the account's websocket URL; any error it
reports, or a failed connect, ends the session and tenacity reconnects (with backoff, forever). Adding a
symbol reconnects with the new list. A price carries its monotonic receipt time: the caller decides how old
is too old (and falls back to REST).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from binance.async_client import AsyncClient
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from parayok.binance_stream import market_stream
from parayok.tasks import cancel_and_wait

log = logging.getLogger("broker_service.mark_prices")


class MarkPriceFeed:
    def __init__(self, client: AsyncClient, ws_url: str, symbols: Iterable[str] = (), account_id: str = "") -> None:
        self.client = client
        self.ws_url = ws_url
        self.account_id = account_id
        self.symbols: list[str] = []
        for s in symbols:
            if s not in self.symbols:
                self.symbols.append(s)
        # symbol -> (monotonic receipt time, mark price)
        self.prices: dict[str, tuple[float, Decimal]] = {}
        self.connects = 0
        self.updates = 0
        self.connected = False
        self._task: asyncio.Task[None] | None = None
        self._old: set[asyncio.Task[None]] = set()

    def streams(self) -> list[str]:
        return [f"{s.lower()}@markPrice@1s" for s in self.symbols]

    def start(self) -> None:
        if self._task is None and self.symbols:
            self._task = asyncio.create_task(self._run(), name=f"markprices-{self.account_id}")

    def add(self, symbol: str) -> None:
        """Subscribes a symbol set up after the start: the session is replaced by one with the new list
        (the old one closes in the background; nothing waits for it)."""
        if symbol in self.symbols:
            return
        self.symbols.append(symbol)
        old = self._task
        self._task = None
        if old is not None:
            old.cancel()
            self._old.add(old)
            old.add_done_callback(self._old.discard)
        self.start()

    def get(self, symbol: str, max_age_s: float) -> Decimal | None:
        """The mark price if received at most ``max_age_s`` ago, else None."""
        got = self.prices.get(symbol)
        if got is None or time.monotonic() - got[0] > max_age_s:
            return None
        return got[1]

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._old) if t is not None]
        self._task = None
        await cancel_and_wait(*tasks)

    async def _run(self) -> None:
        retrying = AsyncRetrying(
            wait=wait_exponential_jitter(multiplier=0.2, max=30.0),
            # Whatever the socket raises (refused connect, handshake error, python-binance's ReadLoopClosed)
            # means reconnect: the feed never ends by itself (prices just go stale and REST is used).
            retry=retry_if_exception_type(Exception),
            before_sleep=self._log_retry,
        )
        async for attempt in retrying:
            with attempt:
                await self._session()

    def _log_retry(self, state: RetryCallState) -> None:
        log.warning(
            "mark price websocket lost; reconnecting",
            extra={
                "event": "mark_ws_reconnect",
                "account": self.account_id,
                "reason": repr(state.outcome.exception() if state.outcome else None),
            },
        )

    async def _session(self) -> None:
        async with market_stream(self.client, self.ws_url, self.streams()) as payloads:
            self.connects += 1
            self.connected = True
            log.info(
                "mark price websocket connected",
                extra={"event": "mark_ws_connected", "account": self.account_id, "symbols": len(self.symbols)},
            )
            try:
                async for data in payloads:
                    self._on_message(data)
            finally:
                self.connected = False

    def _on_message(self, data: Any) -> None:
        if not isinstance(data, dict) or data.get("e") != "markPriceUpdate":
            return
        try:
            price = Decimal(str(data["p"]))
        except (KeyError, InvalidOperation):
            return
        if price > 0:
            self.prices[str(data.get("s", ""))] = (time.monotonic(), price)
            self.updates += 1
