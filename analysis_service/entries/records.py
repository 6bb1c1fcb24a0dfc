"""Entries, signals and closes as records of the seed-reference format (tests/fixtures/README.md:
`signal`, `limit`, `entry`, `entry_rejected`, `close`), field for field as the reference harness
writes them, so our output and the seed's can be diffed line by line."""

from __future__ import annotations

import math
from typing import Any

from analysis_service.engine.entries import EntrySignal
from analysis_service.entries.entry import Entry
from analysis_service.entries.events import EntryClosed, EntryEvent, EntryOpened, EntryRejected, LimitPlaced


def num(v: float) -> Any:
    """Non-finite numbers as the strings "NaN", "Infinity", "-Infinity"."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    return v


def _opt(v: float | None) -> Any:
    return None if v is None else num(v)


def _base(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "strategy": e.strategy,
        "symbol": e.symbol,
        "tf": e.timeframe,
        "time": e.time,
        "type": e.type,
        "entryPrice": num(e.entry_price),
        "stopLoss": num(e.stop_loss),
        "takeProfit": num(e.take_profit),
    }


def signal_record(s: EntrySignal) -> dict[str, Any]:
    return {
        "kind": "signal",
        "strategy": s.strategy,
        "symbol": s.symbol,
        "tf": s.timeframe,
        "time": s.time,
        "type": s.type,
        "isLimit": s.is_limit,
        "entryPrice": num(s.entry_price),
        "stopLoss": _opt(s.stop_loss),
        "takeProfit": _opt(s.take_profit),
    }


def entry_record(e: Entry) -> dict[str, Any]:
    return {
        "kind": "entry",
        **_base(e),
        "isLimit": e.is_limit,
        "openedAt": e.opened_at,
        "openedIn": e.opened_in,
        "tags": {name: t.to_json() for name, t in e.tags.items()},
    }


def limit_record(e: Entry, expire: int) -> dict[str, Any]:
    rec = _base(e)
    del rec["id"]
    return {"kind": "limit", **rec, "expire": expire}


def rejected_record(r: EntryRejected) -> dict[str, Any]:
    return {
        "kind": "entry_rejected",
        "id": r.id,
        "strategy": r.strategy,
        "tf": r.timeframe,
        "time": r.time,
        "type": r.type,
        "isLimit": r.is_limit,
        "at": r.at,
        "reason": r.reason,
    }


def close_record(e: Entry) -> dict[str, Any]:
    return {
        "kind": "close",
        **_base(e),
        "result": e.result,
        "closePrice": _opt(e.close_price),
        "closeTime": e.close_time,
        "gainPercent": num(e.gain_percent),
        "takePriceReached": num(e.take_price_reached),
        "takePercentReached": num(e.take_percent_reached),
        "lossPriceReached": num(e.loss_price_reached),
        "lossPercentReached": num(e.loss_percent_reached),
    }


def event_record(ev: EntryEvent) -> dict[str, Any] | None:
    """The reference record of an emulator event; None for events the seed does not record."""
    if isinstance(ev, EntryOpened):
        return entry_record(ev.entry)
    if isinstance(ev, EntryClosed):
        return close_record(ev.entry)
    if isinstance(ev, LimitPlaced):
        return limit_record(ev.entry, ev.expire)
    if isinstance(ev, EntryRejected):
        return rejected_record(ev)
    return None
