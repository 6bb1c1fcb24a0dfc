"""paraclient's own client library, socket.io-client 2.5 (Engine.IO v3) under Node, against the bridge:
long-polling first, then the websocket upgrade, every request event on both transports."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import Stack
from .doubles import E_ACTIVE
from .node_client import ensure_node_modules, node_v3_client
from .shapes import TABLE

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


async def test_polling_then_websocket_every_request_event(stack: Stack) -> None:
    # Upgrade held back: the whole table over long-polling first.
    async with node_v3_client(stack.url, transports=["polling"]) as c:
        assert await c.transport() == "polling"
        for event, payload, reply, check in TABLE:
            check(await c.request(event, payload, reply))
        assert await c.transport() == "polling"
    # As paraclient connects: polling, upgraded to websocket, then the table again.
    async with node_v3_client(stack.url) as c:
        assert await c.upgraded() == "websocket"
        for event, payload, reply, check in TABLE:
            check(await c.request(event, payload, reply))
        assert await c.transport() == "websocket"


async def test_websocket_only_client(stack: Stack) -> None:
    async with node_v3_client(stack.url, transports=["websocket"]) as c:
        assert await c.transport() == "websocket"
        event, payload, reply, check = TABLE[0]
        check(await c.request(event, payload, reply))


async def test_requests_during_the_upgrade_are_not_lost(stack: Stack) -> None:
    """Requests sent while the client probes the websocket are answered exactly once."""
    async with node_v3_client(stack.url) as c:
        for _ in range(20):
            await c.emit("get_entry", {"entryId": E_ACTIVE.id})
        got = [await c.wait("entry") for _ in range(20)]
        assert all(e["id"] == E_ACTIVE.id for e in got)
        assert await c.upgraded() == "websocket"
        with pytest.raises(TimeoutError):
            await c.wait("entry", timeout=0.5)  # nothing duplicated


async def test_non_ascii_payloads_are_framed_in_utf16_units(stack: Stack) -> None:
    """v3 polling lengths count JavaScript string units: an astral character counts two."""
    async with node_v3_client(stack.url, transports=["polling"]) as c:
        reply = await c.request("get_entry", {"entryId": "Ω-😀-" + "é" * 50}, "entry")
        assert reply["id"] == "Ω-😀-" + "é" * 50 and "no entry" in reply["error"]
        await asyncio.sleep(0)
