"""Kline websockets through python-binance's BinanceSocketManager and raw aiohttp clients."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import aiohttp

from exchange_sim.testing import SimHandle, socket_manager


async def recv(sock: Any, timeout: float = 5.0) -> dict[str, Any]:
    msg = await asyncio.wait_for(sock.recv(), timeout)
    assert msg.get("e") != "error", msg
    return msg


async def test_continuous_kline_socket_closed_candles_in_order(client: Any, sim: SimHandle) -> None:
    bm = socket_manager(client, sim)
    ks = bm.kline_futures_socket("BTCUSDT", "1m")
    async with ks:
        assert ks._url == sim.ws_url + "market/"  # python-binance's new layout
        await sim.admin.step(minutes=5)
        msgs = [await recv(ks)]
        while sum(m["k"]["x"] for m in msgs) < 5 or msgs[-1]["k"]["x"]:
            msgs.append(await recv(ks))
    closed = [m for m in msgs if m["k"]["x"]]
    assert len(closed) == 5 and not msgs[-1]["k"]["x"]
    last = closed[-1]["k"]
    # after the closed ones comes the new current candle
    assert msgs[-1]["k"]["t"] == last["T"] + 1
    assert all(m["e"] == "continuous_kline" and m["ps"] == "BTCUSDT" and m["ct"] == "PERPETUAL" for m in msgs)
    opens = [m["k"]["t"] for m in closed]
    assert all(b - a == 60_000 for a, b in itertools.pairwise(opens))
    everything = [m["k"]["t"] for m in msgs]
    assert everything == sorted(everything)
    rest = await client.futures_klines(symbol="BTCUSDT", interval="1m", startTime=opens[0], limit=5)
    for m, r in zip(closed, rest, strict=True):
        k = m["k"]
        assert [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"], k["n"], k["V"], k["Q"]] == [
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
        ]


async def test_multiplex_on_market_and_legacy_paths(client: Any, sim: SimHandle) -> None:
    bm = socket_manager(client, sim)
    ms = bm.futures_multiplex_socket(["ethusdt@kline_5m", "ethusdt_perpetual@continuousKline_15m"])
    async with ms:
        await sim.admin.step(minutes=15)
        got: dict[str, list[dict[str, Any]]] = {}
        while sum(1 for v in got.values() for m in v if m["k"]["x"]) < 3 + 1:
            m = await recv(ms)
            got.setdefault(m["stream"], []).append(m["data"])
    five = [d for d in got["ethusdt@kline_5m"] if d["k"]["x"]]
    assert len(five) == 3 and all(d["e"] == "kline" and d["s"] == "ETHUSDT" and d["k"]["i"] == "5m" for d in five)
    fifteen = [d for d in got["ethusdt_perpetual@continuousKline_15m"] if d["k"]["x"]]
    assert len(fifteen) == 1
    # the 15m candle is the aggregation of the three 5m ones
    k15 = fifteen[0]["k"]
    assert k15["o"] == five[0]["k"]["o"] and k15["c"] == five[-1]["k"]["c"]
    assert float(k15["h"]) == max(float(d["k"]["h"]) for d in five)
    async with aiohttp.ClientSession() as s:
        for path in ("ws/solusdt@kline_1m", "market/ws/solusdt@kline_1m", "public/ws/solusdt@kline_1m"):
            async with s.ws_connect(sim.ws_url + path) as ws:
                await sim.admin.step(minutes=1)
                m = json.loads((await ws.receive(timeout=5)).data)
                while not m["k"]["x"]:
                    m = json.loads((await ws.receive(timeout=5)).data)
                assert m["e"] == "kline" and m["s"] == "SOLUSDT"
        async with s.ws_connect(sim.ws_url + "stream?streams=xrpusdt@kline_1m") as ws:
            await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@kline_1m"], "id": 7})
            reply = json.loads((await ws.receive(timeout=5)).data)
            while "id" not in reply:
                reply = json.loads((await ws.receive(timeout=5)).data)
            assert reply == {"result": None, "id": 7}
            await sim.admin.step(minutes=1)
            streams = set()
            for _ in range(8):
                streams.add(json.loads((await ws.receive(timeout=5)).data)["stream"])
            assert streams == {"xrpusdt@kline_1m", "btcusdt@kline_1m"}


async def test_accelerated_clock_pushes_unclosed_then_closed(sim: SimHandle) -> None:
    await sim.admin.set_speed(600)  # 10 market minutes per wall second
    async with aiohttp.ClientSession() as s, s.ws_connect(sim.ws_url + "ws/btcusdt@kline_1m") as ws:
        seen: list[dict[str, Any]] = []
        while not any(m["k"]["x"] for m in seen) or len(seen) < 5:
            seen.append(json.loads((await ws.receive(timeout=5)).data))
    await sim.admin.set_speed(0)
    assert any(not m["k"]["x"] for m in seen)
    closed = [m["k"]["t"] for m in seen if m["k"]["x"]]
    assert closed == sorted(set(closed))
    times = [m["E"] for m in seen]
    assert times == sorted(times)


async def test_every_close_of_a_step_comes_before_the_next_candles_first_updates(client: Any, sim: SimHandle) -> None:
    """As on Binance (a close is pushed at once, the next candle's first update with the next push): a client of
    many symbols has every closed kline of a step before any symbol's new unclosed one."""
    symbols = ["btcusdt", "ethusdt", "solusdt", "xrpusdt"]
    ms = socket_manager(client, sim).futures_multiplex_socket([f"{s}@kline_1m" for s in symbols])
    async with ms:
        await asyncio.sleep(0.2)  # subscribed
        await sim.admin.step(minutes=1)
        flags: list[tuple[str, bool]] = []
        while sum(x for _, x in flags) == 0 or len(flags) < flags.index(next(f for f in flags if f[1])) + 8:
            m = await recv(ms)
            flags.append((m["data"]["s"], m["data"]["k"]["x"]))
    # The step's events leave in one block (repeats of the current candle may come before it).
    first = flags.index(next(f for f in flags if f[1]))
    step = flags[first:first + 2 * len(symbols)]
    assert [x for _, x in step] == [True] * len(symbols) + [False] * len(symbols), flags
    assert {s for s, _ in step[:4]} == {s.upper() for s in symbols}
