"""A ticker's batch plan: the box with every batchable run of analyzers replaced by one
generated writer over precomputed values.

Box order is kept: a *segment* (consecutive batched analyzers) writes its keys into
the candle's fresh flag dict at the segment's place in the box, in the order the
analyzers would write them, so an incremental analyzer after it sees exactly the
flags it saw before, and nothing from analyzers after it. Values are materialised
per chunk of `CHUNK` candles as Python lists (None = key absent on that candle).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from analysis_service.analyzers.magnets import MagnetsAnalyzer
from analysis_service.analyzers.prev_swing import PrevSwing
from analysis_service.analyzers.prices import Prices
from analysis_service.analyzers.vlevels import VLevels
from analysis_service.engine.candle import Candle
from analysis_service.fast.specs import SPECS, Series, Slot, Spec, provides

if TYPE_CHECKING:
    from analysis_service.engine.io import AnalyzerIO
    from analysis_service.engine.plugin import Analyzer

CHUNK = 2048

# The built-in analyzers that stay incremental in batch mode, with every flag of their own
# ticker they read (from io.flags; the only other ticker's flag any built-in reads is
# vlevels' `vlevels` of the higher timeframe, which vlevels itself writes). Lazy flags
# (`lazy_keys`) rely on this table: keep it in step with the analyzers' add_candle.
LAZY_READS: dict[type, tuple[str, ...]] = {
    PrevSwing: ("wfractals",),
    VLevels: ("hills.new.low", "hills.new.high", "hl_trend.new.high", "hl_trend.new.low", "atr14"),
    MagnetsAnalyzer: ("impulse.gap", "impulse.end", "impulse.trend"),
    Prices: (),
}


def lazy_capable(box: Sequence[Analyzer]) -> bool:
    """Every analyzer is a built-in indicator: batchable, or incremental with known reads."""
    return all(type(a) in SPECS or type(a) in LAZY_READS for a in box)


def lazy_keys(plan: TickerPlan) -> set[str] | None:
    """The keys a lazy plan must still store per candle, or None when an analyzer left
    incremental may read anything."""
    keys: set[str] = set()
    for i, a in enumerate(plan.box):
        if i in plan.batched:
            continue
        reads = LAZY_READS.get(type(a))
        if reads is None:
            return None
        keys.update(reads)
    return keys


Call = Callable[[Candle, "AnalyzerIO"], None]


def build_specs(box: Sequence[Analyzer], s: Series) -> list[tuple[int, Spec]]:
    """Specs (with their box index) for the batchable analyzers of `box`, computed over `s`."""
    out: list[tuple[int, Spec]] = []
    have: set[str] = set()
    for i, a in enumerate(box):
        cls = SPECS.get(type(a))
        if cls is None or not all(n in have for n in cls.needs(a)):
            continue
        spec = cls(a)
        spec.compute(s)
        out.append((i, spec))
        have.update(provides(spec))
    return out


class Segment:
    """Consecutive batched analyzers: one generated writer per chunk.

    In lazy mode (`TickerPlan.set_lazy`) the writer stores only the keys an incremental
    analyzer of the box reads; `write_full` gives a candle's complete keys on demand."""

    def __init__(self, plan: TickerPlan, specs: list[Spec], first_index: int) -> None:
        self.plan = plan
        self.specs = specs
        self.first_index = first_index  # box index of its first analyzer
        self.slots: list[Slot] = [sl for sp in specs for sl in sp.slots]
        self.ids = [sp.a.id for sp in specs]
        self.live_slots: list[Slot] = self.slots  # the slots the writer stores
        self._factories: dict[bool, Callable[..., Call]] = {}  # compiled on first use, by warm-up
        self.call: Call = _noop

    @staticmethod
    def _compile(warm: bool, slots: list[Slot]) -> Callable[..., Call]:
        args = ", ".join(f"c{k}" for k in range(len(slots)))
        lines = [f"def make(plan{', ' if args else ''}{args}):", "    def segment(candle, io):"]
        if slots:
            lines += ["        j = plan.j", "        f = io.flags"]
        for k, sl in enumerate(slots):
            if sl.sparse or (warm and sl.first > 0):
                lines += [f"        v = c{k}[j]", "        if v is not None:", f"            f[{sl.key!r}] = v"]
            else:
                lines.append(f"        f[{sl.key!r}] = c{k}[j]")
        lines += ["        return None", "    return segment"]
        ns: dict[str, Any] = {}
        # the source is built from our own slot keys, repr-quoted
        exec("\n".join(lines), ns)
        return ns["make"]  # type: ignore[no-any-return]

    def set_lazy(self, needed: set[str]) -> None:
        self.live_slots = [sl for sl in self.slots if sl.key in needed]
        self._factories = {}

    def _warm(self, lo: int) -> bool:
        # decided over every slot, lazy or not, so a stored key is written exactly as in full mode
        return any(sl.first > lo for sl in self.slots)

    def load(self, lo: int, hi: int) -> None:
        cols = [sl.chunk(lo, hi) for sl in self.live_slots]
        warm = self._warm(lo)
        make = self._factories.get(warm)
        if make is None:
            make = self._factories[warm] = self._compile(warm, self.live_slots)
        self.call = make(self.plan, *cols)

    def write_full(self, flags: dict[str, Any], k: int, lo: int) -> None:
        """Store every key of candle `k` (in the chunk starting at `lo`) as the full writer does."""
        warm = self._warm(lo)
        for sl in self.slots:
            v = sl.chunk(k, k + 1)[0]
            if v is not None or not (sl.sparse or (warm and sl.first > 0)):
                flags[sl.key] = v


