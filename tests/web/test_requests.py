"""Every request event of paraclient's protocol and its reply, through python-socketio clients (Engine.IO
v4, websocket and long-polling), against the real candle_service and gRPC doubles."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from parayok.v1 import common_pb2, orders_pb2

from .conftest import WAIT, Stack, eventually, v4_client
from .doubles import E_ACTIVE, E_ALT, E_WON, HOUR, SIM_START
from .shapes import TABLE, check_candles

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_every_request_event_gets_its_reply_in_the_seeds_shape(stack: Stack, transport: str) -> None:
    async with v4_client(stack.url, transports=[transport]) as c:
        for event, payload, reply, check in TABLE:
            check(await c.request(event, payload, reply))
    # every lookup went to the default VM
    assert {r.vm_id for r in stack.calls.of("ListEntries")} == {"vm-main"}
    assert {r.vm_id for r in stack.calls.of("GetFlags")} == {"vm-main"}


async def test_requests_are_translated_to_the_grpc_api(stack: Stack) -> None:
    async with v4_client(stack.url) as c:
        for event, payload, reply, _ in TABLE:
            await c.request(event, payload, reply)
    (plan_req,) = stack.calls.of("SetPlan")
    plan = plan_req.plan
    assert plan.start_sum == 2000 and plan.stake_mode == orders_pb2.STAKE_MODE_PERCENT
    assert plan.stake_percent == 0.1 and plan.leverage == 10 and plan.simult_risk_percent == 10.5
    assert list(plan.symbols) == ["BTCUSDT"] and list(plan.timeframes) == [common_pb2.TIMEFRAME_1H]
    assert dict(plan.tags) == {"RSI": "P"} and plan.expression == "tag('MAXPRF') >= 1.27"
    assert list(plan.strategies) == []
    (report,) = stack.calls.of("GetReport")
    assert (report.from_ms, report.to_ms, report.interval) == (0, 1_769_904_000_000, orders_pb2.REPORT_INTERVAL_MONTH)
    (real,) = stack.calls.of("MakeRealOrder")
    assert (real.vm_id, real.entry_id) == ("vm-main", E_ACTIVE.id)
    (flags,) = stack.calls.of("GetFlags")
    assert (flags.ticker.symbol, flags.ticker.timeframe) == ("BTCUSDT", common_pb2.TIMEFRAME_1H)
    (ann,) = stack.calls.of("GetAnnotations")  # one chart → one annotation range: its candles
    assert ann.from_ms == SIM_START - 1000 * HOUR and ann.to_ms == SIM_START


async def test_chart_centred_on_an_entry_timestamp(stack: Stack) -> None:
    """Entry symbol button: {tickerId, timestamp, limit: 3000} → 3000 candles around the entry."""
    ts = SIM_START - 2000 * HOUR - 1
    async with v4_client(stack.url) as c:
        d = await c.request("get_chart", {"tickerId": "BTCUSDT-1h", "timestamp": ts, "limit": 3000}, "chart")
    check_candles(d["candles"], 3000, HOUR)
    assert d["targetTimestamp"] == ts
    first, last = d["candles"][0]["openTime"], d["candles"][-1]["closeTime"]
    assert first < ts < last
    assert abs((ts - first) - (last - ts)) <= 2 * HOUR  # centred


async def test_plan_percent_fields_keep_a_decimal_point_on_the_wire(stack: Stack) -> None:
    """paraclient's form refuses '10' and '1e-05' in percent fields: the raw JSON must read 10.0, 0.00001."""
    stack.orders.plans["vm-main"] = orders_pb2.Plan(
        start_sum=1000.0, stake_mode=orders_pb2.STAKE_MODE_FIXED, stake_fixed=5.0, stake_percent=10.0,
        leverage=20.0, cost_buy_percent=0.00001, cost_sell_percent=0.0004, simult_risk_percent=0.0)
    import aiohttp

    async with aiohttp.ClientSession() as http:
        base = f"{stack.url}/socket.io/?EIO=3&transport=polling"
        async with http.get(base) as r:
            sid = (await r.text()).split('"sid":"')[1].split('"')[0]
        msg = '42["get_ep_params"]'
        async with http.post(f"{base}&sid={sid}", data=f"{len(msg)}:{msg}") as r:
            assert r.status == 200
        text = ""
        while "ep_params" not in text:
            async with http.get(f"{base}&sid={sid}") as r:
                text += await r.text()
    assert '"STAKE_PERCENT":10.0,' in text and '"COST_BUY_PERCENT":0.00001,' in text
    assert '"SIMULT_RISK_PERCENT":0.0,' in text and '"COST_SELL_PERCENT":0.0004,' in text
    assert '"START_SUM":1000,' in text and '"LEVERAGE":20,' in text and '"STAKE_FIXED":5,' in text


