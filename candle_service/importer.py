"""Import of data.binance.vision kline files (``<SYMBOL>-<tf>-<period>.zip`` or the CSV inside).

The files come in several shapes over the years: with or without a header row, and open/close
times in milliseconds or, in newer files, microseconds. All are normalised to ms before storing.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from candle_service.candles import CANDLE_FIELDS, CandleColumns, field_dtype
from candle_service.store import CandleStore, check_symbol
from candle_service.timeframes import parse_timeframe

# Any open time at or above this is in µs: 1e14 ms is the year 5138, 1e14 µs is 1973.
_US_THRESHOLD = 10**14
_FILE_RE = re.compile(r"^(?P<symbol>[A-Z0-9]+)-(?P<tf>\d+[smhdwM])-")
# flushing to the store in batches bounds memory on multi-year imports
_BATCH_ROWS = 1_000_000
_CSV_NAMES = [
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "trades",
    "taker_buy_base",
    "taker_buy_quote",
    "ignore",
]


@dataclass(frozen=True, slots=True)
class ImportResult:
    files: int
    rows: int
    first_open_time: int | None
    last_open_time: int | None


def _csv_payloads(path: str) -> list[tuple[str, bytes]]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if not members:
                raise ValueError(f"paths: {path} holds no .csv file")
            return [(f"{path}:{n}", zf.read(n)) for n in sorted(members)]
    with open(path, "rb") as f:
        return [(path, f.read())]


def parse_kline_csv(data: bytes, symbol: str, timeframe: str, source: str = "<bytes>") -> CandleColumns:
    """Parse one Binance kline CSV (header optional, ms or µs times) into ms candle columns."""
    tf = parse_timeframe(timeframe)
    text = data.lstrip()
    if not text:
        return CandleColumns.empty(symbol, tf.name)
    has_header = not text[:1].isdigit()
    ncols = text.split(b"\n", 1)[0].count(b",") + 1
    if ncols < 11:
        raise ValueError(f"paths: {source} has {ncols} columns, a kline row has at least 11")
    names = (_CSV_NAMES + [f"extra{i}" for i in range(ncols)])[:ncols]
    types: dict[str, pa.DataType] = {
        n: (pa.int64() if field_dtype(n) == np.int64 else pa.float64()) for n in CANDLE_FIELDS
    }
    try:
        table = pacsv.read_csv(
            io.BytesIO(text),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if has_header else 0),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(CANDLE_FIELDS)),
        )
    except pa.ArrowInvalid as ex:
        raise ValueError(f"paths: {source} is not a kline CSV: {ex}") from None
    arrays = {n: table.column(n).to_numpy() for n in CANDLE_FIELDS}
    if len(arrays["open_time"]) and int(arrays["open_time"].max()) >= _US_THRESHOLD:
        arrays["open_time"] = arrays["open_time"] // 1000
        arrays["close_time"] = arrays["close_time"] // 1000
    cols = CandleColumns(symbol, tf.name, **arrays)
    if len(cols) and np.any(cols.close_time - cols.open_time + 1 != tf.length_ms):
        raise ValueError(
            f"paths: {source} does not hold {tf.name} candles (close_time - open_time + 1 != {tf.length_ms})"
        )
    return cols


def _check_file_name(path: str, symbol: str, timeframe: str) -> None:
    m = _FILE_RE.match(os.path.basename(path))
    if m and (m["symbol"], m["tf"]) != (symbol, timeframe):
        raise ValueError(f"paths: {path} is named for {m['symbol']}-{m['tf']}, not {symbol}-{timeframe}")


def import_files(
    store: CandleStore, paths: Iterable[str | os.PathLike[str]], symbol: str, timeframe: str
) -> ImportResult:
    """Import kline files of one symbol and timeframe; re-importing is harmless (the store replaces)."""
    check_symbol(symbol)
    tf = parse_timeframe(timeframe).name
    files = [os.fspath(p) for p in paths]
    if not files:
        raise ValueError("paths: no files given")
    for p in files:
        if not os.path.isfile(p):
            raise ValueError(f"paths: {p} is not a file")
        _check_file_name(p, symbol, tf)
    total = 0
    first: int | None = None
    last: int | None = None
    pending: list[CandleColumns] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal pending, pending_rows
        if pending:
            store.insert(CandleColumns.concat(pending).sorted_unique())
        pending, pending_rows = [], 0

    for p in files:
        for source, payload in _csv_payloads(p):
            cols = parse_kline_csv(payload, symbol, tf, source)
            if len(cols) == 0:
                continue
            total += len(cols)
            lo, hi = int(cols.open_time.min()), int(cols.open_time.max())
            first = lo if first is None else min(first, lo)
            last = hi if last is None else max(last, hi)
            pending.append(cols)
            pending_rows += len(cols)
            if pending_rows >= _BATCH_ROWS:
                flush()
    flush()
    return ImportResult(files=len(files), rows=total, first_open_time=first, last_open_time=last)
