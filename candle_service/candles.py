"""Domain types of the candle service: columnar candle series, time ranges, symbol info.

Times are Unix epoch milliseconds (UTC) in ``int64`` everywhere, as Binance sends them: no time
zone can creep in, numpy works on them without conversion and the continuity rule
``prev.close_time + 1 == next.open_time`` is plain integer arithmetic.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Field order of a candle, which is also the Binance kline row order minus the trailing ``ignore``.
CANDLE_FIELDS: tuple[str, ...] = (
    "open_time",
    "close_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "quote_volume",
    "trades",
    "taker_buy_base",
    "taker_buy_quote",
)
INT_FIELDS: frozenset[str] = frozenset({"open_time", "close_time", "trades"})


def field_dtype(name: str) -> np.dtype[Any]:
    return np.dtype(np.int64) if name in INT_FIELDS else np.dtype(np.float64)


@dataclass(eq=False)
class CandleColumns:
    """One series (symbol × timeframe) of candles as parallel numpy arrays, sorted by ``open_time``.

    Used for inserts and reads alike, so a year of 1m candles never becomes half a million Python
    objects. Construction coerces to the canonical dtypes and checks that all arrays have one length.
    """

    symbol: str
    timeframe: str
    open_time: I64
    close_time: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    quote_volume: F64
    trades: I64
    taker_buy_base: F64
    taker_buy_quote: F64

    FIELDS: ClassVar[tuple[str, ...]] = CANDLE_FIELDS

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not self.symbol:
            raise ValueError(f"symbol: expected a non-empty string, got {self.symbol!r}")
        if not isinstance(self.timeframe, str) or not self.timeframe:
            raise ValueError(f"timeframe: expected a non-empty string, got {self.timeframe!r}")
        n: int | None = None
        for name in CANDLE_FIELDS:
            arr = np.ascontiguousarray(getattr(self, name), dtype=field_dtype(name))
            if arr.ndim != 1:
                raise ValueError(f"{name}: expected a 1-d array, got shape {arr.shape}")
            if n is None:
                n = len(arr)
            elif len(arr) != n:
                raise ValueError(f"{name}: length {len(arr)} differs from open_time length {n}")
            setattr(self, name, arr)

    def __len__(self) -> int:
        return len(self.open_time)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CandleColumns):
            return NotImplemented
        return (
            self.symbol == other.symbol
            and self.timeframe == other.timeframe
            and all(np.array_equal(getattr(self, f), getattr(other, f)) for f in CANDLE_FIELDS)
        )

    @classmethod
    def empty(cls, symbol: str, timeframe: str) -> CandleColumns:
        return cls(symbol, timeframe, **{f: np.empty(0, dtype=field_dtype(f)) for f in CANDLE_FIELDS})

    @classmethod
    def from_arrays(cls, symbol: str, timeframe: str, arrays: Mapping[str, Any]) -> CandleColumns:
        """Build from a mapping of field name to array; missing volume-like fields default to 0."""
        n = len(arrays["open_time"])
        required = ("open_time", "close_time", "open", "high", "low", "close")
        for name in required:
            if name not in arrays:
                raise ValueError(f"{name}: missing column")
        cols = {f: arrays[f] if f in arrays else np.zeros(n, dtype=field_dtype(f)) for f in CANDLE_FIELDS}
        return cls(symbol, timeframe, **cols)

    @classmethod
    def from_rows(cls, symbol: str, timeframe: str, rows: Iterable[Sequence[Any]]) -> CandleColumns:
        """Build from Binance kline rows ``[openTime, o, h, l, c, v, closeTime, quoteVol, trades, …]``.

        Prices may be strings, as the REST API sends them. Convenient for small inputs (REST pages,
        tests); large imports go through :mod:`candle_service.importer`.
        """
        rows = list(rows)
        if not rows:
            return cls.empty(symbol, timeframe)
        width = min(len(r) for r in rows)
        if width < 7:
            raise ValueError(f"rows: a kline row needs at least 7 fields, got {width}")
        # Binance column positions -> our field names
        pos = {
            "open_time": 0,
            "open": 1,
            "high": 2,
            "low": 3,
            "close": 4,
            "volume": 5,
            "close_time": 6,
            "quote_volume": 7,
            "trades": 8,
            "taker_buy_base": 9,
            "taker_buy_quote": 10,
        }
        arrays: dict[str, Any] = {}
        for name, i in pos.items():
            if i < width:
                if name in INT_FIELDS:
                    arrays[name] = np.fromiter((int(r[i]) for r in rows), dtype=np.int64, count=len(rows))
                else:
                    arrays[name] = np.fromiter((float(r[i]) for r in rows), dtype=np.float64, count=len(rows))
        return cls.from_arrays(symbol, timeframe, arrays)

    def arrays(self) -> dict[str, np.ndarray]:
        return {f: getattr(self, f) for f in CANDLE_FIELDS}

    def take(self, index: npt.ArrayLike | slice) -> CandleColumns:
        """Rows selected by an index array, boolean mask or slice (numpy semantics)."""
        idx: Any = index
        return CandleColumns(self.symbol, self.timeframe, **{f: getattr(self, f)[idx] for f in CANDLE_FIELDS})

    def with_series(self, symbol: str, timeframe: str) -> CandleColumns:
        return CandleColumns(symbol, timeframe, **self.arrays())

    @staticmethod
    def concat(parts: Sequence[CandleColumns]) -> CandleColumns:
        if not parts:
            raise ValueError("parts: nothing to concatenate")
        first = parts[0]
        for p in parts[1:]:
            if (p.symbol, p.timeframe) != (first.symbol, first.timeframe):
                raise ValueError(
                    f"parts: series {p.symbol}/{p.timeframe} differs from {first.symbol}/{first.timeframe}"
                )
        return CandleColumns(
            first.symbol,
            first.timeframe,
            **{f: np.concatenate([getattr(p, f) for p in parts]) for f in CANDLE_FIELDS},
        )

    def sorted_unique(self) -> CandleColumns:
        """Sorted by open_time with one row per open_time (the last given wins, as in the store)."""
        if len(self) == 0:
            return self
        ot = self.open_time
        if np.all(ot[1:] > ot[:-1]):
            return self
        # stable sort, then keep the last of equal keys: reverse, unique-first, map back
        order = np.argsort(ot, kind="stable")
        s = ot[order]
        last = np.ones(len(s), dtype=bool)
        last[:-1] = s[1:] != s[:-1]
        return self.take(order[last])

    def row(self, i: int) -> Candle:
        values: dict[str, Any] = {
            f: (int if f in INT_FIELDS else float)(getattr(self, f)[i]) for f in CANDLE_FIELDS
        }
        return Candle(self.symbol, self.timeframe, **values)


@dataclass(frozen=True, slots=True)
class Candle:
    """One candle, for the few places that want an object (live klines, tests)."""

    symbol: str
    timeframe: str
    open_time: int
    close_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    quote_volume: float = 0.0
    trades: int = 0
    taker_buy_base: float = 0.0
    taker_buy_quote: float = 0.0

    @staticmethod
    def to_columns(candles: Sequence[Candle]) -> CandleColumns:
        if not candles:
            raise ValueError("candles: empty sequence (series unknown)")
        first = candles[0]
        return CandleColumns(
            first.symbol,
            first.timeframe,
            **{f: np.array([getattr(c, f) for c in candles], dtype=field_dtype(f)) for f in CANDLE_FIELDS},
        )


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """Half-open range ``[start, end)`` in epoch ms."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")

    def __len__(self) -> int:
        return self.end - self.start


