"""Bad payloads of every kind (hypothesis), malformed Engine.IO v3 frames, a service going down and
coming back, the shared token, CORS, and 200 concurrent clients."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp
import pytest
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web_bridge.app import HUB_KEY

from .conftest import Stack, bridge_stack, eventually, v4_client
from .doubles import E_ACTIVE, HOUR
from .node_client import ensure_node_modules, node_v3_client
from .shapes import TABLE, check_candles, check_chart, check_entries

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPLY = {event: reply for event, _, reply, _ in TABLE} | {
    "watch_ticker": "watching", "unwatch_ticker": "unwatched", "select_vm": "vm_selected"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12)
known_keys = st.sampled_from(["tickerId", "limit", "timestamp", "entryId", "orderId", "vmId", "dateFrom",
                              "dateTo", "interval", "START_SUM", "STAKE_MODE", "STAKE_PERCENT", "LEVERAGE",
                              "TAGS", "SYMBOLS", "TIMEFRAMES", "JSCODE", "COST_BUY_PERCENT"])
near_valid = st.fixed_dictionaries({}, optional={
    "tickerId": st.sampled_from(["BTCUSDT-1h", "BTCUSDT-7h", "btc-1h", "NOPE-1h", "-", "BTCUSDT", ""]) | st.text(),
    "limit": st.integers(min_value=-5, max_value=20_000) | json_values,
    "timestamp": st.integers(min_value=-1, max_value=2**62) | st.text(max_size=30),
}) | st.dictionaries(known_keys, json_values, max_size=5)
payloads = json_values | near_valid


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=st.sampled_from(sorted(REPLY)), payload=payloads)
async def test_bad_payloads_get_an_error_reply_and_break_nothing(stack: Stack, event: str, payload: Any) -> None:
    async with v4_client(stack.url) as c:
        reply_event = REPLY[event]
        q_ok, q_err = c.queue(reply_event), c.queue(event + "_error")
        await c.sio.emit(event, payload)
        done, _ = await asyncio.wait({asyncio.ensure_future(q_ok.get()), asyncio.ensure_future(q_err.get())},
                                     timeout=15, return_when=asyncio.FIRST_COMPLETED)
        assert done, f"no reply to {event} {payload!r}"
        reply = done.pop().result()
        if isinstance(reply, dict) and "error" in reply:
            assert isinstance(reply["error"], str) and reply["error"]
        # the connection still serves a good request afterwards
        assert (await c.request("get_entry", {"entryId": E_ACTIVE.id}, "entry"))["id"] == E_ACTIVE.id
        await c.sio.emit("no_such_event", payload)  # unknown events are ignored, as the seed did
        assert c.sio.connected


async def test_malformed_v3_frames_close_only_that_session(stack: Stack) -> None:
    async with v4_client(stack.url) as bystander, aiohttp.ClientSession() as http:
        base = f"{stack.url}/socket.io/?EIO=3&transport=polling"

        async def handshake() -> str:
            async with http.get(base) as r:
                assert r.status == 200
                return (await r.text()).split('"sid":"')[1].split('"')[0]

        async def post(sid: str, body: str) -> int:
            async with http.post(f"{base}&sid={sid}", data=body.encode()) as r:
                return r.status

        async def poll(sid: str) -> tuple[int, str]:
            async with http.get(f"{base}&sid={sid}") as r:
                return r.status, await r.text()

        for garbage in ("abc", "99:42", "3:4", "x:42[]", "5:4", "1"):
            sid = await handshake()
            assert (await post(sid, garbage)) in (200, 400)
        # a bad Socket.IO packet inside a good frame is answered with an error packet, the session lives
        sid = await handshake()
        await poll(sid)  # the "40" connect packet
        for bad in ('42["get_entry",', "42{}", "40/chat,", "45-[]", '42[5]'):
            assert await post(sid, f"{len(bad)}:{bad}") == 200
        status, text = await poll(sid)
        assert status == 200 and '44"bad packet"' in text and '44/chat,"Invalid namespace"' in text
        good = '42["get_entry",{"entryId":"' + E_ACTIVE.id + '"}]'
        assert await post(sid, f"{len(good)}:{good}") == 200
        body = ""
        while '"entry"' not in body:
            status, more = await poll(sid)
            assert status == 200
            body += more
        assert await post("unknown-sid", "1:2") == 400
        assert bystander.sio.connected
        assert (await bystander.request("list_entries", "1", "entries"))[0]["id"] == E_ACTIVE.id


async def test_a_service_down_answers_an_error_within_2s_and_recovers(stack: Stack) -> None:
    async with v4_client(stack.url) as c:
        check_entries(await c.request("list_entries", "1", "entries"))
        await stack.servers["order"].stop()
        await stack.servers["analysis"].stop()
        started = time.monotonic()
        reply = await c.request("list_entries", "1", "entries")
        assert time.monotonic() - started < 2.0
        assert reply == {"error": "order_service: UNAVAILABLE: service unavailable"}
        report = await c.request("get_orders_report", {"interval": "d"}, "orders_report")
        assert len(report) == 1 and "UNAVAILABLE" in report[0]["periodName"]
        entry = await c.request("get_entry", {"entryId": E_ACTIVE.id}, "entry")
        assert entry["flags"] is None and "UNAVAILABLE" in entry["error"]
        await stack.servers["order"].start()
        # candles still come from candle_service while analysis_service is down (no annotations)
        chart = await c.request("get_chart", {"tickerId": "BTCUSDT-1h", "limit": 10}, "chart")
        check_candles(chart["candles"], 10, HOUR)
        assert chart["cdebug"] == []
        flags = await c.request("get_flags", {"tickerId": "BTCUSDT-1h"}, "chart_flags")
        assert "analysis_service: UNAVAILABLE" in flags["error"]
        await stack.servers["analysis"].start()

        async def recovered() -> bool:
            entries = await c.request("list_entries", "1", "entries")
            flags = await c.request("get_flags", {"tickerId": "BTCUSDT-1h"}, "chart_flags")
            return isinstance(entries, list) and "error" not in flags

        started = time.monotonic()
        await eventually(recovered, timeout=10)
        assert time.monotonic() - started < 5.0
        check_entries(await c.request("list_entries", "1", "entries"))
        assert "rsi14" in await c.request("get_flags", {"tickerId": "BTCUSDT-1h"}, "chart_flags")


async def test_shared_token_is_required_on_both_protocols(candles: Any) -> None:
    async with bridge_stack(candles, web_token="s3cret-token") as s:
        with pytest.raises(socketio.exceptions.ConnectionError):
            async with v4_client(s.url):
                pass
        with pytest.raises(socketio.exceptions.ConnectionError):
            async with v4_client(s.url, token="wrong"):
                pass
        async with v4_client(s.url, token="s3cret-token") as c:
            assert (await c.request("set_ep_params", {"LEVERAGE": 5}, "ep_params_set"))["LEVERAGE"] == 5
        async with v4_client(f"{s.url}?token=s3cret-token", transports=["polling"]) as c:
            assert (await c.request("make_real_order", {"orderId": E_ACTIVE.id}, "new_real_order"))["entry"]
        with pytest.raises(ConnectionRefusedError):
            async with node_v3_client(s.url):
                pass
        with pytest.raises(ConnectionRefusedError):
            async with node_v3_client(s.url, query={"token": "wrong"}):
                pass
        async with node_v3_client(s.url, query={"token": "s3cret-token"}) as v3:
            assert await v3.upgraded() == "websocket"
            assert (await v3.request("set_ep_params", {"LEVERAGE": 7}, "ep_params_set"))["LEVERAGE"] == 7
        async with aiohttp.ClientSession() as http:  # a v3 websocket opened directly, without the token
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await http.ws_connect(f"{s.url}/socket.io/?EIO=3&transport=websocket")


async def test_cors_echoes_allowed_origins_and_refuses_others(stack: Stack) -> None:
    async with aiohttp.ClientSession() as http:
        for eio in ("3", "4"):
            url = f"{stack.url}/socket.io/?EIO={eio}&transport=polling"
            async with http.get(url, headers={"Origin": "http://localhost:8080"}) as r:
                assert r.status == 200
                assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
                assert r.headers["Access-Control-Allow-Credentials"] == "true"
            async with http.options(url, headers={"Origin": "http://127.0.0.1:8080",
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"}) as r:
                assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
            for evil in ("http://192.168.1.5:8080", "http://evil.example", "null"):
                async with http.get(url, headers={"Origin": evil}) as r:
                    assert r.status in (400, 403), (eio, evil)
                    assert r.headers.get("Access-Control-Allow-Origin") in (None, "")
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(f"{stack.url}/socket.io/?EIO=3&transport=websocket",
                                  headers={"Origin": "http://evil.example"})
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(f"{stack.url}/socket.io/?EIO=4&transport=websocket",
                                  headers={"Origin": "http://evil.example"})


async def test_200_concurrent_clients(stack: Stack) -> None:
    """200 clients connected at once, all requesting a 1,000-candle chart and the entries together."""
    n = 200
    async with contextlib.AsyncExitStack() as clients:
        conns = await asyncio.wait_for(asyncio.gather(*(
            clients.enter_async_context(v4_client(stack.url, transports=["websocket"])) for _ in range(n))), 120)
        assert stack.app[HUB_KEY].members["vm:"].__len__() == n

        async def one(c: Any) -> None:
            check_chart(await c.request("get_chart", {"tickerId": "BTCUSDT-1h"}, "chart", timeout=90))
            check_entries(await c.request("list_entries", "1", "entries", timeout=90))

        await asyncio.wait_for(asyncio.gather(*(one(c) for c in conns)), 120)
    await eventually(lambda: "vm:" not in stack.app[HUB_KEY].members, timeout=10)
