"""Binance error codes the simulator answers with ({"code": .., "msg": ..})."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


def mandatory(name: str) -> ApiError:
    return ApiError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def not_required(name: str) -> ApiError:
    return ApiError(-1106, f"Parameter '{name}' sent when not required.")


def bad_value(name: str) -> ApiError:
    return ApiError(-1130, f"Data sent for parameter '{name}' is not valid.")


INVALID_SIGNATURE = (-1022, "Signature for this request is not valid.")
OUTSIDE_RECV = (-1021, "Timestamp for this request is outside of the recvWindow.")
AHEAD_RECV = (-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
INVALID_KEY = (-2015, "Invalid API-key, IP, or permissions for action.")
TOO_MANY = (-1003, "Too many requests; current limit is {limit} requests per minute.")
INVALID_SYMBOL = (-1121, "Invalid symbol.")
INVALID_INTERVAL = (-1120, "Invalid interval.")
UNKNOWN_ORDER = (-2013, "Order does not exist.")
CANCEL_UNKNOWN = (-2011, "Unknown order sent.")
MARGIN_INSUFFICIENT = (-2019, "Margin is insufficient.")
REDUCE_ONLY_REJECT = (-2022, "ReduceOnly Order is rejected.")
WOULD_TRIGGER = (-2021, "Order would immediately trigger.")
POSITION_SIDE_MISMATCH = (-4061, "Order's position side does not match user's setting.")
DUPLICATE_CLIENT_ID = (-4116, "ClientOrderId is duplicated.")
INVALID_CLIENT_ID = (-4015, "Client order id is not valid.")
ALGO_ONLY = (-4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.")
LISTEN_KEY_UNKNOWN = (-1125, "This listenKey does not exist.")
NO_NEED_MARGIN = (-4046, "No need to change margin type.")
NO_NEED_SIDE = (-4059, "No need to change position side.")
SIDE_OPEN_ORDERS = (-4067, "Position side cannot be changed if there exists open orders.")
SIDE_POSITIONS = (-4068, "Position side cannot be changed if there exists position.")
PRECISION = (-1111, "Precision is over the maximum defined for this asset.")
TICK = (-4014, "Price not increased by tick size.")
STEP = (-4023, "Quantity not increased by step size.")
QTY_ZERO = (-4003, "Quantity less than or equal to zero.")
QTY_MIN = (-4004, "Quantity less than min quantity.")
QTY_MAX = (-4005, "Quantity greater than max quantity.")
PRICE_ZERO = (-4001, "Price less than 0.")
PRICE_MIN = (-4013, "Price less than min price.")
PRICE_MAX = (-4002, "Price greater than max price.")
REJECTED = (-2010, "NEW_ORDER_REJECTED")