def _noop(candle: Candle, io: AnalyzerIO) -> None:
    return None


class TickerPlan:
    """Batch state of one ticker over its known candles `seq` (processing order)."""

    def __init__(self, box: Sequence[Analyzer], seq: Sequence[Candle]) -> None:
        self.box = list(box)
        self.series = Series(seq)
        self.seq = self.series.candles
        self.n = len(self.seq)
        self.pos = 0  # index in seq of the next candle
        self.j = 0  # index of the current candle within the loaded chunk
        self.lo = 0
        self.hi = 0
        self.specs = build_specs(self.box, self.series)
        self.batched = {i for i, _ in self.specs}
        # the call list: Python analyzers as they are, runs of batched ones as segments
        self.segments: list[Segment] = []
        self.layout: list[tuple[Segment | None, int]] = []  # (segment or None, box index)
        run: list[Spec] = []
        first = 0
        by_index = dict(self.specs)
        for i in range(len(self.box)):
            sp = by_index.get(i)
            if sp is not None:
                run.append(sp)
                continue
            if run:
                self._close_run(run, first)
                run = []
            self.layout.append((None, i))
            first = i + 1
        if run:
            self._close_run(run, first)
        self.lazy = False
        # chunks load on the first candle (Ticker._add_batch), once the mode is known

    def _close_run(self, run: list[Spec], first: int) -> None:
        seg = Segment(self, run, first)
        self.segments.append(seg)
        self.layout.append((seg, -1))

    def set_lazy(self, needed: set[str]) -> None:
        """Segments store only the `needed` keys per candle (see `Ticker.complete_flags`)."""
        self.lazy = True
        for seg in self.segments:
            seg.set_lazy(needed)
        if self.hi:
            self.load(self.lo)

    def load(self, lo: int) -> None:
        self.lo = lo
        self.hi = min(lo + CHUNK, self.n)
        for seg in self.segments:
            seg.load(lo, self.hi)

    def restore(self, k_done: int, k_rest: int | None = None, split: int | None = None) -> None:
        """Restore every batched analyzer's incremental state as after `k_done` candles;
        with `split`, analyzers at box index >= split get the state after `k_rest`."""
        groups: dict[int, list[int]] = {}
        for i, _ in self.specs:
            k = k_done if split is None or i < split or k_rest is None else k_rest
            groups.setdefault(k, []).append(i)
        for k, idx in groups.items():
            if k == self.n:
                series, specs = self.series, dict(self.specs)
            else:
                series = self.series.prefix(k)
                specs = dict(build_specs(self.box, series))
            for i in idx:
                specs[i].restore(series)
