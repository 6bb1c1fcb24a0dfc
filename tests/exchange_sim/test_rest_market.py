"""Market-data REST through python-binance's AsyncClient, and the raw HTTP details."""

from __future__ import annotations

import itertools
from typing import Any

import aiohttp
import pytest
from binance.exceptions import BinanceAPIException

from exchange_sim.testing import SimHandle


async def test_ping_time_and_exchange_info(client: Any, sim: SimHandle) -> None:
    assert await client.futures_ping() == {}
    st = await sim.admin.state()
    assert (await client.futures_time())["serverTime"] == st["now"]
    info = await client.futures_exchange_info()
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    f = {x["filterType"]: x for x in btc["filters"]}
    assert set(f) == {
        "PRICE_FILTER",
        "LOT_SIZE",
        "MARKET_LOT_SIZE",
        "MAX_NUM_ORDERS",
        "MAX_NUM_ALGO_ORDERS",
        "PERCENT_PRICE",
        "MIN_NOTIONAL",
    }
    assert f["PRICE_FILTER"]["tickSize"] == "0.1" and f["LOT_SIZE"]["stepSize"] == "0.001"
    assert f["MIN_NOTIONAL"]["notional"] == "100"
    assert btc["pricePrecision"] == 2 and btc["quantityPrecision"] == 3  # precision is not the tick
    assert all(isinstance(v, str) for k, v in f["LOT_SIZE"].items())
    sol = next(s for s in info["symbols"] if s["symbol"] == "SOLUSDT")
    assert sol["quantityPrecision"] == 0 and sol["contractType"] == "PERPETUAL"
    assert {r["rateLimitType"] for r in info["rateLimits"]} == {"REQUEST_WEIGHT", "ORDERS"}


async def test_klines_rows_and_parameters(client: Any, sim: SimHandle) -> None:
    rows = await client.futures_klines(symbol="BTCUSDT", interval="1m")
    assert len(rows) == 500
    r = rows[-2]
    assert len(r) == 12 and isinstance(r[0], int) and isinstance(r[6], int) and isinstance(r[8], int)
    assert all(isinstance(r[i], str) for i in (1, 2, 3, 4, 5, 7, 9, 10, 11))
    assert r[6] == r[0] + 59_999 and rows[-1][0] == r[0] + 60_000
    big = await client.futures_klines(symbol="ETHUSDT", interval="5m", limit=1500)
    assert len(big) == 1500
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_klines(symbol="ETHUSDT", interval="5m", limit=1501)
    assert e.value.code == -1130
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_klines(symbol="NOPEUSDT", interval="5m")
    assert e.value.code == -1121 and e.value.status_code == 400
    with pytest.raises(BinanceAPIException) as e:
        await client.futures_klines(symbol="BTCUSDT", interval="7m")
    assert e.value.code == -1120
    start = rows[10][0]
    part = await client.futures_klines(symbol="BTCUSDT", interval="1m", startTime=start, endTime=start + 4 * 60_000)
    assert [x[0] for x in part] == [start + k * 60_000 for k in range(5)]
    assert part == rows[10:15]


async def test_continuous_klines_equal_klines(client: Any) -> None:
    a = await client.futures_klines(symbol="SOLUSDT", interval="4h", limit=20)
    b = await client.futures_continuous_klines(pair="SOLUSDT", contractType="PERPETUAL", interval="4h", limit=20)
    assert a == b
    with pytest.raises(BinanceAPIException):
        await client.futures_continuous_klines(pair="SOLUSDT", contractType="CURRENT_QUARTER", interval="4h")


async def test_history_download_with_python_binance_paging(client: Any, sim: SimHandle) -> None:
    now = (await client.futures_time())["serverTime"]
    start = now - 3 * 86_400_000
    rows = await client.futures_historical_klines("XRPUSDT", "5m", start, now)
    assert rows[0][0] == start // 300_000 * 300_000 + (300_000 if start % 300_000 else 0)
    assert all(b[0] - a[0] == 300_000 for a, b in itertools.pairwise(rows))
    assert rows[-1][0] <= now


async def test_ticker_and_mark_price(client: Any, sim: SimHandle) -> None:
    t = await client.futures_ticker(symbol="BTCUSDT")
    last = (await client.futures_klines(symbol="BTCUSDT", interval="1m", limit=1))[0][4]
    assert t["lastPrice"] == last
    assert float(t["lowPrice"]) <= float(t["lastPrice"]) <= float(t["highPrice"])
    all_t = await client.futures_ticker()
    assert {x["symbol"] for x in all_t} == {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"}
    mp = await client.futures_mark_price(symbol="BTCUSDT")
    assert mp["markPrice"] == last and mp["nextFundingTime"] % (8 * 3_600_000) == 0


async def test_weight_headers_per_limit(sim: SimHandle) -> None:
    async with aiohttp.ClientSession() as s:
        used = []
        for limit in (50, 200, 800, 1200):
            async with s.get(
                f"{sim.futures_url}/v1/klines", params={"symbol": "BTCUSDT", "interval": "1m", "limit": str(limit)}
            ) as r:
                assert r.status == 200
                used.append(int(r.headers["X-MBX-USED-WEIGHT-1M"]))
                assert r.headers["X-MBX-ORDER-COUNT-10S"] == "0"
        assert [b - a for a, b in zip([0, *used], used, strict=False)] == [1, 2, 5, 10]
        async with s.get(f"{sim.futures_url}/v1/klines", params={"symbol": "BTCUSDT"}) as r:
            assert r.status == 400
            assert await r.json() == {
                "code": -1102,
                "msg": "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
            }
