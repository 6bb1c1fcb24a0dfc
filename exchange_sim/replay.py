"""Load data.binance.vision kline files (zip or CSV, with or without header, ms or µs
timestamps) as a replay source. Only 1m files are read: every other timeframe is aggregated
from them, so all timeframes agree. File names: <SYMBOL>-1m-<anything>.(zip|csv)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np

from .market import Minutes, ReplaySource, _minutes_from_rows
from .symbols import DEFAULT_SPECS, SymbolSpec, decimals_of, spec_for_unknown

NAME_RE = re.compile(r"^([A-Z0-9]+)-1m-.*\.(zip|csv)$", re.IGNORECASE)


def _rows_of(path: Path) -> Iterator[list[str]]:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.lower().endswith(".csv"):
                    with z.open(name) as fh:
                        yield from csv.reader(io.TextIOWrapper(fh, "utf-8"))
    else:
        with path.open(newline="") as fh:
            yield from csv.reader(fh)


def load_replay(data_dir: str, symbols: list[str] | None = None) -> tuple[ReplaySource, dict[str, SymbolSpec]]:
    raw: dict[str, list[list[str]]] = {}
    for p in sorted(Path(data_dir).rglob("*")):
        m = NAME_RE.match(p.name)
        if not m or not p.is_file():
            continue
        sym = m.group(1).upper()
        if symbols and sym not in symbols:
            continue
        rows = raw.setdefault(sym, [])
        for r in _rows_of(p):
            if not r or not r[0].strip().lstrip("-").isdigit():
                continue  # header line
            rows.append(r)
    if not raw:
        raise ValueError(f"no <SYMBOL>-1m-*.zip|csv files in {data_dir}")
    data: dict[str, Minutes] = {}
    specs: dict[str, SymbolSpec] = {}
    vol_dp: dict[str, int] = {}
    quote_dp: dict[str, int] = {}
    for sym, rows in raw.items():
        sample = rows[: min(len(rows), 2000)]
        spec = DEFAULT_SPECS.get(sym) or spec_for_unknown(sym, float(rows[0][1]))
        pdp = max(spec.price_dp, max(decimals_of(Decimal(r[i])) for r in sample for i in (1, 2, 3, 4)))
        if pdp != spec.price_dp:
            spec = spec_for_unknown(sym, float(rows[0][1]))
            spec = SymbolSpec(**{**spec.__dict__, "price_dp": pdp, "min_price": Decimal(1).scaleb(-pdp)})
        vdp = max(decimals_of(Decimal(r[i])) for r in sample for i in (5, 9))
        qdp = max(decimals_of(Decimal(r[i])) for r in sample for i in (7, 10))
        arr = np.empty((len(rows), 10), dtype=np.int64)
        ps, vs, qs = 10.0**pdp, 10.0**vdp, 10.0**qdp
        for j, r in enumerate(rows):
            t = int(r[0])
            if t > 10**14:  # microseconds (data.binance.vision since 2025)
                t //= 1000
            arr[j] = (
                t,
                round(float(r[1]) * ps),
                round(float(r[2]) * ps),
                round(float(r[3]) * ps),
                round(float(r[4]) * ps),
                round(float(r[5]) * vs),
                round(float(r[7]) * qs),
                int(r[8]),
                round(float(r[9]) * vs),
                round(float(r[10]) * qs),
            )
        arr = arr[np.argsort(arr[:, 0], kind="stable")]
        keep = np.r_[True, np.diff(arr[:, 0]) != 0]
        data[sym] = _minutes_from_rows(arr[keep])
        first = int(arr[0, 0])
        specs[sym] = SymbolSpec(**{**spec.__dict__, "listed_ms": first})
        vol_dp[sym] = vdp
        quote_dp[sym] = qdp
    return ReplaySource(data, vol_dp, quote_dp), specs
