"""The trading plan (the seed's EntryPlan): stake, quantity, dynamic tags, filter, gain, deposit.

A :class:`PlanEngine` holds one VM's plan state in memory. Entries reach it in the order the VM
received them — per pulse, closes first, then the batch of entries opened at that pulse — and
:func:`replay` feeds it the same sequence from the stored history, so that replaying under the same
plan rebuilds exactly the same orders and deposit.
"""

from __future__ import annotations

import math
from collections import Counter
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


def make_filter(plan: Plan) -> Predicate:
    """The plan's filter. Unlike the seed, an empty filter accepts everything."""
    symbols = frozenset(plan.symbols)
    timeframes = frozenset(plan.timeframes)
    strategies = frozenset(plan.strategies)
    tags = tuple(plan.tags.items())
    expression = compile_expression(plan.expression) if plan.expression.strip() else None

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
        self.deposit = plan.start_sum
        self.orders: dict[str, Order] = {}
        self.active: dict[str, Order] = {}
        self._by_symbol: Counter[str] = Counter()
        self._by_tf: Counter[tuple[str, str]] = Counter()
        self._by_strategy: Counter[tuple[str, str, str]] = Counter()

    # PlanView for taggers: the seed scanned the active orders; counters make it O(1).
    def active_count(self, symbol: str, timeframe: str | None = None, strategy: str | None = None) -> int:
        if timeframe is None:
            return self._by_symbol[symbol]
        if strategy is None:
            return self._by_tf[(symbol, timeframe)]
        return self._by_strategy[(symbol, timeframe, strategy)]

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
        rules = self.rules(entry.symbol)
        quantity = round_quantity(usd / entry.entry_price, rules)
        if quantity <= 0 or (rules is not None and quantity < rules.min_qty):
            return None
        return Sizing(quantity, stake)

    def add_entries(self, entries: Sequence[Entry]) -> list[Order]:
        """Entries opened at one pulse → the orders the plan accepts (seed: addEntries)."""
        candidates: list[Order] = []
        for entry in entries:
            size = self.sizing(entry)
            if size is None:
                continue
            order = Order(entry=entry, quantity=size.quantity, stake=size.stake, wallet=self.deposit)
            tags: dict[str, Tag] = {}
            for tagger in self.taggers:
                tags.update(tagger.tags(order, self))
            order.tags = tags
            candidates.append(order)
        accepted = [o for o in candidates if self.accept(o)]
        for order in accepted:
            order.wallet = self.deposit
            self.orders[order.id] = order
            self.active[order.id] = order
            e = order.entry
            self._by_symbol[e.symbol] += 1
            self._by_tf[(e.symbol, e.timeframe)] += 1
            self._by_strategy[(e.symbol, e.timeframe, e.strategy)] += 1
        return accepted

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
        order.entry = entry
        order.gain = self.gain(order)
        self.deposit += order.gain
        order.wallet = self.deposit
        order.closed = True
        e = entry
        self._by_symbol[e.symbol] -= 1
        self._by_tf[(e.symbol, e.timeframe)] -= 1
        self._by_strategy[(e.symbol, e.timeframe, e.strategy)] -= 1
        return order

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
    batch (see :class:`SeqCounter`), so batches are rebuilt exactly as the VM saw them.
    """
    ops: list[tuple[int, bool, Entry]] = []
    for e in entries:
        ops.append((e.open_seq, True, e))
        if e.close_seq:
            ops.append((e.close_seq, False, e))
    ops.sort(key=lambda op: op[0])
    steps: list[Step] = []
    prev_seq, prev_open = -10, False
    for seq, is_open, e in ops:
        if is_open:
            if not (prev_open and seq == prev_seq + 1) or not steps:
                steps.append(Step([], []))
            steps[-1].opens.append(e)
        else:
            if not steps or steps[-1].opens:
                steps.append(Step([], []))
            steps[-1].closes.append(e)
        prev_seq, prev_open = seq, is_open
    return steps


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


def replay(plan: Plan, rules: RulesLookup, entries: Iterable[Entry]) -> PlanEngine:
    """A fresh engine fed the whole history (seed: processEntriesHistory)."""
    engine = PlanEngine(plan, rules)
    for step in history_steps(entries):
        for e in step.closes:
            engine.close_entry(e)
        if step.opens:
            engine.add_entries(step.opens)
    return engine