def subtract_ranges(ranges: Iterable[TimeRange], holes: Iterable[TimeRange]) -> list[TimeRange]:
    """``ranges`` minus the union of ``holes``; empty pieces are dropped. Inputs may be unsorted."""
    cut = sorted(holes)
    out: list[TimeRange] = []
    for r in sorted(ranges):
        pieces = [r]
        for h in cut:
            if h.start >= r.end:
                break
            nxt: list[TimeRange] = []
            for p in pieces:
                if h.end <= p.start or h.start >= p.end:
                    nxt.append(p)
                    continue
                if h.start > p.start:
                    nxt.append(TimeRange(p.start, h.start))
                if h.end < p.end:
                    nxt.append(TimeRange(h.end, p.end))
            pieces = nxt
        out.extend(p for p in pieces if p.end > p.start)
    return out


@dataclass(frozen=True, slots=True)
class KnownGap:
    """A range the exchange itself has no candles for (so it is never fetched again)."""

    symbol: str
    timeframe: str
    start: int
    end: int
    recorded: int  # epoch ms when we recorded it


def _decimal_str(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: not a number: {value!r}") from None


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """A symbol's trading rules from one exchangeInfo snapshot; ``raw`` keeps the exchange's JSON.

    ``raw`` matters because Binance sends filters as decimal strings and the seed compares some of
    them as strings; the floats are for arithmetic only.
    """

    symbol: str
    tick_size: float
    step_size: float
    min_qty: float
    min_notional: float
    price_precision: int
    quantity_precision: int
    status: str
    raw: str = "{}"
    updated: int = 0

    @classmethod
    def from_exchange_info(cls, info: Mapping[str, Any], updated: int = 0) -> SymbolInfo:
        """From one element of exchangeInfo's ``symbols``.

        ``min_qty`` is taken from MARKET_LOT_SIZE when present, as the seed does (it only places
        market entries), else from LOT_SIZE; ``tick_size`` comes from PRICE_FILTER, never from
        pricePrecision.
        """
        if "symbol" not in info:
            raise ValueError("symbol: missing in exchangeInfo entry")
        filters = {f.get("filterType"): f for f in info.get("filters", [])}
        price = filters.get("PRICE_FILTER", {})
        lot = filters.get("LOT_SIZE", {})
        market_lot = filters.get("MARKET_LOT_SIZE", {})
        notional = filters.get("MIN_NOTIONAL", {})
        min_qty = market_lot.get("minQty", lot.get("minQty", 0))
        return cls(
            symbol=str(info["symbol"]),
            tick_size=_decimal_str(price.get("tickSize", 0), "tick_size"),
            step_size=_decimal_str(lot.get("stepSize", 0), "step_size"),
            min_qty=_decimal_str(min_qty, "min_qty"),
            min_notional=_decimal_str(
                notional.get("notional", notional.get("minNotional", 0)), "min_notional"
            ),
            price_precision=int(info.get("pricePrecision", 0)),
            quantity_precision=int(info.get("quantityPrecision", 0)),
            status=str(info.get("status", "")),
            raw=json.dumps(info, separators=(",", ":"), sort_keys=True),
            updated=updated,
        )

    def raw_json(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(self.raw)
        return out


SYMBOL_INFO_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SymbolInfo))
