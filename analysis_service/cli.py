"""`python -m analysis_service flags`: replay a file of 1m candles and write what the analyzers saw.

    python -m analysis_service flags CANDLES.json --symbol BTCUSDT --tick-size 0.1 --price-precision 1 \\
        --qty-precision 3 --min-qty 0.001 --timeframes 1m,5m,1h,4h --strategies all --out FILE.jsonl[.gz]

Input: a JSON array of `[openTimeMs, open, high, low, close, volume]` 1m rows in time order; higher
timeframes are aggregated from them (tests/fixtures/README.md). Output: JSON lines in the format of
the seed's reference harness (seed: tools/seed_js/run_seed.js, fixture tests/fixtures/
seed_reference_btcusdt.jsonl.gz): `meta`, then per pulse `close`/`entry`/`entry_rejected` (price
update), `signal`s and the `flags` record of every candle (plus `vlevels`/`magnets` when they
changed), `limit`/`entry`/`entry_rejected` (phase end), and a final `summary`. Numbers and key order
are written as JavaScript writes them, so `diff` against the seed's file shows only real differences.

Beyond the seed's records: `analyzer_error` (the seed would have stopped), and an `entry_rejected`
for a limit signal whose stop/take cannot be aligned (the seed drops it silently). The `meta` and
`summary` records are ours (no EntryPlan: `ordersTotal` is absent).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from analysis_service.engine.candle import Candle
from analysis_service.engine.encode import encode_flags
from analysis_service.engine.engine import AnalyzerError, Engine, SymbolInfo
from analysis_service.engine.entries import EntrySignal
from analysis_service.engine.registry import UnknownAnalyzerError, default_registry
from analysis_service.engine.sequencer import Sequencer, aggregate
from analysis_service.engine.ticker import Ticker
from analysis_service.engine.timeframes import DAY_MS, TF_LENGTH_MS, sort_longest_first
from analysis_service.entries import EntryEmulator, EntryEvent, LimitPlaced
from analysis_service.entries.jsnum import js_json
from analysis_service.entries.records import event_record, signal_record

Record = dict[str, Any]
Write = Callable[[Record], None]


class CliError(Exception):
    """Bad input: reported on stderr, exit status 2."""


class _SignalTap:
    """Entry sink in front of the emulator: records each signal as it is queued."""

    def __init__(self, emulator: EntryEmulator, write: Write, counts: Counter[str]) -> None:
        self.emulator = emulator
        self.write = write
        self.counts = counts

    def queue_entry(self, signal: EntrySignal) -> None:
        self.counts[signal.strategy] += 1
        self.write(signal_record(signal))
        self.emulator.queue_entry(signal)

    def price_update(self, symbol: str, event_time: int, low: float, high: float, current: float) -> None:
        self.emulator.price_update(symbol, event_time, low, high, current)

    def phase_end(self, pulse_time: int) -> None:
        self.emulator.phase_end(pulse_time)


def load_rows(path: Path) -> list[list[float]]:
    try:
        with open(path) as fh:
            rows = json.load(fh)
    except OSError as exc:
        raise CliError(f"CANDLES: cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"CANDLES: {path} is not JSON: {exc}") from None
    if not isinstance(rows, list) or not rows:
        raise CliError("CANDLES: expected a non-empty JSON array of [openTimeMs, open, high, low, close, volume]")
    prev = None
    for i, r in enumerate(rows):
        if not isinstance(r, list) or len(r) < 6 or not all(isinstance(x, int | float) for x in r[:6]):
            raise CliError(f"CANDLES: row {i} is not [openTimeMs, open, high, low, close, volume]")
        if prev is not None and r[0] <= prev:
            raise CliError(f"CANDLES: row {i} is not after the previous row (rows must be in time order)")
        prev = r[0]
    return rows


def resolve_analyzers(spec: str, exclude: str, analyzers_dir: Path | None) -> tuple[Any, list[str]]:
    registry = default_registry(analyzers_dir)
    names = registry.names() if spec == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    dropped = {s.strip() for s in exclude.split(",") if s.strip()}
    names = [n for n in names if n not in dropped]
    for n in names:
        try:
            registry.create(n)
        except UnknownAnalyzerError:
            raise CliError(f"--strategies: no analyzer or strategy named {n!r}") from None
    return registry, names


def replay(
    rows: Sequence[Sequence[float]],
    info: SymbolInfo,
    timeframes: list[str],
    analyzers: list[str],
    write: Write,
    *,
    registry: Any = None,
    tick_size: str | None = None,
    flags_snapshot: bool = True,
    level_records: bool = True,
    file_name: str = "",
) -> Record:
    """Replay `rows` and write every record through `write`; returns the summary record."""
    symbol = info.symbol
    series = {tf: aggregate(rows, symbol, tf) for tf in timeframes}
    pulse_tf = sort_longest_first(list(timeframes))[-1]
    engine = Engine([info], timeframes, analyzers, registry=registry, annotate=False)
    emulator = EntryEmulator.attach(engine, flags_snapshot=flags_snapshot)
    signals: Counter[str] = Counter()
    engine.entry_sink = _SignalTap(emulator, write, signals)
    sequencer = Sequencer(engine)

    write(
        {
            "kind": "meta",
            "tool": "parayok analysis_service flags",
            "file": file_name,
            "symbol": symbol,
            "symbolInfo": {
                "qtyPrecision": info.qty_precision,
                "pricePrecision": info.price_precision,
                "minQty": info.min_qty,
                "tickSize": tick_size if tick_size is not None else str(info.tick_size),
            },
            "timeframes": timeframes,
            "pulseTF": pulse_tf,
            "timeStart": int(rows[0][0]) // DAY_MS * DAY_MS,
            "timeEnd": series[pulse_tf][-1].close_time if series[pulse_tf] else None,
            "candles": {tf: len(series[tf]) for tf in timeframes},
            "strategiesRequested": analyzers,
            "analyzerOrder": {tf: [a.id for a in engine.ticker(symbol, tf).box] for tf in timeframes},
            "settings": {"noFlagsSnapshot": not flags_snapshot},
            "tz": "UTC",
        }
    )

    processed: Counter[str] = Counter()
    level_state: dict[str, tuple[int, Any]] = {}
    magnet_state: dict[str, tuple[int, Any]] = {}

    def on_candle(ticker: Ticker, c: Candle) -> None:
        processed[c.timeframe] += 1
        flags = ticker.flags
        rec: Record = {
            "kind": "flags",
            "sym": c.symbol,
            "tf": c.timeframe,
            "t": c.close_time,
            "ot": c.open_time,
            "c": [c.open, c.high, c.low, c.close, c.volume],
        }
        pt = sequencer.last_pulse_time
        if pt is not None and pt != c.close_time:
            rec["pt"] = pt
        rec["flags"] = encode_flags(flags)
        write(rec)
        if not level_records:
            return
        where = {"sym": c.symbol, "tf": c.timeframe, "t": c.close_time}
        vl = flags.get("vlevels")
        if vl is not None:
            version, last = level_state.get(ticker.id, (-1, None))
            if vl.version != version:
                levels = vl.fixture_levels()
                level_state[ticker.id] = (vl.version, levels)
                if levels != last:
                    write({"kind": "vlevels", **where, "maxId": vl.level_id, "levels": levels})
        mg = flags.get("magnets")
        if mg is not None:
            version, last = magnet_state.get(ticker.id, (-1, None))
            if mg.version != version:
                magnets = mg.fixture_list()
                magnet_state[ticker.id] = (mg.version, magnets)
                if magnets != last:
                    write({"kind": "magnets", **where, "maxId": mg.max_id, "magnets": magnets})

    limits: Counter[str] = Counter()

    def on_event(ev: EntryEvent) -> None:
        if isinstance(ev, LimitPlaced):
            limits[ev.entry.strategy] += 1
        rec = event_record(ev)
        if rec is not None:
            write(rec)

    def on_error(err: AnalyzerError) -> None:
        write(
            {
                "kind": "analyzer_error",
                "ticker": err.ticker_id,
                "analyzer": err.analyzer,
                "t": err.candle_close_time,
                "message": err.message,
            }
        )

    engine.on_candle.append(on_candle)
    emulator.listeners.append(on_event)
    engine.error_listeners.append(on_error)
    sequencer.run({symbol: series})

    entries = emulator.entries
    per_strategy: dict[str, Any] = {}
    by_strategy: dict[str, list[Any]] = defaultdict(list)
    for e in entries:
        by_strategy[e.strategy].append(e)
    for s in sorted(set(signals) | set(limits) | set(by_strategy)):
        es = by_strategy.get(s, [])
        by_tf: dict[str, int] = {}
        for e in es:
            by_tf[e.timeframe] = by_tf.get(e.timeframe, 0) + 1
        results = Counter(e.result for e in es)
        per_strategy[s] = {
            "signals": signals[s],
            "limitPlaced": limits[s],
            "entries": len(es),
            "entriesByTf": by_tf,
            "won": results["won"],
            "lost": results["lost"],
            "active": results["active"],
        }
    summary: Record = {
        "kind": "summary",
        "ok": not engine.errors,
        "error": None,
        "candlesInput": sum(len(v) for v in series.values()),
        "candlesProcessed": sum(processed.values()),
        "candlesProcessedByTf": dict(processed),
        "entriesTotal": len(entries),
        "closedTotal": sum(1 for e in entries if not e.active),
        "perStrategy": per_strategy,
        "analyzerErrors": len(engine.errors),
    }
    write(summary)
    return summary


class JsonlWriter:
    """Buffered JSON lines in JavaScript's JSON spelling."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.buf: list[str] = []
        self.records = 0

    def write(self, rec: Record) -> None:
        self.buf.append(js_json(rec))
        self.records += 1
        if len(self.buf) >= 2000:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.fh.write("\n".join(self.buf) + "\n")
            self.buf.clear()


