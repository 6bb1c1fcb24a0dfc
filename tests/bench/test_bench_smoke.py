"""Each new benchmark script runs alone with tiny parameters and ends with its FIGURE lines."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import PYTHON, ROOT


def run_bench(script: str, *args: str, timeout: float = 150) -> list[dict[str, object]]:
    done = subprocess.run([PYTHON, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    figures = [json.loads(line.removeprefix("FIGURE ")) for line in done.stdout.splitlines()
               if line.startswith("FIGURE ")]
    assert figures, done.stdout[-2000:]
    for f in figures:
        assert {"what", "value", "unit", "target"} <= set(f), f
    return figures


def test_live_latency_measures_every_pulse_to_exchange_sim() -> None:
    figures = run_bench("live_latency.py", "--pulses", "20", "--warmup", "2")
    p99 = next(f for f in figures if "p99" in str(f["what"]))
    assert p99["pulses"] == 20 and p99["unit"] == "ms"
    assert 0 < float(p99["value"]) < 10_000  # type: ignore[arg-type]


def test_pipeline_replay_reports_candles_per_second_of_a_vm_history() -> None:
    figures = run_bench("pipeline_replay.py", "--days", "2", "--runs", "1")
    rate = figures[0]
    assert rate["unit"] == "candles/s" and "3,516 candles" in str(rate["what"])  # 2 days of 1m, 5m, 1h, 4h
    assert float(rate["value"]) > 0  # type: ignore[arg-type]


def test_scale_reports_pulse_lag_and_the_peak_rss_of_every_service() -> None:
    figures = run_bench("scale.py", "--symbols", "12", "--timeframes", "1m,5m", "--seconds", "6", "--warmup", "2")
    lag = figures[0]
    assert "12 symbols × 2 TF" in str(lag["what"]) and lag["unit"] == "ms"
    assert int(str(lag["pulses"])) > 0
    rss = {str(f["what"]).rsplit(" ", 1)[1]: f["value"] for f in figures[1:]}
    assert set(rss) == {"exchange_sim", "candle_service", "analysis_service", "order_service", "broker_service",
                        "notify_service", "web_bridge"}
    assert all(10 < float(v) < 10_000 for v in rss.values())  # type: ignore[arg-type]
