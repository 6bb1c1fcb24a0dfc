"""json_snapshot's cache of versioned analyzer objects: the same JSON as without it, and a
changed object (its `version` bumped) is serialised again."""

from __future__ import annotations

import math
from typing import Any

from analysis_service.entries.snapshot import json_snapshot


def plain_json(v: Any) -> Any:
    """The snapshot rules written plainly, without any cache or json_safe shortcut."""
    from analysis_service.engine.candle import Candle

    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): plain_json(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [plain_json(x) for x in v]
    if isinstance(v, Candle):
        return {"openTime": v.open_time, "open": plain_json(v.open), "high": plain_json(v.high),
                "low": plain_json(v.low), "close": plain_json(v.close), "volume": plain_json(v.volume),
                "closeTime": v.close_time, "symbol": v.symbol, "timeframe": v.timeframe}  # fmt: skip
    for attr in ("to_json", "fixture_json"):
        fn = getattr(v, attr, None)
        if fn is not None:
            return plain_json(fn())
    return {"$obj": type(v).__name__}


class Versioned:
    def __init__(self) -> None:
        self.version = 0
        self.items: list[float] = [1.5]

    def to_json(self) -> list[dict[str, Any]]:
        return [{"y": y} for y in self.items]


def test_cache_follows_version_and_matches_uncached() -> None:
    obj = Versioned()
    cache: dict[int, tuple[Any, int, Any]] = {}
    flags = {"a": 1.0, "b": math.inf, "c": None, "d": math.nan, "e": True, "v": obj, "m": {"x": 2.0, "n": None}}
    first = json_snapshot(flags, cache)
    assert (
        first == json_snapshot(flags) == {"a": 1.0, "b": None, "d": None, "e": True, "v": [{"y": 1.5}], "m": {"x": 2.0}}
    )
    obj.items.append(2.5)  # not announced: the cached JSON stands (the contract is the version)
    assert json_snapshot(flags, cache)["v"] == [{"y": 1.5}]
    obj.version += 1
    assert json_snapshot(flags, cache)["v"] == [{"y": 1.5}, {"y": 2.5}] == json_snapshot(flags)["v"]


def test_every_entry_snapshot_equals_the_uncached_one() -> None:
    """A replay with every analyzer: each entry's snapshot, taken with the emulator's cache,
    equals the plain JSON of the ticker's flags at that moment (keys, order, values)."""
    import json
    from pathlib import Path

    from analysis_service.engine import Engine, Sequencer, SymbolInfo
    from analysis_service.entries.emulator import EntryEmulator
    from analysis_service.entries.events import EntryEvent, EntryOpened

    rows = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "btcusdt-1m-synthetic.json").read_text())
    btc = SymbolInfo("BTCUSDT", tick_size=0.1, price_precision=1, qty_precision=3, min_qty="0.001")
    engine = Engine([btc], ["1m", "5m", "1h"], annotate=False)
    emu = EntryEmulator.attach(engine, flags_snapshot=True)
    checked = [0]

    def on_event(ev: EntryEvent) -> None:
        if isinstance(ev, EntryOpened):
            flags = engine.flags.tickers[f"{ev.entry.symbol}-{ev.entry.timeframe}"]
            plain = {k: plain_json(v) for k, v in flags.items() if v is not None}
            assert ev.entry.flags is not None
            assert list(ev.entry.flags.items()) == list(plain.items())
            checked[0] += 1

    emu.listeners.append(on_event)
    Sequencer(engine).run_rows({"BTCUSDT": rows[:8000]})
    assert engine.errors == []
    assert checked[0] > 100
