"""CandleService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

from parayok.v1 import candles_pb2_grpc


class CandleServicer(candles_pb2_grpc.CandleServiceServicer):
    """Every RPC answers UNIMPLEMENTED until the candle store is wired in (issue 4)."""
