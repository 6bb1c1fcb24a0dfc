"""The exchange as candle_service sees it: python-binance's async client on Binance USDⓈ-M public
endpoints, the demo environment, or exchange_sim — one adapter, pointed by URL.

Why a weight budget of our own: Binance answers 429 once an IP passes 2400 weight per minute and then
bans (418) clients that keep going. Every response carries ``X-MBX-USED-WEIGHT-1M``; the adapter
waits for the next minute before a request would cross ``weight_budget``, so normal operation never
sees a 429. A 429 that happens anyway is honoured (``Retry-After``); a 418 stops all calls until the
ban ends and is reported as :class:`MarketUnavailable`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import aiohttp
from binance import AsyncClient
from binance.exceptions import BinanceAPIException, BinanceRequestException
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from candle_service.candles import CandleColumns, SymbolInfo
from candle_service.timeframes import parse_timeframe

log = logging.getLogger("candle_service.market")

MarketKind = Literal["binance", "binance-demo", "sim"]
KLINES_PAGE = 1500
T = TypeVar("T")


class MarketUnavailable(Exception):
    """The exchange cannot be used now; ``retry_at_ms`` says when it may be tried again (0 = unknown)."""

    def __init__(self, cause: str, retry_at_ms: int = 0) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retry_at_ms = retry_at_ms


class SymbolNotFound(Exception):
    pass


class _RetryAfter(Exception):
    """A 429: wait the server's Retry-After, then try again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"HTTP 429, retry after {seconds:.1f} s")
        self.seconds = seconds


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, _RetryAfter | BinanceRequestException | aiohttp.ClientError | TimeoutError):
        return True
    return isinstance(exc, BinanceAPIException) and (exc.status_code >= 500 or exc.code == -1021)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, _RetryAfter):
        return exc.seconds
    return float(wait_exponential_jitter(multiplier=0.2, max=10.0, jitter=0.3)(state))


@dataclass
class WeightBudget:
    """Request weight used in the current minute, as the exchange reported it."""

    budget: int = 1800
    used: int = 0
    minute: int = 0

    def observe(self, used: int, now_ms: int) -> None:
        self.minute = now_ms // 60_000
        self.used = used

    def delay_for(self, weight: int, now_ms: int) -> float:
        """Seconds to wait before spending ``weight`` (0 when it fits in this minute's budget)."""
        if now_ms // 60_000 != self.minute:
            return 0.0
        if self.used + weight <= self.budget:
            return 0.0
        return (60_000 - now_ms % 60_000) / 1000 + 0.05


def klines_weight(limit: int) -> int:
    if limit < 100:
        return 1
    if limit < 500:
        return 2
    if limit <= 1000:
        return 5
    return 10


