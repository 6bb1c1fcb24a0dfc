"""Binance USDⓈ-M REST through python-binance's AsyncClient, with what it lacks for a safe broker.

- URLs: an AsyncClient is constructed directly (``AsyncClient.create`` pings the real exchange) and
  its instance URLs are set for Binance, Binance demo or exchange_sim.
- Clock: the server-time offset is measured at start and refreshed periodically, and re-measured on
  -1021, so signed requests never fall outside recvWindow.
- Limits: ``X-MBX-USED-WEIGHT-1M`` / ``X-MBX-ORDER-COUNT-*`` are tracked from every response; 429
  makes every call wait out ``Retry-After`` (fail fast with :class:`RateLimited`), 418 halts the
  account (:class:`Banned`) until the ban ends.
- Outcomes: a write whose answer is lost (timeout, connection drop, 5xx) raises
  :class:`OutcomeUnknown`, never a retry: the caller looks the order up by client id first. Reads
  are retried with tenacity (bounded).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import yarl
from binance.async_client import AsyncClient
from binance.exceptions import BinanceAPIException, BinanceRequestException
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger("broker_service.exchange")

_BANNED_UNTIL = re.compile(r"banned until (\d{12,})")

T = TypeVar("T")

BINANCE_REST = "https://fapi.binance.com/fapi"
BINANCE_WS = "wss://fstream.binance.com/"
DEMO_REST = "https://demo-fapi.binance.com/fapi"
DEMO_WS = "wss://fstream.binancefuture.com/"


class ExchangeError(Exception):
    pass


class Rejected(ExchangeError):
    """The exchange refused the request: nothing was done."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status


class OutcomeUnknown(ExchangeError):
    """No answer (timeout, dropped connection, 5xx): the request may or may not have been executed."""


class RateLimited(ExchangeError):
    """HTTP 429 (or waiting for one to pass): the request was not executed."""

    def __init__(self, retry_at_ms: int) -> None:
        super().__init__(f"rate limited by the exchange until {retry_at_ms} ms (HTTP 429)")
        self.retry_at_ms = retry_at_ms


class Banned(ExchangeError):
    """HTTP 418: the IP is banned; the account is halted until ``until_ms``."""

    def __init__(self, until_ms: int) -> None:
        super().__init__(f"IP banned by the exchange (HTTP 418) until {until_ms} ms")
        self.until_ms = until_ms


@dataclass
class Usage:
    weight_1m: int = 0
    orders_10s: int = 0
    orders_1m: int = 0
    retry_at_ms: int = 0  # 429: no call before this
    banned_until_ms: int = 0  # 418
    time_offset_ms: int = 0
    time_synced_ms: int = 0
    rejections: dict[int, int] = field(default_factory=dict)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _retry_after_ms(headers: Any, default_s: float) -> int:
    raw = (headers or {}).get("Retry-After") if headers is not None else None
    try:
        secs = float(raw) if raw is not None else default_s
    except ValueError:
        secs = default_s
    return _now_ms() + int(secs * 1000)


class LeanAsyncClient(AsyncClient):
    """python-binance's AsyncClient (signing, parameter order, URLs, headers, errors all its own) with a
    leaner request path, the broker's hot path: the signed form body is encoded once here — python-binance
    hands aiohttp a list of pairs, from which aiohttp builds a multipart-capable FormData per call (uuid4
    boundary included) that sends exactly these bytes — and the answer is decoded once (python-binance
    reads its text twice, then parses it a third time). One keep-alive session serves every call."""

    async def _request(self, method: str, uri: str, signed: bool, force_params: bool = False, **kwargs: Any) -> Any:
        if self.PRIVATE_KEY or self.verbose:  # RSA/Ed25519 bodies and verbose logging: python-binance's own path
            return await super()._request(method, uri, signed, force_params, **kwargs)
        headers: dict[str, str] = {}
        if method.upper() in ("POST", "PUT", "DELETE"):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        extra = kwargs.get("data", {}).pop("headers", None) if isinstance(kwargs.get("data"), dict) else None
        if extra:
            headers.update(extra)
        kwargs = self._get_request_kwargs(method, signed, force_params, **kwargs)
        if method == "get" and "params" in kwargs:
            uri = f"{uri}?{kwargs.pop('params')}"
        data = kwargs.pop("data", None)
        if isinstance(data, list):
            data = urlencode(data, doseq=True).encode()  # what FormData(pairs) would send
        kwargs.pop("proxies", None)
        async with getattr(self.session, method)(
            yarl.URL(uri, encoded=True), proxy=self.https_proxy, headers=headers, data=data, **kwargs
        ) as response:
            self.response = response
            text = await response.text()
            if not 200 <= response.status < 300:
                raise BinanceAPIException(response, response.status, text)
            if text == "":
                return {}
            try:
                return json.loads(text)
            except ValueError as exc:
                raise BinanceRequestException(f"Invalid Response: {text}") from exc


