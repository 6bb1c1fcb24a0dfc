"""`--synthetic-symbols N`: made-up symbols beside the known ones, for load tests wider than ten symbols."""

from __future__ import annotations

import pytest

from exchange_sim.__main__ import build_parser, config_from_args
from exchange_sim.sim import SimConfig, Simulator
from exchange_sim.symbols import DEFAULT_SPECS, synthetic_specs
from exchange_sim.testing import make_async_client, running_sim

START = 1_767_571_200_000  # 2026-01-05 00:00 UTC


def test_synthetic_specs_copy_known_contracts_under_their_own_names() -> None:
    specs = synthetic_specs(12)
    assert list(specs)[:2] == ["SYN001USDT", "SYN002USDT"] and len(specs) == 12
    btc, first = DEFAULT_SPECS["BTCUSDT"], specs["SYN001USDT"]
    assert first.base_asset == "SYN001" and (first.price_dp, first.qty_dp, first.min_notional) == (
        btc.price_dp, btc.qty_dp, btc.min_notional)
    assert specs["SYN011USDT"].price_dp == btc.price_dp  # the templates come round again
    assert synthetic_specs(0) == {}


def test_the_simulator_serves_them_beside_the_known_symbols_with_markets_of_their_own() -> None:
    sim = Simulator(SimConfig(speed=0, start_ms=START, synthetic_symbols=3))
    assert set(sim.market.specs) == set(DEFAULT_SPECS) | {"SYN001USDT", "SYN002USDT", "SYN003USDT"}
    btc = sim.market.format_rows("BTCUSDT", sim.market.klines("BTCUSDT", "1m", START, limit=5))
    syn = sim.market.format_rows("SYN001USDT", sim.market.klines("SYN001USDT", "1m", START, limit=5))
    assert len(syn) == 5 and [r[0] for r in syn] == [r[0] for r in btc]
    assert [r[4] for r in syn] != [r[4] for r in btc]
    only = Simulator(SimConfig(speed=0, start_ms=START, symbols=["SYN002USDT"], synthetic_symbols=2))
    assert list(only.market.specs) == ["SYN002USDT"]
    with pytest.raises(ValueError, match="SYN003USDT"):
        Simulator(SimConfig(speed=0, start_ms=START, symbols=["SYN003USDT"], synthetic_symbols=2))


def test_command_line_option() -> None:
    assert config_from_args(build_parser().parse_args(["--synthetic-symbols", "90"])).synthetic_symbols == 90
    assert config_from_args(build_parser().parse_args([])).synthetic_symbols == 0


async def test_python_binance_sees_and_trades_nothing_special_about_them() -> None:
    async with running_sim(mode="subprocess", extra_args=["--synthetic-symbols", "2"]) as sim:
        client = await make_async_client(sim)
        try:
            info = await client.futures_exchange_info()
            names = {s["symbol"] for s in info["symbols"]}
            assert {"SYN001USDT", "SYN002USDT", "BTCUSDT"} <= names and "SYN003USDT" not in names
            klines = await client.futures_klines(symbol="SYN002USDT", interval="1h", limit=3)
            assert len(klines) == 3
        finally:
            await client.close_connection()
