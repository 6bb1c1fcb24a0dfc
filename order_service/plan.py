"""The trading plan (the seed's EntryPlan): stake, quantity, dynamic tags, filter, gain, deposit.

A :class:`PlanEngine` holds one VM's plan state in memory. Entries reach it in the order the VM
received them — per pulse, closes first, then the batch of entries opened at that pulse — and
:func:`replay` feeds it the same sequence from the stored history, so that replaying under the same
plan rebuilds exactly the same orders and deposit.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from order_service import taggers as taggers_pkg
from order_service.filter_expr import Predicate, compile_expression, loose_eq
from order_service.model import Entry, Order, Plan, StakeMode, SymbolRules, Tag

RulesLookup = Callable[[str], SymbolRules | None]


def validate_plan(plan: Plan) -> None:
    """Raises ValueError naming the field of a plan that cannot work."""
    for name in (
        "start_sum",
        "stake_fixed",
        "stake_percent",
        "leverage",
        "cost_buy_percent",
        "cost_sell_percent",
        "simult_risk_percent",
    ):
        value = getattr(plan, name)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"plan.{name}: must be a finite number ≥ 0 (got {value})")
    if plan.cost_buy_percent >= 1 or plan.cost_sell_percent >= 1:
        raise ValueError("plan.cost_buy_percent / cost_sell_percent: fractions below 1 (0.0004 = 0.04 %)")
    if plan.stake_mode not in (StakeMode.FIXED, StakeMode.PERCENT):
        raise ValueError(f"plan.stake_mode: fixed or percent (got {plan.stake_mode})")
    for key, value in plan.tags.items():
        if not key:
            raise ValueError("plan.tags: a tag name is empty")
        if not isinstance(value, str):
            raise ValueError(f"plan.tags[{key}]: must be a string")
    compile_expression(plan.expression)


def round_quantity(raw: float, rules: SymbolRules | None) -> float:
    """Rounds to the nearest multiple of the symbol's step (the seed's toFixed(quantityPrecision))."""
    if rules is None or rules.step_size <= 0:
        return raw
    steps = math.floor(raw / rules.step_size + 0.5)
    decimals = max(0, -math.floor(math.log10(rules.step_size) + 1e-9)) if rules.step_size < 1 else 0
    return round(steps * rules.step_size, decimals)


def make_filter(plan: Plan) -> Predicate | None:
    """The plan's filter (None = accept all). Unlike the seed, an empty filter accepts everything."""
    symbols = frozenset(plan.symbols)
    timeframes = frozenset(plan.timeframes)
    strategies = frozenset(plan.strategies)
    tags = tuple(plan.tags.items())
    expression = compile_expression(plan.expression) if plan.expression.strip() else None
    if not (symbols or timeframes or strategies or tags or expression):
        return None
    if expression is not None and not (symbols or timeframes or strategies or tags):
        return expression  # one call less per order on the replay path

    def accept(order: Order) -> bool:
        e = order.entry
        if symbols and e.symbol not in symbols:
            return False
        if timeframes and e.timeframe not in timeframes:
            return False
        if strategies and e.strategy not in strategies:
            return False
        for name, value in tags:
            if not loose_eq(order.tag_value(name), value):
                return False
        return expression is None or expression(order)

    return accept


@dataclass(slots=True)
class Sizing:
    quantity: float
    stake: float