class BinanceRest:
    """One account's signed REST session."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        rest_url: str,
        recv_window_ms: int = 5000,
        timeout_s: float = 5.0,
        on_ban: Callable[[int], Awaitable[None]] | None = None,
        time_source: str = "exchange",
    ) -> None:
        self.client = LeanAsyncClient(api_key, api_secret)
        for attr in ("FUTURES_URL", "FUTURES_TESTNET_URL", "FUTURES_DEMO_URL"):
            setattr(self.client, attr, rest_url)
        data_url = rest_url.rsplit("/fapi", 1)[0] + "/futures/data"
        for attr in ("FUTURES_DATA_URL", "FUTURES_DATA_TESTNET_URL"):
            setattr(self.client, attr, data_url)
        self.client.REQUEST_RECVWINDOW = recv_window_ms
        self.client.REQUEST_TIMEOUT = timeout_s
        self.usage = Usage()
        self._on_ban = on_ban
        self.time_source = time_source

    async def close(self) -> None:
        await self.client.close_connection()

    # -- the one call path
    async def call(self, fn: Callable[..., Awaitable[T]], *, write: bool = False, **params: Any) -> T:
        """Calls a python-binance method once, translating every failure (see the module doc)."""
        now = _now_ms()
        if self.usage.banned_until_ms > now:
            raise Banned(self.usage.banned_until_ms)
        if self.usage.retry_at_ms > now:
            raise RateLimited(self.usage.retry_at_ms)
        try:
            result = await fn(**params)
        except BinanceAPIException as exc:
            self._headers(getattr(exc, "response", None))
            raise await self._translate(exc, write) from exc
        except (TimeoutError, aiohttp.ClientError, BinanceRequestException) as exc:
            if write:
                raise OutcomeUnknown(f"{type(exc).__name__}: {exc}") from exc
            raise OutcomeUnknown(f"no answer: {type(exc).__name__}") from exc
        self._headers(self.client.response)
        return result

    def _headers(self, response: Any) -> None:
        headers = getattr(response, "headers", None)
        if not headers:
            return
        for name, attr in (
            ("X-MBX-USED-WEIGHT-1M", "weight_1m"),
            ("X-MBX-ORDER-COUNT-10S", "orders_10s"),
            ("X-MBX-ORDER-COUNT-1M", "orders_1m"),
        ):
            v = headers.get(name)
            if v is not None and str(v).isdigit():
                setattr(self.usage, attr, int(v))

    async def _translate(self, exc: BinanceAPIException, write: bool) -> ExchangeError:
        status = int(getattr(exc, "status_code", 0) or 0)
        headers = getattr(getattr(exc, "response", None), "headers", None)
        if status == 418:
            # Binance says "... banned until <ms>"; Retry-After when present; else assume 2 minutes.
            m = _BANNED_UNTIL.search(str(exc.message))
            self.usage.banned_until_ms = int(m.group(1)) if m else _retry_after_ms(headers, 120)
            log.error("exchange ban (418)", extra={"event": "exchange_banned", "until_ms": self.usage.banned_until_ms})
            if self._on_ban is not None:
                await self._on_ban(self.usage.banned_until_ms)
            return Banned(self.usage.banned_until_ms)
        if status == 429:
            self.usage.retry_at_ms = _retry_after_ms(headers, 10)
            log.warning(
                "exchange rate limit (429)", extra={"event": "exchange_429", "retry_at_ms": self.usage.retry_at_ms}
            )
            return RateLimited(self.usage.retry_at_ms)
        if status >= 500:
            return OutcomeUnknown(f"HTTP {status}: {exc.message}")
        code = int(getattr(exc, "code", 0) or 0)
        self.usage.rejections[code] = self.usage.rejections.get(code, 0) + 1
        return Rejected(code, str(exc.message), status)

    async def read(self, fn: Callable[..., Awaitable[T]], **params: Any) -> T:
        """A read: retried (bounded, with backoff) on lost answers and clock drift."""
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(4),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            retry=retry_if_exception_type((OutcomeUnknown, ClockDrift)),
            reraise=True,
        ):
            with attempt:
                return await self.signed(fn, write=False, **params)
        raise AssertionError("unreachable")

    async def signed(self, fn: Callable[..., Awaitable[T]], *, write: bool, **params: Any) -> T:
        """One signed call; -1021 re-measures the clock and raises :class:`ClockDrift` (nothing executed)."""
        try:
            return await self.call(fn, write=write, **params)
        except Rejected as exc:
            if exc.code == -1021:
                log.warning("-1021: re-syncing the clock", extra={"event": "clock_resync"})
                await self.sync_time()
                raise ClockDrift(str(exc)) from exc
            raise

    async def sync_time(self) -> int:
        """Measures serverTime − local time (half the round trip counted) and applies it."""
        if self.time_source == "local":
            self.client.timestamp_offset = 0
            self.usage.time_synced_ms = _now_ms()
            return 0
        t0 = _now_ms()
        res = await self.call(self.client.futures_time)
        t1 = _now_ms()
        offset = int(res["serverTime"]) - (t0 + t1) // 2
        self.client.timestamp_offset = offset
        self.usage.time_offset_ms = offset
        self.usage.time_synced_ms = t1
        return offset

    # -- lookups that turn "does not exist" into None
    async def find_order(self, symbol: str, client_order_id: str) -> dict[str, Any] | None:
        try:
            return await self.read(self.client.futures_get_order, symbol=symbol, origClientOrderId=client_order_id)
        except Rejected as exc:
            if exc.code == -2013:
                return None
            raise

    async def find_algo(self, client_algo_id: str) -> dict[str, Any] | None:
        try:
            return await self.read(self.client.futures_get_algo_order, clientAlgoId=client_algo_id)
        except Rejected as exc:
            if exc.code == -2013:
                return None
            raise


class ClockDrift(ExchangeError):
    """-1021: the request was refused before execution; the clock has been re-synced, send again."""


async def with_clock_retry(call: Callable[[], Awaitable[T]]) -> T:
    """Re-sends once after -1021 (the exchange refused it unexecuted, so this is not a blind retry)."""
    try:
        return await call()
    except ClockDrift:
        return await call()


async def sleep_until(ms: int) -> None:
    delay = (ms - _now_ms()) / 1000
    if delay > 0:
        await asyncio.sleep(delay)
