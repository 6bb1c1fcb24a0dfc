"""Delivery of the outbox: one worker per chat with pending messages, Telegram's rate limits, retries.

Messages to one chat go out in order, one at a time; chats are independent, so a chat whose sends
keep failing never holds back the others, and nothing here ever blocks the event streams or the
RPCs (they only write to the outbox).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_never, wait_exponential

from .store import NotifyStore, OutboxRow

log = logging.getLogger("notify_service.delivery")

# (chat_id, html text, reply_markup dict or None) → sends one message, raises on failure.
SendFn = Callable[[int, str, dict[str, Any] | None], Awaitable[None]]


class RetryLater(Exception):
    """A send failed in a way worth retrying; ``retry_after`` is Telegram's own wait, if it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Undeliverable(Exception):
    """Telegram refused the message for good (bad request, bot blocked by the chat)."""


class RateLimiter:
    """At most ``rate`` sends in any one second overall and ``chat_interval`` seconds between two sends to a chat.

    Both are measured from the *end* of the previous requests (a request in flight counts as
    happening now), so the limits hold at Telegram's side whatever the network delay.
    """

    def __init__(self, rate: float = 30.0, chat_interval: float = 1.0) -> None:
        self.rate = max(1, int(rate))
        self.chat_interval = chat_interval
        self._done: collections.deque[float] = collections.deque()
        self._inflight = 0
        self._chat_free_at: dict[int, float] = {}
        self._changed = asyncio.Condition()

    def _used(self, now: float) -> int:
        while self._done and self._done[0] <= now - 1.0:
            self._done.popleft()
        return len(self._done) + self._inflight

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int) -> Any:
        wait = self._chat_free_at.get(chat_id, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        async with self._changed:
            while self._used(time.monotonic()) >= self.rate:
                # Either a request ends (notify) or the oldest completion leaves the window.
                oldest = self._done[0] + 1.0 - time.monotonic() if self._done else 1.0
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), max(oldest, 0.001))
            self._inflight += 1
        try:
            yield
        finally:
            end = time.monotonic()
            async with self._changed:
                self._inflight -= 1
                self._done.append(end)
                self._chat_free_at[chat_id] = end + self.chat_interval
                self._changed.notify_all()


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RetryLater) and exc.retry_after is not None:
        return exc.retry_after
    return float(_backoff(state))


_backoff = wait_exponential(multiplier=0.5, min=0.5, max=30.0)


def seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Deliverer:
    """Sends the outbox through ``send`` once :meth:`start` is called; runs until :meth:`stop`."""

    def __init__(
        self,
        store: NotifyStore,
        send: SendFn,
        limiter: RateLimiter,
        on_result: Callable[[str], None] = lambda error: None,
        allowed: Callable[[int], bool] = lambda chat_id: True,
    ) -> None:
        self._store = store
        self._send = send
        self._limiter = limiter
        self._on_result = on_result  # "" after a success, the error text after a failure
        self._allowed = allowed
        self._wake = asyncio.Event()
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._main: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """Call after queuing: new messages are picked up at once."""
        self._wake.set()

    def start(self) -> None:
        if self._main is None:
            self._main = asyncio.create_task(self._run(), name="notify-deliverer")
            self._wake.set()

    async def stop(self, grace: float = 2.0) -> None:
        """Lets the requests in flight finish (up to ``grace`` seconds), then stops; the rest stays queued."""
        self._stopping = True
        if self._main is not None:
            self._main.cancel()
        workers = list(self._workers.values())
        if workers:
            await asyncio.wait(workers, timeout=grace)
        tasks = [t for t in (self._main, *self._workers.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._main = None
        self._workers.clear()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            for chat_id in self._store.pending_chats():
                if chat_id not in self._workers:
                    self._workers[chat_id] = asyncio.create_task(self._drain(chat_id), name=f"notify-chat-{chat_id}")

    async def _drain(self, chat_id: int) -> None:
        try:
            while not self._stopping and (row := self._store.next_for_chat(chat_id)) is not None:
                if not self._allowed(chat_id):
                    # Queued before the chat was taken off the allowed list (then a restart).
                    log.warning("chat no longer allowed; message dropped",
                                extra={"event": "message_dropped", "key": row.key, "chat_id": chat_id})
                    self._store.delivered(row.id)
                    continue
                await self._deliver(row)
        finally:
            # No await between the last empty read and this: a message queued later finds no worker.
            self._workers.pop(chat_id, None)

    async def _deliver(self, row: OutboxRow) -> None:
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, RetryLater)),
            wait=_wait,
            stop=stop_never,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self._attempt(row)
        except Undeliverable as exc:
            log.error(
                "Telegram refused a message; dropped",
                extra={"event": "message_refused", "key": row.key, "chat_id": row.chat_id, "error": str(exc)},
            )
            self._store.delivered(row.id)

    async def _attempt(self, row: OutboxRow) -> None:
        async with self._limiter.slot(row.chat_id):
            self._store.set_inflight(row.id, True)
            try:
                await self._send(row.chat_id, row.text, row.markup)
            except (RetryLater, Undeliverable) as exc:
                self._store.set_inflight(row.id, False)
                self._on_result(str(exc) or type(exc).__name__)
                raise
            except Exception as exc:  # anything unforeseen is treated as transient
                self._store.set_inflight(row.id, False)
                self._on_result(f"{type(exc).__name__}: {exc}")
                raise RetryLater(f"{type(exc).__name__}: {exc}") from exc
            # A cancellation mid-request (stop timed out) leaves the row marked: unknown whether
            # Telegram got it, so it is not resent.
        self._store.delivered(row.id)
        self._on_result("")

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "Telegram send failed; retrying",
            extra={"event": "send_retry", "attempt": state.attempt_number, "error": str(exc),
                   "wait_s": round(state.upcoming_sleep, 3)},
        )
