"""The Socket.IO protocol table (SEED.md, paraserver's WebClients.js) as checks of reply shapes: field
names and JSON types, and the values the doubles and the real candle_service give."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .doubles import E_ACTIVE, E_WON, HOUR, SIM_START

NUM = (int, float)
ENTRY_KEYS = {"id", "time", "type", "symbol", "timeframe", "strategy", "entryPrice", "takeProfit", "stopLoss",
              "active", "result", "closeTime", "closePrice", "gainPercent", "takePriceReached",
              "takePercentReached", "lossPriceReached", "lossPercentReached", "comment", "flags", "tags"}
ORDER_KEYS = ENTRY_KEYS | {"quantity", "gain", "wallet", "stake"}
CANDLE_KEYS = {"openTime", "open", "high", "low", "close", "volume", "closeTime"}
PLAN_KEYS = {"START_SUM", "STAKE_MODE", "STAKE_PERCENT", "SIMULT_RISK_PERCENT", "STAKE_FIXED", "LEVERAGE",
             "COST_BUY_PERCENT", "COST_SELL_PERCENT", "TAGS", "SYMBOLS", "STRATEGIES", "TIMEFRAMES", "JSCODE"}
REPORT_KEYS = {"periodName", "numOrders", "ratio", "gain", "minGain", "maxGain", "maxOpenOrders"}


def check_candles(candles: list[dict[str, Any]], n: int, tf_ms: int) -> None:
    assert len(candles) == n
    for c in candles:
        assert set(c) == CANDLE_KEYS, c
        assert isinstance(c["openTime"], int) and isinstance(c["closeTime"], int)
        assert all(isinstance(c[k], NUM) and not isinstance(c[k], bool) for k in CANDLE_KEYS)
        assert c["closeTime"] == c["openTime"] + tf_ms - 1
        assert c["low"] <= min(c["open"], c["close"]) <= max(c["open"], c["close"]) <= c["high"]
    assert all(b["openTime"] - a["openTime"] == tf_ms for a, b in itertools.pairwise(candles))


def check_chart(d: dict[str, Any]) -> None:
    assert set(d) == {"id", "candles", "cdebug", "targetTimestamp"}
    assert d["id"] == "BTCUSDT-1h"
    check_candles(d["candles"], 1000, HOUR)
    assert d["candles"][-1]["closeTime"] == SIM_START - 1  # the newest closed candle at the market's clock
    assert d["targetTimestamp"] is None
    rows = d["cdebug"]
    assert [r["time"] for r in rows] == [SIM_START - 4 * HOUR, SIM_START - 3 * HOUR]  # open times
    for r in rows:
        assert set(r) == {"symbol", "timeframe", "time", "entries"} and r["symbol"] == "BTCUSDT"
    assert rows[0]["entries"] == [{"type": "entry", "src": "entries", "ep": 90000.5, "tp": 90750, "sl": 89500,
                                   "by": "tpcwfma"}]
    circle, label = rows[1]["entries"]
    assert circle == {"type": "circle", "color": "white", "from": [SIM_START - 3 * HOUR, 90100.5], "radius": 1,
                      "src": "hills"}
    assert label == {"type": "label", "position": "top", "label": "ham", "src": "cdlpatts"}


def check_flags(d: dict[str, Any]) -> None:
    assert d["rsi14"] == 55.5 and d["is_live"] is True
    assert isinstance(d["vlevels"], list) and set(d["vlevels"][0]) >= {"y0", "y1", "w", "alpha"}


def check_tickers(d: list[dict[str, Any]]) -> None:
    assert [t["id"] for t in d] == ["BTCUSDT-1h", "BTCUSDT-15m", "ETHUSDT-1h", "ETHUSDT-15m"]
    for t in d:
        assert set(t) == {"id", "symbol", "timeframe", "limit", "isLive", "firstTimestamp", "lastTimestamp"}
        assert isinstance(t["isLive"], bool) and isinstance(t["lastTimestamp"], int) and isinstance(t["limit"], int)


def check_entry_gui(e: dict[str, Any]) -> None:
    assert set(e) == ENTRY_KEYS, set(e) ^ ENTRY_KEYS
    assert e["type"] in ("buy", "sell") and e["active"] in ("Y", "N") and e["result"] in ("active", "won", "lost")
    assert isinstance(e["time"], int)
    for k in ("entryPrice", "takeProfit", "stopLoss", "gainPercent", "takePriceReached", "takePercentReached",
              "lossPriceReached", "lossPercentReached"):
        assert isinstance(e[k], NUM), k
    assert isinstance(e["comment"], str)


def check_entries(d: list[dict[str, Any]]) -> None:
    assert [e["id"] for e in d] == [E_ACTIVE.id, E_WON.id]  # both pages
    for e in d:
        check_entry_gui(e)
        assert e["flags"] == {} and e["tags"] == {}
    active, won = d
    assert (active["active"], active["result"]) == ("Y", "active")
    assert (active["closeTime"], active["closePrice"]) == (None, None)
    assert (won["active"], won["result"], won["type"]) == ("N", "won", "sell")
    assert won["closeTime"] == E_WON.close_time_ms and won["closePrice"] == 90750
    assert active["comment"] == "cmt RSI:P MAXPRF:0.83 [at tp]"


def check_orders(d: list[dict[str, Any]]) -> None:
    assert [o["id"] for o in d] == [E_ACTIVE.id, E_WON.id]
    for o in d:
        assert set(o) == ORDER_KEYS, set(o) ^ ORDER_KEYS
        assert o["gain"] == 1.235 and o["wallet"] == 1001.235 and o["stake"] == 5
        assert o["tags"] == {"MRG": {"value": "P"}}
        assert o["comment"] == "plan, cmt,  RSI:P MAXPRF:0.83 [at tp],  MRG:P"


def check_real_orders(d: list[dict[str, Any]]) -> None:
    assert [o["id"] for o in d] == [E_ACTIVE.id]
    assert set(d[0]) == ORDER_KEYS | {"real"}
    assert d[0]["real"]["entry"] == {"id": "101"} and d[0]["real"]["status"] == "open"


def check_entry(d: dict[str, Any]) -> None:
    assert set(d) >= ENTRY_KEYS
    assert d["id"] == E_ACTIVE.id and d["flags"]["rsi14"] == 55.5
    assert d["tags"] == {"RSI": {"value": "P"}, "MAXPRF": {"value": 0.83, "comment": "at tp"}}


def check_plan(d: dict[str, Any]) -> None:
    assert set(d) == PLAN_KEYS
    # JSON numbers (JavaScript reads 10.0 as 10: the decimal point itself is checked on the raw wire)
    for k in ("STAKE_PERCENT", "SIMULT_RISK_PERCENT", "COST_BUY_PERCENT", "COST_SELL_PERCENT"):
        assert isinstance(d[k], NUM) and not isinstance(d[k], bool), k
    for k in ("START_SUM", "STAKE_FIXED", "LEVERAGE"):
        assert isinstance(d[k], int) and d[k] >= 0, k
    assert d["STAKE_MODE"] in ("fixed", "percent")


def check_report(d: list[dict[str, Any]]) -> None:
    assert [r["periodName"] for r in d] == ["2026-01", "TOTAL"]
    for r in d:
        assert set(r) >= REPORT_KEYS
        assert r["gain"] == 1.23 and r["ratio"] == 100 and r["numOrders"] == 2


def equals(expected: Any) -> Callable[[Any], None]:
    def check(d: Any) -> None:
        assert d == expected, d
    return check


def check_vms(d: list[dict[str, Any]]) -> None:
    assert [(v["id"], v["isDefault"], v["selected"]) for v in d] == [("vm-main", True, True), ("vm-alt", False, False)]
    assert d[1]["state"] == "loading" and d[1]["percent"] == 42


# (event, payload, reply event, check); payload ... = emitted without a payload argument
TABLE: list[tuple[str, Any, str, Callable[[Any], None]]] = [
    ("get_chart", {"tickerId": "BTCUSDT-1h"}, "chart", check_chart),
    ("get_flags", {"tickerId": "BTCUSDT-1h"}, "chart_flags", check_flags),
    ("list_tickers", "", "tickers", check_tickers),
    ("list_entries", "1", "entries", check_entries),
    ("list_orders", "1", "orders", check_orders),
    ("list_real_orders", "1", "real_orders", check_real_orders),
    ("get_entry", {"entryId": E_ACTIVE.id}, "entry", check_entry),
    ("get_ep_params", ..., "ep_params", check_plan),
    ("set_ep_params", {"START_SUM": 2000, "STAKE_MODE": "percent", "STAKE_PERCENT": 0.1, "STAKE_FIXED": 5,
                       "LEVERAGE": 10, "SIMULT_RISK_PERCENT": 10.5, "COST_BUY_PERCENT": 0.0004,
                       "COST_SELL_PERCENT": 0.0004, "SYMBOLS": ["BTCUSDT"], "TIMEFRAMES": ["1h"],
                       "STRATEGIES": None, "TAGS": {"RSI": "P"}, "JSCODE": "tag('MAXPRF') >= 1.27"},
     "ep_params_set", check_plan),
    ("get_orders_report", {"dateFrom": None, "dateTo": "2026-02-01T00:00:00.000Z", "interval": "m"},
     "orders_report", check_report),
    ("get_timeframes", ..., "timeframes", equals(["1h", "15m"])),
    ("get_symbols", ..., "symbols", equals(["BTCUSDT", "ETHUSDT"])),
    ("get_strategies", ..., "strategies", equals(["tpcwfma", "cma3sell"])),
    ("get_tags", ..., "tags", equals([{"name": "RSI", "vals": ["P", "F"], "desc": "rsi agrees"},
                                      {"name": "MAXPRF", "vals": [], "desc": "max profit %"},
                                      {"name": "MRG", "vals": ["P", "F"], "desc": "margin"}])),
    ("make_real_order", {"orderId": E_ACTIVE.id}, "new_real_order",
     equals({"entry": {"id": "101"}, "sl": {"id": "102"}, "tp": {"id": "103"}})),
    ("list_vms", "", "vms", check_vms),
]