@contextlib.contextmanager
def jsonl_writer(path: Path) -> Iterator[JsonlWriter]:
    """gzip-compressed when the name ends in .gz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    gz = path.name.endswith(".gz")
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) if gz else open(path, "w", encoding="utf-8") as fh:
        w = JsonlWriter(fh)
        try:
            yield w
        finally:
            w.flush()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analysis_service flags",
        description="Replay 1m candles through the analyzers and strategies; write every flag, signal and entry "
        "as JSON lines in the seed reference format.",
    )
    p.add_argument("candles", type=Path, metavar="CANDLES.json", help="JSON array of [openTimeMs,o,h,l,c,v] 1m rows")
    p.add_argument("--out", type=Path, required=True, help="output file (.jsonl, or .jsonl.gz to compress)")
    p.add_argument("--symbol", default="BTCUSDT", help="symbol given to the candles (default BTCUSDT)")
    p.add_argument("--tick-size", default="0.00000001", help="PRICE_FILTER tickSize (default 0.00000001)")
    p.add_argument("--price-precision", type=int, default=8, help="price decimals (default 8)")
    p.add_argument("--qty-precision", type=int, default=0, help="quantity decimals (default 0)")
    p.add_argument("--min-qty", default="1", help="MARKET_LOT_SIZE minQty, compared as a string (default 1)")
    p.add_argument("--timeframes", "--tf", default="1m,5m,1h", help="comma-separated timeframes (default 1m,5m,1h)")
    p.add_argument(
        "--strategies",
        default="all",
        help="'all' (every registered analyzer and strategy) or a comma-separated list of names",
    )
    p.add_argument("--exclude", default="", help="comma-separated names removed from --strategies")
    p.add_argument("--analyzers-dir", type=Path, default=None, help="folder of user analyzer modules to load too")
    p.add_argument("--no-flags-snapshot", action="store_true", help="do not attach flag snapshots to entries")
    p.add_argument("--no-vlevels-records", action="store_true", help="omit the vlevels/magnets list records")
    return p


def main_flags(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    try:
        timeframes = [t.strip() for t in args.timeframes.split(",") if t.strip()]
        unknown = [t for t in timeframes if t not in TF_LENGTH_MS]
        if not timeframes or unknown:
            raise CliError(f"--timeframes: unknown or empty: {','.join(unknown) or repr(args.timeframes)}")
        if len(set(timeframes)) != len(timeframes):
            raise CliError("--timeframes: duplicates")
        if args.price_precision < 0 or args.qty_precision < 0:
            raise CliError("--price-precision/--qty-precision: must be >= 0")
        try:
            tick = float(args.tick_size)
        except ValueError:
            raise CliError(f"--tick-size: not a number: {args.tick_size!r}") from None
        info = SymbolInfo(args.symbol, tick, args.price_precision, args.qty_precision, args.min_qty)
        registry, analyzers = resolve_analyzers(args.strategies, args.exclude, args.analyzers_dir)
        rows = load_rows(args.candles)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with jsonl_writer(args.out) as writer:
        summary = replay(
            rows,
            info,
            timeframes,
            analyzers,
            writer.write,
            registry=registry,
            tick_size=args.tick_size,
            flags_snapshot=not args.no_flags_snapshot,
            level_records=not args.no_vlevels_records,
            file_name=args.candles.name,
        )
    print(
        json.dumps(
            {
                "out": str(args.out),
                "records": writer.records,
                "candles": summary["candlesProcessed"],
                "entries": summary["entriesTotal"],
                "analyzerErrors": summary["analyzerErrors"],
            }
        ),
        file=sys.stderr,
    )
    return 0
