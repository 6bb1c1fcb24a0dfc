"""OrderService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

from parayok.v1 import orders_pb2_grpc


class OrderServicer(orders_pb2_grpc.OrderServiceServicer):
    """Every RPC answers UNIMPLEMENTED until VMs and plans are wired in (issue 7)."""
