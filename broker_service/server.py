"""BrokerService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

from parayok.v1 import broker_pb2_grpc


class BrokerServicer(broker_pb2_grpc.BrokerServiceServicer):
    """Every RPC answers UNIMPLEMENTED until accounts and brackets are wired in (issue 8)."""
