"""Rate limits and the clock: 429 honours Retry-After, 418 halts the account and says so, -1021 is
avoided by the server-time offset (and survived when it happens), nothing is resent blindly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import aiohttp
import grpc
import pytest

from parayok.v1 import broker_pb2

from .conftest import ACCOUNT, BrokerStack, bracket_req, eventually, sim_account_state, stack_ctx


async def test_429_honours_retry_after_and_nothing_is_sent_twice(hedge: BrokerStack) -> None:
    await hedge.sim.admin.fault("429", count=1, path="/fapi/v1/order", method="POST")
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.PlaceBracketOrder(bracket_req("l-1"))
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE and "429" in (e.value.details() or "")
    assert hedge.account.rest.usage.retry_at_ms > 0
    b = hedge.store.bracket(ACCOUNT, "l-1")
    assert b is not None and b.state == "FAILED" and b.retryable
    # the fault is used up: a second refusal can only come from the broker waiting out Retry-After
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.PlaceBracketOrder(bracket_req("l-1"))
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE and "429" in (e.value.details() or "")
    assert (await sim_account_state(hedge.sim))["positions"] == [] or all(
        Decimal(p["amt"]) == 0 for p in (await sim_account_state(hedge.sim))["positions"]
    )

    async def placed() -> bool:
        try:
            return (await hedge.stub.PlaceBracketOrder(bracket_req("l-1"))).state == broker_pb2.BRACKET_STATE_OPEN
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.UNAVAILABLE
            return False

    await eventually(placed, 10, "Retry-After to pass")
    state = await sim_account_state(hedge.sim)
    assert [Decimal(p["amt"]) for p in state["positions"] if Decimal(p["amt"]) != 0] == [Decimal("0.010")]
    assert hedge.account.rest.usage.weight_1m > 0  # tracked from X-MBX-USED-WEIGHT-1M


async def test_418_halts_the_account_and_reports_it(hedge: BrokerStack) -> None:
    events = hedge.stub.StreamAccountEvents(broker_pb2.StreamAccountEventsRequest(account_id=ACCOUNT))
    await hedge.sim.admin.limits(weight_1m=5, ban_after=0, ban_seconds=2)
    async with aiohttp.ClientSession() as s:  # another client on this IP exhausts the weight
        for _ in range(10):
            async with s.get(hedge.sim.futures_url + "/v1/ping") as r:
                if r.status == 418:
                    break
    acct = await hedge.stub.GetAccount(broker_pb2.GetAccountRequest(account_id=ACCOUNT))
    assert acct.halted and "418" in acct.halt_reason and acct.halted_until_ms > 0
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await hedge.stub.PlaceBracketOrder(bracket_req("h-1"))
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE and "418" in (e.value.details() or "")
    async for ev in events:
        if ev.HasField("halted"):
            assert "418" in ev.halted.reason and ev.halted.until_ms == acct.halted_until_ms
            break
    events.cancel()
    await hedge.sim.admin.limits(weight_1m=2400, ban_after=3, ban_seconds=120)

    async def resumed() -> bool:
        a = await hedge.stub.GetAccount(broker_pb2.GetAccountRequest(account_id=ACCOUNT))
        return not a.halted

    await eventually(resumed, 10, "the ban to end")
    assert (await hedge.stub.PlaceBracketOrder(bracket_req("h-1"))).state == broker_pb2.BRACKET_STATE_OPEN


async def test_1021_avoided_by_the_time_offset_and_survived(tmp_path: Path) -> None:
    # the exchange's clock signs requests (the simulator's is frozen here: its "now" is exact)
    async with stack_ctx(tmp_path, hedge=True, time_source="exchange", time_sync_s=0.2) as s:
        rest = s.account.rest
        good = rest.client.timestamp_offset
        rest.client.timestamp_offset = good - 120_000  # the local clock jumps two minutes ahead

        async def resynced() -> bool:
            return abs(rest.client.timestamp_offset - good) < 5_000

        await eventually(resynced, 10, "the periodic time sync")
        b = await s.stub.PlaceBracketOrder(bracket_req("t-1"))
        assert b.state == broker_pb2.BRACKET_STATE_OPEN
        assert -1021 not in rest.usage.rejections
        # when -1021 happens anyway (the exchange refused it unexecuted): re-sync and send again
        await s.sim.admin.fault("1021", count=1, path="/fapi/v1/order", method="POST")
        b = await s.stub.PlaceBracketOrder(bracket_req("t-2", symbol="ETHUSDT", qty=0.1, sl=2900, tp=3100))
        assert b.state == broker_pb2.BRACKET_STATE_OPEN and rest.usage.rejections[-1021] == 1
        state = await sim_account_state(s.sim)
        assert sorted(Decimal(p["amt"]) for p in state["positions"] if Decimal(p["amt"]) != 0) == [
            Decimal("0.010"),
            Decimal("0.100"),
        ]