async def test_select_vm_switches_every_lookup_to_that_vm(stack: Stack) -> None:
    async with v4_client(stack.url) as c:
        ids = [e["id"] for e in await c.request("list_entries", "1", "entries")]
        assert ids == [E_ACTIVE.id, E_WON.id]
        vms = await c.request("list_vms", "", "vms")
        assert [v["id"] for v in vms if v["selected"]] == ["vm-main"]
        selected = await c.request("select_vm", {"vmId": "vm-alt"}, "vm_selected")
        assert selected["id"] == "vm-alt" and selected["timeframes"] == ["4h"]
        assert [e["id"] for e in await c.request("list_entries", "1", "entries")] == [E_ALT.id]
        assert await c.request("get_timeframes", ..., "timeframes") == ["4h"]
        assert await c.request("get_symbols", ..., "symbols") == ["ETHUSDT"]
        assert await c.request("get_strategies", ..., "strategies") == ["tpcwfma"]  # the VM's own analyzers
        assert [t["id"] for t in await c.request("list_tickers", "", "tickers")] == ["ETHUSDT-4h"]
        bad = await c.request("select_vm", {"vmId": "nope"}, "select_vm_error")
        assert "unknown VM" in bad["error"]
        # another client is not affected
        async with v4_client(stack.url) as other:
            assert len(await other.request("list_entries", "1", "entries")) == 2
    assert {r.vm_id for r in stack.calls.of("ListTickers")} == {"vm-alt"}


async def test_get_entry_always_answers_an_object(stack: Stack) -> None:
    async with v4_client(stack.url) as c:
        missing = await c.request("get_entry", {"entryId": "BTCUSDT-1h-x-1"}, "entry")
        assert isinstance(missing, dict) and missing["flags"] is None and "no entry" in missing["error"]
        bad = await c.request("get_entry", {"entryId": 5}, "entry")
        assert isinstance(bad, dict) and bad["flags"] is None and "entryId" in bad["error"]


async def test_make_real_order_of_an_unknown_entry_is_null(stack: Stack) -> None:
    async with v4_client(stack.url) as c:
        assert await c.request("make_real_order", {"orderId": "BTCUSDT-1h-x-1"}, "new_real_order") is None


async def test_bad_plan_expression_passes_the_parsers_message(stack: Stack) -> None:
    async with v4_client(stack.url) as c:
        reply = await c.request("set_ep_params", {"JSCODE": "(tag('X') > 1"}, "ep_params_set")
        assert reply == {"error": "plan.expression: missing ')' at 12"}
        reply = await c.request("set_ep_params", {"STAKE_MODE": "all-in"}, "ep_params_set")
        assert "STAKE_MODE" in reply["error"]
    assert len(stack.calls.of("SetPlan")) == 1  # the second never reached order_service


async def test_report_errors_are_the_seeds_error_row(stack: Stack) -> None:
    async with v4_client(stack.url) as c:
        assert await c.request("get_orders_report", {"interval": "x"}, "orders_report") == [
            {"periodName": "unknown interval"}]
        rows = await c.request("get_orders_report", {"dateFrom": "yesterday", "interval": "d"}, "orders_report")
        assert len(rows) == 1 and "dateFrom" in rows[0]["periodName"]


