"""NotifyService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

from parayok.v1 import notify_pb2_grpc


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    """Every RPC answers UNIMPLEMENTED until the Telegram outbox is wired in (issue 9)."""
