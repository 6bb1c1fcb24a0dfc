"""paraclient's payloads ⇄ the parayok.v1 messages: validation of what the client sends and the seed's
reply shapes (paraserver src/clients/WebClients.js, src/vm/VMClientView.js, src/types/Entry.js and
Order.js ``toGUI()``, src/reports/ReportIntervals.js, src/vm/Orders/EntryPlan.js PARAMS_SCHEMA).

Pure translation: no I/O, no grpc. Every validation failure is a :class:`BadRequest` whose text names
the field, sent back to the client in the reply's ``error`` field.
"""

from __future__ import annotations

import json as _json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from google.protobuf import struct_pb2
from google.protobuf.message import Message

from parayok.convert import NAME_TO_TIMEFRAME, timeframe_name
from parayok.v1 import analysis_pb2, broker_pb2, candles_pb2, common_pb2, orders_pb2

Json = Any

DEFAULT_CHART_LIMIT = 1000  # the seed's default when the client sends no limit
MAX_CHART_LIMIT = 10_000

TF_MS: dict[str, int] = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000,
    "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000, "12h": 43_200_000,
    "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000,
}
_SYMBOL = re.compile(r"^[A-Z0-9]{2,32}$")


class BadRequest(ValueError):
    """A payload paraclient (or anyone) sent that cannot be served; the text names the field."""


# ---------------------------------------------------------------------------------------------
# JSON numbers that must keep a fractional part (paraclient's plan form refuses "10", takes "10.5")


class Fractional:
    """A number serialised with a decimal point and never in exponent form (see :mod:`.wire`)."""

    __slots__ = ("text",)

    def __init__(self, value: float) -> None:
        if not math.isfinite(value):
            raise BadRequest(f"not a finite number: {value}")
        self.text = np.format_float_positional(float(value), trim="0")

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fractional) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


# ---------------------------------------------------------------------------------------------
# request payloads


def _obj(payload: Json, event: str) -> Mapping[str, Any]:
    if not isinstance(payload, dict):
        raise BadRequest(f"{event}: the payload must be an object, got {type(payload).__name__}")
    return payload


def parse_ticker_id(value: Json, field: str = "tickerId") -> tuple[str, str]:
    """``"BTCUSDT-1h"`` → ``("BTCUSDT", "1h")``."""
    if not isinstance(value, str):
        raise BadRequest(f"{field}: a string 'SYMBOL-TF' is required")
    symbol, sep, tf = value.partition("-")
    if not sep or not _SYMBOL.match(symbol):
        raise BadRequest(f"{field}: {value[:40]!r} is not 'SYMBOL-TF'")
    if tf not in NAME_TO_TIMEFRAME:
        raise BadRequest(f"{field}: unknown timeframe {tf[:10]!r}")
    return symbol, tf