async def test_clients_asking_for_the_same_chart_share_one_encoded_packet(stack: Stack) -> None:
    """Within the cache window, requesters of one chart (websocket and polling alike) get the same reply,
    from one pair of backend calls and one Engine.IO packet encoded once."""
    payload = {"tickerId": "BTCUSDT-1h", "limit": 777}  # a chart no other test asks for
    before = len(stack.calls.of("GetAnnotations"))
    async with v4_client(stack.url) as a, v4_client(stack.url) as b, v4_client(stack.url, transports=["polling"]) as c:
        replies = await asyncio.gather(*(x.request("get_chart", payload, "chart") for x in (a, b, c)))
    check_candles(replies[0]["candles"], 777, HOUR)
    assert replies[1] == replies[0] and replies[2] == replies[0]
    assert len(stack.calls.of("GetAnnotations")) - before == 1
    (cached,) = [c for k, c in stack.hub.bridge._charts.items() if k[3] == 777]
    raw = cached.task.result()
    assert list(raw._packets) == [("eio4", "chart")]
    packet = raw._packets[("eio4", "chart")]
    assert packet.encode() == '42["chart",' + raw.text + "]"


async def test_an_expired_chart_is_served_while_its_next_version_is_made(stack: Stack) -> None:
    payload = {"tickerId": "BTCUSDT-1h", "limit": 778}
    bridge = stack.hub.bridge
    async with v4_client(stack.url) as c:
        first = await c.request("get_chart", payload, "chart")
        (key,) = [k for k in bridge._charts if k[3] == 778]
        old = bridge._charts[key]
        before = len(stack.calls.of("GetAnnotations"))
        old.expires = time.monotonic() - 0.001  # just expired: served as is, the next version made meanwhile
        assert await c.request("get_chart", payload, "chart") == first
        assert bridge._charts[key] is old and old.next is not None
        await eventually(lambda: old.next is not None and old.next.task.done())
        assert len(stack.calls.of("GetAnnotations")) == before + 1
        assert await c.request("get_chart", payload, "chart") == first  # same candles: the store did not move
        newer = bridge._charts[key]
        assert newer is old.next
        # expired for longer than one more ttl: the client waits for a fresh chart instead
        newer.expires = time.monotonic() - 2 * bridge.chart_ttl
        check_candles((await c.request("get_chart", payload, "chart"))["candles"], 778, HOUR)
        assert bridge._charts[key] is newer.next
        assert len(stack.calls.of("GetAnnotations")) == before + 2


async def test_a_cached_chart_is_answered_inline_with_the_same_reply(stack: Stack, monkeypatch: Any) -> None:
    """Once a chart is cached, v4 (websocket and polling) and v3 requesters get it without going through
    the event handler (no task per request) — the same bytes; an ack request still takes the full path."""
    payload = {"tickerId": "BTCUSDT-1h", "limit": 779}
    bridge = stack.hub.bridge
    monkeypatch.setattr(bridge, "chart_ttl", 60.0)  # no expiry mid-test, however slow the machine
    monkeypatch.setattr(bridge.vms, "ttl", 60.0)
    async with v4_client(stack.url) as a, v4_client(stack.url, transports=["polling"]) as b:
        first = await a.request("get_chart", payload, "chart")  # made: through Bridge.handle
        handled: list[str] = []
        original = bridge.handle

        async def spy(session: Any, event: str, data: Any) -> Any:
            handled.append(event)
            return await original(session, event, data)

        monkeypatch.setattr(bridge, "handle", spy)
        assert await a.request("get_chart", payload, "chart") == first
        assert await b.request("get_chart", payload, "chart") == first
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(stack.url + "/socket.io/?EIO=3&transport=websocket", max_msg_size=0)
            assert (await ws.receive_str(timeout=WAIT)).startswith("0{")
            assert await ws.receive_str(timeout=WAIT) == "40"
            await ws.send_str("42" + json.dumps(["get_chart", payload]))
            reply = await ws.receive_str(timeout=WAIT)
            assert reply.startswith('42["chart",') and json.loads(reply[2:]) == ["chart", first]
            await ws.close()
        assert handled == []
        assert await a.sio.call("get_chart", payload, timeout=WAIT) == first  # an ack: the handler's path
        assert await a.next("chart") == first  # (the reply event comes too)
        assert handled == ["get_chart"]
        # an expired chart, a bad payload or an unknown VM are not answered inline either
        (key,) = [k for k in bridge._charts if k[3] == 779]
        bridge._charts[key].expires = time.monotonic() - 0.001
        assert await a.request("get_chart", payload, "chart") == first
        assert "tickerId" in (await a.request("get_chart", {"tickerId": 5}, "chart"))["error"]
        assert handled == ["get_chart"] * 3

