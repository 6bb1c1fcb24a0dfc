"""The ClickHouse candle store, through clickhouse-connect only.

One code path serves both deployments: ``chdb:///<dir>`` runs the ClickHouse engine in-process
(clickhouse-connect ≥ 1.x ships a chDB client behind the ``chdb:`` DSN scheme), ``http://host:8123``
talks to a server. Only :func:`connect` knows the difference.

Schema decisions:

* times are ``Int64`` epoch ms, not ``DateTime64``: Binance speaks ms integers, chDB drops the zone
  of some DateTime columns in Native output, and Int64 reads into numpy without conversion;
* prices and volumes are ``Float64`` (what the analysis engine computes with; the seed does too);
* ``candles`` is a ReplacingMergeTree on ``(symbol, timeframe, open_time)`` partitioned by UTC month,
  so a re-inserted candle replaces the old one; every read uses ``FINAL`` so no read ever sees the
  two versions before a merge. One candle always lands in one partition, which lets ``FINAL`` skip
  cross-partition merging (``do_not_merge_across_partitions_select_final``).

Bulk data moves as Arrow both ways: reads via ``query_arrow`` come out as numpy without a per-value
Python step (``query_np`` measured 2.5× slower here), inserts via ``insert_arrow`` avoid
clickhouse-connect's per-value LowCardinality encoding in Python.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
from clickhouse_connect.driver.client import Client

from candle_service.candles import (
    CANDLE_FIELDS,
    CandleColumns,
    KnownGap,
    SymbolInfo,
    TimeRange,
    field_dtype,
    subtract_ranges,
)
from candle_service.timeframes import Timeframe, check_derivable, parse_timeframe

DEFAULT_DATABASE = "parayok"
_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9_\-]{0,31}$")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def default_dsn(data_dir: str | os.PathLike[str]) -> str:
    return f"chdb://{os.path.abspath(os.fspath(data_dir))}/clickhouse"


def connect(dsn: str) -> Client:
    """A clickhouse-connect client for ``dsn`` (``chdb:///abs/dir`` or ``http(s)://…``).

    chDB allows one engine directory per process (and one process per directory); several clients
    on the same directory share it, and after all are closed another directory may be opened
    (clickhouse-connect raises ProgrammingError otherwise).
    """
    import clickhouse_connect

    if not isinstance(dsn, str) or not dsn:
        raise ValueError(f"dsn: expected 'chdb:///path' or 'http://host:8123', got {dsn!r}")
    scheme = urlparse(dsn).scheme
    if scheme == "chdb":
        path = urlparse(dsn).path
        if not path or path in ("/memory", "/:memory:"):
            raise ValueError(f"dsn: chdb DSN needs an absolute data directory, got {dsn!r}")
        # the engine compares paths literally: one spelling per directory
        path = os.path.realpath(path)
        os.makedirs(path, exist_ok=True)
        return clickhouse_connect.get_client(dsn=f"chdb://{path}")
    if scheme in ("http", "https", "clickhouse", "clickhouses"):
        # without a session id concurrent queries from server threads do not lock each other out
        return clickhouse_connect.get_client(dsn=dsn, autogenerate_session_id=False)
    raise ValueError(f"dsn: unsupported scheme {scheme!r} in {dsn!r} (use chdb:/// or http://)")


def check_symbol(symbol: object, field: str = "symbol") -> str:
    if not isinstance(symbol, str) or not _SYMBOL_RE.match(symbol):
        raise ValueError(f"{field}: expected an exchange symbol such as 'BTCUSDT', got {symbol!r}")
    return symbol


def _check_time(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{field}: expected epoch milliseconds as int, got {value!r}")
    return int(value)


def _align_up(t: int, tf: Timeframe) -> int:
    b = tf.bucket(t)
    return b if b == t else b + tf.length_ms


def _dictionary_column(values: Sequence[str], lengths: Sequence[int]) -> pa.DictionaryArray:
    """One value per series, repeated over its rows, as a dictionary column."""
    names = sorted(set(values))
    codes = np.array([names.index(v) for v in values], dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(np.repeat(codes, lengths)), pa.array(names))


def _check_series_shape(cols: CandleColumns, tf: Timeframe) -> None:
    if len(cols) == 0:
        return
    ot = cols.open_time
    if np.any(tf.buckets(ot) != ot):
        bad = int(ot[np.flatnonzero(tf.buckets(ot) != ot)[0]])
        raise ValueError(f"open_time: {bad} is not aligned to {tf.name}")
    if np.any(cols.close_time != ot + (tf.length_ms - 1)):
        i = int(np.flatnonzero(cols.close_time != ot + (tf.length_ms - 1))[0])
        raise ValueError(
            f"close_time: {int(cols.close_time[i])} is not open_time + {tf.length_ms - 1} for {tf.name}"
        )


@dataclass(frozen=True, slots=True)
class SeriesStats:
    symbol: str
    timeframe: str
    count: int
    first_open_time: int
    last_open_time: int


_CANDLES_DDL = """
CREATE TABLE IF NOT EXISTS {db}.candles (
    symbol LowCardinality(String),
    timeframe LowCardinality(String),
    open_time Int64,
    close_time Int64,
    open Float64,
    high Float64,
    low Float64,
    close Float64,
    volume Float64,
    quote_volume Float64,
    trades Int64,
    taker_buy_base Float64,
    taker_buy_quote Float64
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(intDiv(open_time, 1000), 'UTC'))
ORDER BY (symbol, timeframe, open_time)
"""

_SYMBOL_INFO_DDL = """
CREATE TABLE IF NOT EXISTS {db}.symbol_info (
    symbol String,
    tick_size Float64,
    step_size Float64,
    min_qty Float64,
    min_notional Float64,
    price_precision Int32,
    quantity_precision Int32,
    status LowCardinality(String),
    raw String,
    updated Int64
) ENGINE = ReplacingMergeTree(updated)
ORDER BY symbol
"""

_GAPS_DDL = """
CREATE TABLE IF NOT EXISTS {db}.known_gaps (
    symbol LowCardinality(String),
    timeframe LowCardinality(String),
    from_time Int64,
    to_time Int64,
    recorded Int64
) ENGINE = ReplacingMergeTree(recorded)
ORDER BY (symbol, timeframe, from_time, to_time)
"""

# Columns added after the first release go here as (table, column, type); ADD COLUMN IF NOT EXISTS
# keeps the start-up migration idempotent on any older store.
_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = ()

_CANDLE_COLS_SQL = ", ".join(CANDLE_FIELDS)
_FINAL_SETTINGS = {"do_not_merge_across_partitions_select_final": 1}


class CandleStore:
    """Candles, symbol info and known exchange gaps in ClickHouse.

    Methods are synchronous (the clients are blocking); a gRPC server calls them from a thread.
    """

    def __init__(self, client: Client, database: str = DEFAULT_DATABASE, *, migrate: bool = True) -> None:
        if not _IDENT_RE.match(database):
            raise ValueError(f"database: not a plain identifier: {database!r}")
        self.client = client
        self.database = database
        if migrate:
            self.migrate()

    @classmethod
    def open(cls, dsn: str, database: str = DEFAULT_DATABASE) -> CandleStore:
        return cls(connect(dsn), database)

    def close(self) -> None:
        self.client.close()

    # -- schema ---------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Create or upgrade the schema; safe to run at every start."""
        db = self.database
        self.client.command(f"CREATE DATABASE IF NOT EXISTS {db}")
        for ddl in (_CANDLES_DDL, _SYMBOL_INFO_DDL, _GAPS_DDL):
            self.client.command(ddl.format(db=db))
        for table, column, ctype in _ADDED_COLUMNS:
            self.client.command(f"ALTER TABLE {db}.{table} ADD COLUMN IF NOT EXISTS {column} {ctype}")

    def table_names(self) -> list[str]:
        rows = self.client.query(
            "SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name",
            parameters={"db": self.database},
        ).result_rows
        return [r[0] for r in rows]

    # -- candles: write -------------------------------------------------------------------------

    def insert(self, cols: CandleColumns) -> int:
        """Insert (or replace) candles of one series; returns the number of rows sent."""
        return self.insert_many([cols])

    def insert_many(self, series: Iterable[CandleColumns]) -> int:
        """Insert (or replace) candles of several series in one insert; returns the number of rows sent.

        Live closed klines (symbols × timeframes × the pulses of a few seconds, see live_buffer.py) arrive
        here as one batch: each insert costs chDB a new part to merge, so few large inserts are cheaper.
        """
        parts = [c for c in series if len(c)]
        if not parts:
            return 0
        tf_names = []
        for c in parts:
            check_symbol(c.symbol)
            tf = parse_timeframe(c.timeframe)
            _check_series_shape(c, tf)
            tf_names.append(tf.name)
        lengths = [len(c) for c in parts]
        arrays = [_dictionary_column([c.symbol for c in parts], lengths), _dictionary_column(tf_names, lengths)]
        arrays += [pa.array(np.concatenate([getattr(c, f) for c in parts])) for f in CANDLE_FIELDS]
        table = pa.Table.from_arrays(arrays, names=["symbol", "timeframe", *CANDLE_FIELDS])
        self.client.insert_arrow(f"{self.database}.candles", table)
        return sum(lengths)

    # -- candles: read --------------------------------------------------------------------------

    def _read(
        self, where: str, params: dict[str, Any], symbol: str, tf: str, tail: str = ""
    ) -> CandleColumns:
        sql = (
            f"SELECT {_CANDLE_COLS_SQL} FROM {self.database}.candles FINAL "
            f"WHERE symbol = {{symbol:String}} AND timeframe = {{tf:String}} AND {where} {tail}"
        )
        table = self.client.query_arrow(
            sql, parameters={"symbol": symbol, "tf": tf, **params}, settings=_FINAL_SETTINGS
        )
        return _columns_from_arrow(symbol, tf, table)

    def read(
        self, symbol: str, timeframe: str, start: int | None = None, end: int | None = None
    ) -> CandleColumns:
        """Candles with ``start <= open_time < end`` (either bound may be omitted), oldest first."""
        check_symbol(symbol)
        tf = parse_timeframe(timeframe).name
        s = -(2**62) if start is None else _check_time(start, "start")
        e = 2**62 if end is None else _check_time(end, "end")
        if e < s:
            raise ValueError(f"end: {e} is before start {s}")
        return self._read(
            "open_time >= {s:Int64} AND open_time < {e:Int64}",
            {"s": s, "e": e},
            symbol,
            tf,
            "ORDER BY open_time",
        )

    def read_many(
        self, symbols: Sequence[str], timeframes: Sequence[str], start: int, end: int
    ) -> dict[tuple[str, str], CandleColumns]:
        """Every series of ``symbols`` × ``timeframes`` with ``start <= open_time < end``, in one query
        (a pulse replay reads dozens of series; one round trip instead of one per series)."""
        syms = [check_symbol(s, "symbols") for s in symbols]
        tfs = [parse_timeframe(t, "timeframes").name for t in timeframes]
        s, e = _check_time(start, "start"), _check_time(end, "end")
        if e < s:
            raise ValueError(f"end: {e} is before start {s}")
        sql = (
            f"SELECT symbol, timeframe, {_CANDLE_COLS_SQL} FROM {self.database}.candles FINAL "
            f"WHERE symbol IN {{syms:Array(String)}} AND timeframe IN {{tfs:Array(String)}} "
            f"AND open_time >= {{s:Int64}} AND open_time < {{e:Int64}} ORDER BY symbol, timeframe, open_time"
        )
        table = self.client.query_arrow(
            sql, parameters={"syms": syms, "tfs": tfs, "s": s, "e": e}, settings=_FINAL_SETTINGS
        )
        whole = _columns_from_arrow("MANY", "1m", table)  # split per series below
        out: dict[tuple[str, str], CandleColumns] = {}
        if table.num_rows:
            sym_codes, sym_names = _codes(table.column("symbol"))
            tf_codes, tf_names = _codes(table.column("timeframe"))
            # rows are grouped by (symbol, timeframe): cut where the pair changes
            pair = sym_codes.astype(np.int64) * (len(tf_names) + 1) + tf_codes
            cuts = np.flatnonzero(pair[1:] != pair[:-1]) + 1
            bounds = [0, *cuts.tolist(), table.num_rows]
            for a, b in itertools.pairwise(bounds):
                key = (sym_names[int(sym_codes[a])], tf_names[int(tf_codes[a])])
                out[key] = whole.take(slice(a, b)).with_series(*key)
        for sym in syms:
            for tf in tfs:
                out.setdefault((sym, tf), CandleColumns.empty(sym, tf))
        return out

    def read_last(self, symbol: str, timeframe: str, limit: int, before: int | None = None) -> CandleColumns:
        """The last ``limit`` candles with ``open_time < before`` (all when omitted), oldest first."""
        check_symbol(symbol)
        tf = parse_timeframe(timeframe).name
        n = _check_limit(limit)
        b = 2**62 if before is None else _check_time(before, "before")
        cols = self._read(
            "open_time < {b:Int64}", {"b": b, "n": n}, symbol, tf, "ORDER BY open_time DESC LIMIT {n:UInt64}"
        )
        return cols.take(slice(None, None, -1))

    def read_first(self, symbol: str, timeframe: str, limit: int, since: int | None = None) -> CandleColumns:
        """The first ``limit`` candles with ``open_time >= since``, oldest first."""
        check_symbol(symbol)
        tf = parse_timeframe(timeframe).name
        n = _check_limit(limit)
        s = -(2**62) if since is None else _check_time(since, "since")
        return self._read(
            "open_time >= {s:Int64}", {"s": s, "n": n}, symbol, tf, "ORDER BY open_time LIMIT {n:UInt64}"
        )

    def read_around(self, symbol: str, timeframe: str, at: int, limit: int) -> CandleColumns:
        """``limit`` candles centred on ``at`` (half before it, half from it on); when one side runs
        out the other side fills the window, as the seed's chart reads did."""
        n = _check_limit(limit)
        t = _check_time(at, "at")
        before = self.read_last(symbol, timeframe, n, before=t)
        after = self.read_first(symbol, timeframe, n, since=t)
        n_before = min(len(before), max(n // 2, n - len(after)))
        n_after = min(len(after), n - n_before)
        return CandleColumns.concat(
            [before.take(slice(len(before) - n_before, None)), after.take(slice(0, n_after))]
        )

    def series(self, symbol: str | None = None) -> list[SeriesStats]:
        """What is stored: one entry per (symbol, timeframe)."""
        where, params = "1", {}
        if symbol is not None:
            where, params = "symbol = {symbol:String}", {"symbol": check_symbol(symbol)}
        rows = self.client.query(
            f"SELECT symbol, timeframe, count(), min(open_time), max(open_time) "
            f"FROM {self.database}.candles FINAL WHERE {where} GROUP BY symbol, timeframe "
            f"ORDER BY symbol, timeframe",
            parameters=params,
            settings=_FINAL_SETTINGS,
        ).result_rows
        return [SeriesStats(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]

    def count(self, symbol: str, timeframe: str) -> int:
        """Rows a read sees (deduplicated)."""
        check_symbol(symbol)
        tf = parse_timeframe(timeframe).name
        return _scalar(
            self.client.command(
                f"SELECT count() FROM {self.database}.candles FINAL "
                f"WHERE symbol = {{symbol:String}} AND timeframe = {{tf:String}}",
                parameters={"symbol": symbol, "tf": tf},
                settings=_FINAL_SETTINGS,
            )
        )

    # -- gaps -----------------------------------------------------------------------------------

    def missing_ranges(self, symbol: str, timeframe: str, start: int, end: int) -> list[TimeRange]:
        """Open-time ranges within ``[start, end)`` the store has no candles for, oldest first.

        Bounds are aligned to the timeframe grid (``start`` up, ``end`` up), so each returned range
        is exactly the open times to fetch. Head, holes (``prev.close_time + 1 != next.open_time``)
        and tail are found in one SQL pass; recorded exchange gaps are then cut out (a handful of
        ranges, so in Python).
        """
        check_symbol(symbol)
        tf = parse_timeframe(timeframe)
        s = _align_up(_check_time(start, "start"), tf)
        e = _align_up(_check_time(end, "end"), tf)
        if e < s:
            raise ValueError(f"end: {end} is before start {start}")
        if e == s:
            return []
        base = (
            f"FROM {self.database}.candles FINAL WHERE symbol = {{symbol:String}} "
            f"AND timeframe = {{tf:String}} AND open_time >= {{s:Int64}} AND open_time < {{e:Int64}}"
        )
        sql = (
            f"SELECT gap_from, gap_to FROM ("
            f" SELECT lagInFrame(close_time, 1, {{s:Int64}} - 1) OVER "
            f"  (ORDER BY open_time ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) + 1 AS gap_from,"
            f"  open_time AS gap_to {base}"
            f") WHERE gap_from < gap_to "
            f"UNION ALL "
            f"SELECT if(count() = 0, {{s:Int64}}, max(close_time) + 1) AS gap_from, {{e:Int64}} AS gap_to "
            f"{base} HAVING gap_from < gap_to"
        )
        rows = self.client.query(
            sql, parameters={"symbol": symbol, "tf": tf.name, "s": s, "e": e}, settings=_FINAL_SETTINGS
        ).result_rows
        found = [TimeRange(int(a), int(b)) for a, b in rows]
        known = [TimeRange(g.start, g.end) for g in self.known_gaps(symbol, tf.name, s, e)]
        return subtract_ranges(found, known)

    def record_gap(
        self, symbol: str, timeframe: str, start: int, end: int, recorded: int | None = None
    ) -> None:
        """Remember that the exchange has no candles in ``[start, end)``."""
        check_symbol(symbol)
        tf = parse_timeframe(timeframe).name
        s, e = _check_time(start, "start"), _check_time(end, "end")
        if e <= s:
            raise ValueError(f"end: {e} is not after start {s}")
        rec = int(time.time() * 1000) if recorded is None else _check_time(recorded, "recorded")
        self.client.insert(
            f"{self.database}.known_gaps",
            [[symbol, tf, s, e, rec]],
            column_names=["symbol", "timeframe", "from_time", "to_time", "recorded"],
        )

    def known_gaps(
        self, symbol: str, timeframe: str, start: int | None = None, end: int | None = None
    ) -> list[KnownGap]:
        """Recorded gaps overlapping ``[start, end)``."""
        check_symbol(symbol)
        tf = parse_timeframe(timeframe).name
        s = -(2**62) if start is None else _check_time(start, "start")
        e = 2**62 if end is None else _check_time(end, "end")
        rows = self.client.query(
            f"SELECT from_time, to_time, recorded FROM {self.database}.known_gaps FINAL "
            f"WHERE symbol = {{symbol:String}} AND timeframe = {{tf:String}} "
            f"AND from_time < {{e:Int64}} AND to_time > {{s:Int64}} ORDER BY from_time, to_time",
            parameters={"symbol": symbol, "tf": tf, "s": s, "e": e},
        ).result_rows
        return [KnownGap(symbol, tf, int(a), int(b), int(r)) for a, b, r in rows]

    # -- derived timeframes -----------------------------------------------------------------------

    def derive(
        self,
        symbol: str,
        target: str,
        *,
        source: str = "1m",
        start: int | None = None,
        end: int | None = None,
        include_partial: bool = False,
    ) -> int:
        """Aggregate stored ``source`` candles into ``target`` and store them; returns rows written.

        Done as one ``INSERT … SELECT`` inside ClickHouse. Sums are folded in time order
        (``arrayFold`` over the time-sorted group) so they are bit-identical to the exchange-style
        sequential sum; ClickHouse's ``sum`` is vectorised and may differ in the last bit.

        A bucket is complete when no part of it is missing from the store, a recorded exchange gap
        excepted; incomplete buckets are written only with ``include_partial``. Buckets with no
        source candle produce no candle.
        """
        check_symbol(symbol)
        src = parse_timeframe(source, "source")
        tgt = parse_timeframe(target, "target")
        check_derivable(src, tgt)
        if start is None or end is None:
            stats = [x for x in self.series(symbol) if x.timeframe == src.name]
            if not stats:
                return 0
            start = stats[0].first_open_time if start is None else start
            end = stats[0].last_open_time + src.length_ms if end is None else end
        s = tgt.bucket(_check_time(start, "start"))
        e = _align_up(_check_time(end, "end"), tgt)
        if e <= s:
            return 0
        missing = [] if include_partial else self.missing_ranges(symbol, src.name, s, e)
        db = self.database
        L, off = tgt.length_ms, tgt.offset_ms
        # `rows` is sorted once per bucket and feeds all four sums
        # Inner names differ from the output names: ClickHouse resolves SELECT aliases everywhere
        # in the query, so `max(high) AS high` would feed itself. `seq` is sorted once per bucket
        # and feeds all four sums.
        sql = f"""
        SELECT b AS open_time, b + {L} - 1 AS close_time, o AS open, h AS high, l AS low, c AS close,
               v AS volume, qv AS quote_volume, n AS trades, tb AS taker_buy_base, tq AS taker_buy_quote
        FROM (
            SELECT intDiv(ot - {off}, {L}) * {L} + {off} AS b,
                arraySort(groupArray((ot, vol, qvol, tbb, tbq))) AS seq,
                argMin(op, ot) AS o, max(hi) AS h, min(lo) AS l, argMax(cl, ot) AS c,
                arrayFold((acc, x) -> acc + x, arrayMap(r -> r.2, seq), toFloat64(0)) AS v,
                arrayFold((acc, x) -> acc + x, arrayMap(r -> r.3, seq), toFloat64(0)) AS qv,
                sum(tr) AS n,
                arrayFold((acc, x) -> acc + x, arrayMap(r -> r.4, seq), toFloat64(0)) AS tb,
                arrayFold((acc, x) -> acc + x, arrayMap(r -> r.5, seq), toFloat64(0)) AS tq
            FROM (
                SELECT open_time AS ot, open AS op, high AS hi, low AS lo, close AS cl, volume AS vol,
                       quote_volume AS qvol, trades AS tr, taker_buy_base AS tbb, taker_buy_quote AS tbq
                FROM {db}.candles FINAL
                WHERE symbol = {{symbol:String}} AND timeframe = {{src:String}}
                  AND open_time >= {{s:Int64}} AND open_time < {{e:Int64}}
            )
            GROUP BY b
            HAVING NOT arrayExists((x0, x1) -> x0 < b + {L} AND x1 > b,
                                   {{ms:Array(Int64)}}, {{me:Array(Int64)}})
        )
        ORDER BY open_time
        """
        params = {
            "symbol": symbol,
            "src": src.name,
            "s": s,
            "e": e,
            "ms": [m.start for m in missing],
            "me": [m.end for m in missing],
        }
        # Aggregated in ClickHouse, written back through insert(): the result is a fraction of the
        # source rows, and this way the count is exact on both backends (chDB reports no
        # written_rows for INSERT … SELECT) and the derived rows pass the same checks as any insert.
        table = self.client.query_arrow(sql, parameters=params, settings=_FINAL_SETTINGS)
        return self.insert(_columns_from_arrow(symbol, tgt.name, table))

    def count_range(self, symbol: str, timeframe: str, start: int, end: int) -> int:
        return _scalar(
            self.client.command(
                f"SELECT count() FROM {self.database}.candles FINAL WHERE symbol = {{symbol:String}} "
                f"AND timeframe = {{tf:String}} AND open_time >= {{s:Int64}} AND open_time < {{e:Int64}}",
                parameters={"symbol": symbol, "tf": timeframe, "s": start, "e": end},
                settings=_FINAL_SETTINGS,
            )
        )

    # -- symbol info ----------------------------------------------------------------------------

    def upsert_symbol_info(self, infos: Sequence[SymbolInfo]) -> int:
        """Store an exchangeInfo snapshot; the newest ``updated`` per symbol wins."""
        if not infos:
            return 0
        now = int(time.time() * 1000)
        rows = []
        for i in infos:
            check_symbol(i.symbol)
            rows.append(
                [
                    i.symbol,
                    i.tick_size,
                    i.step_size,
                    i.min_qty,
                    i.min_notional,
                    i.price_precision,
                    i.quantity_precision,
                    i.status,
                    i.raw,
                    i.updated or now,
                ]
            )
        self.client.insert(f"{self.database}.symbol_info", rows, column_names=list(_SYMBOL_INFO_COLS))
        return len(rows)

    def symbol_info(self, symbols: Sequence[str] | None = None) -> list[SymbolInfo]:
        where, params = "1", {}
        if symbols is not None:
            where, params = (
                "symbol IN {symbols:Array(String)}",
                {"symbols": [check_symbol(s, "symbols") for s in symbols]},
            )
        rows = self.client.query(
            f"SELECT {', '.join(_SYMBOL_INFO_COLS)} FROM {self.database}.symbol_info FINAL "
            f"WHERE {where} ORDER BY symbol",
            parameters=params,
        ).result_rows
        return [
            SymbolInfo(
                *(
                    r[0],
                    float(r[1]),
                    float(r[2]),
                    float(r[3]),
                    float(r[4]),
                    int(r[5]),
                    int(r[6]),
                    str(r[7]),
                    str(r[8]),
                    int(r[9]),
                )
            )
            for r in rows
        ]

    def get_symbol_info(self, symbol: str) -> SymbolInfo | None:
        found = self.symbol_info([symbol])
        return found[0] if found else None


_SYMBOL_INFO_COLS = (
    "symbol",
    "tick_size",
    "step_size",
    "min_qty",
    "min_notional",
    "price_precision",
    "quantity_precision",
    "status",
    "raw",
    "updated",
)


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int | np.integer) or int(limit) <= 0:
        raise ValueError(f"limit: expected a positive int, got {limit!r}")
    return int(limit)


def _columns_from_arrow(symbol: str, timeframe: str, table: pa.Table) -> CandleColumns:
    arrays: dict[str, Any] = {}
    for name in CANDLE_FIELDS:
        col = table.column(name)
        # one chunk converts zero-copy; several chunks are joined once
        arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
        if col.num_chunks == 0:
            arrays[name] = np.empty(0, dtype=field_dtype(name))
        else:
            arrays[name] = arr.to_numpy(zero_copy_only=False)
    return CandleColumns(symbol, timeframe, **arrays)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their names for a string column (dictionary-encoded by ClickHouse's
    LowCardinality, or encoded here)."""
    arr = column.combine_chunks()
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    return arr.indices.to_numpy(zero_copy_only=False), [str(v) for v in arr.dictionary.to_pylist()]


def _scalar(value: object) -> int:
    """The integer a one-value ``command`` returned (the client types it loosely)."""
    if isinstance(value, int | str):
        return int(value)
    raise TypeError(f"expected one integer from ClickHouse, got {value!r}")