class PlanEngine:
    def __init__(self, plan: Plan, rules: RulesLookup) -> None:
        self.plan = plan
        self.rules = rules
        self.accept = make_filter(plan)
        self.taggers = taggers_pkg.discover()
        self._tag_fns = [t.tags for t in self.taggers]
        # With exactly the built-in taggers, add_entries computes their tags inline (same results).
        self.fast = self.taggers == _builtin_taggers()
        self._tag_sets: dict[tuple[object, ...], dict[str, Tag]] = {}
        self._fixed = plan.stake_mode == StakeMode.FIXED  # enum comparison is slow enough to hoist
        self.deposit = plan.start_sum
        self.orders: dict[str, Order] = {}
        self.active: dict[str, Order] = {}
        # Active orders per symbol / (symbol, timeframe) / (symbol, timeframe, strategy), for taggers.
        self.by_symbol: dict[str, int] = {}
        self.by_timeframe: dict[tuple[str, str], int] = {}
        self.by_strategy: dict[tuple[str, str, str], int] = {}
        self._rules: dict[str, tuple[float, int, int, float] | None] = {}  # symbol → (step, step·scale, scale, min)

    # PlanView for taggers: the seed scanned the active orders; counters make it O(1).
    def active_count(self, symbol: str, timeframe: str | None = None, strategy: str | None = None) -> int:
        if timeframe is None:
            return self.by_symbol.get(symbol, 0)
        if strategy is None:
            return self.by_timeframe.get((symbol, timeframe), 0)
        return self.by_strategy.get((symbol, timeframe, strategy), 0)

    def _symbol_rules(self, symbol: str) -> tuple[float, int, int, float] | None:
        try:
            return self._rules[symbol]
        except KeyError:
            rules = self.rules(symbol)
            cached = None
            if rules is not None and rules.step_size > 0:
                step = rules.step_size
                decimals = min(12, max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0)
                scale = 10**decimals
                cached = (step, round(step * scale), scale, rules.min_qty)
            self._rules[symbol] = cached
            return cached

    def sizing(self, entry: Entry) -> Sizing | None:
        p = self.plan
        if p.stake_mode == StakeMode.FIXED:
            stake = p.stake_fixed
        else:
            stake = self.deposit * p.stake_percent
            if stake < 1:
                return None
        usd = stake * p.leverage
        if usd <= 0 or entry.entry_price <= 0:
            return None
        quantity = usd / entry.entry_price
        rules = self._symbol_rules(entry.symbol)
        if rules is not None:
            step, units, scale, min_qty = rules
            # Nearest multiple of the step (the seed's toFixed(quantityPrecision)).
            quantity = math.floor(quantity / step + 0.5) * units / scale
            if quantity < min_qty:
                return None
        if quantity <= 0:
            return None
        return Sizing(quantity, stake)

    def add_entries(self, entries: Sequence[Entry]) -> list[Order]:
        """Entries opened at one pulse → the orders the plan accepts (seed: addEntries)."""
        if self.fast:
            return self._add_entries_fast(entries)
        return self._add_entries_generic(entries)

    def _tag_set(self, key: tuple[object, ...], order: Order) -> dict[str, Tag]:
        """The merged tags of the built-in taggers for one combination of their outcomes.

        Orders share these dicts (a handful of combinations exist), so order tags are never mutated.
        The first order with a combination is tagged by the taggers themselves, which keeps the
        merge order and values exactly those of the generic path.
        """
        tags: dict[str, Tag] = {}
        for tag_fn in self._tag_fns:
            tags.update(tag_fn(order, self))
        self._tag_sets[key] = tags
        return tags

    def _add_entries_fast(self, entries: Sequence[Entry]) -> list[Order]:
        """add_entries with the built-in taggers inlined: runs once per entry of the history on every SetPlan.

        Must stay equal to _add_entries_generic (tests/orders/test_plan.py compares both on random histories).
        """
        p = self.plan
        deposit = self.deposit
        if self._fixed:
            stake = p.stake_fixed
        else:
            stake = deposit * p.stake_percent
            if stake < 1:
                return []
        usd = stake * p.leverage
        if usd <= 0:
            return []
        leverage = p.leverage
        mrg_pass_always = not leverage > 0
        rules_cache = self._rules
        by_symbol, by_tf, by_strategy = self.by_symbol, self.by_timeframe, self.by_strategy
        tag_sets = self._tag_sets
        accept = self.accept
        accepted: list[Order] = []
        for entry in entries:
            price = entry.entry_price
            if price <= 0:
                continue
            quantity = usd / price
            symbol = entry.symbol
            rules = rules_cache[symbol] if symbol in rules_cache else self._symbol_rules(symbol)
            if rules is not None:
                step, units, scale, min_qty = rules
                quantity = math.floor(quantity / step + 0.5) * units / scale
                if quantity < min_qty:
                    continue
            if quantity <= 0:
                continue
            # MRG (taggers/mrg.py): 1 = pass, 0 = fail, None = no tag.
            mrg: int | None
            if mrg_pass_always:
                mrg = 1
            else:
                tag = entry.tags.get("MAXLSS")
                max_loss_percent = tag.value if tag is not None else None
                if not max_loss_percent or isinstance(max_loss_percent, str):
                    mrg = None
                else:
                    usd_in_game = quantity * price
                    mrg = 1 if abs(max_loss_percent / 100 * usd_in_game) <= usd_in_game / leverage else 0
            k2 = (symbol, entry.timeframe)
            key = (
                mrg,
                not by_strategy.get((symbol, entry.timeframe, entry.strategy)),
                not by_symbol.get(symbol),
                not by_tf.get(k2),
            )
            order = Order(entry, quantity, stake, deposit, 0.0, _NO_TAGS, "", False)
            tags = tag_sets.get(key)
            order.tags = tags if tags is not None else self._tag_set(key, order)
            if accept is None or accept(order):
                accepted.append(order)
        self._activate(accepted)
        return accepted

    def _add_entries_generic(self, entries: Sequence[Entry]) -> list[Order]:
        candidates: list[Order] = []
        taggers = self._tag_fns
        p = self.plan
        fixed = p.stake_mode == StakeMode.FIXED
        for entry in entries:
            # Inlined sizing(): this loop runs once per entry of the whole history on every SetPlan.
            if fixed:
                stake = p.stake_fixed
            else:
                stake = self.deposit * p.stake_percent
                if stake < 1:
                    continue
            usd = stake * p.leverage
            price = entry.entry_price
            if usd <= 0 or price <= 0:
                continue
            quantity = usd / price
            rules = self._rules.get(entry.symbol) if entry.symbol in self._rules else self._symbol_rules(entry.symbol)
            if rules is not None:
                step, units, scale, min_qty = rules
                # Nearest multiple of the step; int / int is correctly rounded, so this equals
                # round(n·step, decimals) at a fraction of its cost.
                quantity = math.floor(quantity / step + 0.5) * units / scale
                if quantity < min_qty:
                    continue
            if quantity <= 0:
                continue
            tags: dict[str, Tag] = {}
            order = Order(entry, quantity, stake, self.deposit, 0.0, tags)
            for tag_fn in taggers:
                tags.update(tag_fn(order, self))
            candidates.append(order)
        accept = self.accept
        accepted = candidates if accept is None else [o for o in candidates if accept(o)]
        deposit = self.deposit
        for order in accepted:
            order.wallet = deposit
        self._activate(accepted)
        return accepted

    def _activate(self, accepted: Sequence[Order]) -> None:
        """Accepted orders become active and count in the per symbol/timeframe/strategy limits."""
        by_symbol, by_tf, by_strategy = self.by_symbol, self.by_timeframe, self.by_strategy
        orders, active = self.orders, self.active
        for order in accepted:
            e = order.entry
            orders[e.id] = order
            active[e.id] = order
            k1, k2, k3 = e.symbol, (e.symbol, e.timeframe), (e.symbol, e.timeframe, e.strategy)
            by_symbol[k1] = by_symbol.get(k1, 0) + 1
            by_tf[k2] = by_tf.get(k2, 0) + 1
            by_strategy[k3] = by_strategy.get(k3, 0) + 1

    def gain(self, order: Order) -> float:
        e = order.entry
        bought = order.quantity * e.entry_price
        sold = order.quantity * (e.close_price or e.current_price)
        commission = sold * self.plan.cost_sell_percent + bought * self.plan.cost_buy_percent
        return (sold - bought - commission) if e.is_long else (bought - sold - commission)

    def close_entry(self, entry: Entry) -> Order | None:
        """An entry closed → its order's gain is booked into the deposit (seed: closeEntry)."""
        order = self.active.pop(entry.id, None)
        if order is None:
            return None
        order.entry = e = entry
        # Inlined gain(): runs once per closed order of the whole history on every SetPlan.
        p = self.plan
        bought = order.quantity * e.entry_price
        sold = order.quantity * (e.close_price or e.current_price)
        commission = sold * p.cost_sell_percent + bought * p.cost_buy_percent
        gain = (sold - bought - commission) if e.side == "buy" else (bought - sold - commission)
        order.gain = gain
        self.deposit += gain
        order.wallet = self.deposit
        order.closed = True
        self.by_symbol[e.symbol] -= 1
        self.by_timeframe[(e.symbol, e.timeframe)] -= 1
        self.by_strategy[(e.symbol, e.timeframe, e.strategy)] -= 1
        return order

    def feed(self, steps: Iterable[Step]) -> None:
        """The whole history, step by step: close_entry and add_entries with the closes inlined.

        Runs once per entry of the history on every SetPlan; must stay equal to calling
        close_entry / add_entries one by one (the incremental path; tests compare both).
        """
        active_pop = self.active.pop
        by_symbol, by_tf, by_strategy = self.by_symbol, self.by_timeframe, self.by_strategy
        p = self.plan
        cost_sell, cost_buy = p.cost_sell_percent, p.cost_buy_percent
        add = self.add_entries
        deposit = self.deposit
        for step in steps:
            closes = step.closes
            if closes:
                for e in closes:
                    order = active_pop(e.id, None)
                    if order is None:
                        continue
                    order.entry = e
                    q = order.quantity
                    bought = q * e.entry_price
                    sold = q * (e.close_price or e.current_price)
                    commission = sold * cost_sell + bought * cost_buy
                    gain = (sold - bought - commission) if e.side == "buy" else (bought - sold - commission)
                    order.gain = gain
                    deposit += gain
                    order.wallet = deposit
                    order.closed = True
                    symbol, timeframe = e.symbol, e.timeframe
                    by_symbol[symbol] -= 1
                    by_tf[(symbol, timeframe)] -= 1
                    by_strategy[(symbol, timeframe, e.strategy)] -= 1
                self.deposit = deposit
            if step.opens:
                add(step.opens)

    def update_entry(self, entry: Entry) -> None:
        """A newer copy of an active entry (e.g. after a reconnect): orders point at the newest."""
        order = self.orders.get(entry.id)
        if order is not None:
            order.entry = entry


