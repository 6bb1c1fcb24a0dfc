"""NotifyService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

import grpc

from parayok.errors import grpc_errors
from parayok.v1 import notify_pb2, notify_pb2_grpc

from .service import NotifyCore


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, core: NotifyCore) -> None:
        self._core = core

    @grpc_errors
    async def Notify(
        self, request: notify_pb2.NotifyRequest, context: grpc.aio.ServicerContext
    ) -> notify_pb2.NotifyResponse:
        queued = self._core.notify(request.text, request.chat_id, request.dedupe_key)
        return notify_pb2.NotifyResponse(queued=queued)

    @grpc_errors
    async def ListSubscribers(
        self, request: notify_pb2.ListSubscribersRequest, context: grpc.aio.ServicerContext
    ) -> notify_pb2.ListSubscribersResponse:
        return notify_pb2.ListSubscribersResponse(subscribers=[
            notify_pb2.Subscriber(chat_id=s.chat_id, name=s.name, subscribed_ms=s.subscribed_ms,
                                  entries_enabled=s.entries_enabled)
            for s in self._core.subscribers()
        ])

    @grpc_errors
    async def GetStatus(
        self, request: notify_pb2.GetNotifyStatusRequest, context: grpc.aio.ServicerContext
    ) -> notify_pb2.NotifyStatus:
        s = self._core.status()
        return notify_pb2.NotifyStatus(enabled=s.enabled, connected=s.connected, outbox=s.outbox,
                                       bot_username=s.bot_username, last_error=s.last_error)
