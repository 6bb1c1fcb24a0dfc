"""Binance JSON (REST answers and user-stream events) → domain types."""

from __future__ import annotations

from typing import Any

from .models import OrderInfo, PositionInfo


def _f(x: Any) -> float:
    try:
        return float(x) if x not in (None, "") else 0.0
    except (TypeError, ValueError):
        return 0.0


def order_from_rest(d: dict[str, Any]) -> OrderInfo:
    return OrderInfo(
        exchange_order_id=str(d.get("orderId", "")),
        client_order_id=str(d.get("clientOrderId", "")),
        symbol=str(d.get("symbol", "")),
        side=str(d.get("side", "")),
        position_side=str(d.get("positionSide", "")),
        type=str(d.get("origType") or d.get("type", "")),
        status=str(d.get("status", "")),
        quantity=_f(d.get("origQty")),
        price=_f(d.get("price")),
        stop_price=_f(d.get("stopPrice")),
        filled_quantity=_f(d.get("executedQty")),
        average_price=_f(d.get("avgPrice")),
        reduce_only=bool(d.get("reduceOnly", False)),
        close_position=bool(d.get("closePosition", False)),
        update_time_ms=int(d.get("updateTime") or 0),
    )


# Algo statuses: NEW → TRIGGERING → TRIGGERED → FINISHED, or CANCELED / EXPIRED / REJECTED.
ALGO_STATUS = {
    "NEW": "NEW",
    "TRIGGERING": "TRIGGERED",
    "TRIGGERED": "TRIGGERED",
    "FINISHED": "TRIGGERED",
    "CANCELED": "CANCELED",
    "CANCELLED": "CANCELED",
    "EXPIRED": "EXPIRED",
    "REJECTED": "REJECTED",
}
ALGO_OPEN = ("NEW",)
ALGO_FIRED = ("TRIGGERING", "TRIGGERED", "FINISHED")


def algo_from_rest(d: dict[str, Any]) -> OrderInfo:
    return OrderInfo(
        exchange_order_id=str(d.get("algoId", "")),
        client_order_id=str(d.get("clientAlgoId", "")),
        symbol=str(d.get("symbol", "")),
        side=str(d.get("side", "")),
        position_side=str(d.get("positionSide", "")),
        type=str(d.get("orderType", "")),
        status=ALGO_STATUS.get(str(d.get("algoStatus", "")), str(d.get("algoStatus", ""))),
        quantity=_f(d.get("quantity")),
        price=_f(d.get("price")),
        stop_price=_f(d.get("triggerPrice")),
        is_algo=True,
        reduce_only=bool(d.get("reduceOnly", False)),
        close_position=bool(d.get("closePosition", False)),
        update_time_ms=int(d.get("updateTime") or 0),
    )


def order_from_stream(o: dict[str, Any]) -> OrderInfo:
    """ORDER_TRADE_UPDATE ``o``."""
    return OrderInfo(
        exchange_order_id=str(o.get("i", "")),
        client_order_id=str(o.get("c", "")),
        symbol=str(o.get("s", "")),
        side=str(o.get("S", "")),
        position_side=str(o.get("ps", "")),
        type=str(o.get("ot") or o.get("o", "")),
        status=str(o.get("X", "")),
        quantity=_f(o.get("q")),
        price=_f(o.get("p")),
        stop_price=_f(o.get("sp")),
        filled_quantity=_f(o.get("z")),
        average_price=_f(o.get("ap")),
        reduce_only=bool(o.get("R", False)),
        close_position=bool(o.get("cp", False)),
        update_time_ms=int(o.get("T") or 0),
        last_fill_quantity=_f(o.get("l")),
        last_fill_price=_f(o.get("L")),
        commission=_f(o.get("n")),
        commission_asset=str(o.get("N") or ""),
        realized_pnl=_f(o.get("rp")),
    )


def algo_from_stream(o: dict[str, Any], time_ms: int) -> OrderInfo:
    """ALGO_UPDATE ``o``."""
    return OrderInfo(
        exchange_order_id=str(o.get("aid", "")),
        client_order_id=str(o.get("caid", "")),
        symbol=str(o.get("s", "")),
        side=str(o.get("S", "")),
        position_side=str(o.get("ps", "")),
        type=str(o.get("o", "")),
        status=ALGO_STATUS.get(str(o.get("X", "")), str(o.get("X", ""))),
        quantity=_f(o.get("q")),
        price=_f(o.get("p")),
        stop_price=_f(o.get("tp")),
        filled_quantity=_f(o.get("aq")),
        average_price=_f(o.get("ap")),
        is_algo=True,
        reduce_only=bool(o.get("R", False)),
        close_position=bool(o.get("cp", False)),
        update_time_ms=time_ms,
    )


def position_from_rest(d: dict[str, Any]) -> PositionInfo:
    return PositionInfo(
        symbol=str(d.get("symbol", "")),
        position_side=str(d.get("positionSide", "BOTH")),
        quantity=_f(d.get("positionAmt")),
        entry_price=_f(d.get("entryPrice")),
        mark_price=_f(d.get("markPrice")),
        unrealized_pnl=_f(d.get("unRealizedProfit") or d.get("unrealizedProfit")),
        leverage=int(_f(d.get("leverage"))),
        margin_type=str(d.get("marginType", "")).upper().replace("CROSS", "CROSSED").replace("CROSSEDED", "CROSSED"),
    )


def position_from_stream(p: dict[str, Any]) -> PositionInfo:
    mt = str(p.get("mt", "")).lower()
    return PositionInfo(
        symbol=str(p.get("s", "")),
        position_side=str(p.get("ps", "BOTH")),
        quantity=_f(p.get("pa")),
        entry_price=_f(p.get("ep")),
        unrealized_pnl=_f(p.get("up")),
        margin_type="ISOLATED" if mt == "isolated" else "CROSSED" if mt == "cross" else "",
    )
