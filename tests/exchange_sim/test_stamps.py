"""The exchange's own stopwatch (/_sim/stamps): a closed kline's first push and an order's arrival."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from exchange_sim.stamps import Stamps
from exchange_sim.testing import SimHandle


async def test_closed_kline_stamped_when_pushed_and_order_when_received(client: Any, sim: SimHandle) -> None:
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(f"{sim.ws_url}stream?streams=btcusdt@kline_1m/ethusdt@kline_1m") as ws:
        await sim.admin.step(seconds=30)  # an unclosed update only: nothing stamped
        first = json.loads((await ws.receive(timeout=5)).data)["data"]["k"]
        assert not first["x"]
        assert (await sim.admin.stamps())["klines"] == []
        before_close = time.monotonic_ns()
        await sim.admin.step(seconds=30)
        received: dict[str, int] = {}
        while len(received) < 2:
            k = json.loads((await ws.receive(timeout=5)).data)["data"]["k"]
            if k["x"]:
                received[k["s"]] = time.monotonic_ns()
    stamps = await sim.admin.stamps()
    assert stamps["clock"] == "monotonic_ns"
    pushed = {(s, i, t): ns for s, i, t, ns in stamps["klines"]}
    close_time = first["T"]
    assert set(pushed) == {("BTCUSDT", "1m", close_time), ("ETHUSDT", "1m", close_time)}
    for symbol in ("BTCUSDT", "ETHUSDT"):
        assert before_close <= pushed[(symbol, "1m", close_time)] <= received[symbol]

    sent = time.monotonic_ns()
    await client.futures_create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01",
                                      newClientOrderId="stamped-1")
    answered = time.monotonic_ns()
    with pytest.raises(Exception, match="price"):  # refused orders are not stamped
        await client.futures_create_order(symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.01",
                                          timeInForce="GTC", newClientOrderId="refused-1")
    orders = dict((await sim.admin.stamps())["orders"])
    assert set(orders) == {"stamped-1"}
    assert sent <= orders["stamped-1"] <= answered


async def test_every_subscriber_gets_the_close_and_the_first_write_is_kept(sim: SimHandle) -> None:
    async with aiohttp.ClientSession() as http:
        socks = [await http.ws_connect(f"{sim.ws_url}ws/solusdt@kline_1m") for _ in range(3)]
        await asyncio.sleep(0.05)
        await sim.admin.step(minutes=1)
        for ws in socks:  # each gets the close (after any repeat of the unclosed candle)
            while not json.loads((await ws.receive(timeout=5)).data)["k"]["x"]:
                pass
            await ws.close()
    klines = (await sim.admin.stamps())["klines"]
    assert len(klines) == 1  # one stamp per closed kline, however many subscribers


def test_the_record_is_bounded_to_the_newest() -> None:
    s = Stamps(keep=3)
    for i in range(5):
        s.order_received(f"o{i}", i)
        s.kline_pushed(("BTCUSDT", "1m", i), i)
    s.order_received("o4", 99)  # a resend of the same id keeps its first arrival
    assert s.as_json()["orders"] == [["o2", 2], ["o3", 3], ["o4", 4]]
    assert [k[2] for k in s.as_json()["klines"]] == [2, 3, 4]
    with pytest.raises(ValueError, match="keep"):
        Stamps(keep=0)
