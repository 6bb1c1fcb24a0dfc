"""The placement's price check reads the mark price feed (exchange_sim's ``@markPrice@1s`` streams through
python-binance) instead of a REST ticker call; stale marks fall back to REST; the feed reconnects."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest

from broker_service.binance_account import BinanceAccount
from parayok.v1 import broker_pb2, common_pb2

from .conftest import BrokerStack, bracket_req, eventually, stack_ctx


def spy_ticker(account: BinanceAccount, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records every REST ``futures_symbol_ticker`` call of the account (and still makes it)."""
    calls: list[dict[str, Any]] = []
    real: Callable[..., Any] = account.rest.client.futures_symbol_ticker

    async def ticker(**params: Any) -> Any:
        calls.append(params)
        return await real(**params)

    monkeypatch.setattr(account.rest.client, "futures_symbol_ticker", ticker)
    return calls


async def fresh_mark(s: BrokerStack, symbol: str = "BTCUSDT", after: float = 0.0) -> Decimal:
    """Steps the simulator's clock until the feed holds a mark received after ``after`` (monotonic) and after a
    step (the first step may come before the subscription is registered), and returns it."""
    state: dict[str, float] = {"since": after}

    async def pushed() -> bool:
        got = s.account.marks.prices.get(symbol)
        if got is not None and got[0] > state["since"]:
            return True
        state["since"] = time.monotonic()
        await s.sim.admin.step(seconds=1)
        return False

    await eventually(pushed, 20, f"a mark price of {symbol} from the feed")
    return s.account.marks.prices[symbol][1]


async def test_placement_uses_the_fed_mark_price_not_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with stack_ctx(tmp_path, hedge=True, price_max_age_s=5.0) as s:
        mark = await fresh_mark(s)
        sim_price = Decimal((await s.sim.admin.state())["prices"]["BTCUSDT"])
        assert mark == sim_price
        calls = spy_ticker(s.account, monkeypatch)
        b = await s.stub.PlaceBracketOrder(bracket_req("mk-1"))
        assert b.state == broker_pb2.BRACKET_STATE_OPEN, b.error
        assert calls == [] and s.account.price_reads["mark"] == 1 and s.account.price_reads["rest"] == 0
        # a quote_notional bracket is sized on the mark: 500 USDT at the mark, rounded to the 0.001 step
        req = bracket_req("mk-2", common_pb2.SIDE_SELL, qty=0, sl=51000, tp=49000)
        req.quote_notional = 500
        short = await s.stub.PlaceBracketOrder(req)
        assert short.state == broker_pb2.BRACKET_STATE_OPEN, short.error
        assert short.quantity == float((Decimal(500) / mark).quantize(Decimal("0.001"), ROUND_DOWN))
        assert calls == [] and s.account.price_reads["mark"] == 2


async def test_stale_mark_falls_back_to_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with stack_ctx(tmp_path, hedge=True, price_max_age_s=0.3) as s:
        await fresh_mark(s)
        received = s.account.marks.prices["BTCUSDT"][0]
        calls = spy_ticker(s.account, monkeypatch)

        async def stale() -> bool:  # the clock is frozen: no further push
            return time.monotonic() - received > 0.3

        await eventually(stale, 5, "the mark to age past price_max_age_s")
        b = await s.stub.PlaceBracketOrder(bracket_req("st-1"))
        assert b.state == broker_pb2.BRACKET_STATE_OPEN, b.error
        assert calls == [{"symbol": "BTCUSDT"}] and s.account.price_reads == {"mark": 0, "cache": 0, "rest": 1}
        assert s.account.marks.prices["BTCUSDT"][0] == received  # nothing new was pushed meanwhile


async def test_dropped_websocket_reconnects_and_prices_flow_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with stack_ctx(tmp_path, hedge=True, price_max_age_s=5.0) as s:
        await fresh_mark(s)
        connects = s.account.marks.connects
        dropped_at = time.monotonic()
        res = await s.sim.admin.drop_websockets("market")
        assert res["dropped"] >= 1

        async def reconnected() -> bool:
            return s.account.marks.connects > connects and s.account.marks.connected

        await eventually(reconnected, 30, "the mark price feed to reconnect")
        await fresh_mark(s, after=dropped_at)
        assert s.account.marks.prices["BTCUSDT"][0] > dropped_at
        calls = spy_ticker(s.account, monkeypatch)
        b = await s.stub.PlaceBracketOrder(bracket_req("dr-1"))
        assert b.state == broker_pb2.BRACKET_STATE_OPEN, b.error
        assert calls == [] and s.account.price_reads["mark"] == 1


async def test_check_failing_on_an_old_mark_is_repeated_with_a_rest_price(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ETHUSDT is not in the account's symbols: its first placement sets it up and subscribes it
    async with stack_ctx(tmp_path, hedge=True, price_max_age_s=60.0) as s:
        first = await s.stub.PlaceBracketOrder(bracket_req("ol-1", symbol="ETHUSDT", qty=0.1, sl=2900, tp=3100))
        assert first.state == broker_pb2.BRACKET_STATE_OPEN, first.error
        assert "ETHUSDT" in s.account.marks.symbols
        mark = await fresh_mark(s, "ETHUSDT")
        # the feed stops hearing (its last mark stays younger than the 60 s limit) and the market jumps
        await s.account.marks.stop()
        await s.sim.admin.set_price("ETHUSDT", str(mark + 100))
        calls = spy_ticker(s.account, monkeypatch)
        before = dict(s.account.price_reads)
        # a short whose take lies between the old mark and the new price: refused on the mark, valid now
        short = bracket_req(
            "ol-2", common_pb2.SIDE_SELL, symbol="ETHUSDT", qty=0.1, sl=float(mark + 150), tp=float(mark + 50)
        )
        b = await s.stub.PlaceBracketOrder(short)
        assert b.state == broker_pb2.BRACKET_STATE_OPEN, b.error
        assert calls == [{"symbol": "ETHUSDT"}]
        assert (
            s.account.price_reads["mark"] == before["mark"] + 1 and s.account.price_reads["rest"] == before["rest"] + 1
        )
