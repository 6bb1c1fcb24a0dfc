"""order_service's side of first_sent_ms: the intent's creation time is recorded once with the real order, kept
across a restart of order_service (old rows load with 0), and reaches broker_service unchanged through
OrderService's request (bracket_request), its BrokerClient and the broker's gRPC translation, on the first
send and on a resend."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from broker_service.models import Bracket
from broker_service.models import BracketRequest as BrokerRequest
from exchange_sim.testing import running_sim
from order_service.clients import BrokerClient
from order_service.model import Entry, Order, RealOrder, VmConfig
from order_service.service import OrderService, bracket_request
from order_service.store import Store, real_from_json
from parayok.v1 import broker_pb2

from .conftest import ACCOUNT, broker_on
from .test_power_cut import spy_lookups


def intent(store: Store) -> RealOrder:
    service = OrderService(store, None, None, None)  # type: ignore[arg-type]  # _real_intent asks no port
    entry = Entry(
        id="e-1",
        symbol="BTCUSDT",
        timeframe="1m",
        strategy="s",
        side="buy",
        time_ms=1,
        entry_price=50000,
        stop_loss=49000,
        take_profit=51000,
    )
    return service._real_intent(VmConfig(id="vm-1", broker_account=ACCOUNT), Order(entry, 0.01, 500, 10_000))


def test_created_ms_is_set_once_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    store = Store(path)
    real = intent(store)
    assert real.created_ms > 0 and real.created_ms == real.updated_ms
    store.save_real(real)
    store.close()
    reopened = Store(path)
    try:
        stored = reopened.real_by_client_id(real.client_order_id)
        assert stored is not None and stored.created_ms == real.created_ms
    finally:
        reopened.close()
    # rows written before the field existed load with 0 (unknown: the broker looks such a bracket up)
    old = dataclasses.asdict(real) | {"status": real.status.value}
    del old["created_ms"]
    assert real_from_json(json.dumps(old)).created_ms == 0


async def test_the_same_first_sent_ms_reaches_the_broker_on_every_resend(tmp_path: Path) -> None:
    store = Store(tmp_path / "orders.sqlite3")
    real = intent(store)
    store.save_real(real)
    async with running_sim(hedge=True, symbols=["BTCUSDT"]) as sim:
        await sim.admin.set_price("BTCUSDT", "50000")
        async with broker_on(sim, tmp_path / "broker.sqlite3") as s:
            seen: list[int] = []
            place = s.account.place_bracket

            async def spy(req: BrokerRequest) -> Bracket:
                seen.append(req.first_sent_ms)
                return await place(req)

            s.account.place_bracket = spy  # type: ignore[method-assign]
            lookups = spy_lookups(s.account)
            client = BrokerClient(s.addr)
            try:
                first = await client.place_bracket(bracket_request(real))
                # a resend after order_service restarted: built from the stored intent
                stored: Any = store.real_by_client_id(real.client_order_id)
                again = await client.place_bracket(bracket_request(stored))
            finally:
                await client.close()
            assert seen == [real.created_ms, real.created_ms]
            assert first.state == "open" and again.entry_order_id == first.entry_order_id
            # sent within the broker's first minute: looked up before placing (not found, so sent once)
            assert lookups.orders == [real.client_order_id]
            b = await s.stub.GetBracket(
                broker_pb2.GetBracketRequest(account_id=ACCOUNT, client_order_id=real.client_order_id)
            )
            assert b.state == broker_pb2.BRACKET_STATE_OPEN
    store.close()
