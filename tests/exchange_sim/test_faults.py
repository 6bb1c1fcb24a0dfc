"""Faults on demand, rate limits, and the listen-key lifecycle."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from binance.exceptions import BinanceAPIException

from exchange_sim.testing import SimHandle, make_client, sim_thread


async def test_503_and_accepted_but_503(sim: SimHandle, client: Any) -> None:
    await sim.admin.set_price("BTCUSDT", "50000")
    await sim.admin.fault("503", count=1, path="/fapi/v1/order", method="POST")
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01", newClientOrderId="lost-1"
        )
    assert e.value.status_code == 503
    assert await client.futures_get_open_orders() == []
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_get_order(symbol="BTCUSDT", origClientOrderId="lost-1")
    assert e.value.code == -2013  # a plain 503 did nothing
    await sim.admin.fault("accept_503", count=1, path="/fapi/v1/order", method="POST")
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_create_order(
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="49000",
            newClientOrderId="maybe-1",
        )
    assert e.value.status_code == 503
    got = await client.futures_get_order(symbol="BTCUSDT", origClientOrderId="maybe-1")
    assert got["status"] == "NEW"  # the order exists although the client was told 503
    # the fault was consumed: the next call is normal
    assert (await client.futures_get_open_orders(symbol="BTCUSDT"))[0]["clientOrderId"] == "maybe-1"


async def test_timeout_close_429_and_1021(sim: SimHandle, client: Any) -> None:
    await sim.admin.fault("timeout", path="/fapi/v1/time", seconds=1.5)
    async with aiohttp.ClientSession() as s:
        with pytest.raises(asyncio.TimeoutError):
            async with s.get(sim.futures_url + "/v1/time", timeout=aiohttp.ClientTimeout(total=0.3)):
                pass
        # aiohttp retries an idempotent request once on a dropped connection: drop both
        await sim.admin.fault("close", count=2, path="/fapi/v1/ping")
        with pytest.raises(aiohttp.ClientError):
            async with s.get(sim.futures_url + "/v1/ping") as r:
                await r.read()
        await sim.admin.fault("429", count=2, path="/fapi/v1/exchangeInfo")
        for _ in range(2):
            async with s.get(sim.futures_url + "/v1/exchangeInfo") as r:
                assert r.status == 429 and int(r.headers["Retry-After"]) >= 1
                assert (await r.json())["code"] == -1003
        async with s.get(sim.futures_url + "/v1/exchangeInfo") as r:
            assert r.status == 200
    await sim.admin.fault("1021", path="/fapi/v2/account")
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_account()
    assert e.value.code == -1021
    assert float((await client.futures_account())["availableBalance"]) > 0


async def test_weight_limit_then_ban(sim: SimHandle) -> None:
    await sim.admin.limits(weight_1m=5, ban_after=1, ban_seconds=60)
    async with aiohttp.ClientSession() as s:
        statuses = []
        for _ in range(8):
            async with s.get(sim.futures_url + "/v1/ping") as r:
                statuses.append(r.status)
                if r.status == 429:
                    assert r.headers["Retry-After"].isdigit()
                if r.status == 418:
                    body = await r.json()
                    assert body["code"] == -1003 and "banned until" in body["msg"]
    assert statuses == [200] * 5 + [429, 418, 418]
    await sim.admin.limits(weight_1m=2400)  # resets counters and the ban
    async with aiohttp.ClientSession() as s, s.get(sim.futures_url + "/v1/ping") as r:
        assert r.status == 200 and r.headers["X-MBX-USED-WEIGHT-1M"] == "1"


async def test_order_count_limit_and_reject_and_partial_fill(sim: SimHandle, client: Any) -> None:
    await sim.admin.set_price("ETHUSDT", "2500")
    await sim.admin.limits(orders_10s=2)
    o = await client.futures_create_order(
        symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.010", price="2400"
    )
    await client.futures_create_order(
        symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.010", price="2401"
    )
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_create_order(
            symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.010", price="2402"
        )
    assert e.value.status_code == 429 and e.value.code == -1015
    assert client.response.headers["X-MBX-ORDER-COUNT-10S"] == "3"
    await sim.admin.limits(orders_10s=300)
    await sim.admin.reject_orders(True, "Sim says no.")
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_create_order(symbol="ETHUSDT", side="BUY", type="MARKET", quantity="0.010")
    assert e.value.code == -2010 and e.value.message == "Sim says no."
    await sim.admin.reject_orders(False)
    filled = await sim.admin.fill(o["orderId"], "0.004")
    assert filled["status"] == "PARTIALLY_FILLED" and filled["executedQty"] == "0.004"
    c = await client.futures_cancel_order(symbol="ETHUSDT", orderId=o["orderId"])
    assert c["status"] == "CANCELED" and c["executedQty"] == "0.004"
    pos = (await client.futures_position_information(symbol="ETHUSDT"))[0]
    assert pos["positionAmt"] == "0.004"


async def test_listen_key_lifecycle_expiry_and_drop(sim: SimHandle, client: Any) -> None:
    k1 = await client.futures_stream_get_listen_key()
    assert await client.futures_stream_get_listen_key() == k1  # one active key per account
    assert (await client.futures_stream_keepalive(k1))["listenKey"] == k1
    async with aiohttp.ClientSession() as s:
        ws = await s.ws_connect(sim.ws_url + f"private/ws?listenKey={k1}")
        kl = await s.ws_connect(sim.ws_url + "market/ws/btcusdt@kline_1m")
        await sim.admin.expire_listen_keys()
        msg = await ws.receive(timeout=5)
        ev = json.loads(msg.data)
        assert ev["e"] == "listenKeyExpired" and ev["listenKey"] == k1
        assert (await ws.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        with pytest.raises(BinanceAPIException) as e:
            await client.futures_stream_keepalive(k1)
        assert e.value.code == -1125
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await s.ws_connect(sim.ws_url + f"private/ws?listenKey={k1}")
        k2 = await client.futures_stream_get_listen_key()
        assert k2 != k1
        await sim.admin.drop_websockets("market")
        while True:
            m = await kl.receive(timeout=5)
            if m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
        await client.futures_stream_close(k2)
        with pytest.raises(BinanceAPIException) as e:
            await client.futures_stream_keepalive(k2)
        assert e.value.code == -1125
        await ws.close()
        await kl.close()


def test_sync_client_history_and_orders() -> None:
    with sim_thread(symbols=["BTCUSDT", "ETHUSDT"]) as sim:
        c = make_client(sim)
        now = c.futures_time()["serverTime"]
        rows = c.futures_historical_klines("ETHUSDT", "15m", now - 20 * 86_400_000, now)
        assert len(rows) == 20 * 96 + 1 and rows[-1][0] == now // 900_000 * 900_000
        sim.admin.set_price_sync("BTCUSDT", "40000")
        r = c.futures_create_order(
            symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.01", newOrderRespType="RESULT"
        )
        assert r["status"] == "FILLED" and r["avgPrice"] == "40000.0000"
        assert c.futures_position_information(symbol="BTCUSDT")[0]["positionAmt"] == "-0.010"
        assert float(c.futures_account_balance()[0]["balance"]) == pytest.approx(10_000 - 0.2)
        sim.admin.step_sync(minutes=3)
        assert c.futures_time()["serverTime"] == now + 3 * 60_000 + 1  # +1 ms from the price change
        c.API_SECRET = "wrong"
        with pytest.raises(BinanceAPIException) as e:
            c.futures_account()
        assert e.value.code == -1022
        c.close_connection()


async def test_python_m_exchange_sim_defaults_are_usable() -> None:
    """`python -m exchange_sim` with no options: real-time clock, sim-key/sim-secret, 10,000 USDT."""
    from exchange_sim.testing import make_async_client, running_sim

    async with running_sim(mode="subprocess", speed=1.0, start=None, symbols=["BTCUSDT"]) as sim:
        c = await make_async_client(sim, sync_time=True)
        try:
            t = (await c.futures_time())["serverTime"]
            import time

            assert abs(t - time.time() * 1000) < 5_000
            assert (await c.futures_account_balance())[0]["balance"] == "10000.00000000"
            assert (await c.futures_get_position_mode())["dualSidePosition"] is False
        finally:
            await c.close_connection()
