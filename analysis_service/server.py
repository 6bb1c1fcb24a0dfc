"""AnalysisService gRPC servicer: validates requests, translates proto ⇄ domain, delegates."""

from __future__ import annotations

from parayok.v1 import analysis_pb2_grpc


class AnalysisServicer(analysis_pb2_grpc.AnalysisServiceServicer):
    """Every RPC answers UNIMPLEMENTED until the analyzer engine is wired in (issue 5)."""
