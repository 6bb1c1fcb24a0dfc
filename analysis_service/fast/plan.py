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

from analysis_service.engine.candle import Candle
from analysis_service.fast.specs import SPECS, Series, Slot, Spec, provides

if TYPE_CHECKING:
    from analysis_service.engine.io import AnalyzerIO
    from analysis_service.engine.plugin import Analyzer

CHUNK = 2048
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
    """Consecutive batched analyzers: one generated writer per chunk."""

    def __init__(self, plan: TickerPlan, specs: list[Spec]) -> None:
        self.plan = plan
        self.specs = specs
        self.slots: list[Slot] = [sl for sp in specs for sl in sp.slots]
        self.ids = [sp.a.id for sp in specs]
        self._factories = {warm: self._compile(warm) for warm in (True, False)}
        self.call: Call = _noop

    def _compile(self, warm: bool) -> Callable[..., Call]:
        args = ", ".join(f"c{k}" for k in range(len(self.slots)))
        lines = [f"def make(plan{', ' if args else ''}{args}):", "    def segment(candle, io):"]
        if self.slots:
            lines += ["        j = plan.j", "        f = io.flags"]
        for k, sl in enumerate(self.slots):
            if sl.sparse or (warm and sl.first > 0):
                lines += [f"        v = c{k}[j]", "        if v is not None:", f"            f[{sl.key!r}] = v"]
            else:
                lines.append(f"        f[{sl.key!r}] = c{k}[j]")
        lines += ["        return None", "    return segment"]
        ns: dict[str, Any] = {}
        # the source is built from our own slot keys, repr-quoted
        exec("\n".join(lines), ns)
        return ns["make"]  # type: ignore[no-any-return]

    def load(self, lo: int, hi: int) -> None:
        warm = any(sl.first > lo for sl in self.slots)
        cols = [sl.chunk(lo, hi) for sl in self.slots]
        self.call = self._factories[warm](self.plan, *cols)


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
        by_index = dict(self.specs)
        for i in range(len(self.box)):
            sp = by_index.get(i)
            if sp is not None:
                run.append(sp)
                continue
            if run:
                self._close_run(run)
                run = []
            self.layout.append((None, i))
        if run:
            self._close_run(run)
        self.load(0)

    def _close_run(self, run: list[Spec]) -> None:
        seg = Segment(self, run)
        self.segments.append(seg)
        self.layout.append((seg, -1))

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
