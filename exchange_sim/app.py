"""HTTP and websocket layer: Binance's REST paths, stream paths, and the /_sim admin API.

Everything with meaning lives in sim.py / engine.py / market.py; this module parses requests,
checks keys, signatures, limits and faults, and moves JSON.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, quote

from aiohttp import WSMsgType, web

from . import errors as E
from .clock import wall_ms
from .engine import Account, price_precision
from .errors import ApiError, mandatory
from .faults import Fault
from .intervals import is_valid
from .sim import FUNDING_RATE, KlineSub, MarkSub, SimConfig, Simulator, Sub, next_funding_ms, parse_stream
from .stamps import Stamps

log = logging.getLogger("exchange_sim")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SIM_KEY = web.AppKey("sim", Simulator)


def _dumps(o: Any) -> str:
    return json.dumps(o, separators=(",", ":"))


# ---------------------------------------------------------------------------------------
# websockets
# ---------------------------------------------------------------------------------------
class Conn:
    """One websocket client: its streams, and a queue drained by a writer task so a slow
    client never blocks the simulator."""

    def __init__(self, ws: web.WebSocketResponse, combined: bool, user_key: str | None, stamps: Stamps) -> None:
        self.ws = ws
        self.combined = combined
        self.user_key = user_key  # listen key for user-data connections
        self.stamps = stamps
        self.streams: dict[Sub, str] = {}
        # a message, with the closed kline it carries (stamped when written), or None: stop
        self.queue: asyncio.Queue[tuple[str, tuple[str, str, int] | None] | None] = asyncio.Queue()

    def send(self, payload: dict[str, Any], stream: str, closed_kline: tuple[str, str, int] | None = None) -> None:
        self.queue.put_nowait((_dumps({"stream": stream, "data": payload} if self.combined else payload),
                               closed_kline))

    def reply(self, text: str) -> None:
        """An answer to the client's own message (SUBSCRIBE and the like)."""
        self.queue.put_nowait((text, None))

    def send_raw(self, payload_json: str, stream: str) -> None:
        """A payload already serialized once for every connection (mark prices)."""
        self.queue.put_nowait((f'{{"stream":{_dumps(stream)},"data":{payload_json}}}' if self.combined
                               else payload_json, None))

    async def writer(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None or self.ws.closed:
                return
            try:
                await self.ws.send_str(item[0])
            except (ConnectionError, RuntimeError):
                return
            if item[1] is not None:
                self.stamps.kline_pushed(item[1], time.monotonic_ns())


class Hub:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.conns: set[Conn] = set()
        self.lock = asyncio.Lock()
        sim.add_user_sink(self._user_event)

    def subs(self) -> list[KlineSub]:
        seen: dict[KlineSub, None] = {}
        for c in self.conns:
            for s in c.streams:
                if isinstance(s, KlineSub):
                    seen[s] = None
        return list(seen)

    def mark_symbols(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.conns:
            for s in c.streams:
                if isinstance(s, MarkSub):
                    seen[s.symbol] = None
        return list(seen)

    def _user_event(self, api_key: str, ev: dict[str, Any]) -> None:
        for c in self.conns:
            if c.user_key is None:
                continue
            owner = self.sim.listen_keys.get(c.user_key)
            if owner and owner[0] == api_key:
                c.send(ev, c.user_key)

    async def advance(self) -> None:
        async with self.lock:
            events = self.sim.advance(self.subs())
            for sub, ev in events:
                k = ev["k"]
                closed = (sub.symbol, sub.interval, int(k["T"])) if k["x"] else None
                for c in self.conns:
                    name = c.streams.get(sub)
                    if name is not None:
                        c.send(ev, name, closed)
            if self.sim.moved:
                self._push_marks()
            for key in self.sim.expired_listen_keys():
                await self.expire_key(key)

    def _push_marks(self) -> None:
        marks = self.sim.mark_price_json(self.mark_symbols())
        if not marks:
            return
        for c in self.conns:
            for sub, name in c.streams.items():
                if isinstance(sub, MarkSub) and sub.symbol in marks:
                    c.send_raw(marks[sub.symbol], name)

    async def expire_key(self, key: str) -> None:
        self.sim.listen_keys.pop(key, None)
        for c in list(self.conns):
            if c.user_key == key:
                c.send({"e": "listenKeyExpired", "E": wall_ms(), "listenKey": key}, key)
                c.queue.put_nowait(None)
                await asyncio.sleep(0)
                await _close(c.ws)

    async def drop(self, kind: str) -> int:
        n = 0
        for c in list(self.conns):
            if (kind == "user" and c.user_key is None) or (kind == "market" and c.user_key is not None):
                continue
            n += 1
            c.queue.put_nowait(None)
            await _close(c.ws, code=1006 if kind else 1000)
        return n


async def _close(ws: web.WebSocketResponse, code: int = 1000) -> None:
    """Closes a client's socket. A client that stopped reading is cut after 2 s (aiohttp closes the transport
    when the close times out) instead of holding the clock step (expiry runs under the hub's lock) or shutdown."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2.0):
            await ws.close(code=code)


HUB_KEY = web.AppKey("hub", Hub)
TASK_KEY = web.AppKey("ticker", asyncio.Task)


async def _serve_ws(
    request: web.Request, streams: list[str], combined: bool, user_key: str | None
) -> web.StreamResponse:
    hub = request.app[HUB_KEY]
    if user_key is not None:
        try:
            hub.sim.listen_key_owner(user_key)
        except ApiError:
            raise web.HTTPBadRequest(text=_dumps({"code": -1125, "msg": "This listenKey does not exist."})) from None
    ws = web.WebSocketResponse(heartbeat=180.0)
    await ws.prepare(request)
    conn = Conn(ws, combined, user_key, hub.sim.stamps)
    for s in streams:
        sub = parse_stream(s)
        if sub is not None:
            conn.streams[sub] = s
    hub.conns.add(conn)
    writer = asyncio.create_task(conn.writer())
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            _handle_client_msg(conn, msg.data)
    finally:
        hub.conns.discard(conn)
        conn.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await writer
    return ws


def _handle_client_msg(conn: Conn, data: str) -> None:
    """SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS as Binance's stream servers accept them."""
    try:
        req = json.loads(data)
        method = req.get("method")
        rid = req.get("id")
        params = req.get("params") or []
    except (ValueError, AttributeError):
        conn.reply(_dumps({"error": {"code": 3, "msg": "Invalid JSON"}}))
        return
    if method == "SUBSCRIBE":
        for s in params:
            sub = parse_stream(s)
            if sub is not None:
                conn.streams[sub] = s
        conn.reply(_dumps({"result": None, "id": rid}))
    elif method == "UNSUBSCRIBE":
        for s in params:
            sub = parse_stream(s)
            if sub is not None:
                conn.streams.pop(sub, None)
        conn.reply(_dumps({"result": None, "id": rid}))
    elif method == "LIST_SUBSCRIPTIONS":
        conn.reply(_dumps({"result": list(conn.streams.values()), "id": rid}))
    else:
        conn.reply(
            _dumps({"error": {"code": 2, "msg": f"Invalid request: unknown method {method}"}, "id": rid})
        )


async def ws_single(request: web.Request) -> web.StreamResponse:
    stream = request.match_info.get("stream", "")
    hub = request.app[HUB_KEY]
    lk = request.query.get("listenKey")
    if lk:
        return await _serve_ws(request, [], False, lk)
    if stream and stream in hub.sim.listen_keys:
        return await _serve_ws(request, [], False, stream)
    return await _serve_ws(request, [s for s in stream.split("/") if s], False, None)


async def ws_combined(request: web.Request) -> web.StreamResponse:
    streams = [s for s in request.query.get("streams", "").split("/") if s]
    hub = request.app[HUB_KEY]
    lk = request.query.get("listenKey")
    keys = [s for s in streams if s in hub.sim.listen_keys]
    if lk or keys:
        return await _serve_ws(request, [], True, lk or keys[0])
    return await _serve_ws(request, streams, True, None)


# ---------------------------------------------------------------------------------------
# REST plumbing
# ---------------------------------------------------------------------------------------
class Req:
    """A parsed Binance request: merged params and the account it is signed for."""

    def __init__(self, params: dict[str, str], account: Account | None) -> None:
        self.params = params
        self.account = account

    @property
    def acct(self) -> Account:
        assert self.account is not None
        return self.account


def _raw_parts(request: web.Request, body: str) -> tuple[str, str]:
    raw = request.raw_path
    q = raw.split("?", 1)[1] if "?" in raw else ""
    return q, body


def _signature_ok(secret: str, q: str, body: str, sig: str) -> bool:
    def strip(raw: str) -> list[str]:
        return [p for p in raw.split("&") if p and not p.startswith("signature=")]

    qs, bs = strip(q), strip(body)
    pairs = parse_qsl(q, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True)
    pairs = [(k, v) for k, v in pairs if k != "signature"]
    candidates = {
        "&".join(qs + bs),
        "&".join(qs) + "&".join(bs),
        "&".join(f"{k}={v}" for k, v in pairs),
        "&".join(f"{k}={quote(v) if k == 'symbol' else v}" for k, v in pairs),
    }
    for c in candidates:
        mac = hmac.new(secret.encode(), c.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(mac, sig.lower()):
            return True
    return False


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=_dumps(data), status=status, content_type="application/json", headers=headers)


def _err(e: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    return _json(e.body(), status=e.status, headers=headers)


def klines_weight(limit: int) -> int:
    if limit < 100:
        return 1
    if limit < 500:
        return 2
    if limit <= 1000:
        return 5
    return 10


Weight = int | Callable[[dict[str, str]], int]


def endpoint(
    weight: Weight = 1,
    security: str = "NONE",  # NONE | USER_STREAM (key only) | SIGNED
    orders: int | Callable[[dict[str, str]], int] = 0,
) -> Callable[[Callable[[Simulator, Req], Any]], Handler]:
    """Wrap a domain call with Binance's request pipeline."""

    def deco(fn: Callable[[Simulator, Req], Any]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            sim = request.app[SIM_KEY]
            hub = request.app[HUB_KEY]
            ip = request.remote or "127.0.0.1"
            body = await request.text() if request.can_read_body else ""
            q, b = _raw_parts(request, body)
            params: dict[str, str] = {}
            for k, v in parse_qsl(q, keep_blank_values=True) + parse_qsl(b, keep_blank_values=True):
                params[k] = v
            wall = wall_ms()
            acct: Account | None = None
            headers: dict[str, str] = {}

            def stamp() -> dict[str, str]:
                headers["X-MBX-USED-WEIGHT-1M"] = str(sim.limiter.used_weight(ip, wall))
                c10, c60 = sim.limiter.order_counts(acct.api_key if acct else "", wall)
                headers["X-MBX-ORDER-COUNT-10S"] = str(c10)
                headers["X-MBX-ORDER-COUNT-1M"] = str(c60)
                return headers

            fault = sim.faults.take(request.method, request.path)
            if fault is not None and fault.kind == "close":
                if request.transport is not None:
                    request.transport.close()
                raise ConnectionResetError("exchange_sim fault: connection closed")
            if fault is not None and fault.kind == "timeout":
                await asyncio.sleep(fault.seconds)
                return _json(
                    {
                        "code": -1007,
                        "msg": "Timeout waiting for response from backend server. "
                        "Send status unknown; execution status unknown.",
                    },
                    503,
                    stamp(),
                )
            if fault is not None and fault.kind == "503":
                return _json({"code": -1001, "msg": "Service Unavailable."}, 503, stamp())
            try:
                w = weight(params) if callable(weight) else weight
                verdict = sim.limiter.charge(ip, w, wall)
                if verdict.status == 418:
                    raise ApiError(
                        -1003,
                        f"Way too many requests; IP({ip}) banned until {verdict.banned_until}. "
                        "Please use the websocket for live updates to avoid bans.",
                        418,
                    )
                if verdict.status == 429 or (fault is not None and fault.kind == "429"):
                    headers["Retry-After"] = str(verdict.retry_after or 1)
                    raise ApiError(
                        -1003,
                        f"Too many requests; current limit of IP({ip}) is {sim.limiter.cfg.weight_1m} requests "
                        "per minute. Please use the websocket for live updates to avoid polling the API.",
                        429,
                    )
                if security != "NONE":
                    key = request.headers.get("X-MBX-APIKEY")
                    if not key:
                        raise ApiError(-2014, "API-key format invalid.", 401)
                    acct = sim.engine.accounts.get(key)
                    if acct is None:
                        raise ApiError(*E.INVALID_KEY, 401)
                if security == "SIGNED":
                    assert acct is not None
                    if fault is not None and fault.kind == "1021":
                        raise ApiError(*E.OUTSIDE_RECV)
                    _check_signed(sim, acct, params, q, b)
                n_orders = orders(params) if callable(orders) else orders
                if n_orders and acct is not None:
                    ov = sim.limiter.charge_orders(acct.api_key, n_orders, wall)
                    if ov.status == 429:
                        headers["Retry-After"] = str(ov.retry_after)
                        raise ApiError(
                            -1015,
                            f"Too many new orders; current limit is {sim.limiter.cfg.orders_10s} orders "
                            "per TEN_SECONDS.",
                            429,
                        )
                async with hub.lock:
                    result = fn(sim, Req(params, acct))
            except ApiError as e:
                return _err(e, stamp())
            if fault is not None and fault.kind == "accept_503":
                return _json({"code": -1001, "msg": "Service Unavailable."}, 503, stamp())
            return _json(result, 200, stamp())

        return handler

    return deco


def _check_signed(sim: Simulator, acct: Account, params: dict[str, str], q: str, b: str) -> None:
    sig = params.get("signature")
    ts_raw = params.get("timestamp")
    if not ts_raw:
        raise mandatory("timestamp")
    if not sig:
        raise mandatory("signature")
    try:
        ts = int(ts_raw)
        recv = int(params.get("recvWindow", "5000"))
    except ValueError as exc:
        raise mandatory("timestamp") from exc
    if recv > 60_000 or recv <= 0:
        raise ApiError(-1131, "recvWindow must be less than 60000")
    if not _signature_ok(acct.secret, q, b, sig):
        raise ApiError(*E.INVALID_SIGNATURE)
    # A client may sync to either clock: the wall clock (sync Client) or /fapi/v1/time, which
    # is the simulation clock (AsyncClient.create measures that offset).
    refs = (wall_ms(), sim.now())
    ok = any(r - recv <= ts <= r + 1000 for r in refs)
    if not ok:
        ahead = all(ts > r + 1000 for r in refs)
        raise ApiError(*(E.AHEAD_RECV if ahead else E.OUTSIDE_RECV))


# ---------------------------------------------------------------------------------------
# market data
# ---------------------------------------------------------------------------------------
def _symbol(sim: Simulator, params: dict[str, str], key: str = "symbol") -> str:
    s = params.get(key)
    if not s:
        raise mandatory(key)
    if s not in sim.market.specs:
        raise ApiError(*E.INVALID_SYMBOL)
    return s


def _int(params: dict[str, str], key: str) -> int | None:
    v = params.get(key)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise ApiError(
            -1100, f"Illegal characters found in parameter '{key}'; legal range is '^[0-9]{{1,20}}$'."
        ) from None


def _klines(sim: Simulator, params: dict[str, str], symbol: str) -> list[list[object]]:
    interval = params.get("interval")
    if not interval:
        raise mandatory("interval")
    if not is_valid(interval):
        raise ApiError(*E.INVALID_INTERVAL)
    limit = _int(params, "limit") or 500
    if limit > 1500 or limit < 1:
        raise ApiError(-1130, "Data sent for parameter 'limit' is not valid.")
    start, end = _int(params, "startTime"), _int(params, "endTime")
    if start is not None and end is not None and start > end:
        raise ApiError(-1023, "Start time is greater than end time.")
    cs = sim.market.klines(symbol, interval, sim.now(), start=start, end=end, limit=limit)
    return sim.market.format_rows(symbol, cs)


def _limit_weight(p: dict[str, str]) -> int:
    try:
        return klines_weight(int(p.get("limit") or 500))
    except ValueError:
        return 1


@endpoint(_limit_weight)
def h_klines(sim: Simulator, r: Req) -> Any:
    return _klines(sim, r.params, _symbol(sim, r.params))


@endpoint(_limit_weight)
def h_continuous(sim: Simulator, r: Req) -> Any:
    pair = _symbol(sim, r.params, "pair")
    ct = r.params.get("contractType")
    if not ct:
        raise mandatory("contractType")
    if ct != "PERPETUAL":
        raise E.bad_value("contractType")
    return _klines(sim, r.params, pair)


@endpoint(1)
def h_ping(sim: Simulator, r: Req) -> Any:
    return {}


@endpoint(1)
def h_time(sim: Simulator, r: Req) -> Any:
    return {"serverTime": sim.now()}


def exchange_info(sim: Simulator) -> dict[str, Any]:
    lim = sim.limiter.cfg
    symbols = []
    for s, sp in sim.market.specs.items():
        symbols.append(
            {
                "symbol": s,
                "pair": s,
                "contractType": "PERPETUAL",
                "deliveryDate": 4133404800000,
                "onboardDate": sp.listed_ms,
                "status": "TRADING",
                "maintMarginPercent": "2.5000",
                "requiredMarginPercent": "5.0000",
                "baseAsset": sp.base_asset,
                "quoteAsset": "USDT",
                "marginAsset": "USDT",
                "pricePrecision": price_precision(sp),
                "quantityPrecision": sp.qty_dp,
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "underlyingType": "COIN",
                "underlyingSubType": [],
                "triggerProtect": "0.0500",
                "liquidationFee": "0.012500",
                "marketTakeBound": "0.05",
                "maxMoveOrderLimit": 10000,
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": str(sp.min_price),
                        "maxPrice": str(sp.max_price),
                        "tickSize": str(sp.tick),
                    },
                    {
                        "filterType": "LOT_SIZE",
                        "minQty": str(sp.min_qty),
                        "maxQty": str(sp.max_qty),
                        "stepSize": str(sp.step),
                    },
                    {
                        "filterType": "MARKET_LOT_SIZE",
                        "minQty": str(sp.min_qty),
                        "maxQty": str(sp.market_max_qty),
                        "stepSize": str(sp.step),
                    },
                    {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                    {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                    {"filterType": "MIN_NOTIONAL", "notional": str(sp.min_notional)},
                    {
                        "filterType": "PERCENT_PRICE",
                        "multiplierUp": "1.0500" if sp.price_dp > 0 else "1.1500",
                        "multiplierDown": "0.9500" if sp.price_dp > 0 else "0.8500",
                        "multiplierDecimal": "4",
                    },
                ],
                "orderTypes": [
                    "LIMIT",
                    "MARKET",
                    "STOP",
                    "STOP_MARKET",
                    "TAKE_PROFIT",
                    "TAKE_PROFIT_MARKET",
                    "TRAILING_STOP_MARKET",
                ],
                "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
                "permissionSets": ["GRID", "COPY"],
            }
        )
    return {
        "timezone": "UTC",
        "serverTime": sim.now(),
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": lim.weight_1m},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": lim.orders_1m},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": lim.orders_10s},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": symbols,
    }


@endpoint(1)
def h_exchange_info(sim: Simulator, r: Req) -> Any:
    return exchange_info(sim)


def _ticker(sim: Simulator, s: str) -> dict[str, Any]:
    now = sim.now()
    sp = sim.market.specs[s]
    start = now - 86_400_000
    m = sim.market.minutes(s, start - start % 60_000, now + 1, now)
    if len(m) == 0:
        return {"symbol": s}
    o = int(m.o[0])
    c = int(m.c[-1])
    hi = int(max(m.o.max(), m.c.max(), m.x1.max(), m.x2.max()))
    lo = int(min(m.o.min(), m.c.min(), m.x1.min(), m.x2.min()))
    vdp = sim.market.source.vol_dp.get(s, sp.qty_dp)
    qdp = sim.market.source.quote_dp.get(s, sp.qty_dp + sp.price_dp)
    v = int(m.v.sum())
    qv = int(m.q.sum())
    chg = Decimal(c - o).scaleb(-sp.price_dp)
    pct = (Decimal(c - o) / Decimal(o) * 100).quantize(Decimal("0.001"))
    wavg = Decimal(qv).scaleb(-qdp) / Decimal(v).scaleb(-vdp) if v else Decimal(0)
    from .symbols import fmt_units

    return {
        "symbol": s,
        "priceChange": str(chg),
        "priceChangePercent": str(pct),
        "weightedAvgPrice": str(wavg.quantize(sp.tick)),
        "lastPrice": sp.price_str(c),
        "lastQty": sp.qty_str(1),
        "openPrice": sp.price_str(o),
        "highPrice": sp.price_str(hi),
        "lowPrice": sp.price_str(lo),
        "volume": fmt_units(v, vdp),
        "quoteVolume": fmt_units(qv, qdp),
        "openTime": int(m.t[0]),
        "closeTime": now,
        "firstId": 1,
        "lastId": int(m.n.sum()),
        "count": int(m.n.sum()),
    }


@endpoint(lambda p: 1 if p.get("symbol") else 40)
def h_ticker24(sim: Simulator, r: Req) -> Any:
    if r.params.get("symbol"):
        return _ticker(sim, _symbol(sim, r.params))
    return [_ticker(sim, s) for s in sim.market.specs]


def _premium(sim: Simulator, s: str) -> dict[str, Any]:
    now = sim.now()
    sp = sim.market.specs[s]
    p = sp.price_str(sim.market.price(s, now))
    nxt = next_funding_ms(now)
    return {
        "symbol": s,
        "markPrice": p,
        "indexPrice": p,
        "estimatedSettlePrice": p,
        "lastFundingRate": FUNDING_RATE,
        "interestRate": FUNDING_RATE,
        "nextFundingTime": nxt,
        "time": now,
    }


@endpoint(1)
def h_premium(sim: Simulator, r: Req) -> Any:
    if r.params.get("symbol"):
        return _premium(sim, _symbol(sim, r.params))
    return [_premium(sim, s) for s in sim.market.specs]


@endpoint(1)
def h_ticker_price(sim: Simulator, r: Req) -> Any:
    def one(s: str) -> dict[str, Any]:
        now = sim.now()
        return {"symbol": s, "price": sim.market.specs[s].price_str(sim.market.price(s, now)), "time": now}

    if r.params.get("symbol"):
        return one(_symbol(sim, r.params))
    return [one(s) for s in sim.market.specs]


# ---------------------------------------------------------------------------------------
# trading
# ---------------------------------------------------------------------------------------
@endpoint(0, "SIGNED", orders=1)
def h_new_order(sim: Simulator, r: Req) -> Any:
    received = time.monotonic_ns()
    ev = sim.engine.new_order(r.acct, r.params, sim.now())
    sim.stamps.order_received(str(ev.get("clientOrderId", "")), received)
    return ev


@endpoint(0, "SIGNED")
def h_test_order(sim: Simulator, r: Req) -> Any:
    sim.engine.new_order(r.acct, r.params, sim.now(), validate_only=True)
    return {}


@endpoint(1, "SIGNED")
def h_get_order(sim: Simulator, r: Req) -> Any:
    return sim.engine.get_order(r.acct, r.params)


@endpoint(1, "SIGNED")
def h_cancel_order(sim: Simulator, r: Req) -> Any:
    return sim.engine.cancel_order(r.acct, r.params, sim.now())


@endpoint(lambda p: 1 if p.get("symbol") else 40, "SIGNED")
def h_open_orders(sim: Simulator, r: Req) -> Any:
    return sim.engine.open_orders(r.acct, r.params)


@endpoint(5, "SIGNED")
def h_all_orders(sim: Simulator, r: Req) -> Any:
    return sim.engine.all_orders(r.acct, r.params)


@endpoint(1, "SIGNED")
def h_cancel_all(sim: Simulator, r: Req) -> Any:
    return sim.engine.cancel_all(r.acct, r.params, sim.now())


def _batch_list(raw: str | None) -> list[dict[str, Any]]:
    if not raw:
        raise mandatory("batchOrders")
    try:
        items = json.loads(raw)
    except ValueError:
        try:
            items = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            raise mandatory("batchOrders") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise mandatory("batchOrders")
    if len(items) > 5:
        raise E.bad_value("batchOrders")
    return items


def _batch_count(p: dict[str, str]) -> int:
    try:
        return max(1, len(_batch_list(p.get("batchOrders"))))
    except ApiError:
        return 1


@endpoint(5, "SIGNED", orders=_batch_count)
def h_batch(sim: Simulator, r: Req) -> Any:
    out: list[Any] = []
    for item in _batch_list(r.params.get("batchOrders")):
        p = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in item.items()}
        try:
            out.append(sim.engine.new_order(r.acct, p, sim.now()))
        except ApiError as e:
            out.append(e.body())
    return out


@endpoint(0, "SIGNED", orders=1)
def h_new_algo(sim: Simulator, r: Req) -> Any:
    return sim.engine.new_algo(r.acct, r.params, sim.now())


@endpoint(1, "SIGNED")
def h_get_algo(sim: Simulator, r: Req) -> Any:
    return sim.engine.get_algo(r.acct, r.params)


@endpoint(1, "SIGNED")
def h_cancel_algo(sim: Simulator, r: Req) -> Any:
    return sim.engine.cancel_algo(r.acct, r.params, sim.now())


@endpoint(lambda p: 1 if p.get("symbol") else 40, "SIGNED")
def h_open_algos(sim: Simulator, r: Req) -> Any:
    return sim.engine.open_algos(r.acct, r.params)


@endpoint(5, "SIGNED")
def h_all_algos(sim: Simulator, r: Req) -> Any:
    return sim.engine.all_algos(r.acct, r.params)


@endpoint(1, "SIGNED")
def h_cancel_all_algos(sim: Simulator, r: Req) -> Any:
    return sim.engine.cancel_all_algos(r.acct, r.params, sim.now())


def _versioned(fn: Callable[[Simulator, Req, int], Any], version: int) -> Callable[[Simulator, Req], Any]:
    def inner(sim: Simulator, r: Req) -> Any:
        return fn(sim, r, version)

    return inner


def _account(sim: Simulator, r: Req, v: int) -> Any:
    return sim.engine.account(r.acct, sim.now(), v)


def _balance(sim: Simulator, r: Req, v: int) -> Any:
    return sim.engine.balance(r.acct, sim.now())


def _position_risk(sim: Simulator, r: Req, v: int) -> Any:
    if r.params.get("symbol"):
        _symbol(sim, r.params)
    return sim.engine.position_risk(r.acct, r.params, sim.now(), v)


@endpoint(1, "SIGNED")
def h_leverage(sim: Simulator, r: Req) -> Any:
    return sim.engine.set_leverage(r.acct, r.params)


@endpoint(1, "SIGNED")
def h_margin_type(sim: Simulator, r: Req) -> Any:
    return sim.engine.set_margin_type(r.acct, r.params)


@endpoint(1, "SIGNED")
def h_dual_set(sim: Simulator, r: Req) -> Any:
    return sim.engine.set_dual(r.acct, r.params)


@endpoint(30, "SIGNED")
def h_dual_get(sim: Simulator, r: Req) -> Any:
    return {"dualSidePosition": r.acct.dual}


@endpoint(5, "SIGNED")
def h_user_trades(sim: Simulator, r: Req) -> Any:
    return sim.engine.user_trades(r.acct, r.params)


@endpoint(1, "SIGNED")
def h_commission(sim: Simulator, r: Req) -> Any:
    s = _symbol(sim, r.params)
    return {
        "symbol": s,
        "makerCommissionRate": str(sim.engine.maker_fee),
        "takerCommissionRate": str(sim.engine.taker_fee),
    }


@endpoint(1, "USER_STREAM")
def h_listen_create(sim: Simulator, r: Req) -> Any:
    return {"listenKey": sim.listen_key_create(r.acct.api_key)}


@endpoint(1, "USER_STREAM")
def h_listen_keepalive(sim: Simulator, r: Req) -> Any:
    key = r.params.get("listenKey")
    if not key:
        # Binance keeps the account's current key alive when none is given
        for k, (owner, exp) in sim.listen_keys.items():
            if owner == r.acct.api_key and exp > wall_ms():
                key = k
        if not key:
            raise ApiError(*E.LISTEN_KEY_UNKNOWN)
    sim.listen_key_keepalive(r.acct.api_key, key)
    return {"listenKey": key}


@endpoint(1, "USER_STREAM")
def h_listen_delete(sim: Simulator, r: Req) -> Any:
    key = r.params.get("listenKey")
    if not key:
        for k, (owner, _) in list(sim.listen_keys.items()):
            if owner == r.acct.api_key:
                key = k
        if not key:
            raise ApiError(*E.LISTEN_KEY_UNKNOWN)
    sim.listen_key_delete(r.acct.api_key, key)
    return {}


# ---------------------------------------------------------------------------------------
# admin
# ---------------------------------------------------------------------------------------
async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        d = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text=_dumps({"error": "body must be JSON"})) from None
    if not isinstance(d, dict):
        raise web.HTTPBadRequest(text=_dumps({"error": "body must be a JSON object"}))
    return d


def _admin_err(msg: str) -> web.Response:
    return _json({"error": msg}, 400)


async def a_stamps(request: web.Request) -> web.StreamResponse:
    return _json(request.app[SIM_KEY].stamps.as_json())


async def a_state(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    return _json(sim.state())


async def a_clock(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    hub = request.app[HUB_KEY]
    d = await _body(request)
    try:
        if "speed" in d:
            sim.clock.set_speed(float(d["speed"]))
        if "time" in d:
            sim.clock.set_time(int(d["time"]))
        step = int(d.get("step_ms", 0)) + int(d.get("step_seconds", 0)) * 1000 + int(d.get("step_minutes", 0)) * 60_000
        if step:
            sim.clock.step(step)
    except (ValueError, TypeError) as e:
        return _admin_err(str(e))
    await hub.advance()
    return _json({"now": sim.now(), "speed": sim.clock.speed})


async def a_price(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    hub = request.app[HUB_KEY]
    d = await _body(request)
    sym = str(d.get("symbol", ""))
    sp = sim.market.specs.get(sym)
    if sp is None:
        return _admin_err(f"unknown symbol {sym!r}")
    try:
        ticks = int((Decimal(str(d["price"])) / sp.tick).to_integral_value())
    except (KeyError, InvalidOperation):
        return _admin_err("price required")
    async with hub.lock:
        now = sim.now()
        # the jump is a point on the price path: orders resting across it execute at advance
        sim.engine.advance(sim.last_advance, now)
        sim.last_advance = now
        sim.market.set_price(sym, now + 1, ticks)
    if sim.clock.speed == 0:
        sim.clock.step(1)  # a frozen clock must move for the new price to be "now"
    await hub.advance()
    return _json({"symbol": sym, "price": sp.price_str(sim.market.price(sym, sim.now()))})


async def a_faults(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    if request.method == "DELETE":
        sim.faults.clear()
        return _json({"faults": []})
    if request.method == "GET":
        return _json({"faults": sim.faults.pending(), "fired": sim.faults.fired})
    d = await _body(request)
    try:
        sim.faults.add(
            Fault(
                kind=str(d.get("kind")),
                count=int(d.get("count", 1)),
                path=d.get("path"),
                method=d.get("method"),
                seconds=float(d.get("seconds", 30.0)),
            )
        )
    except (ValueError, TypeError) as e:
        return _admin_err(str(e))
    return _json({"faults": sim.faults.pending()})


async def a_reject(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    d = await _body(request)
    enabled = bool(d.get("enabled", True))
    sim.engine.reject_new_orders = str(d.get("msg", "Order rejected by exchange_sim.")) if enabled else None
    return _json({"reject_new_orders": sim.engine.reject_new_orders})


async def a_fill(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    hub = request.app[HUB_KEY]
    d = await _body(request)
    try:
        oid = int(d["orderId"])
        qty = Decimal(str(d["quantity"])) if d.get("quantity") is not None else None
    except (KeyError, ValueError, InvalidOperation):
        return _admin_err("orderId required, quantity optional")
    async with hub.lock:
        try:
            res = sim.engine.fill_partial(oid, qty, sim.now())
        except ApiError as e:
            return _err(e)
    return _json(res)


async def a_drop_ws(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB_KEY]
    d = await _body(request)
    n = await hub.drop(str(d.get("kind", "all")))
    return _json({"dropped": n})


async def a_expire(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    hub = request.app[HUB_KEY]
    d = await _body(request)
    keys = sim.expire_listen_keys(d.get("listenKey"))
    for k in keys:
        await hub.expire_key(k)
    return _json({"expired": keys})


async def a_limits(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM_KEY]
    d = await _body(request)
    cfg = sim.limiter.cfg
    for name in ("weight_1m", "orders_10s", "orders_1m", "ban_after", "ban_seconds"):
        if name in d:
            setattr(cfg, name, int(d[name]))
    if d.get("reset", True):
        sim.limiter.reset()
    return _json({k: getattr(cfg, k) for k in ("weight_1m", "orders_10s", "orders_1m", "ban_after", "ban_seconds")})


# ---------------------------------------------------------------------------------------
# app
# ---------------------------------------------------------------------------------------
async def _ticker_loop(app: web.Application) -> None:
    hub = app[HUB_KEY]
    interval = app[SIM_KEY].cfg.push_interval
    while True:
        await asyncio.sleep(interval)
        try:
            if hub.sim.clock.speed > 0 or hub.conns or hub.sim.expired_listen_keys():
                await hub.advance()
        except Exception:  # the loop must survive one bad tick; the error is logged
            log.exception("advance failed")


async def _on_startup(app: web.Application) -> None:
    app[TASK_KEY] = asyncio.create_task(_ticker_loop(app))


async def _on_shutdown(app: web.Application) -> None:
    app[TASK_KEY].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app[TASK_KEY]
    await app[HUB_KEY].drop("all")


def build_app(sim: Simulator | SimConfig | None = None) -> web.Application:
    if sim is None:
        sim = Simulator(SimConfig())
    elif isinstance(sim, SimConfig):
        sim = Simulator(sim)
    app = web.Application()
    app[SIM_KEY] = sim
    app[HUB_KEY] = Hub(sim)
    r = app.router
    f = "/fapi/v1"
    r.add_get(f + "/ping", h_ping)
    r.add_get(f + "/time", h_time)
    r.add_get(f + "/exchangeInfo", h_exchange_info)
    r.add_get(f + "/klines", h_klines)
    r.add_get(f + "/continuousKlines", h_continuous)
    r.add_get(f + "/ticker/24hr", h_ticker24)
    r.add_get(f + "/ticker/price", h_ticker_price)
    r.add_get("/fapi/v2/ticker/price", h_ticker_price)
    r.add_get(f + "/premiumIndex", h_premium)
    r.add_post(f + "/order", h_new_order)
    r.add_post(f + "/order/test", h_test_order)
    r.add_get(f + "/order", h_get_order)
    r.add_delete(f + "/order", h_cancel_order)
    r.add_get(f + "/openOrders", h_open_orders)
    r.add_get(f + "/allOrders", h_all_orders)
    r.add_delete(f + "/allOpenOrders", h_cancel_all)
    r.add_post(f + "/batchOrders", h_batch)
    r.add_post(f + "/algoOrder", h_new_algo)
    r.add_get(f + "/algoOrder", h_get_algo)
    r.add_delete(f + "/algoOrder", h_cancel_algo)
    r.add_get(f + "/openAlgoOrders", h_open_algos)
    r.add_get(f + "/allAlgoOrders", h_all_algos)
    r.add_delete(f + "/algoOpenOrders", h_cancel_all_algos)
    for v in (2, 3):
        r.add_get(f"/fapi/v{v}/account", endpoint(5, "SIGNED")(_versioned(_account, v)))
        r.add_get(f"/fapi/v{v}/balance", endpoint(5, "SIGNED")(_versioned(_balance, v)))
        r.add_get(f"/fapi/v{v}/positionRisk", endpoint(5, "SIGNED")(_versioned(_position_risk, v)))
    r.add_post(f + "/leverage", h_leverage)
    r.add_post(f + "/marginType", h_margin_type)
    r.add_post(f + "/positionSide/dual", h_dual_set)
    r.add_get(f + "/positionSide/dual", h_dual_get)
    r.add_get(f + "/userTrades", h_user_trades)
    r.add_get(f + "/commissionRate", h_commission)
    r.add_post(f + "/listenKey", h_listen_create)
    r.add_put(f + "/listenKey", h_listen_keepalive)
    r.add_delete(f + "/listenKey", h_listen_delete)
    for prefix in ("", "/market", "/public", "/private"):
        r.add_get(prefix + "/ws", ws_single)
        r.add_get(prefix + "/ws/{stream:.*}", ws_single)
        r.add_get(prefix + "/stream", ws_combined)
    r.add_get("/_sim/state", a_state)
    r.add_get("/_sim/stamps", a_stamps)
    r.add_post("/_sim/clock", a_clock)
    r.add_post("/_sim/price", a_price)
    r.add_route("*", "/_sim/faults", a_faults)
    r.add_post("/_sim/reject_orders", a_reject)
    r.add_post("/_sim/fill", a_fill)
    r.add_post("/_sim/drop_ws", a_drop_ws)
    r.add_post("/_sim/expire_listen_keys", a_expire)
    r.add_post("/_sim/limits", a_limits)
    app.on_startup.append(_on_startup)
    app.on_shutdown.append(_on_shutdown)
    return app
