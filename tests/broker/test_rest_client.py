"""LeanAsyncClient: the form body it encodes is byte for byte what python-binance's stock path (aiohttp's
FormData of the same pairs) sends, and against exchange_sim it signs, places and maps errors like the stock
client."""

from __future__ import annotations

import aiohttp
import pytest
from binance.exceptions import BinanceAPIException

from broker_service.exchange import BinanceRest, Rejected
from exchange_sim.testing import running_sim

PAIRS = [
    ("newClientOrderId", "a.b:c/d_e-f"),
    ("quantity", "0.010"),
    ("symbol", "BTCUSDT"),
    ("note", "space & equals= plus+ percent% ü"),
    ("signature", "0f" * 32),
]


def test_form_body_equals_aiohttp_formdata() -> None:
    from urllib.parse import urlencode

    assert urlencode(PAIRS, doseq=True).encode() == aiohttp.FormData(PAIRS)()._value


async def test_lean_client_places_reads_and_maps_errors() -> None:
    async with running_sim(hedge=True, symbols=["BTCUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        rest = BinanceRest(sim.api_key, sim.api_secret, sim.futures_url, time_source="local")
        try:
            res = await rest.signed(
                rest.client.futures_create_order,
                write=True,
                symbol="BTCUSDT",
                side="BUY",
                type="MARKET",
                quantity="0.01",
                newClientOrderId="lean-1",
                newOrderRespType="RESULT",
                positionSide="LONG",
            )
            assert res["status"] == "FILLED" and res["clientOrderId"] == "lean-1"
            algo = await rest.signed(
                rest.client.futures_create_order,
                write=True,
                symbol="BTCUSDT",
                side="SELL",
                type="STOP_MARKET",
                stopPrice="49000",
                quantity="0.01",
                clientAlgoId="lean-1.sl",
                positionSide="LONG",
            )
            assert algo["clientAlgoId"] == "lean-1.sl"
            assert (await rest.find_order("BTCUSDT", "lean-1"))["status"] == "FILLED"  # type: ignore[index]
            assert (await rest.find_algo("lean-1.sl"))["algoStatus"] == "NEW"  # type: ignore[index]
            assert await rest.find_order("BTCUSDT", "nope") is None
            cancelled = await rest.signed(rest.client.futures_cancel_algo_order, write=True, clientAlgoId="lean-1.sl")
            assert cancelled["clientAlgoId"] == "lean-1.sl"
            with pytest.raises(Rejected) as err:
                await rest.signed(
                    rest.client.futures_create_order,
                    write=True,
                    symbol="BTCUSDT",
                    side="BUY",
                    type="MARKET",
                    quantity="0.001",
                    positionSide="LONG",
                )
            assert err.value.code == -4164  # below min notional
            assert isinstance(err.value.__cause__, BinanceAPIException)
            assert rest.usage.weight_1m > 0  # response headers still read
        finally:
            await rest.close()
