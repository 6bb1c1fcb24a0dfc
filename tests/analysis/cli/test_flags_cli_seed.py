"""End to end: the flags command over the whole fixture with every analyzer and the 10 strategies
writes the seed reference's records byte for byte — every flags/vlevels/magnets line, every signal,
limit, entry (with its static tags), rejection and close, in the same order. Only `meta` and
`summary` are ours; the summary's per-strategy counts must equal the seed's too."""

from __future__ import annotations

import collections
import gzip
import json
from typing import Any

from analysis_service.cli import replay, resolve_analyzers
from analysis_service.engine import SymbolInfo
from analysis_service.engine.registry import STRATEGY_NAMES
from analysis_service.entries.jsnum import js_json

from ..conftest import REFERENCE_FILE

BTC = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")


def test_whole_fixture_with_all_strategies_equals_seed(candle_rows: list[list[float]]) -> None:
    registry, analyzers = resolve_analyzers("all", "", None)
    assert set(STRATEGY_NAMES) <= set(analyzers)
    lines: list[str] = []
    summary = replay(
        candle_rows,
        BTC,
        ["1m", "5m", "1h", "4h"],
        analyzers,
        lambda rec: lines.append(js_json(rec)),
        registry=registry,
        tick_size="0.1",
    )
    with gzip.open(REFERENCE_FILE, "rt") as fh:
        ref = [x.rstrip("\n") for x in fh]
    ref_meta, ref_summary = json.loads(ref[0]), json.loads(ref[-1])
    meta = json.loads(lines[0])
    assert meta["analyzerOrder"] == ref_meta["analyzerOrder"]
    assert meta["strategiesRequested"] == ref_meta["strategiesRequested"]
    ours, exp = lines[1:-1], ref[1:-1]

    # per kind and strategy: our lines equal to the seed's at the same position
    matched: collections.Counter[tuple[str, str]] = collections.Counter()
    total: collections.Counter[tuple[str, str]] = collections.Counter()
    first_diff: Any = None
    for i, line in enumerate(exp):
        kind = line[9 : line.index('"', 9)]
        r = json.loads(line) if kind not in ("flags", "vlevels", "magnets") else {}
        key = (kind, r.get("strategy", ""))
        total[key] += 1
        if i < len(ours) and ours[i] == line:
            matched[key] += 1
        elif first_diff is None:
            first_diff = (i, line[:400], ours[i][:400] if i < len(ours) else None)
    report = {f"{k}/{s}" if s else k: f"{matched[(k, s)]}/{n}" for (k, s), n in sorted(total.items())}
    assert matched == total and len(ours) == len(exp), (first_diff, report)
    assert total[("flags", "")] == 24_612
    assert sum(n for (k, _), n in total.items() if k == "entry") == 2790
    assert sum(n for (k, _), n in total.items() if k == "close") == 2783

    for field in (
        "candlesInput",
        "candlesProcessed",
        "candlesProcessedByTf",
        "entriesTotal",
        "closedTotal",
        "perStrategy",
    ):
        assert summary[field] == ref_summary[field], field
    assert summary["analyzerErrors"] == 0
