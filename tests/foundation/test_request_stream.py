"""parayok.request_stream.answer_each: answers in the order they finish, the end once every answer is out;
a failed read ends the stream with its error and leaving early cancels the work under way (nobody is left to
answer: broker_service shields a placement itself)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from parayok.request_stream import answer_each


async def requests_of(items: list[float], then: BaseException | None = None) -> AsyncIterator[float]:
    for item in items:
        yield item
    if then is not None:
        raise then


async def test_a_slow_request_holds_back_no_later_one_and_the_stream_ends_after_the_last_answer() -> None:
    async def answer(delay: float) -> str:
        await asyncio.sleep(delay)
        return f"after {delay}"

    async with asyncio.timeout(5):
        got = [a async for a in answer_each(requests_of([0.3, 0.0, 0.1]), answer)]
    assert got == ["after 0.0", "after 0.1", "after 0.3"]


async def test_a_failed_read_ends_the_stream_with_its_error_and_cancels_the_work_under_way() -> None:
    cancelled: list[float] = []

    async def answer(x: float) -> float:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(x)
            raise
        return x

    with pytest.raises(ConnectionResetError):  # the caller is gone: nobody could read the answers
        async with asyncio.timeout(5):
            async for _ in answer_each(requests_of([1.0, 2.0], then=ConnectionResetError("gone")), answer):
                pass
    assert sorted(cancelled) == [1.0, 2.0]


async def test_leaving_early_cancels_the_answers_still_being_worked_on() -> None:
    started: list[float] = []
    cancelled: list[float] = []

    async def answer(delay: float) -> float:
        started.append(delay)
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            cancelled.append(delay)
            raise
        return delay

    stream = answer_each(requests_of([0.0, 30.0]), answer)
    async with asyncio.timeout(5):
        assert await anext(stream) == 0.0
        while len(started) < 2:  # bounded by the timeout
            await asyncio.sleep(0.01)
        await stream.aclose()
    assert cancelled == [30.0]
