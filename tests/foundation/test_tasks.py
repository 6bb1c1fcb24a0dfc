"""parayok.tasks.cancel_and_wait: a task that loses a cancellation (as Python 3.11's wait_for can) is cancelled
again until it ends; the caller's own cancellation still reaches the caller."""

from __future__ import annotations

import asyncio

import pytest

from parayok.tasks import cancel_and_wait


async def test_a_task_that_lost_its_cancellation_is_cancelled_again_until_it_ends() -> None:
    cancels_lost = 0

    async def reconnect_loop() -> None:  # like a feed whose read swallowed the first cancellation
        nonlocal cancels_lost
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if cancels_lost == 0:
                    cancels_lost += 1
                    continue
                raise

    async def failed() -> None:
        raise RuntimeError("its last error")

    task, broken = asyncio.create_task(reconnect_loop()), asyncio.create_task(failed())
    await asyncio.sleep(0.01)
    async with asyncio.timeout(5):
        await cancel_and_wait(task, broken, None, retry_s=0.05)
    assert task.cancelled() and cancels_lost == 1
    assert isinstance(broken.exception(), RuntimeError)


async def test_the_callers_cancellation_is_not_swallowed() -> None:
    stubborn_for_now = True

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if not stubborn_for_now:
                    raise

    inner = asyncio.create_task(stubborn())
    stopper = asyncio.create_task(cancel_and_wait(inner, retry_s=0.05))
    await asyncio.sleep(0.2)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    assert not inner.done()
    stubborn_for_now = False
    async with asyncio.timeout(5):
        await cancel_and_wait(inner)
    assert inner.cancelled()
