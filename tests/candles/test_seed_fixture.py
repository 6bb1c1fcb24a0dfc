"""The seed's own output decides: aggregation and pulse order against the reference fixture.

Every ``flags`` record of the reference is one processed candle, written in processing order, with
its OHLCV; so the order of those records is the seed's pulse sequence and their ``c`` the seed's
aggregation of the synthetic 1m series.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np

from candle_service.candles import CandleColumns
from candle_service.pulses import merge_pulses
from candle_service.timeframes import aggregate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_FLAGS = re.compile(
    rb'^\{"kind":"flags","sym":"(?P<sym>[^"]+)","tf":"(?P<tf>[^"]+)","t":(?P<t>\d+),"ot":(?P<ot>\d+),'
    rb'"c":(?P<c>\[[^\]]*\])(?:,"pt":(?P<pt>\d+))?'
)


def _reference() -> tuple[dict, list[tuple[str, str, int, int, list[float]]]]:  # type: ignore[type-arg]
    meta: dict = {}  # type: ignore[type-arg]
    records = []
    with gzip.open(FIXTURES / "seed_reference_btcusdt.jsonl.gz", "rb") as f:
        for line in f:
            if line.startswith(b'{"kind":"meta"'):
                meta = json.loads(line)
                continue
            m = _FLAGS.match(line)
            if m:
                processed_at = int(m["pt"] or m["t"])
                records.append((m["sym"].decode(), m["tf"].decode(), int(m["ot"]), processed_at, json.loads(m["c"])))
    return meta, records


def test_aggregation_and_pulse_order_match_the_seed() -> None:
    meta, records = _reference()
    rows = json.loads((FIXTURES / "btcusdt-1m-synthetic.json").read_text())
    ot = np.array([r[0] for r in rows], dtype=np.int64)
    m1 = CandleColumns.from_arrays(
        "BTCUSDT",
        "1m",
        {
            "open_time": ot,
            "close_time": ot + 59_999,
            "open": np.array([r[1] for r in rows]),
            "high": np.array([r[2] for r in rows]),
            "low": np.array([r[3] for r in rows]),
            "close": np.array([r[4] for r in rows]),
            "volume": np.array([r[5] for r in rows]),
        },
    )
    tfs = meta["timeframes"]
    columns = {("BTCUSDT", tf): m1 if tf == "1m" else aggregate(m1, tf) for tf in tfs}
    for tf in tfs:
        assert len(columns[("BTCUSDT", tf)]) == meta["candles"][tf]
    seq = merge_pulses(["BTCUSDT"], tfs, columns, start=meta["timeStart"], end=meta["timeEnd"])
    assert len(seq) == len(records)
    times = seq.pulse_time_of
    opens = seq.gather(columns, "open_time")
    ours = [(*seq.buffers[int(seq.buffer[i])], int(opens[i]), int(times[i])) for i in range(len(seq))]
    assert ours == [r[:4] for r in records]
    ohlcv = np.stack([seq.gather(columns, f) for f in ("open", "high", "low", "close", "volume")], axis=1)
    assert np.array_equal(ohlcv, np.array([r[4] for r in records]))  # bit for bit, volumes included
