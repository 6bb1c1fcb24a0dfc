"""Signed trading through python-binance: auth, filters, modes, fills and PnL, algo orders,
the user stream and the bracket in hedge mode."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from binance.exceptions import BinanceAPIException

from exchange_sim.testing import SimHandle, make_async_client, running_sim, socket_manager


async def code_of(coro: Any) -> int:
    with pytest.raises(BinanceAPIException) as e:
        await coro
    return int(e.value.code)


async def test_auth_failures(sim: SimHandle, client: Any) -> None:
    from binance.async_client import AsyncClient

    from exchange_sim.testing import configure_client

    bad_secret = configure_client(AsyncClient(sim.api_key, "wrong"), sim)
    bad_key = configure_client(AsyncClient("nobody", sim.api_secret), sim)
    try:
        assert await code_of(bad_secret.futures_account()) == -1022
        with pytest.raises(BinanceAPIException) as e:
            await bad_key.futures_account()
        assert e.value.code == -2015 and e.value.status_code == 401
        client.timestamp_offset = -120_000  # two minutes behind every clock
        assert await code_of(client.futures_account()) == -1021
        client.timestamp_offset = 0
        assert float((await client.futures_account())["totalWalletBalance"]) == 10_000
    finally:
        await bad_secret.close_connection()
        await bad_key.close_connection()


async def test_filters(sim: SimHandle, client: Any) -> None:
    await sim.admin.set_price("BTCUSDT", "50000")
    lim = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    assert await code_of(client.futures_create_order(**lim, quantity="0.01", price="49000.05")) == -4014
    assert await code_of(client.futures_create_order(**lim, quantity="0.01", price="49000.123")) == -1111
    assert await code_of(client.futures_create_order(**lim, quantity="0.0015", price="49000")) == -1111
    assert await code_of(client.futures_create_order(**lim, quantity="0", price="49000")) == -4003
    assert await code_of(client.futures_create_order(**lim, quantity="0.001", price="49000")) == -4164  # 49 < 100
    assert await code_of(client.futures_create_order(**lim, quantity="2000", price="49000")) == -4005
    assert await code_of(client.futures_create_order(**lim, quantity="0.01", price="60000")) == -4016
    assert (
        await code_of(client.futures_create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="5")) == -2019
    )  # 250k / 20 > 10k
    assert (
        await code_of(
            client.futures_create_order(
                symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01", positionSide="LONG"
            )
        )
        == -4061
    )
    assert (
        await code_of(
            client.futures_create_order(
                symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01", closePosition="true"
            )
        )
        == -1106
    )
    assert (
        await code_of(
            client.futures_create_order(
                symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.01", reduceOnly="true"
            )
        )
        == -2022
    )
    # the legacy endpoint refuses conditional types (python-binance itself routes them to algoOrder)
    legacy = {"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_MARKET", "quantity": "0.01", "stopPrice": "45000"}
    assert await code_of(client._request_futures_api("post", "order", True, data=legacy)) == -4120
    ok = await client.futures_create_order(**lim, quantity="0.01", price="49000.1", newClientOrderId="cid-1")
    assert ok["status"] == "NEW" and ok["price"] == "49000.1"
    assert (
        await code_of(client.futures_create_order(**lim, quantity="0.01", price="49000", newClientOrderId="cid-1"))
        == -4116
    )
    assert (
        await code_of(client.futures_create_order(**lim, quantity="0.01", price="49000", newClientOrderId="bad id!"))
        == -4015
    )
    got = await client.futures_get_order(symbol="BTCUSDT", origClientOrderId="cid-1")
    assert got["orderId"] == ok["orderId"] and got["status"] == "NEW"
    assert await code_of(client.futures_get_order(symbol="BTCUSDT", origClientOrderId="nope")) == -2013


async def test_one_way_market_pnl_and_fees_by_hand(sim: SimHandle, client: Any) -> None:
    await sim.admin.set_price("BTCUSDT", "50000")
    r = await client.futures_create_order(
        symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1", newOrderRespType="RESULT"
    )
    assert r["status"] == "FILLED" and r["avgPrice"] == "50000.0000" and r["cumQuote"] == "5000.0000"
    await sim.admin.set_price("BTCUSDT", "51000")
    pos = (await client.futures_position_information(symbol="BTCUSDT"))[0]
    assert pos["positionAmt"] == "0.100" and Decimal(pos["entryPrice"]) == 50000
    assert Decimal(pos["unRealizedProfit"]) == 100
    bal = await client.futures_account_balance()
    assert Decimal(bal[0]["balance"]) == Decimal("10000") - Decimal("2.5")  # taker 0.05% of 5000
    await client.futures_create_order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.1")
    acct = await client.futures_account()
    # +100 realised, fees 2.5 + 2.55
    assert Decimal(acct["totalWalletBalance"]) == Decimal("10094.95")
    trades = await client.futures_account_trades(symbol="BTCUSDT")
    assert [Decimal(t["realizedPnl"]) for t in trades] == [0, 100]
    assert [Decimal(t["commission"]) for t in trades] == [Decimal("2.5"), Decimal("2.55")]
    assert all(t["maker"] is False for t in trades)
    # flip through zero: short 0.05 from flat via one order of 0.05 after a long 0.0 -> entry at fill
    await client.futures_create_order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.05")
    pos = (await client.futures_position_information(symbol="BTCUSDT"))[0]
    assert pos["positionAmt"] == "-0.050" and Decimal(pos["entryPrice"]) == 51000


async def test_limit_rests_and_fills_when_the_path_crosses(sim: SimHandle, client: Any) -> None:
    assert sim.simulator is not None
    await sim.admin.set_price("ETHUSDT", "3000")
    o = await client.futures_create_order(
        symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="1", price="2995.00"
    )
    start = (await client.futures_time())["serverTime"]
    filled_at = None
    for _ in range(24):
        await sim.admin.step(minutes=30)
        g = await client.futures_get_order(symbol="ETHUSDT", orderId=o["orderId"])
        if g["status"] == "FILLED":
            filled_at = g["updateTime"]
            break
    rows = await client.futures_klines(symbol="ETHUSDT", interval="1m", startTime=start // 60_000 * 60_000, limit=1500)
    first_touch = next((r for r in rows if Decimal(r[3]) <= Decimal("2995")), None)
    if first_touch is None:
        assert filled_at is None
        return
    assert filled_at is not None and first_touch[0] <= filled_at <= first_touch[6]
    assert g["avgPrice"].startswith("2995.00")
    t = (await client.futures_account_trades(symbol="ETHUSDT"))[-1]
    assert t["maker"] is True and Decimal(t["commission"]) == Decimal("2995") * Decimal("0.0002")


async def test_margin_type_leverage_and_isolated(sim: SimHandle, client: Any) -> None:
    assert (await client.futures_change_leverage(symbol="ETHUSDT", leverage=5))["leverage"] == 5
    assert await code_of(client.futures_change_leverage(symbol="ETHUSDT", leverage=0)) == -4028
    assert (await client.futures_change_margin_type(symbol="ETHUSDT", marginType="ISOLATED"))["code"] == 200
    assert await code_of(client.futures_change_margin_type(symbol="ETHUSDT", marginType="ISOLATED")) == -4046
    await sim.admin.set_price("ETHUSDT", "2000")
    await client.futures_create_order(symbol="ETHUSDT", side="SELL", type="MARKET", quantity="1")
    pos = (await client.futures_position_information(symbol="ETHUSDT"))[0]
    assert Decimal(pos["isolatedWallet"]) == 400 and pos["positionAmt"] == "-1.000"  # 2000 / 5
    assert await code_of(client.futures_change_margin_type(symbol="ETHUSDT", marginType="CROSSED")) == -4048
    assert await code_of(client.futures_change_position_mode(dualSidePosition="true")) == -4068


async def test_position_mode_rules(sim: SimHandle, client: Any) -> None:
    assert (await client.futures_get_position_mode())["dualSidePosition"] is False
    assert await code_of(client.futures_change_position_mode(dualSidePosition="false")) == -4059
    await sim.admin.set_price("SOLUSDT", "100")
    o = await client.futures_create_order(
        symbol="SOLUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="1", price="99"
    )
    assert await code_of(client.futures_change_position_mode(dualSidePosition="true")) == -4067
    await client.futures_cancel_order(symbol="SOLUSDT", orderId=o["orderId"])
    assert await code_of(client.futures_cancel_order(symbol="SOLUSDT", orderId=o["orderId"])) == -2011
    assert (await client.futures_change_position_mode(dualSidePosition="true"))["code"] == 200
    assert (await client.futures_get_position_mode())["dualSidePosition"] is True
    # hedge mode: reduceOnly may not be sent, positionSide is required
    assert (
        await code_of(
            client.futures_create_order(
                symbol="SOLUSDT", side="BUY", type="MARKET", quantity="1", positionSide="LONG", reduceOnly="true"
            )
        )
        == -1106
    )
    assert (
        await code_of(client.futures_create_order(symbol="SOLUSDT", side="BUY", type="MARKET", quantity="1")) == -4061
    )


async def test_batch_orders_and_cancel_all(sim: SimHandle, client: Any) -> None:
    await sim.admin.set_price("XRPUSDT", "2.0000")
    res = await client.futures_place_batch_order(
        batchOrders=[
            {
                "symbol": "XRPUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "10",
                "price": "1.9000",
            },
            {
                "symbol": "XRPUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "10",
                "price": "1.90001",
            },
            {"symbol": "XRPUSDT", "side": "SELL", "type": "STOP_MARKET", "quantity": "10", "stopPrice": "1.5"},
        ]
    )
    assert res[0]["status"] == "NEW" and res[1]["code"] == -1111 and res[2]["code"] == -4120
    assert len(await client.futures_get_open_orders(symbol="XRPUSDT")) == 1
    assert (await client.futures_cancel_all_open_orders(symbol="XRPUSDT"))["code"] == 200
    assert await client.futures_get_open_orders(symbol="XRPUSDT") == []


async def test_hedge_bracket_with_user_stream() -> None:
    """The done-criterion: market entry + algo stop + algo take profit in hedge mode; the fills
    and the position are seen on the user stream and through REST."""
    async with running_sim(symbols=["BTCUSDT"], hedge=True) as sim:
        c = await make_async_client(sim)
        bm = socket_manager(c, sim)
        us = bm.futures_user_socket()
        us.TIMEOUT = 0.5  # python-binance's read loop only notices exit between receives
        try:
            await sim.admin.set_price("BTCUSDT", "60000")
            async with us:
                assert us._url == sim.ws_url + "private/" and us._path.startswith("?listenKey=")
                entry = await c.futures_create_order(
                    symbol="BTCUSDT",
                    side="BUY",
                    type="MARKET",
                    quantity="0.050",
                    positionSide="LONG",
                    newClientOrderId="e-1",
                )
                sl = await c.futures_create_order(
                    symbol="BTCUSDT",
                    side="SELL",
                    type="STOP_MARKET",
                    stopPrice="58000",
                    closePosition="true",
                    positionSide="LONG",
                    workingType="MARK_PRICE",
                    clientAlgoId="sl-1",
                )
                tp = await c.futures_create_order(
                    symbol="BTCUSDT",
                    side="SELL",
                    type="TAKE_PROFIT_MARKET",
                    stopPrice="63000",
                    quantity="0.050",
                    positionSide="LONG",
                    clientAlgoId="tp-1",
                )
                assert entry["clientOrderId"] == "e-1" and entry["status"] == "NEW"
                assert sl["algoStatus"] == "NEW" and sl["triggerPrice"] == "58000.0" and sl["closePosition"]
                assert tp["clientAlgoId"] == "tp-1" and tp["orderType"] == "TAKE_PROFIT_MARKET"
                evs = [await asyncio.wait_for(us.recv(), 5) for _ in range(5)]
                kinds = [(e["e"], e["o"]["X"]) if "o" in e else (e["e"], e["a"]["m"]) for e in evs]
                assert kinds == [
                    ("ORDER_TRADE_UPDATE", "NEW"),
                    ("ACCOUNT_UPDATE", "ORDER"),
                    ("ORDER_TRADE_UPDATE", "FILLED"),
                    ("ALGO_UPDATE", "NEW"),
                    ("ALGO_UPDATE", "NEW"),
                ]
                fill = evs[2]["o"]
                assert (fill["c"], fill["S"], fill["ps"], fill["x"], fill["l"], fill["z"], fill["L"]) == (
                    "e-1",
                    "BUY",
                    "LONG",
                    "TRADE",
                    "0.050",
                    "0.050",
                    "60000.0",
                )
                assert Decimal(fill["n"]) == Decimal("1.5") and fill["N"] == "USDT" and fill["m"] is False
                acc = evs[1]["a"]
                assert acc["B"][0]["a"] == "USDT" and Decimal(acc["B"][0]["wb"]) == Decimal("9998.5")
                p = acc["P"][0]
                assert (p["s"], p["pa"], p["ps"], Decimal(p["ep"])) == ("BTCUSDT", "0.050", "LONG", 60000)
                assert {
                    a["clientAlgoId"] for a in await c.futures_get_open_orders(symbol="BTCUSDT", conditional=True)
                } == {"sl-1", "tp-1"}
                pos = [x for x in await c.futures_position_information(symbol="BTCUSDT") if x["positionSide"] == "LONG"]
                assert pos[0]["positionAmt"] == "0.050"
                # price falls through the stop: it triggers (gap fill at the new price), the take stays
                await sim.admin.set_price("BTCUSDT", "57500")
                evs = [await asyncio.wait_for(us.recv(), 5) for _ in range(6)]
                seq = [(e["e"], e["o"].get("X")) if "o" in e else (e["e"], e["a"]["m"]) for e in evs]
                assert seq == [
                    ("ALGO_UPDATE", "TRIGGERING"),
                    ("ALGO_UPDATE", "TRIGGERED"),
                    ("ORDER_TRADE_UPDATE", "NEW"),
                    ("ACCOUNT_UPDATE", "ORDER"),
                    ("ORDER_TRADE_UPDATE", "FILLED"),
                    ("ALGO_UPDATE", "FINISHED"),
                ]
                out = evs[4]["o"]
                assert out["c"] == "sl-1" and out["ot"] == "STOP_MARKET" and out["o"] == "MARKET"
                assert Decimal(out["rp"]) == Decimal("-125")  # (57500 - 60000) x 0.05
                assert evs[3]["a"]["P"][0]["pa"] == "0.000"
                algo = await c.futures_get_order(symbol="BTCUSDT", algoId=sl["algoId"])
                assert algo["algoStatus"] == "FINISHED" and algo["actualOrderId"] == str(out["i"])
                # the take profit is still there (no OCO on Binance) and expires when hit flat
                assert [a["clientAlgoId"] for a in await c.futures_get_open_algo_orders()] == ["tp-1"]
                await sim.admin.set_price("BTCUSDT", "64000")
                ev = await asyncio.wait_for(us.recv(), 5)
                assert ev["e"] == "ALGO_UPDATE" and ev["o"]["caid"] == "tp-1" and ev["o"]["X"] == "EXPIRED"
                acct = await c.futures_account()
                # 10000 - 1.5 (entry fee) - 125 - 57500*0.05*0.0005 (exit fee)
                assert Decimal(acct["totalWalletBalance"]) == Decimal("10000") - Decimal("1.5") - 125 - Decimal(
                    "1.4375"
                )
        finally:
            await c.close_connection()


async def test_take_profit_path_trigger_and_cancel_algo(hsim: SimHandle, hclient: Any) -> None:
    await hsim.admin.set_price("ETHUSDT", "3000")
    await hclient.futures_create_order(symbol="ETHUSDT", side="SELL", type="MARKET", quantity="1", positionSide="SHORT")
    tp = await hclient.futures_create_algo_order(
        symbol="ETHUSDT", side="BUY", type="TAKE_PROFIT_MARKET", triggerPrice="2990", quantity="1", positionSide="SHORT"
    )
    sl = await hclient.futures_create_algo_order(
        symbol="ETHUSDT", side="BUY", type="STOP_MARKET", triggerPrice="3010", quantity="1", positionSide="SHORT"
    )
    assert (
        await code_of(
            hclient.futures_create_algo_order(
                symbol="ETHUSDT",
                side="BUY",
                type="STOP_MARKET",
                triggerPrice="2990",
                quantity="1",
                positionSide="SHORT",
            )
        )
        == -2021
    )
    assert (
        await code_of(
            hclient.futures_create_algo_order(
                symbol="ETHUSDT",
                side="BUY",
                type="STOP_MARKET",
                triggerPrice="3100",
                quantity="1",
                closePosition="true",
                positionSide="SHORT",
            )
        )
        == -1106
    )
    start = (await hclient.futures_time())["serverTime"]
    for _ in range(48):
        await hsim.admin.step(minutes=30)
        if not await hclient.futures_get_open_algo_orders(symbol="ETHUSDT"):
            break
        opened = await hclient.futures_get_open_algo_orders(symbol="ETHUSDT")
        if len(opened) == 1:
            break
    a_tp = await hclient.futures_get_algo_order(symbol="ETHUSDT", algoId=tp["algoId"])
    a_sl = await hclient.futures_get_algo_order(symbol="ETHUSDT", algoId=sl["algoId"])
    rows = await hclient.futures_klines(symbol="ETHUSDT", interval="1m", startTime=start // 60_000 * 60_000, limit=1500)
    hit_tp = next((r[0] for r in rows if Decimal(r[3]) <= 2990), None)
    hit_sl = next((r[0] for r in rows if Decimal(r[2]) >= 3010), None)
    assert hit_tp is not None or hit_sl is not None
    first = "tp" if hit_sl is None or (hit_tp is not None and hit_tp < hit_sl) else "sl"
    winner, loser = (a_tp, a_sl) if first == "tp" else (a_sl, a_tp)
    if hit_tp != hit_sl:
        assert winner["algoStatus"] == "FINISHED"
        assert loser["algoStatus"] in ("NEW", "EXPIRED")
    if loser["algoStatus"] == "NEW":
        r = await hclient.futures_cancel_algo_order(symbol="ETHUSDT", algoId=loser["algoId"])
        assert r["code"] == "200"
        assert (await hclient.futures_get_algo_order(symbol="ETHUSDT", algoId=loser["algoId"]))[
            "algoStatus"
        ] == "CANCELED"
    trade = (await hclient.futures_account_trades(symbol="ETHUSDT"))[-1]
    assert Decimal(trade["price"]) == (2990 if first == "tp" else 3010)


async def test_client_id_lookup_finds_the_newest_order_and_algo(hsim: SimHandle, hclient: Any) -> None:
    """A closed order's client id may be reused; lookups by it find the newest (also after orders were
    added to an account behind the engine's back)."""
    await hsim.admin.set_price("BTCUSDT", "50000")
    mkt = {"symbol": "BTCUSDT", "type": "MARKET", "quantity": "0.01", "newOrderRespType": "RESULT"}
    first = await hclient.futures_create_order(**mkt, side="BUY", positionSide="LONG", newClientOrderId="cid-1")
    second = await hclient.futures_create_order(**mkt, side="SELL", positionSide="LONG", newClientOrderId="cid-1")
    assert first["orderId"] != second["orderId"]
    got = await hclient.futures_get_order(symbol="BTCUSDT", origClientOrderId="cid-1")
    assert got["orderId"] == second["orderId"] and got["side"] == "SELL"
    await hclient.futures_create_order(**mkt, side="BUY", positionSide="LONG", newClientOrderId="cid-2")
    leg = {"symbol": "BTCUSDT", "side": "SELL", "positionSide": "LONG", "quantity": "0.01"}
    a1 = await hclient.futures_create_order(**leg, type="STOP_MARKET", stopPrice="49000", clientAlgoId="cid-2.sl")
    await hclient.futures_cancel_algo_order(clientAlgoId="cid-2.sl")
    a2 = await hclient.futures_create_order(**leg, type="STOP_MARKET", stopPrice="48000", clientAlgoId="cid-2.sl")
    assert a1["algoId"] != a2["algoId"]
    got_algo = await hclient.futures_get_algo_order(clientAlgoId="cid-2.sl")
    assert got_algo["algoId"] == a2["algoId"] and got_algo["algoStatus"] == "NEW"
    assert hsim.simulator is not None
    acct = next(iter(hsim.simulator.engine.accounts.values()))
    # an order put straight into the account's history (as replays and tests do) is found too
    import dataclasses

    copy = dataclasses.replace(acct.orders[int(second["orderId"])], order_id=10**9, client_id="cid-3")
    acct.orders[copy.order_id] = copy
    got3 = await hclient.futures_get_order(symbol="BTCUSDT", origClientOrderId="cid-3")
    assert got3["orderId"] == 10**9
    assert await code_of(hclient.futures_get_order(symbol="BTCUSDT", origClientOrderId="nope")) == -2013
