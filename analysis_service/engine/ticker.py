"""One symbol × timeframe: its last 300 candles and its box of analyzers
(seed: src/vm/Processor/TickerProcessor.js + AnalyzersBox.js).

Batch mode (see analysis_service/fast): when the ticker's coming candles are known in
advance (`enter_batch`), the batchable analyzers are computed over the whole series at
once and the box runs as a `TickerPlan` call list. The ticker leaves batch mode for
good, restoring every batched analyzer's incremental state, on the first candle that
is not the next known one (live, or anything unexpected) or when an analyzer raises.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from analysis_service.engine.annotations import CandleDebug
from analysis_service.engine.io import AnalyzerIO
from analysis_service.engine.plugin import Analyzer
from analysis_service.engine.timeframes import HTF

if TYPE_CHECKING:
    from analysis_service.engine.candle import Candle
    from analysis_service.engine.engine import Engine
    from analysis_service.fast.plan import Segment, TickerPlan


class Ticker:
    def __init__(
        self,
        engine: Engine,
        symbol: str,
        timeframe: str,
        box: list[Analyzer],
        window: int,
        annotate: bool,
    ) -> None:
        self.engine = engine
        self.symbol = symbol
        self.timeframe = timeframe
        self.id = f"{symbol}-{timeframe}"
        self.window = window
        self.candles: deque[Candle] = deque()
        self.box = box
        self.disabled: list[str] = []
        self.debug = CandleDebug(annotate, window)
        htf = HTF.get(timeframe)
        self.io = AnalyzerIO(engine, symbol, timeframe, self.candles, self.debug, f"{symbol}-{htf}" if htf else None)
        self.debug.series = [(a.id, a.CHART) for a in box if a.CHART]
        self.plan: TickerPlan | None = None
        self.processed = 0
        self._batch_calls: list[Callable[[Candle, AnalyzerIO], None]] = []
        self._flag_store: dict[str, dict[str, Any]] = {}
        self._seg_slots: list[tuple[int, Segment]] = []  # positions of segment writers in _batch_calls
        self._sparse = False  # the current flag dict holds only the keys lazy mode stores (complete_flags)
        self._refresh()

    def _refresh(self) -> None:
        box = self.box
        self._calls: list[Callable[[Candle, AnalyzerIO], None]] = [a.add_candle for a in box]
        self._ids: list[str] = [a.id for a in box]
        base = Analyzer.forget_before
        self._forgetters = [a for a in box if type(a).forget_before is not base]
        # with annotations on, only analyzers that draw need the source label set first;
        # chart series (CHART) draw nothing per candle
        self._annotated_calls = [a.add_candle if a.CHART else self._labelled(a) for a in box]

    # --- batch mode ------------------------------------------------------------------

    def enter_batch(self, seq: list[Candle]) -> bool:
        """Precompute the batchable analyzers over `seq`, the candles this ticker will be
        given next, in order. Only from a fresh ticker; False when nothing is batchable."""
        from analysis_service.fast.plan import TickerPlan

        if self.processed or self.plan is not None or not seq:
            return False
        plan = TickerPlan(self.box, seq)
        if not plan.specs:
            return False
        self.plan = plan
        self._flag_store = self.engine.flags.tickers
        # Batch mode covers history before the final window only (Engine.prepare_history leaves
        # the last `window` candles to the incremental path when annotations are on): whatever
        # would be drawn on these candles is out of the chart's window once the history is done,
        # so nothing is drawn (io.annotate off, no flag snapshots for series) until leave_batch.
        self.io.annotate = False
        self._plan_calls()
        return True

    def _plan_calls(self) -> None:
        plan = self.plan
        assert plan is not None
        calls: list[Callable[[Candle, AnalyzerIO], None]] = []
        self._seg_slots = []
        for seg, i in plan.layout:
            if seg is not None:
                if plan.lazy and not seg.live_slots:
                    continue  # stores nothing per candle
                self._seg_slots.append((len(calls), seg))
                calls.append(seg.call)
            else:
                # nothing is drawn in batch mode (see _add_batch): no source labels to set
                calls.append(self.box[i].add_candle)
        self._batch_calls = calls
        base = Analyzer.forget_before
        self._forgetters = [
            a for i, a in enumerate(self.box) if i not in plan.batched and type(a).forget_before is not base
        ]

    def set_lazy(self, needed: set[str]) -> None:
        """Lazy flags (the engine decides when nothing else can observe them, see
        `Engine.prepare_history`): per candle the segments store only the `needed` keys, those
        the box's incremental analyzers read; the complete dict of the current candle is
        built when anyone asks (`flags`, `complete_flags`) and after the last announced candle."""
        plan = self.plan
        if plan is None or self.processed:
            return
        plan.set_lazy(needed)
        self._plan_calls()

    def complete_flags(self, upto: int | None = None) -> None:
        """Replace the current candle's lazy flag dict with the one full mode builds: the same
        keys in the same order, the same values. `upto`: the box index that raised (keys of
        the analyzers after it are not there in full mode either)."""
        if not self._sparse:
            return
        self._sparse = False
        plan = self.plan
        assert plan is not None
        k = plan.pos - 1
        old = self.io.flags
        new: dict[str, Any] = {"is_live": old["is_live"]}
        for seg, i in plan.layout:
            if seg is not None:
                if upto is not None and seg.first_index > upto:
                    break
                seg.write_full(new, k, plan.lo)
                continue
            if upto is not None and i > upto:
                break
            for key in type(self.box[i]).WRITES:
                if key in old:
                    new[key] = old[key]
        if not new.keys() >= old.keys():
            raise AssertionError(f"{self.id}: lazy flags cannot be completed ({sorted(old.keys() - new.keys())})")
        self.io.flags = new
        self._flag_store[self.id] = new

    def leave_batch(self, k_done: int | None = None, k_rest: int | None = None, split: int | None = None) -> None:
        """Back to candle-by-candle: every batched analyzer gets its state as after the
        candles the plan consumed (see `TickerPlan.restore`)."""
        plan = self.plan
        if plan is None:
            return
        self.complete_flags()
        plan.restore(plan.pos if k_done is None else k_done, k_rest, split)
        self.plan = None
        self.io.annotate = self.debug.enabled
        self._refresh()

    def _labelled(self, a: Analyzer) -> Callable[[Candle, AnalyzerIO], None]:
        debug = self.debug
        aid = a.id
        call = a.add_candle

        def run(candle: Candle, io: AnalyzerIO) -> None:
            debug.source = aid
            call(candle, io)

        run.__self__ = a  # type: ignore[attr-defined]  # lets _culprit name the analyzer
        return run

    @property
    def flags(self) -> dict[str, Any]:
        if self._sparse:
            self.complete_flags()
        return self.io.flags

    def analyzer(self, name: str) -> Analyzer | None:
        for a in self.box:
            if a.id == name or a.name == name:
                return a
        return None

    def add_candle(self, candle: Candle, is_live: bool) -> None:
        plan = self.plan
        if plan is not None:
            pos = plan.pos
            if pos < plan.n and plan.seq[pos] is candle:
                self._add_batch(candle, is_live, plan, pos)
                return
            self.leave_batch()
        self.processed += 1
        candles = self.candles
        candles.append(candle)
        if len(candles) > self.window:
            t = candles.popleft().open_time
            for a in self._forgetters:
                a.forget_before(t)
            self.debug.forget_before(t)
        io = self.io
        io.candle = candle
        flags = {"is_live": is_live}
        self.engine.flags.tickers[self.id] = flags
        io.flags = flags
        if self.debug.enabled:
            self.debug.snapshots[candle.open_time] = flags
            self._run_annotated(candle, io)
        else:
            self._run(candle, io)

    def _add_batch(self, candle: Candle, is_live: bool, plan: TickerPlan, pos: int) -> None:
        """`add_candle` for the next announced candle: the same steps, one call list."""
        if pos >= plan.hi:
            plan.load(pos)
            for k, seg in self._seg_slots:
                self._batch_calls[k] = seg.call
        plan.j = pos - plan.lo
        plan.pos = pos + 1
        self.processed += 1
        candles = self.candles
        candles.append(candle)
        debug = self.debug
        if len(candles) > self.window:
            t = candles.popleft().open_time
            for a in self._forgetters:
                a.forget_before(t)
            if debug.enabled:
                debug.forget_before(t)
            else:
                debug.forgot_before = t  # nothing stored to prune
        io = self.io
        io.candle = candle
        flags = {"is_live": is_live}
        self._flag_store[self.id] = flags
        io.flags = flags
        if plan.lazy:
            self._sparse = True
        try:
            for call in self._batch_calls:
                call(candle, io)
        except Exception as exc:
            index = self._culprit(exc)
            self.complete_flags(index)
            # analyzers before the culprit are done with this candle, the rest are not
            self.leave_batch(plan.pos, plan.pos - 1, index)
            self._recover(candle, io, exc)
            return
        if self._sparse and plan.pos == plan.n:
            self.complete_flags()  # the last announced candle: what live candles and RPCs read next

    def _run(self, candle: Candle, io: AnalyzerIO) -> None:
        try:
            for call in self._calls:
                call(candle, io)
        except Exception as exc:
            # no per-analyzer bookkeeping on the happy path: the culprit is found afterwards
            self._recover(candle, io, exc)

    def _run_annotated(self, candle: Candle, io: AnalyzerIO) -> None:
        try:
            for call in self._annotated_calls:
                call(candle, io)
        except Exception as exc:
            self._recover(candle, io, exc)

    def _recover(self, candle: Candle, io: AnalyzerIO, exc: BaseException) -> None:
        """Disable the analyzer that raised (for this ticker only), record the error once,
        and run the analyzers after it on this candle."""
        debug = self.debug
        while True:
            index = self._culprit(exc)
            tb = "".join(traceback.format_exception(exc))
            msg = f"{type(exc).__name__}: {exc}"
            if index is None:
                # not attributable (no Python frame of an analyzer): skip the rest of this candle
                self.engine.record_error(self.id, "?", candle.close_time, msg, tb)
                return
            analyzer = self.box.pop(index)
            self.disabled.append(analyzer.id)
            self.engine.record_error(self.id, analyzer.id, candle.close_time, msg, tb)
            self._refresh()
            try:
                for aid, call in zip(self._ids[index:], self._calls[index:], strict=True):
                    debug.source = aid
                    call(candle, io)
                return
            except Exception as again:
                exc = again

    def _culprit(self, exc: BaseException) -> int | None:
        tb = exc.__traceback__
        # frame 0 is the loop that called it; the next one is the analyzer's add_candle,
        # or the labelling wrapper around it
        nxt = tb.tb_next if tb is not None else None
        if nxt is None:
            return None
        loc = nxt.tb_frame.f_locals
        owner = loc.get("self")
        if owner is None and "call" in loc:
            owner = getattr(loc["call"], "__self__", None)
        for i, a in enumerate(self.box):
            if a is owner:
                return i
        return None
