"""Mark-price streams (``<symbol>@markPrice`` / ``@markPrice@1s``) through python-binance's socket manager."""

from __future__ import annotations

import asyncio
from typing import Any

from exchange_sim.testing import SimHandle, socket_manager


async def recv_data(sock: Any, timeout: float = 5.0) -> tuple[str, dict[str, Any]]:
    msg = await asyncio.wait_for(sock.recv(), timeout)
    assert msg.get("e") != "error", msg
    return msg["stream"], msg["data"]


async def test_multiplex_mark_price_after_a_step(client: Any, sim: SimHandle) -> None:
    bm = socket_manager(client, sim)
    ms = bm.futures_multiplex_socket(["btcusdt@markPrice@1s", "ethusdt@markPrice", "btcusdt@kline_1m"])
    async with ms:
        await sim.admin.set_price("ETHUSDT", "3000.5")  # a frozen clock: the jump steps it 1 ms
        jumped = None
        for _ in range(20):
            stream, data = await recv_data(ms)
            if stream == "ethusdt@markPrice":
                jumped = data
                break
        assert jumped is not None and jumped["p"] == "3000.50"
        await sim.admin.step(seconds=1)
        got: dict[str, dict[str, Any]] = {}
        for _ in range(20):  # bounded: klines are interleaved
            stream, data = await recv_data(ms)
            if data.get("e") == "markPriceUpdate":
                got[stream] = data
            if len(got) == 2 and got["ethusdt@markPrice"]["E"] == (await sim.admin.state())["now"]:
                break
    assert set(got) == {"btcusdt@markPrice@1s", "ethusdt@markPrice"}
    now = (await sim.admin.state())["now"]
    for stream, data in got.items():
        symbol = stream.split("@")[0].upper()
        assert data["s"] == symbol and data["E"] == now
        assert set(data) == {"e", "E", "s", "p", "i", "P", "r", "T"}
        assert data["T"] > now and data["T"] % (8 * 3600 * 1000) == 0
        premium = await client.futures_mark_price(symbol=symbol)
        assert data["p"] == data["i"] == data["P"] == premium["markPrice"]
        ticker = await client.futures_symbol_ticker(symbol=symbol)
        assert data["p"] == ticker["price"]


async def test_mark_stream_once_per_step_not_while_frozen(client: Any, sim: SimHandle) -> None:
    bm = socket_manager(client, sim)
    # the kline stream keeps python-binance's read loop busy (it waits 10 s on a silent socket when closing)
    # and shows the ticker's advances of the frozen clock: it repeats the current kline on each
    ms = bm.futures_multiplex_socket(["solusdt@markPrice@1s", "solusdt@kline_1m"])
    async with ms:
        times = []
        for _ in range(3):
            await sim.admin.step(seconds=1)
            for _ in range(20):
                stream, data = await recv_data(ms)
                if stream == "solusdt@markPrice@1s":
                    times.append(data["E"])
                    break
        assert len(times) == 3 and times[1] - times[0] == times[2] - times[1] == 1000
        # four ticker advances without a clock move: kline repeats, no mark update
        seen: list[str] = []
        while seen.count("solusdt@kline_1m") < 4:
            seen.append((await recv_data(ms))[0])
    assert "solusdt@markPrice@1s" not in seen, seen
