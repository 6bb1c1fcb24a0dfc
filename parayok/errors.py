"""Domain exceptions → gRPC status codes, the same way in every servicer.

Domain modules raise plain exceptions (``ValueError`` naming the field, or a service's ``NotFound``,
``Unavailable``, ``Precondition`` classes); a servicer wraps each RPC with :func:`grpc_errors` so a
client always gets a clear code and message and the server never answers UNKNOWN for bad input.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import grpc

log = logging.getLogger("parayok.errors")

F = TypeVar("F", bound=Callable[..., Any])

# Exception class names a service may define for its domain, mapped by name so that domain modules
# never import grpc.
_BY_NAME: dict[str, grpc.StatusCode] = {
    "NotFound": grpc.StatusCode.NOT_FOUND,
    "SymbolNotFound": grpc.StatusCode.NOT_FOUND,
    "MarketUnavailable": grpc.StatusCode.UNAVAILABLE,
    "Unavailable": grpc.StatusCode.UNAVAILABLE,
    "Precondition": grpc.StatusCode.FAILED_PRECONDITION,
    "AlreadyExists": grpc.StatusCode.ALREADY_EXISTS,
}


def status_for(exc: BaseException) -> grpc.StatusCode | None:
    for cls in type(exc).__mro__:
        code = _BY_NAME.get(cls.__name__)
        if code is not None:
            return code
    if isinstance(exc, ValueError):
        return grpc.StatusCode.INVALID_ARGUMENT
    return None


def error_status(exc: Exception) -> tuple[grpc.StatusCode, str]:
    """The status and message a client gets for ``exc`` (an unexpected one is logged, and INTERNAL)."""
    code = status_for(exc)
    if code is None:
        log.error("unexpected error in an RPC", exc_info=exc, extra={"event": "rpc_error"})
        return grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}"
    return code, str(exc) or type(exc).__name__


async def _abort(context: grpc.aio.ServicerContext, exc: Exception) -> None:
    await context.abort(*error_status(exc))


def grpc_errors(method: F) -> F:
    """Maps domain exceptions raised by a unary or server-streaming async RPC to gRPC statuses."""
    if inspect.isasyncgenfunction(method):

        @functools.wraps(method)
        async def stream(self: Any, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            try:
                async for item in method(self, request, context):
                    yield item
            except Exception as exc:  # translated for the client
                if isinstance(exc, grpc.aio.AbortError):
                    raise
                await _abort(context, exc)

        return stream  # type: ignore[return-value]

    @functools.wraps(method)
    async def unary(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except Exception as exc:  # translated for the client
            if isinstance(exc, grpc.aio.AbortError):
                raise
            await _abort(context, exc)

    return unary  # type: ignore[return-value]