@dataclass(slots=True)
class Step:
    """One step of a VM's history: entries closed, or a batch of entries opened at one pulse."""

    closes: list[Entry]
    opens: list[Entry]


def history_steps(entries: Iterable[Entry]) -> list[Step]:
    """The VM's stored history as the steps it was received in.

    Arrival sequence numbers are consecutive inside a batch of opens and leave a gap before a new
    batch (see :class:`SeqCounter`), so batches are rebuilt exactly as the VM saw them. The numbers
    are dense, so ops are placed in a table indexed by them instead of being sorted.
    """
    entries = list(entries)
    size = 1 + max((max(e.open_seq, e.close_seq) for e in entries), default=0)
    opens: list[Entry | None] = [None] * size
    closes: list[Entry | None] = [None] * size
    for e in entries:
        if opens[e.open_seq] is not None or (e.close_seq and closes[e.close_seq] is not None):
            raise ValueError(f"entry {e.id}: arrival sequence number used twice")
        opens[e.open_seq] = e
        if e.close_seq:
            closes[e.close_seq] = e
    steps: list[Step] = []
    step: Step | None = None
    prev_open = False
    for seq in range(size):
        opened = opens[seq]
        if opened is not None:
            if step is None or not prev_open:
                step = Step([], [])
                steps.append(step)
            step.opens.append(opened)
            prev_open = True
            continue
        closed = closes[seq]
        if closed is not None:
            if step is None or step.opens:
                step = Step([], [])
                steps.append(step)
            step.closes.append(closed)
        prev_open = False
    return steps


