"""`make bench`'s table, built from canned script output: FIGURE lines, and the usual output of the scripts
that do not print FIGURE lines yet."""

from __future__ import annotations

import datetime as dt

from bench.__main__ import Figure, figures_of, machine_lines, scripts, table

LIVE = """machine: 2 cores, load average 1.00 1.00 1.00
  closed kline at exchange_sim → entry order at exchange_sim: p50 20.0 ms
FIGURE {"what": "live latency p99", "value": 24.56, "unit": "ms", "target": "≤ 25 ms", "pulses": 1000}
FIGURE {"what": "pipeline replay", "value": 12345.6, "unit": "candles/s", "target": "≥ 12,200"}
FIGURE {"what": "peak RSS, candle_service", "value": 405, "unit": "MB", "target": ""}
FIGURE {"what": "broken", "value": 1
"""

REPLAY = """{"load_avg": [1.0, 1.0, 1.0], "cpus": 2}
{"seed_per_PERF_md": "example set (24), annotations on", "candles_per_sec": 12200}
{"input": "fixture x3", "config": "all-annotated", "candles": 73836, "median_candles_per_sec_wall": 8036}
"""

REPLAY_RUN = ("Run, 1 symbol × 1m/5m/1h/4h × 30 days (53,640 candles), indicators: median 31,000 candles/s "
              "(runs: 30,000, 31,000, 32,000; entries 0; load 2.0)\n")

ANALYSIS_RSS = ("50 symbols × 4 timeframes, 330 candles per ticker (66,000 candles in 20.1 s): peak RSS 192 MB "
                "(interpreter and imports before the engine: 80 MB)\n")

BROKER = """bracket round trip over 1000 brackets (gRPC → broker_service → exchange_sim, SQLite synchronous=NORMAL):
  p50 9.50 ms   p90 12.00 ms   p99 18.00 ms   max 40.00 ms   (target p50 <= 10 ms)
  load average 1.00 on 2 cores
bracket round trip over 1000 brackets (gRPC → broker_service → exchange_sim, SQLite synchronous=FULL):
  p50 14.00 ms   p90 20.00 ms   p99 28.00 ms   max 50.00 ms   (target p50 <= 10 ms)
"""

WEB = (
    "200 clients connected\n"
    "get_chart 1000 candles, 200 clients, 10.0 s: 30000 replies, 3000 replies/s, p50 63.0 ms, p99 117.0 ms, "
    "max 200.0 ms\n"
    "get_chart with 0.25 s mean think time, 200 clients, 10.1 s: 7000 replies, 700 replies/s, p50 3.0 ms, "
    "p99 8.0 ms, max 9.0 ms\n"
    "push fan-out to 200 clients x 20 events: p50 20.0 ms, p99 41.0 ms, max 50.0 ms\n"
)


def test_figure_lines_become_rows_with_units_and_targets() -> None:
    got = figures_of("live_latency.py", LIVE)
    assert got[0] == Figure("live latency p99", "24.56 ms", "≤ 25 ms", "live_latency.py")
    assert got[1].value == "12,346 candles/s" and got[1].target == "≥ 12,200"
    assert got[2].value == "405 MB"
    assert got[3].what.startswith("unreadable FIGURE line") and got[3].value == "?"
    assert len(got) == 4


def test_scripts_without_figure_lines_are_read_from_their_output() -> None:
    replay = figures_of("replay.py", REPLAY)
    assert replay == [Figure("analysis engine replay, all-annotated, fixture x3", "8,036 candles/s",
                             "floor > 4,800, goal ≥ 120,000", "replay.py")]
    run = figures_of("replay_run.py", REPLAY_RUN)
    assert run[0].value == "31,000 candles/s" and "indicators" in run[0].what
    assert figures_of("analysis_rss.py", ANALYSIS_RSS)[0].value == "192 MB"
    broker = figures_of("broker_bracket.py", BROKER)
    assert [b.value for b in broker] == ["p50 9.50 ms, p99 18.00 ms", "p50 14.00 ms, p99 28.00 ms"]
    assert broker[1].what.endswith("synchronous=FULL") and broker[1].target == "p50 ≤ 10 ms"
    web = figures_of("web_bridge.py", WEB)
    assert [w.value for w in web] == ["p50 63.0 ms, p99 117.0 ms, 3000 replies/s", "p50 3.0 ms, p99 8.0 ms, "
                                      "700 replies/s", "p50 20.0 ms, p99 41.0 ms"]


def test_a_failed_or_silent_script_still_has_a_row() -> None:
    assert figures_of("scale.py", "Traceback ...\n", returncode=1) == [
        Figure("script failed", "exit code 1", "", "scale.py")]
    assert figures_of("new_bench.py", "took 3 s\n") == [
        Figure("no figure recognised", "see script output", "", "new_bench.py")]
    # FIGURE lines win over the legacy parser; a failure after some figures keeps them
    mixed = figures_of("replay.py", REPLAY + 'FIGURE {"what": "x", "value": 1, "unit": "s", "target": ""}\n', 2)
    assert [f.what for f in mixed] == ["x", "script failed"]


def test_one_table_with_aligned_columns_and_the_machine() -> None:
    rows = figures_of("live_latency.py", LIVE)[:2] + figures_of("broker_bracket.py", BROKER)
    text = table(rows)
    lines = text.splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == ["what", "figure", "target", "script"]
    assert len({len(line) for line in lines}) == 1  # every row as wide as the header
    assert len(lines) == 2 + len(rows)
    assert "| live latency p99" in lines[2] and "24.56 ms" in lines[2] and "live_latency.py" in lines[2]
    info = machine_lines((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), dt.datetime(2026, 11, 26, 1, 2, tzinfo=dt.UTC), 90)
    assert "cores" in info[0] and "2026-11-26 01:02 UTC" in info[1]
    assert "before 1.00 2.00 3.00" in info[1] and "after 4.00 5.00 6.00" in info[1]


def test_every_bench_script_is_run_and_helpers_are_not() -> None:
    names = {p.name for p in scripts([])}
    assert {"live_latency.py", "candles_grpc.py", "broker_bracket.py"} <= names
    assert "__main__.py" not in names and "__init__.py" not in names
    assert [p.name for p in scripts(["live_latency"])] == ["live_latency.py"]