class Market:
    """Public market data from Binance USDⓈ-M (or a simulator speaking its protocol)."""

    def __init__(self, kind: MarketKind = "binance", sim_url: str = "http://127.0.0.1:8765",
                 weight_budget: int = 1800, attempts: int = 6, request_timeout: float = 10.0) -> None:
        self.kind = kind
        self.sim_url = sim_url.rstrip("/")
        self.weight = WeightBudget(budget=weight_budget)
        self.attempts = attempts
        self.request_timeout = request_timeout
        self.banned_until_ms = 0
        self._client: AsyncClient | None = None
        self._lock = asyncio.Lock()  # python-binance keeps the last response on the client

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            client = AsyncClient(demo=self.kind == "binance-demo", session_params={
                "timeout": aiohttp.ClientTimeout(total=self.request_timeout)})
            if self.kind == "sim":
                client.FUTURES_URL = f"{self.sim_url}/fapi"
                client.FUTURES_DATA_URL = f"{self.sim_url}/futures/data"
            self._client = client
        return self._client

    @property
    def ws_url(self) -> str:
        """Base URL of the futures websockets (python-binance's ``FSTREAM_URL``)."""
        if self.kind == "sim":
            return self.sim_url.replace("http://", "ws://").replace("https://", "wss://") + "/"
        if self.kind == "binance-demo":
            return "wss://fstream.binancefuture.com/"
        return "wss://fstream.binance.com/"

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close_connection()
            self._client = None

    async def _call(self, weight: int, call: Callable[[], Awaitable[T]]) -> T:
        now = int(time.time() * 1000)
        if now < self.banned_until_ms:
            raise MarketUnavailable(f"IP banned by the exchange (HTTP 418) until {self.banned_until_ms}",
                                    self.banned_until_ms)
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.attempts), wait=_wait, retry=retry_if_exception(_transient),
                reraise=True,
            ):
                with attempt:
                    return await self._call_once(weight, call)
        except BinanceAPIException as exc:
            if exc.status_code == 418:
                raise self._banned(exc) from exc
            if exc.status_code >= 500 or exc.code == -1021:
                raise MarketUnavailable(f"exchange error HTTP {exc.status_code}: {exc.message}") from exc
            raise
        except _RetryAfter as exc:
            raise MarketUnavailable(str(exc), int(time.time() * 1000 + exc.seconds * 1000)) from exc
        except (TimeoutError, BinanceRequestException, aiohttp.ClientError, OSError) as exc:
            raise MarketUnavailable(f"exchange unreachable: {exc!r}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call_once(self, weight: int, call: Callable[[], Awaitable[T]]) -> T:
        async with self._lock:
            delay = self.weight.delay_for(weight, int(time.time() * 1000))
            if delay > 0:
                log.info("weight budget reached; waiting", extra={"event": "weight_wait", "seconds": delay,
                                                                  "used": self.weight.used})
                await asyncio.sleep(delay)
            try:
                result = await call()
            except BinanceAPIException as exc:
                self._observe(exc.response)
                if exc.status_code == 429:
                    retry_after = float(exc.response.headers.get("Retry-After", "1") or 1)
                    log.warning("HTTP 429 from the exchange", extra={"event": "rate_limited",
                                                                     "retry_after": retry_after})
                    raise _RetryAfter(retry_after) from exc
                if exc.status_code == 418:
                    raise self._banned(exc) from exc
                raise
            self._observe(getattr(self.client, "response", None))
            return result

    def _observe(self, response: Any) -> None:
        headers = getattr(response, "headers", None)
        if headers is None:
            return
        used = headers.get("X-MBX-USED-WEIGHT-1M") or headers.get("x-mbx-used-weight-1m")
        if used is not None:
            self.weight.observe(int(used), int(time.time() * 1000))

    def _banned(self, exc: BinanceAPIException) -> MarketUnavailable:
        retry_after = float(exc.response.headers.get("Retry-After", "120") or 120)
        self.banned_until_ms = int(time.time() * 1000 + retry_after * 1000)
        log.error("IP banned by the exchange", extra={"event": "banned", "until_ms": self.banned_until_ms})
        return MarketUnavailable(f"IP banned by the exchange (HTTP 418) until {self.banned_until_ms}",
                                 self.banned_until_ms)

    async def server_time(self) -> int:
        reply = await self._call(1, self.client.futures_time)
        return int(reply["serverTime"])

    async def symbols(self) -> list[SymbolInfo]:
        """USDT-quoted perpetual contracts from exchangeInfo."""
        info = await self._call(1, self.client.futures_exchange_info)
        now = int(time.time() * 1000)
        return [
            SymbolInfo.from_exchange_info(s, updated=now)
            for s in info.get("symbols", [])
            if s.get("contractType", "PERPETUAL") == "PERPETUAL" and s.get("quoteAsset", "USDT") == "USDT"
        ]

    async def klines(self, symbol: str, timeframe: str, start: int, end: int,
                     limit: int = KLINES_PAGE) -> CandleColumns:
        """Up to ``limit`` candles with open time in ``[start, end)``, oldest first, closed or not."""
        parse_timeframe(timeframe)
        params = {"symbol": symbol, "interval": timeframe, "startTime": start, "endTime": end - 1,
                  "limit": limit}

        async def call() -> list[list[Any]]:
            rows: list[list[Any]] = await self.client.futures_klines(**params)
            return rows

        try:
            rows = await self._call(klines_weight(limit), call)
        except BinanceAPIException as exc:
            if exc.code == -1121:
                raise SymbolNotFound(symbol) from exc
            raise
        return CandleColumns.from_rows(symbol, timeframe, rows)