# Placeholder tags of an order under construction (replaced before the order is used; never mutated).
_NO_TAGS: dict[str, Tag] = {}


def _builtin_taggers() -> tuple[object, ...]:
    from order_service.taggers import mrg, same, same_sym, same_tf

    return (mrg.TAGGER, same.TAGGER, same_sym.TAGGER, same_tf.TAGGER)


class SeqCounter:
    """Hands out arrival sequence numbers: consecutive within a batch of opens, a gap before each batch."""

    def __init__(self, last: int = 0) -> None:
        self.last = last
        self.in_batch = False

    def open(self) -> int:
        if not self.in_batch:
            self.last += 1
            self.in_batch = True
        self.last += 1
        return self.last

    def close(self) -> int:
        self.in_batch = False
        self.last += 1
        return self.last

    def boundary(self) -> None:
        self.in_batch = False


def append_open(steps: list[Step], batch: list[Entry]) -> None:
    """Keeps a VM's step list current as a batch of opens arrives (as history_steps would rebuild it)."""
    steps.append(Step([], list(batch)))


def append_close(steps: list[Step], entry: Entry) -> None:
    if not steps or steps[-1].opens:
        steps.append(Step([], []))
    steps[-1].closes.append(entry)


def replay(plan: Plan, rules: RulesLookup, entries: Iterable[Entry], steps: list[Step] | None = None) -> PlanEngine:
    """A fresh engine fed the whole history (seed: processEntriesHistory); ``steps`` = history_steps(entries)."""
    engine = PlanEngine(plan, rules)
    # Replay allocates ~10 objects per entry and frees none: generational GC passes over a large
    # heap would cost more than the replay itself.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        engine.feed(history_steps(entries) if steps is None else steps)
    finally:
        if was_enabled:
            gc.enable()
    return engine
