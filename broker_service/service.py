"""BrokerService domain: the configured accounts behind one interface, and the durable event feed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from .models import (
    AccountEvent,
    AccountInfo,
    AccountKind,
    Bracket,
    BracketRequest,
    NotFound,
    OrderInfo,
    PositionMode,
    Unavailable,
)
from .store import BrokerStore


class BrokerAccount(Protocol):
    """What every account kind (Binance, demo, sim, paper) offers; the seed's BrokerAccount."""

    id: str
    kind: AccountKind
    position_mode: PositionMode

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def place_bracket(self, req: BracketRequest) -> Bracket: ...
    def get_bracket(self, cid: str) -> Bracket: ...
    async def info(self) -> AccountInfo: ...
    async def open_orders(self, symbol: str = "") -> list[OrderInfo]: ...
    async def cancel_order(
        self, symbol: str, client_order_id: str, exchange_order_id: str, is_algo: bool
    ) -> OrderInfo: ...
    async def close_position(self, symbol: str, position_side: str) -> OrderInfo: ...


class BrokerService:
    def __init__(self, store: BrokerStore, accounts: list[BrokerAccount]) -> None:
        self.store = store
        self.accounts: dict[str, BrokerAccount] = {a.id: a for a in accounts}

    async def start(self) -> None:
        for a in self.accounts.values():
            await a.start()

    async def close(self) -> None:
        for a in self.accounts.values():
            await a.close()
        self.store.close()

    def account(self, account_id: str) -> BrokerAccount:
        if not account_id:
            raise ValueError("account_id: required")
        acct = self.accounts.get(account_id)
        if acct is None:
            raise NotFound(f"account_id: no account {account_id!r} (known: {', '.join(sorted(self.accounts))})")
        return acct

    async def list_accounts(self) -> list[AccountInfo]:
        """Every account; one whose exchange is unreachable is listed with what is known locally."""
        out = []
        for acct in self.accounts.values():
            try:
                out.append(await acct.info())
            except Unavailable:
                out.append(AccountInfo(acct.id, acct.kind, acct.position_mode))
        return out

    async def events(self, account_id: str, after_event_id: int) -> AsyncIterator[AccountEvent]:
        """Durable events after ``after_event_id`` (0 = from now on), then live, in event_id order."""
        if account_id:
            self.account(account_id)
        waiter = self.store.waiter()
        try:
            last = after_event_id if after_event_id > 0 else self.store.last_event_id()
            while True:
                waiter.clear()
                batch = self.store.events_after(last, account_id)
                for ev in batch:
                    last = ev.event_id
                    yield ev
                if not batch:
                    await waiter.wait()
        finally:
            self.store.drop_waiter(waiter)
