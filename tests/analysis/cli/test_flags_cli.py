"""`python -m analysis_service flags`: the records it writes for a slice of the fixture candles equal
the seed reference's lines byte for byte; output is deterministic; bad input is reported."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from analysis_service.cli import main_flags
from analysis_service.engine.registry import STRATEGY_NAMES, default_registry

from ..conftest import CANDLES_FILE, REFERENCE_FILE

ROOT = Path(__file__).resolve().parents[3]
SYMBOL_ARGS = ["--symbol", "BTCUSDT", "--tick-size", "0.1", "--price-precision", "1", "--qty-precision", "3"]
SYMBOL_ARGS += ["--min-qty", "0.001", "--timeframes", "1m,5m,1h,4h"]
SLICE = 1440  # one day of 1m rows: every 5m/1h/4h bucket in it is complete


def no_strategies() -> str:
    return ",".join(n for n in default_registry().names() if n not in STRATEGY_NAMES)


def reference_lines(kinds: tuple[str, ...], until: int) -> list[str]:
    """Reference lines of these kinds for candles closing at or before `until`."""
    out = []
    prefixes = tuple(f'{{"kind":"{k}"' for k in kinds)
    with gzip.open(REFERENCE_FILE, "rt") as fh:
        for line in fh:
            if line.startswith(prefixes):
                if json.loads(line)["t"] > until:
                    break
                out.append(line.rstrip("\n"))
    return out


def read_lines(path: Path) -> list[str]:
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt") as fh:
        return [x.rstrip("\n") for x in fh]


@pytest.fixture(scope="module")
def slice_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = json.loads(CANDLES_FILE.read_text())[:SLICE]
    path = tmp_path_factory.mktemp("cli") / "slice.json"
    path.write_text(json.dumps(rows))
    return path


def test_slice_flags_equal_seed_lines(slice_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert main_flags([str(slice_file), *SYMBOL_ARGS, "--strategies", no_strategies(), "--out", str(out)]) == 0
    lines = read_lines(out)
    meta, summary = json.loads(lines[0]), json.loads(lines[-1])
    assert meta["kind"] == "meta" and summary["kind"] == "summary"
    assert meta["candles"] == {"1m": 1440, "5m": 288, "1h": 24, "4h": 6}
    assert meta["symbolInfo"] == {"qtyPrecision": 3, "pricePrecision": 1, "minQty": "0.001", "tickSize": "0.1"}
    assert summary["candlesProcessed"] == 1440 + 288 + 24 + 6 and summary["analyzerErrors"] == 0
    last_close = json.loads(CANDLES_FILE.read_text())[SLICE - 1][0] + 59_999
    exp = reference_lines(("flags", "vlevels", "magnets"), last_close)
    ours = lines[1:-1]  # no strategies: only these three kinds, interleaved as the seed writes them
    assert sum(x.startswith('{"kind":"flags"') for x in exp) == 1758
    assert len(ours) == len(exp)
    for i, (a, b) in enumerate(zip(ours, exp, strict=True)):
        assert a == b, i


def test_output_is_deterministic_and_gzip_optional(slice_file: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.json"
    short.write_text(json.dumps(json.loads(slice_file.read_text())[:300]))
    args = [str(short), *SYMBOL_ARGS, "--strategies", "atr14,rsi14,macd", "--no-vlevels-records"]
    assert main_flags([*args, "--out", str(tmp_path / "a.jsonl")]) == 0
    assert main_flags([*args, "--out", str(tmp_path / "b.jsonl.gz")]) == 0
    a, b = read_lines(tmp_path / "a.jsonl"), read_lines(tmp_path / "b.jsonl.gz")
    assert a == b
    assert {json.loads(x)["kind"] for x in a} == {"meta", "flags", "summary"}
    assert json.loads(a[0])["analyzerOrder"]["1m"][:2] == ["rsi14", "atr14"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategies", "nosuch"], "--strategies: no analyzer or strategy named 'nosuch'"),
        (["--timeframes", "1m,7m"], "--timeframes: unknown or empty: 7m"),
        (["--tick-size", "abc"], "--tick-size: not a number"),
    ],
)
def test_bad_arguments(
    slice_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main_flags([str(slice_file), *args, "--out", str(tmp_path / "x.jsonl")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


def test_bad_candle_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "x.jsonl")
    assert main_flags([str(tmp_path / "missing.json"), "--out", out]) == 2
    assert "CANDLES: cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    for content, message in (
        ("{", "is not JSON"),
        ("[]", "non-empty JSON array"),
        ("[[1, 2, 3]]", "row 0 is not"),
        ("[[120000, 1, 1, 1, 1, 1], [60000, 1, 1, 1, 1, 1]]", "row 1 is not after"),
    ):
        bad.write_text(content)
        assert main_flags([str(bad), "--out", out]) == 2
        assert message in capsys.readouterr().err


def test_module_entry_point(slice_file: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.json"
    short.write_text(json.dumps(json.loads(slice_file.read_text())[:120]))
    out = tmp_path / "o.jsonl.gz"
    cmd = [sys.executable, "-m", "analysis_service", "flags", str(short), *SYMBOL_ARGS]
    cmd += ["--strategies", "atr14", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1])["candles"] == 120 + 24 + 2
    lines = read_lines(out)
    assert json.loads(lines[-1])["candlesProcessedByTf"] == {"1m": 120, "5m": 24, "1h": 2}


def test_user_analyzers_folder(slice_file: Path, tmp_path: Path) -> None:
    """Strategy authors can replay their own analyzer and see its flags after every candle."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "closeup.py").write_text(
        "from analysis_service.engine import Analyzer\n"
        "class CloseUp(Analyzer):\n"
        "    KIND = 'closeup'\n"
        "    INSTANCES = {'closeup': {}}\n"
        "    def add_candle(self, candle, io):\n"
        "        io.set('closeup', candle.close > candle.open)\n"
    )
    short = tmp_path / "short.json"
    short.write_text(json.dumps(json.loads(slice_file.read_text())[:10]))
    out = tmp_path / "o.jsonl"
    args = [str(short), *SYMBOL_ARGS, "--strategies", "closeup", "--analyzers-dir", str(folder), "--out", str(out)]
    assert main_flags(args) == 0
    flags = [json.loads(x) for x in read_lines(out) if x.startswith('{"kind":"flags"')]
    assert len(flags) == 12  # 10 x 1m, 2 x 5m
    rows = json.loads(short.read_text())
    assert [f["flags"]["closeup"] for f in flags if f["tf"] == "1m"] == [r[4] > r[1] for r in rows]
    assert list(flags[0]["flags"])[-1] == "closeup"  # after the five analyzers every box needs
