"""``make bench``: run every benchmark script in this folder, one after the other, then print one table.

    .venv/bin/python -m bench [SCRIPT ...]      # e.g. python -m bench live_latency scale; default: all

Each script's own output is shown as it runs. A script reports its figures in lines
``FIGURE {"what": …, "value": …, "unit": …, "target": …}``; for scripts that do not print them yet, the
figures are read from their usual output (``LEGACY`` parsers below). The table at the end has one row per
figure (what | figure | target | script) and the machine it ran on: cores, load average before and after,
date. The machine is shared and noisy: compare figures measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Not benchmarks of their own: skipped when running "all"
HELPERS = {"__init__.py", "__main__.py"}


@dataclass(frozen=True)
class Figure:
    what: str
    value: str
    target: str
    script: str


def fmt_value(value: Any, unit: str) -> str:
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    elif isinstance(value, int | float):
        text = f"{int(value):,}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def figure_lines(script: str, lines: Iterable[str]) -> list[Figure]:
    """The ``FIGURE {json}`` lines of one script's output."""
    out = []
    for line in lines:
        if not line.startswith("FIGURE "):
            continue
        try:
            d = json.loads(line[len("FIGURE "):])
            out.append(Figure(str(d["what"]), fmt_value(d["value"], str(d.get("unit", ""))), str(d.get("target", "")),
                              script))
        except (ValueError, KeyError, TypeError):
            out.append(Figure(f"unreadable FIGURE line: {line[:80]}", "?", "", script))
    return out


# --- output of scripts without FIGURE lines ---------------------------------------------------------------

def _json_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def legacy_replay(lines: list[str]) -> list[Figure]:
    targets = {"all-annotated": "floor > 4,800, goal ≥ 120,000", "all": "goal ≥ 120,000"}
    out = []
    for d in _json_lines(lines):
        if "median_candles_per_sec_wall" in d and "config" in d:
            out.append(Figure(f"analysis engine replay, {d['config']}, {d.get('input', '')}",
                              fmt_value(d["median_candles_per_sec_wall"], "candles/s"),
                              targets.get(str(d["config"]), ""), "replay.py"))
    return out


def legacy_replay_engine(lines: list[str]) -> list[Figure]:
    return [Figure(f"analysis engine replay, 41 indicators, {d.get('candles', '?')} candles",
                   fmt_value(d["median_candles_per_sec"], "candles/s"), "", "replay_engine.py")
            for d in _json_lines(lines) if "median_candles_per_sec" in d]


RUN_LINE = re.compile(r"^Run, (?P<what>.*?): median (?P<rate>[\d,]+) candles/s")


def legacy_replay_run(lines: list[str]) -> list[Figure]:
    out = []
    for line in lines:
        m = RUN_LINE.match(line)
        if m:
            out.append(Figure(f"history through gRPC Run, {m['what']}", f"{m['rate']} candles/s", "",
                              "replay_run.py"))
    return out


RSS_LINE = re.compile(r"^(?P<what>.*?) \(.*peak RSS (?P<mb>[\d.]+) MB")


def legacy_analysis_rss(lines: list[str]) -> list[Figure]:
    out = []
    for line in lines:
        m = RSS_LINE.match(line)
        if m:
            out.append(Figure(f"analysis engine peak RSS, {m['what']}", f"{m['mb']} MB", "", "analysis_rss.py"))
    return out


BRACKET_HEAD = re.compile(r"^bracket round trip over (?P<n>\d+) brackets .*synchronous=(?P<sync>\w+)")
BRACKET_FIGS = re.compile(r"p50 (?P<p50>[\d.]+) ms .*p99 (?P<p99>[\d.]+) ms")


def legacy_broker_bracket(lines: list[str]) -> list[Figure]:
    out = []
    head: re.Match[str] | None = None
    for line in lines:
        m = BRACKET_HEAD.match(line)
        if m:
            head = m
            continue
        f = BRACKET_FIGS.search(line)
        if head is not None and f:
            out.append(Figure(f"bracket round trip gRPC → broker_service → exchange_sim, synchronous={head['sync']}",
                              f"p50 {f['p50']} ms, p99 {f['p99']} ms", "p50 ≤ 10 ms", "broker_bracket.py"))
            head = None
    return out


