"""Shared loaders for the seed-reference fixture (tests/fixtures/README.md)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CANDLES_FILE = FIXTURES / "btcusdt-1m-synthetic.json"
REFERENCE_FILE = FIXTURES / "seed_reference_btcusdt.jsonl.gz"


class Reference:
    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}
        self.flags: list[dict[str, Any]] = []
        self.vlevels: dict[tuple[str, str, int], list[Any]] = {}
        self.magnets: dict[tuple[str, str, int], list[Any]] = {}
        with gzip.open(REFERENCE_FILE, "rt") as fh:
            for line in fh:
                r = json.loads(line)
                kind = r["kind"]
                if kind == "flags":
                    self.flags.append(r)
                elif kind == "vlevels":
                    self.vlevels[(r["sym"], r["tf"], r["t"])] = r["levels"]
                elif kind == "magnets":
                    self.magnets[(r["sym"], r["tf"], r["t"])] = r["magnets"]
                elif kind == "meta":
                    self.meta = r


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference()


@pytest.fixture(scope="session")
def candle_rows() -> list[list[float]]:
    with open(CANDLES_FILE) as fh:
        rows: list[list[float]] = json.load(fh)
    return rows
