"""``python -m analysis_service backtest``: the live code path over history, summarised per strategy.

Candles come from candle_service (its store, the exchange or exchange_sim — whatever it is pointed
at); the run is the same :class:`~analysis_service.vm.VmRun` the service uses, so a backtest equals
what live trading would have seen.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from analysis_service.candles_client import CandleClient
from analysis_service.engine.registry import default_registry
from analysis_service.entries.entry import WON, Entry
from analysis_service.settings import AnalysisSettings
from analysis_service.vm import Progress, PulseEnd, RunConfig, VmRun


@dataclass
class StrategyStats:
    strategy: str
    entries: int = 0
    won: int = 0
    lost: int = 0
    gains: float = 0.0

    @property
    def open(self) -> int:
        return self.entries - self.won - self.lost

    @property
    def win_ratio(self) -> float:
        closed = self.won + self.lost
        return 100.0 * self.won / closed if closed else 0.0

    @property
    def average_gain(self) -> float:
        closed = self.won + self.lost
        return self.gains / closed if closed else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "entries": self.entries, "won": self.won, "lost": self.lost,
                "open": self.open, "win_ratio": round(self.win_ratio, 4),
                "average_gain_percent": round(self.average_gain, 6), "total_gain_percent": round(self.gains, 6)}


def parse_time(value: str) -> int:
    """ms since the epoch from an ISO date (UTC) or a number of ms."""
    if value.isdigit():
        return int(value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD or epoch ms)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


def summarise(entries: Sequence[Entry]) -> list[StrategyStats]:
    stats: dict[str, StrategyStats] = {}
    for e in entries:
        s = stats.setdefault(e.strategy, StrategyStats(e.strategy))
        s.entries += 1
        if not e.active:
            if e.result == WON:
                s.won += 1
            else:
                s.lost += 1
            s.gains += e.gain_percent
    return sorted(stats.values(), key=lambda s: s.strategy)


def _bar(percent: float, out: TextIO) -> None:
    filled = int(percent / 2.5)
    out.write(f"\r[{'#' * filled}{'.' * (40 - filled)}] {percent:5.1f}%")
    out.flush()


async def backtest(config: RunConfig, candle_addr: str, progress: TextIO | None = None) -> list[StrategyStats]:
    client = CandleClient(candle_addr)
    try:
        infos = await client.symbol_infos(config.symbols)
        run = VmRun(config, infos, default_registry())
        span = max(config.to_ms - config.from_ms, 1)
        last_shown = -1.0
        async for item in run.run(client.pulses(config)):
            if progress is None:
                continue
            if isinstance(item, Progress):
                percent = item.overall_percent / 2  # downloading is the first half of the bar
            elif isinstance(item, PulseEnd):
                percent = 50 + 50 * (item.time - config.from_ms) / span
            else:
                continue
            if percent - last_shown >= 0.5:
                _bar(min(percent, 100.0), progress)
                last_shown = percent
        if progress is not None:
            _bar(100.0, progress)
            progress.write("\n")
        return summarise(run.entries.list_entries())
    finally:
        await client.close()


def format_table(stats: Sequence[StrategyStats]) -> str:
    rows = [("strategy", "entries", "won", "lost", "open", "win %", "avg gain %", "total gain %")]
    for s in stats:
        rows.append((s.strategy, str(s.entries), str(s.won), str(s.lost), str(s.open), f"{s.win_ratio:.1f}",
                     f"{s.average_gain:.3f}", f"{s.gains:.3f}"))
    total = StrategyStats("TOTAL", sum(s.entries for s in stats), sum(s.won for s in stats),
                          sum(s.lost for s in stats), sum(s.gains for s in stats))
    rows.append((total.strategy, str(total.entries), str(total.won), str(total.lost), str(total.open),
                 f"{total.win_ratio:.1f}", f"{total.average_gain:.3f}", f"{total.gains:.3f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))
                     for r in rows)


def main_backtest(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis_service backtest",
                                     description="Replay history through the analyzers and strategies.")
    parser.add_argument("--symbols", required=True, help="comma-separated, e.g. BTCUSDT,ETHUSDT")
    parser.add_argument("--timeframes", required=True, help="comma-separated, e.g. 1h,15m")
    parser.add_argument("--strategies", default="all", help="'all' or comma-separated analyzer/strategy names")
    parser.add_argument("--from", dest="start", required=True, type=parse_time, help="YYYY-MM-DD (UTC) or ms")
    parser.add_argument("--to", dest="end", required=True, type=parse_time, help="YYYY-MM-DD (UTC) or ms")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--candle-addr", default=None, help="candle_service address (PARAYOK_CANDLE_ADDR)")
    args = parser.parse_args(argv)
    settings = AnalysisSettings()
    analyzers: tuple[str, ...] = () if args.strategies == "all" else tuple(
        s for s in args.strategies.split(",") if s)
    config = RunConfig(vm_id="backtest", symbols=tuple(s for s in args.symbols.split(",") if s),
                       timeframes=tuple(t for t in args.timeframes.split(",") if t), analyzers=analyzers,
                       from_ms=args.start, to_ms=args.end, live=False, annotations=False, flags_snapshot=False)
    try:
        config.check()
        default_registry().build_box(config.analyzers)
        stats = asyncio.run(backtest(config, args.candle_addr or settings.candle_addr,
                                     None if args.json else sys.stderr))
    except (ValueError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the candle service is down or refused: say why, no traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"strategies": [s.to_json() for s in stats]}, indent=2))
    else:
        print(format_table(stats))
    return 0

