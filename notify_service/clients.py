"""gRPC side of notify_service's dependencies: OrderService and BrokerService clients and streams.

The streams are followed for as long as the service runs: resumed after the last event handled
(the cursor persisted with the event's messages), reconnected with tenacity backoff whenever the
other service is down or ends the stream. notify_service starts and serves without them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_never, wait_exponential

from parayok.v1 import analysis_pb2, broker_pb2, broker_pb2_grpc, common_pb2, orders_pb2, orders_pb2_grpc

from .commands import BackendError
from .store import NotifyStore

log = logging.getLogger("notify_service.clients")

T = TypeVar("T")

CALL_TIMEOUT_S = 10.0
MAX_PAGES = 20
PAGE_SIZE = 1000
_CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
]


class StreamEnded(Exception):
    """The other side closed the stream cleanly; reconnect all the same."""


class ServiceClients:
    """The :class:`notify_service.commands.Backend` over gRPC, plus the real-order lookup."""

    def __init__(self, order_addr: str, broker_addr: str) -> None:
        self._order_channel = grpc.aio.insecure_channel(order_addr, options=_CHANNEL_OPTIONS)
        self._broker_channel = grpc.aio.insecure_channel(broker_addr, options=_CHANNEL_OPTIONS)
        self.orders = orders_pb2_grpc.OrderServiceStub(self._order_channel)
        self.broker = broker_pb2_grpc.BrokerServiceStub(self._broker_channel)

    async def close(self) -> None:
        await self._order_channel.close()
        await self._broker_channel.close()

    @staticmethod
    async def _call(service: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.UNAVAILABLE:
                raise BackendError(f"{service} is unavailable") from exc
            raise BackendError(f"{service}: {exc.details() or code.name}") from exc

    async def list_vms(self) -> list[orders_pb2.Vm]:
        reply = await self._call("order_service", self.orders.ListVms(orders_pb2.ListVmsRequest(),
                                                                       timeout=CALL_TIMEOUT_S))
        return list(reply.vms)

    async def get_vm(self, vm_id: str) -> orders_pb2.Vm:
        return await self._call("order_service", self.orders.GetVm(orders_pb2.VmRef(vm_id=vm_id),
                                                                   timeout=CALL_TIMEOUT_S))

    async def update_vm(self, vm: orders_pb2.Vm) -> orders_pb2.Vm:
        return await self._call("order_service", self.orders.UpdateVm(orders_pb2.UpdateVmRequest(vm=vm),
                                                                      timeout=CALL_TIMEOUT_S))

    async def vm_name(self, vm_id: str) -> str | None:
        try:
            vm = await self.get_vm(vm_id)
        except BackendError:
            return None
        return vm.name or vm.id

    async def list_accounts(self) -> list[broker_pb2.Account]:
        reply = await self._call("broker_service", self.broker.ListAccounts(broker_pb2.ListAccountsRequest(),
                                                                            timeout=CALL_TIMEOUT_S))
        return list(reply.accounts)

    async def get_account(self, account_id: str) -> broker_pb2.Account:
        return await self._call("broker_service", self.broker.GetAccount(
            broker_pb2.GetAccountRequest(account_id=account_id), timeout=CALL_TIMEOUT_S))

    async def _pages(self, fetch: Callable[[str], Awaitable[Any]], items: str) -> list[Any]:
        found: list[Any] = []
        token = ""
        for _ in range(MAX_PAGES):
            reply = await fetch(token)
            found.extend(getattr(reply, items))
            token = reply.next_page_token
            if not token:
                break
        return found

    async def list_orders(self, vm_id: str, active_only: bool) -> list[orders_pb2.Order]:
        flt = orders_pb2.EntryFilter(
            result=common_pb2.ENTRY_RESULT_ACTIVE if active_only else common_pb2.ENTRY_RESULT_UNSPECIFIED)

        def fetch(token: str) -> Awaitable[orders_pb2.ListOrdersResponse]:
            request = orders_pb2.ListOrdersRequest(
                vm_id=vm_id, filter=flt, page=common_pb2.PageRequest(page_size=PAGE_SIZE, page_token=token))
            return self._call("order_service", self.orders.ListOrders(request, timeout=CALL_TIMEOUT_S))

        return await self._pages(fetch, "orders")

    async def list_entries(self, vm_id: str, from_ms: int) -> list[analysis_pb2.Entry]:
        def fetch(token: str) -> Awaitable[orders_pb2.ListEntriesResponse]:
            request = orders_pb2.ListEntriesRequest(
                vm_id=vm_id, filter=orders_pb2.EntryFilter(from_ms=from_ms),
                page=common_pb2.PageRequest(page_size=PAGE_SIZE, page_token=token))
            return self._call("order_service", self.orders.ListEntries(request, timeout=CALL_TIMEOUT_S))

        return await self._pages(fetch, "entries")

    async def get_report(self, vm_id: str, from_ms: int, to_ms: int, interval: int) -> orders_pb2.Report:
        request = orders_pb2.GetReportRequest(vm_id=vm_id, from_ms=from_ms, to_ms=to_ms,
                                              interval=interval)  # type: ignore[arg-type]
        return await self._call("order_service", self.orders.GetReport(request, timeout=CALL_TIMEOUT_S))

    async def find_order(self, vm_id: str, client_order_id: str) -> orders_pb2.Order | None:
        """The order whose real order has this client order id (OrderEvent.real_order carries no entry): among
        the active orders, then among all (it may have closed before its event was handled: this service
        catching up after a restart or a busy history, or a bracket that hit its stop within a minute)."""
        for active_only in (True, False):
            for order in await self.list_orders(vm_id, active_only=active_only):
                if order.real.client_order_id == client_order_id:
                    return order
        return None

    def order_events(self, after: int) -> AsyncIterator[orders_pb2.OrderEvent]:
        return self.orders.StreamEvents(orders_pb2.StreamEventsRequest(after_event_id=after))  # type: ignore[no-any-return]

    def account_events(self, after: int) -> AsyncIterator[broker_pb2.AccountEvent]:
        return self.broker.StreamAccountEvents(  # type: ignore[no-any-return]
            broker_pb2.StreamAccountEventsRequest(after_event_id=after))


def _log_reconnect(stream: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        detail = exc.code().name if isinstance(exc, grpc.aio.AioRpcError) else type(exc).__name__
        log.info("event stream down; reconnecting",
                 extra={"event": "stream_reconnect", "stream": stream, "attempt": state.attempt_number,
                        "error": detail, "wait_s": round(state.upcoming_sleep, 3)})
    return before_sleep


async def follow(
    stream: str,
    store: NotifyStore,
    open_stream: Callable[[int], AsyncIterator[Any]],
    handle: Callable[[Any], Awaitable[None]],
    max_wait_s: float = 5.0,
) -> None:
    """Follows one event stream forever from its persisted cursor (cancel the task to stop)."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((grpc.aio.AioRpcError, StreamEnded)),
        wait=wait_exponential(multiplier=0.2, max=max_wait_s),
        stop=stop_never,
        before_sleep=_log_reconnect(stream),
    )
    async for attempt in retrying:
        with attempt:
            after = store.cursor(stream)
            log.info("following event stream", extra={"event": "stream_open", "stream": stream, "after": after})
            async for ev in open_stream(after):
                if ev.event_id <= store.cursor(stream):
                    continue  # already handled (a server that resends the boundary event)
                try:
                    await handle(ev)
                except Exception:  # one bad event must not stop the stream
                    log.exception("event not handled; skipped",
                                  extra={"event": "event_failed", "stream": stream, "event_id": ev.event_id})
                    store.set_cursor(stream, ev.event_id)
            raise StreamEnded(stream)