def _int(value: Json, field: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequest(f"{field}: a number is required")
    if value != int(value):
        raise BadRequest(f"{field}: an integer is required")
    if not lo <= int(value) <= hi:
        raise BadRequest(f"{field}: must be within {lo}..{hi}")
    return int(value)


def _time_ms(value: Json, field: str) -> int:
    """Milliseconds since the epoch, from a number or an ISO 8601 string."""
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadRequest(f"{field}: {value[:40]!r} is not an ISO date") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return int(dt.timestamp() * 1000)
    return _int(value, field, 0, 32_503_680_000_000)  # year 3000


def chart_request(payload: Json) -> tuple[str, str, int, int]:
    """get_chart → (symbol, timeframe, limit, around_ms); around_ms 0 = the newest candles."""
    p = _obj(payload, "get_chart")
    symbol, tf = parse_ticker_id(p.get("tickerId"))
    limit = DEFAULT_CHART_LIMIT if p.get("limit") is None else _int(p["limit"], "limit", 1, MAX_CHART_LIMIT)
    ts = p.get("timestamp")
    around = 0 if ts is None or ts == 0 else _time_ms(ts, "timestamp")
    return symbol, tf, limit, around


def ticker_request(payload: Json, event: str) -> tuple[str, str]:
    return parse_ticker_id(_obj(payload, event).get("tickerId"))


def string_field(payload: Json, event: str, field: str, max_len: int = 200) -> str:
    value = _obj(payload, event).get(field)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise BadRequest(f"{field}: a non-empty string is required")
    return value


_INTERVALS = {
    "h": orders_pb2.REPORT_INTERVAL_HOUR, "d": orders_pb2.REPORT_INTERVAL_DAY,
    "w": orders_pb2.REPORT_INTERVAL_WEEK, "m": orders_pb2.REPORT_INTERVAL_MONTH,
}


def report_request(payload: Json) -> tuple[int, int, int]:
    """get_orders_report {dateFrom, dateTo, interval} → (from_ms, to_ms, interval enum)."""
    p = _obj(payload, "get_orders_report")
    interval = _INTERVALS.get(p.get("interval"))  # type: ignore[arg-type]
    if interval is None:
        raise BadRequest("unknown interval")  # the seed's message
    frm = 0 if p.get("dateFrom") in (None, "") else _time_ms(p["dateFrom"], "dateFrom")
    to = 0 if p.get("dateTo") in (None, "") else _time_ms(p["dateTo"], "dateTo")
    return frm, to, interval


# ---------------------------------------------------------------------------------------------
# plan params (EntryPlan.PARAMS_SCHEMA)

PERCENT_PARAMS = ("STAKE_PERCENT", "SIMULT_RISK_PERCENT", "COST_BUY_PERCENT", "COST_SELL_PERCENT")
INTEGER_PARAMS = ("START_SUM", "STAKE_FIXED", "LEVERAGE")
PLAN_DEFAULTS: dict[str, Any] = {
    "START_SUM": 1000, "STAKE_MODE": "fixed", "STAKE_PERCENT": 0.05, "SIMULT_RISK_PERCENT": 0.1,
    "STAKE_FIXED": 5, "LEVERAGE": 20, "COST_BUY_PERCENT": 0.0004, "COST_SELL_PERCENT": 0.0004,
    "TAGS": None, "SYMBOLS": None, "STRATEGIES": None, "TIMEFRAMES": None, "JSCODE": None,
}
_STAKE_MODES = {"fixed": orders_pb2.STAKE_MODE_FIXED, "percent": orders_pb2.STAKE_MODE_PERCENT}


def plan_to_params(plan: orders_pb2.Plan) -> dict[str, Json]:
    """Plan → the seed's params object, numbers written the way paraclient's form accepts them."""
    mode = "percent" if plan.stake_mode == orders_pb2.STAKE_MODE_PERCENT else "fixed"
    return {
        "START_SUM": max(0, round(plan.start_sum)),
        "STAKE_MODE": mode,
        "STAKE_PERCENT": Fractional(plan.stake_percent),
        "SIMULT_RISK_PERCENT": Fractional(plan.simult_risk_percent),
        "STAKE_FIXED": max(0, round(plan.stake_fixed)),
        "LEVERAGE": max(0, round(plan.leverage)),
        "COST_BUY_PERCENT": Fractional(plan.cost_buy_percent),
        "COST_SELL_PERCENT": Fractional(plan.cost_sell_percent),
        "TAGS": dict(sorted(plan.tags.items())) or None,
        "SYMBOLS": list(plan.symbols) or None,
        "STRATEGIES": list(plan.strategies) or None,
        "TIMEFRAMES": [timeframe_name(t) for t in plan.timeframes] or None,
        "JSCODE": plan.expression or None,
    }


def _number(value: Json, field: str) -> float:
    if isinstance(value, str):  # the form's text inputs, when not packed to numbers
        try:
            value = float(value.strip())
        except ValueError:
            raise BadRequest(f"{field}: a number is required") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequest(f"{field}: a number is required")
    if value < 0:
        raise BadRequest(f"{field}: must not be negative")
    return float(value)


def _names(value: Json, field: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,]+", value) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 64 for v in value):
        raise BadRequest(f"{field}: a list of names is required")
    return list(value)


def _tags(value: Json) -> dict[str, str]:
    if value is None or value == "" or value == {}:
        return {}
    if isinstance(value, str):  # "NAME:VAL, NAME:VAL" as typed in the form
        out: dict[str, str] = {}
        for part in (p for p in re.split(r"[\s,]+", value) if p):
            name, sep, val = part.partition(":")
            if not sep or not name or not val:
                raise BadRequest(f"TAGS: {part[:40]!r} is not NAME:VALUE")
            out[name] = val
        return out
    if not isinstance(value, dict):
        raise BadRequest("TAGS: an object {NAME: VALUE} is required")
    out = {}
    for name, val in value.items():
        if isinstance(val, bool) or not isinstance(val, str | int | float) or not name or len(name) > 64:
            raise BadRequest(f"TAGS: the value of {str(name)[:40]!r} must be a string or a number")
        out[str(name)] = str(val)
    return out


def params_to_plan(payload: Json) -> orders_pb2.Plan:
    """set_ep_params → Plan: the seed's defaults overridden by the keys the client sent."""
    p = dict(PLAN_DEFAULTS)
    p.update({k: v for k, v in _obj(payload, "set_ep_params").items() if k in PLAN_DEFAULTS})
    mode = _STAKE_MODES.get(p["STAKE_MODE"])  # type: ignore[arg-type]
    if mode is None:
        raise BadRequest("STAKE_MODE: 'fixed' or 'percent' is required")
    nums = {k: _number(p[k], k) for k in (*PERCENT_PARAMS, *INTEGER_PARAMS)}
    tfs = []
    for name in _names(p["TIMEFRAMES"], "TIMEFRAMES"):
        if name not in NAME_TO_TIMEFRAME:
            raise BadRequest(f"TIMEFRAMES: unknown timeframe {name[:10]!r}")
        tfs.append(NAME_TO_TIMEFRAME[name])
    code = p["JSCODE"]
    if code is not None and not isinstance(code, str):
        raise BadRequest("JSCODE: a string is required")
    return orders_pb2.Plan(
        start_sum=nums["START_SUM"], stake_mode=mode, stake_fixed=nums["STAKE_FIXED"],  # type: ignore[arg-type]
        stake_percent=nums["STAKE_PERCENT"], leverage=nums["LEVERAGE"],
        cost_buy_percent=nums["COST_BUY_PERCENT"], cost_sell_percent=nums["COST_SELL_PERCENT"],
        simult_risk_percent=nums["SIMULT_RISK_PERCENT"], symbols=_names(p["SYMBOLS"], "SYMBOLS"),
        timeframes=tfs, strategies=_names(p["STRATEGIES"], "STRATEGIES"), tags=_tags(p["TAGS"]),  # type: ignore[arg-type]
        expression=(code or "").strip(),
    )


# ---------------------------------------------------------------------------------------------
# replies


def _plain(value: float) -> float | int:
    """Integral doubles (times, counts in Structs) as ints, so JSON shows 1767571200000, not ….0."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def struct_value(v: struct_pb2.Value) -> Json:
    kind = v.WhichOneof("kind")
    if kind == "struct_value":
        return struct_dict(v.struct_value)
    if kind == "list_value":
        return [struct_value(x) for x in v.list_value.values]
    if kind == "number_value":
        return _plain(v.number_value)
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    return None


def struct_dict(s: struct_pb2.Struct) -> dict[str, Json]:
    return {k: struct_value(v) for k, v in s.fields.items()}


def candles_json(batches: Iterable[candles_pb2.CandleBatch]) -> list[dict[str, Json]]:
    """Columnar batches → the seed's candle objects (openTime, open, high, low, close, volume, closeTime)."""
    out: list[dict[str, Json]] = []
    for b in batches:
        cols = zip(b.open_time, b.open, b.high, b.low, b.close, b.volume, b.close_time, strict=True)
        out.extend({"openTime": ot, "open": o, "high": h, "low": lo, "close": c, "volume": v, "closeTime": ct}
                   for ot, o, h, lo, c, v, ct in cols)
    return out


_CANDLE = '{"openTime":%d,"open":%r,"high":%r,"low":%r,"close":%r,"volume":%r,"closeTime":%d}'


def candles_text(batches: Sequence[candles_pb2.CandleBatch]) -> str:
    """``json.dumps(candles_json(batches))`` (compact separators), written straight from the columns:
    a chart's 1,000 candles are made every cache period while every client waits, and the dicts plus
    the generic encoder cost several times more. ``%r`` of a float is the text json writes for it; a
    column with a non-finite value (json: ``NaN``/``Infinity``) takes the generic path."""
    parts: list[str] = []
    for b in batches:
        # any NaN or infinity makes the sum non-finite (so may an overflow: then the generic path, still right)
        if not math.isfinite(sum(b.open) + sum(b.high) + sum(b.low) + sum(b.close) + sum(b.volume)):
            parts.extend(_json.dumps(c, separators=(",", ":")) for c in candles_json([b]))
            continue
        rows = zip(b.open_time, b.open, b.high, b.low, b.close, b.volume, b.close_time, strict=True)
        parts.extend(_CANDLE % row for row in rows)
    return "[" + ",".join(parts) + "]"


_KIND = {
    analysis_pb2.Annotation.KIND_CIRCLE: "circle", analysis_pb2.Annotation.KIND_LINE: "line",
    analysis_pb2.Annotation.KIND_LABEL: "label", analysis_pb2.Annotation.KIND_ONCHART: "onchart",
    analysis_pb2.Annotation.KIND_OFFCHART: "offchart", analysis_pb2.Annotation.KIND_ENTRY: "entry",
}


def cdebug_json(symbol: str, tf: str, annotations: Sequence[analysis_pb2.Annotation]) -> list[dict[str, Json]]:
    """Annotations → the seed's CandleDebugEntry rows ``{symbol, timeframe, time, entries}``.

    The seed keys a row by the candle's open time; the API gives the close time.
    """
    rows: dict[int, dict[str, Json]] = {}
    length = TF_MS[tf]
    for a in annotations:
        open_time = a.time_ms + 1 - length
        row = rows.get(open_time)
        if row is None:
            row = rows[open_time] = {"symbol": symbol, "timeframe": tf, "time": open_time, "entries": []}
        item: dict[str, Json] = {"type": _KIND.get(a.kind, "unknown")}
        item.update(struct_dict(a.data))
        if a.source and "src" not in item and item["type"] not in ("onchart", "offchart"):
            item["src"] = a.source
        row["entries"].append(item)
    return [rows[t] for t in sorted(rows)]


def ticker_json(t: analysis_pb2.TickerState) -> dict[str, Json]:
    tf = timeframe_name(t.ticker.timeframe)
    return {
        "id": f"{t.ticker.symbol}-{tf}", "symbol": t.ticker.symbol, "timeframe": tf, "limit": t.candles,
        "isLive": t.is_live, "firstTimestamp": t.first_time_ms or None, "lastTimestamp": t.last_time_ms or None,
    }


def tag_value(t: common_pb2.Tag) -> Json:
    return _plain(t.number) if t.WhichOneof("value") == "number" else t.text


def tags_json(tags: Iterable[common_pb2.Tag]) -> dict[str, dict[str, Json]]:
    out: dict[str, dict[str, Json]] = {}
    for t in tags:
        v: dict[str, Json] = {"value": tag_value(t)}
        if t.comment:
            v["comment"] = t.comment
        out[t.name] = v
    return out


def tags_text(tags: Iterable[common_pb2.Tag]) -> str:
    """The seed's tagsStringify: `` NAME:VALUE [comment]`` per tag."""
    return "".join(f" {t.name}:{tag_value(t)}" + (f" [{t.comment}]" if t.comment else "") for t in tags)


_RESULT = {
    common_pb2.ENTRY_RESULT_WON: "won", common_pb2.ENTRY_RESULT_LOST: "lost",
}


def _fnum(value: float, digits: int) -> float:
    return round(value, digits)


def entry_fields(e: analysis_pb2.Entry) -> dict[str, Json]:
    active = e.result not in (common_pb2.ENTRY_RESULT_WON, common_pb2.ENTRY_RESULT_LOST)
    return {
        "id": e.id, "time": e.time_ms, "type": "sell" if e.side == common_pb2.SIDE_SELL else "buy",
        "symbol": e.symbol, "timeframe": timeframe_name(e.timeframe) if e.timeframe else "",
        "strategy": e.strategy, "entryPrice": e.entry_price, "takeProfit": e.take_profit,
        "stopLoss": e.stop_loss, "active": "Y" if active else "N", "result": _RESULT.get(e.result, "active"),
        "closeTime": None if active else e.close_time_ms, "closePrice": None if active else e.close_price,
        "gainPercent": e.gain_percent, "takePriceReached": e.take_price_reached,
        "takePercentReached": e.take_percent_reached, "lossPriceReached": e.loss_price_reached,
        "lossPercentReached": e.loss_percent_reached,
    }


def entry_gui(e: analysis_pb2.Entry) -> dict[str, Json]:
    """Entry.toGUI(): flags and tags stay empty in lists, as in the seed."""
    out = entry_fields(e)
    out.update(comment=e.comment + tags_text(e.tags), flags={}, tags={})
    return out


def entry_detail(e: analysis_pb2.Entry) -> dict[str, Json]:
    """get_entry's reply: the entry with its flag snapshot and tags (flags null when none was kept)."""
    out = entry_fields(e)
    out.update(comment=e.comment + tags_text(e.tags), isLong=e.side != common_pb2.SIDE_SELL,
               currentPrice=e.current_price, tags=tags_json(e.tags),
               flags=struct_dict(e.flags) if e.HasField("flags") and e.flags.fields else None)
    return out


def order_gui(o: orders_pb2.Order) -> dict[str, Json]:
    """Order.toGUI(): the entry's fields, quantity, gain, flags (entry snapshot), dynamic tags, wallet, stake."""
    out = entry_fields(o.entry)
    out["id"] = o.id or o.entry.id
    out.update(
        quantity=o.quantity, gain=_fnum(o.gain, 3),
        flags=struct_dict(o.entry.flags) if o.entry.HasField("flags") else {},
        tags=tags_json(o.tags), wallet=_fnum(o.wallet, 3), stake=_fnum(o.stake, 3),
        comment=", ".join([o.comment, o.entry.comment, tags_text(o.entry.tags), tags_text(o.tags)]),
    )
    return out


_REAL_STATUS = {
    orders_pb2.REAL_ORDER_STATUS_SENT: "sent", orders_pb2.REAL_ORDER_STATUS_OPEN: "open",
    orders_pb2.REAL_ORDER_STATUS_CLOSED: "closed", orders_pb2.REAL_ORDER_STATUS_FAILED: "failed",
}


def real_order_json(r: orders_pb2.RealOrder) -> dict[str, Json]:
    """A real order as the seed's make_real_order result ``{entry:{id}, sl:{id}, tp:{id}}`` plus its state."""
    return {
        "entry": {"id": r.entry_order_id}, "sl": {"id": r.stop_order_id}, "tp": {"id": r.take_order_id},
        "clientOrderId": r.client_order_id, "accountId": r.account_id,
        "status": _REAL_STATUS.get(r.status, "unknown"), "filledQuantity": r.filled_quantity,
        "averagePrice": r.average_price, "exitPrice": r.exit_price, "realizedPnl": r.realized_pnl,
        "error": r.error or None, "updated": r.updated_ms,
    }


def new_real_order_json(r: orders_pb2.RealOrder) -> dict[str, Json] | None:
    """make_real_order's reply: null when nothing was placed, as the seed."""
    if r.status == orders_pb2.REAL_ORDER_STATUS_FAILED or not r.entry_order_id:
        return None
    return {"entry": {"id": r.entry_order_id}, "sl": {"id": r.stop_order_id}, "tp": {"id": r.take_order_id}}


def real_order_gui(o: orders_pb2.Order) -> dict[str, Json]:
    out = order_gui(o)
    out["real"] = real_order_json(o.real)
    return out


def report_row(r: orders_pb2.ReportRow) -> dict[str, Json]:
    return {
        "periodName": r.period_name, "numOrders": r.num_orders, "ratio": _fnum(r.ratio, 2),
        "gain": _fnum(r.gain, 2), "minGain": _fnum(r.min_gain, 2), "maxGain": _fnum(r.max_gain, 2),
        "maxOpenOrders": r.max_open_orders, "numClosed": r.num_closed, "numActive": r.num_active,
    }


def report_json(rep: orders_pb2.Report) -> list[dict[str, Json]]:
    if not rep.rows and rep.total.num_orders == 0:
        return [{"periodName": "No data"}]
    rows = [report_row(r) for r in rep.rows]
    total = report_row(rep.total)
    total["periodName"] = "TOTAL"
    rows.append(total)
    return rows


def tag_descriptions(descs: Iterable[common_pb2.TagDescription]) -> list[dict[str, Json]]:
    return [{"name": d.name, "vals": list(d.vals), "desc": d.desc} for d in descs]


# ---------------------------------------------------------------------------------------------
# pushes (events the seed never had)

_VM_STATE = {
    orders_pb2.VM_STATE_STOPPED: "stopped", orders_pb2.VM_STATE_LOADING: "loading",
    orders_pb2.VM_STATE_LIVE: "live", orders_pb2.VM_STATE_FINISHED: "finished", orders_pb2.VM_STATE_ERROR: "error",
}


def vm_json(vm: orders_pb2.Vm) -> dict[str, Json]:
    return {
        "id": vm.id, "name": vm.name, "symbols": list(vm.symbols),
        "timeframes": [timeframe_name(t) for t in vm.timeframes], "state": _VM_STATE.get(vm.state, "unknown"),
        "percent": vm.progress_percent, "isDefault": vm.is_default, "brokerAccount": vm.broker_account,
        "liveTrading": vm.live_trading, "error": vm.error or None,
    }


def vm_status_json(vm_id: str, s: orders_pb2.VmStatus) -> dict[str, Json]:
    return {"vmId": vm_id, "state": _VM_STATE.get(s.state, "unknown"), "percent": s.progress_percent,
            "error": s.error or None}


def message_json(m: Message) -> dict[str, Json]:
    """Any message as camelCase JSON with int64 kept as numbers and enums as their names."""
    out: dict[str, Json] = {}
    for field, value in m.ListFields():
        key = field.camelcase_name
        if field.type == field.TYPE_MESSAGE:
            if field.is_repeated:
                out[key] = [message_json(v) for v in value]
            else:
                out[key] = message_json(value)
        elif field.type == field.TYPE_ENUM:
            names = field.enum_type.values_by_number
            conv = [names[v].name if v in names else v for v in value] if field.is_repeated \
                else (names[value].name if value in names else value)
            out[key] = conv
        else:
            out[key] = list(value) if field.is_repeated else value
    return out


def account_json(ev: broker_pb2.AccountEvent) -> dict[str, Json]:
    kind = ev.WhichOneof("event") or "unknown"
    return {"accountId": ev.account_id, "time": ev.time_ms, "kind": kind,
            "data": message_json(getattr(ev, kind)) if kind != "unknown" else {}}


def pulse_pushes(batch: candles_pb2.PulseBatch) -> list[tuple[str, str, dict[str, Json]]]:
    """A pulse batch → (room, event, payload) pushes: ``candle`` per closed candle, ``price`` per update."""
    out: list[tuple[str, str, dict[str, Json]]] = []
    syms = list(batch.symbols)
    pi = ci = 0
    for i, pulse_time in enumerate(batch.pulse_time):
        closed = batch.closed[i] if i < len(batch.closed) else True
        for _ in range(batch.price_count[i]):
            sym = syms[batch.price_symbol[pi]]
            out.append((f"price:{sym}", "price", {
                "symbol": sym, "time": pulse_time, "low": batch.price_low[pi], "high": batch.price_high[pi],
                "close": batch.price_close[pi], "closed": closed}))
            pi += 1
        for _ in range(batch.candle_count[i]):
            sym = syms[batch.candle_symbol[ci]]
            tf = timeframe_name(batch.candle_timeframe[ci])
            tid = f"{sym}-{tf}"
            out.append((f"ticker:{tid}", "candle", {"tickerId": tid, "candle": {
                "openTime": batch.open_time[ci], "open": batch.open[ci], "high": batch.high[ci],
                "low": batch.low[ci], "close": batch.close[ci], "volume": batch.volume[ci],
                "closeTime": batch.close_time[ci]}}))
            ci += 1
    return out
