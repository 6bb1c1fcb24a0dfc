"""Answering a bidirectional stream's requests concurrently, each answer as soon as it is ready.

A servicer that takes requests over one long-lived stream (broker_service's PlaceBracketOrders) must not
answer them one at a time: a slow request (an exchange retrying) would hold back every later one, which a
unary call per request never did. No grpc here: the servicer passes its request iterator and a function
that turns one request into its answer, errors included.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import TypeVar

from parayok.tasks import cancel_and_wait

Request = TypeVar("Request")
Answer = TypeVar("Answer")


async def answer_each(requests: AsyncIterator[Request],
                      answer: Callable[[Request], Awaitable[Answer]]) -> AsyncGenerator[Answer, None]:
    """Yields ``answer(request)`` for every request, in the order they finish; ends once the requests have
    ended and every answer is out. ``answer`` must not raise: it turns a failure into an answer.

    Leaving early (the caller cancelled the stream) or a failed read (the caller is gone; the error is
    raised) cancels the answers still being worked on, as the end of a unary call cancels its handler."""
    ready: asyncio.Queue[Answer | None] = asyncio.Queue()  # None: no more answers will come
    working: set[asyncio.Task[None]] = set()

    async def work(request: Request) -> None:
        ready.put_nowait(await answer(request))

    async def read() -> None:
        try:
            async for request in requests:
                task = asyncio.create_task(work(request))
                working.add(task)
                task.add_done_callback(working.discard)
            if working:
                await asyncio.wait(set(working))
        finally:
            ready.put_nowait(None)  # also when reading fails: the stream is over, its error raised below

    reader = asyncio.create_task(read())
    try:
        while (item := await ready.get()) is not None:
            yield item
        await reader  # a failed read ends the stream with its error
    finally:
        await cancel_and_wait(reader, *working)
