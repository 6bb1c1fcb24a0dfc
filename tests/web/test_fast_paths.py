"""The bridge's fast paths, without a server: a cached chart found without awaiting anything, the VM list
served stale while one call refreshes it, and the chart's candles written straight from the columns."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from parayok.v1 import candles_pb2
from web_bridge import protocol as p
from web_bridge import wire
from web_bridge.bridge import Bridge, Session, VmDirectory, _Cached

from .conftest import WAIT, eventually
from .doubles import VMS


async def test_ready_chart_only_answers_what_needs_no_await() -> None:
    class NoBackends:
        async def list_vms(self) -> list[Any]:
            raise AssertionError("not called")

    bridge = Bridge(NoBackends(), token_required=False)  # type: ignore[arg-type]
    session = Session(sid="s", transport="eio4", authenticated=True)
    payload = {"tickerId": "BTCUSDT-1h"}
    assert bridge.ready_chart(session, payload) is None  # no VM list yet
    bridge.vms._vms, bridge.vms._at = list(VMS), time.monotonic()
    assert bridge.ready_chart(session, payload) is None  # no chart yet

    raw = wire.Raw("{}")
    task: asyncio.Future[wire.Raw] = asyncio.get_running_loop().create_future()
    task.set_result(raw)
    default = next(vm.id for vm in VMS if vm.is_default)
    bridge._charts[(default, "BTCUSDT", "1h", 1000, 0)] = _Cached(time.monotonic() + 5, task)  # type: ignore[arg-type]
    assert bridge.ready_chart(session, payload) == ("chart", raw)
    assert bridge.ready_chart(session, {"tickerId": "BTCUSDT-1h", "limit": 999}) is None
    assert bridge.ready_chart(session, {"tickerId": 5}) is None  # the full path answers the error
    assert bridge.ready_chart(Session(sid="t", transport="eio3", authenticated=True, vm_id="nope"), payload) is None
    bridge.vms._at = time.monotonic() - 2 * bridge.vms.ttl  # a stale VM list: the full path
    assert bridge.ready_chart(session, payload) is None


async def test_a_stale_vm_list_is_served_while_one_call_refreshes_it() -> None:
    class Backends:
        def __init__(self) -> None:
            self.calls = 0
            self.release = asyncio.Event()
            self.answer = ["v1"]

        async def list_vms(self) -> list[Any]:
            self.calls += 1
            await self.release.wait()
            return list(self.answer)

    backends = Backends()
    vms = VmDirectory(backends, ttl=0.05)  # type: ignore[arg-type]
    backends.release.set()
    assert await vms.vms() == ["v1"]  # nothing yet: waited for
    backends.release.clear()
    backends.answer = ["v2"]
    vms._at = time.monotonic() - 0.1  # expired
    assert await asyncio.gather(*(vms.vms() for _ in range(5))) == [["v1"]] * 5  # stale, no waiting
    assert backends.calls == 2  # one refresh for all of them
    backends.release.set()
    await eventually(lambda: vms.fresh() == ["v2"])
    # invalidated while a refresh is in flight: that refresh does not count as fresh, the waiter gets a new one
    backends.release.clear()
    backends.answer = ["v3"]
    vms._at = time.monotonic() - 0.1
    assert await vms.vms() == ["v2"]
    await eventually(lambda: backends.calls == 3)  # the refresh is waiting for its answer
    vms.invalidate()
    waiter = asyncio.ensure_future(vms.vms())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    backends.answer = ["v4"]
    backends.release.set()
    assert await asyncio.wait_for(waiter, WAIT) == ["v4"]
    assert backends.calls == 4


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=5, max_size=5),
                max_size=20),
       st.integers(0, 2**62))
def test_candles_text_is_the_json_of_the_candle_objects(rows: list[list[float]], start: int) -> None:
    batch = candles_pb2.CandleBatch(symbol="BTCUSDT")
    for i, (o, h, lo, c, v) in enumerate(rows):
        batch.open_time.append(start + i)
        batch.close_time.append(start + i + 1)
        for col, x in zip((batch.open, batch.high, batch.low, batch.close, batch.volume), (o, h, lo, c, v),
                          strict=True):
            col.append(x)
    second = candles_pb2.CandleBatch(symbol="BTCUSDT", open_time=[start], close_time=[start + 1], open=[10.0],
                                     high=[1e16], low=[1e-05], close=[0.1 + 0.2], volume=[-0.0])
    for batches in ([batch], [batch, second], []):
        assert p.candles_text(batches) == json.dumps(p.candles_json(batches), separators=(",", ":"))
