"""`python -m analysis_service backtest` as a real process against a real candle_service."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from analysis_service.backtest import backtest
from analysis_service.vm import RunConfig
from tests.candle_service.conftest import SIM_START, candle_stack
from tests.conftest import ROOT

HOUR = 3_600_000


async def cli(*args: str, env_addr: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "analysis_service", "backtest", *args, "--candle-addr", env_addr,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=240)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_backtest_json_equals_the_service_code_path_and_text_shows_progress(tmp_path: Path) -> None:
    start, end = SIM_START - 72 * HOUR, SIM_START
    async with candle_stack(tmp_path / "store") as stack:
        code, out, err = await cli("--symbols", "BTCUSDT,ETHUSDT", "--timeframes", "1h,5m", "--strategies", "all",
                                   "--from", str(start), "--to", str(end), "--json", env_addr=stack.addr)
        assert code == 0, err
        got = json.loads(out)["strategies"]
        assert got and sum(s["entries"] for s in got) > 0
        for s in got:
            assert s["entries"] == s["won"] + s["lost"] + s["open"]
        expected = await backtest(RunConfig("x", ("BTCUSDT", "ETHUSDT"), ("1h", "5m"), (), start, end), stack.addr)
        assert got == [s.to_json() for s in expected]
        code, out, err = await cli("--symbols", "BTCUSDT", "--timeframes", "1h", "--strategies", "macwfma,tpcwfma",
                                   "--from", "2026-01-01", "--to", "2026-01-05", env_addr=stack.addr)
        assert code == 0, err
        assert "100.0%" in err and "[" in err
        lines = out.strip().splitlines()
        assert lines[0].split()[:3] == ["strategy", "entries", "won"] and lines[-1].startswith("TOTAL")


async def test_backtest_bad_arguments_exit_with_a_clear_message(tmp_path: Path) -> None:
    code, _, err = await cli("--symbols", "BTCUSDT", "--timeframes", "7m", "--from", "2026-01-01",
                             "--to", "2026-01-02", env_addr="127.0.0.1:9")
    assert code == 2 and "timeframe" in err
    code, _, err = await cli("--symbols", "BTCUSDT", "--timeframes", "1h", "--strategies", "nope",
                             "--from", "2026-01-01", "--to", "2026-01-02", env_addr="127.0.0.1:9")
    assert code == 2 and "nope" in err
    code, _, err = await cli("--symbols", "BTCUSDT", "--timeframes", "1h", "--from", "2026-01-02",
                             "--to", "2026-01-01", env_addr="127.0.0.1:9")
    assert code == 2 and "to_ms" in err