CHART_LINE = re.compile(r"^get_chart (?P<what>.*?), [\d.]+ s: .*?(?P<rps>\d+) replies/s, p50 (?P<p50>[\d.]+) ms, "
                        r"p99 (?P<p99>[\d.]+) ms")
PUSH_LINE = re.compile(r"^push fan-out to (?P<what>.*?): p50 (?P<p50>[\d.]+) ms, p99 (?P<p99>[\d.]+) ms")


def legacy_web_bridge(lines: list[str]) -> list[Figure]:
    out = []
    for line in lines:
        if m := CHART_LINE.match(line):
            out.append(Figure(f"web bridge get_chart {m['what']}",
                              f"p50 {m['p50']} ms, p99 {m['p99']} ms, {m['rps']} replies/s", "p99 ≤ 100 ms",
                              "web_bridge.py"))
        elif m := PUSH_LINE.match(line):
            out.append(Figure(f"web bridge push fan-out to {m['what']}", f"p50 {m['p50']} ms, p99 {m['p99']} ms", "",
                              "web_bridge.py"))
    return out


LEGACY: dict[str, Callable[[list[str]], list[Figure]]] = {
    "replay.py": legacy_replay,
    "replay_engine.py": legacy_replay_engine,
    "replay_run.py": legacy_replay_run,
    "analysis_rss.py": legacy_analysis_rss,
    "broker_bracket.py": legacy_broker_bracket,
    "web_bridge.py": legacy_web_bridge,
}


def figures_of(script: str, output: str, returncode: int = 0) -> list[Figure]:
    lines = output.splitlines()
    found = figure_lines(script, lines)
    if not found and script in LEGACY:
        found = LEGACY[script](lines)
    if returncode:
        found.append(Figure("script failed", f"exit code {returncode}", "", script))
    elif not found:
        found.append(Figure("no figure recognised", "see script output", "", script))
    return found


# --- the table ----------------------------------------------------------------------------------------------

def machine_lines(load_before: tuple[float, float, float], load_after: tuple[float, float, float],
                  started: dt.datetime, seconds: float) -> list[str]:
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return [
        f"machine: {platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}",
        f"date: {started:%Y-%m-%d %H:%M} UTC, {seconds / 60:.1f} min; load average before "
        f"{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in load_after)}",
    ]


def table(figures: list[Figure]) -> str:
    rows = [("what", "figure", "target", "script")] + [(f.what, f.value, f.target or "–", f.script) for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]

    def line(r: tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(rows[0]), sep, *(line(r) for r in rows[1:])])


def run_script(path: Path) -> tuple[str, int]:
    """Runs one script, echoing its output as it comes; returns (output, exit code)."""
    proc = subprocess.Popen([sys.executable, str(path)], cwd=HERE.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1,
                            env=dict(os.environ, PYTHONPATH=str(HERE.parent), PYTHONUNBUFFERED="1"))
    assert proc.stdout is not None
    captured = []
    for line in proc.stdout:
        sys.stdout.write(line)
        captured.append(line)
    return "".join(captured), proc.wait()


def scripts(names: list[str]) -> list[Path]:
    found = sorted(p for p in HERE.glob("*.py") if p.name not in HELPERS and not p.name.startswith("_"))
    if not names:
        return found
    wanted = {n.removesuffix(".py") for n in names}
    unknown = wanted - {p.stem for p in found}
    if unknown:
        raise SystemExit(f"unknown bench script(s): {', '.join(sorted(unknown))}; known: "
                         f"{', '.join(p.stem for p in found)}")
    return [p for p in found if p.stem in wanted]


def main(argv: list[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    started, t0, load_before = dt.datetime.now(dt.UTC), time.monotonic(), os.getloadavg()
    figures: list[Figure] = []
    failed = []
    for script in scripts(names):
        print(f"== {script.name}", flush=True)
        output, code = run_script(script)
        figures.extend(figures_of(script.name, output, code))
        if code:
            failed.append(script.name)
    print()
    print(table(figures))
    print()
    print("\n".join(machine_lines(load_before, os.getloadavg(), started, time.monotonic() - t0)))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
