"""Plan arithmetic against hand-computed cases, dynamic tags, filters, and replay equivalence."""

from __future__ import annotations

import math
import random

import pytest

from order_service.model import WON, Entry, Plan, StakeMode, SymbolRules, Tag
from order_service.plan import PlanEngine, SeqCounter, replay, round_quantity, validate_plan
from order_service.taggers import descriptions

RULES = {
    "BTCUSDT": SymbolRules("BTCUSDT", step_size=0.001, min_qty=0.001),
    "ETHUSDT": SymbolRules("ETHUSDT", step_size=0.01, min_qty=0.01),
    "XRPUSDT": SymbolRules("XRPUSDT", step_size=1.0, min_qty=1.0),
}


def entry(
    eid: str,
    symbol: str = "BTCUSDT",
    side: str = "buy",
    price: float = 20000.0,
    tf: str = "5m",
    strategy: str = "s1",
    t: int = 1_000,
    maxlss: float | None = -1.0,
    **tags: str,
) -> Entry:
    sl = price * (0.99 if side == "buy" else 1.01)
    tp = price * (1.02 if side == "buy" else 0.98)
    all_tags = {k: Tag(v) for k, v in tags.items()}
    if maxlss is not None:
        all_tags["MAXLSS"] = Tag(maxlss)
    return Entry(eid, symbol, tf, strategy, side, t, price, sl, tp, opened_at_ms=t, current_price=price, tags=all_tags)


def close(e: Entry, price: float, result: str = WON, t: int = 9_000) -> Entry:
    c = Entry(
        e.id,
        e.symbol,
        e.timeframe,
        e.strategy,
        e.side,
        e.time_ms,
        e.entry_price,
        e.stop_loss,
        e.take_profit,
        result=result,
        close_time_ms=t,
        close_price=price,
        current_price=price,
        opened_at_ms=e.opened_at_ms,
        tags=e.tags,
        open_seq=e.open_seq,
    )
    return c


def test_fixed_stake_quantity_gain_and_deposit_by_hand() -> None:
    eng = PlanEngine(Plan(), RULES.get)  # START_SUM 1000, fixed 5 USD × 20, fees 0.04 % each side
    e = entry("a", price=20000.0)
    (order,) = eng.add_entries([e])
    assert order.quantity == 0.005  # 100 USD / 20000
    assert order.stake == 5.0 and order.wallet == 1000.0
    closed = eng.close_entry(close(e, 20400.0))
    assert closed is not None
    # bought 100, sold 102, fees 102·0.0004 + 100·0.0004 = 0.0808 → gain 1.9192
    assert closed.gain == pytest.approx(1.9192)
    assert eng.deposit == pytest.approx(1001.9192) and closed.wallet == pytest.approx(1001.9192)


def test_short_gain_and_percent_stake_follow_the_deposit() -> None:
    plan = Plan(
        stake_mode=StakeMode.PERCENT, stake_percent=0.1, leverage=2, cost_buy_percent=0.001, cost_sell_percent=0.002
    )
    eng = PlanEngine(plan, RULES.get)
    e = entry("s", symbol="ETHUSDT", side="sell", price=1000.0)
    (o,) = eng.add_entries([e])
    assert o.stake == 100.0 and o.quantity == 0.2  # 1000·0.1·2 = 200 USD at 1000
    done = eng.close_entry(close(e, 900.0))
    assert done is not None
    # short: bought(entry) 200 − sold(exit) 180 − fees (180·0.002 + 200·0.001 = 0.56) = 19.44
    assert done.gain == pytest.approx(19.44)
    (o2,) = eng.add_entries([entry("s2", symbol="ETHUSDT", price=1000.0, t=10_000)])
    assert o2.stake == pytest.approx(101.944)  # 10 % of the new deposit 1019.44
    assert o2.quantity == 0.2  # 203.888 / 1000 = 0.203888 → nearest 0.01 step


def test_percent_stake_below_one_dollar_and_min_qty_drop_the_order() -> None:
    eng = PlanEngine(Plan(stake_mode=StakeMode.PERCENT, stake_percent=0.0005, start_sum=1000), RULES.get)
    assert eng.add_entries([entry("tiny")]) == []  # 0.5 USD < 1 USD (seed rule)
    eng = PlanEngine(Plan(stake_fixed=0.01, leverage=1), RULES.get)
    assert eng.add_entries([entry("minq", symbol="XRPUSDT", price=0.5)]) == []  # 0.02 XRP → 0 steps


def test_quantity_rounds_to_nearest_step() -> None:
    assert round_quantity(0.0054999, RULES["BTCUSDT"]) == 0.005
    assert round_quantity(0.0055001, RULES["BTCUSDT"]) == 0.006
    assert round_quantity(123.6, RULES["XRPUSDT"]) == 124.0
    assert round_quantity(0.123456, None) == 0.123456
    assert round_quantity(0.3, SymbolRules("X", step_size=0.1, min_qty=0.1)) == 0.3


def test_empty_filters_accept_everything_and_filters_apply() -> None:
    entries = [
        entry("b", "BTCUSDT", NYC="P"),
        entry("e", "ETHUSDT", price=1500, NYC="F"),
        entry("x", "XRPUSDT", price=0.5, tf="1h", strategy="s2"),
    ]
    assert len(PlanEngine(Plan(), RULES.get).add_entries(entries)) == 3
    assert [o.id for o in PlanEngine(Plan(symbols=["ETHUSDT"]), RULES.get).add_entries(entries)] == ["e"]
    assert [o.id for o in PlanEngine(Plan(timeframes=["1h"]), RULES.get).add_entries(entries)] == ["x"]
    assert [o.id for o in PlanEngine(Plan(strategies=["s1"]), RULES.get).add_entries(entries)] == ["b", "e"]
    assert [o.id for o in PlanEngine(Plan(tags={"NYC": "P"}), RULES.get).add_entries(entries)] == ["b"]
    expr = Plan(expression="(o.getTagValue('NYC')=='F') || symbol == 'XRPUSDT'")
    assert [o.id for o in PlanEngine(expr, RULES.get).add_entries(entries)] == ["e", "x"]
    # A dynamic tag in TAGS: the second BTC order of a later pulse fails SAME-SYM.
    eng = PlanEngine(Plan(tags={"SAME-SYM": "P"}), RULES.get)
    assert len(eng.add_entries([entry("b1")])) == 1
    assert eng.add_entries([entry("b2", t=2000)]) == []


def test_dynamic_tags_same_and_margin() -> None:
    eng = PlanEngine(Plan(), RULES.get)
    (a,) = eng.add_entries([entry("a")])
    assert {k: t.value for k, t in a.tags.items()} == {"MRG": "P", "SAME": "P", "SAME-SYM": "P", "SAME-TF": "P"}
    (b,) = eng.add_entries([entry("b", tf="1h", t=2000)])
    assert (b.tags["SAME-SYM"].value, b.tags["SAME-TF"].value, b.tags["SAME"].value) == ("F", "P", "P")
    (c,) = eng.add_entries([entry("c", t=3000)])
    assert (c.tags["SAME-SYM"].value, c.tags["SAME-TF"].value, c.tags["SAME"].value) == ("F", "F", "F")
    (d,) = eng.add_entries([entry("d", strategy="s9", t=4000)])
    assert (d.tags["SAME-TF"].value, d.tags["SAME"].value) == ("F", "P")
    # Same pulse: the seed tags a batch against the orders active before it.
    eng2 = PlanEngine(Plan(), RULES.get)
    x, y = eng2.add_entries([entry("x"), entry("y")])
    assert x.tags["SAME"].value == y.tags["SAME"].value == "P"
    # After a close the symbol is free again.
    eng2.close_entry(close(x.entry, 20100))
    eng2.close_entry(close(y.entry, 20100))
    (z,) = eng2.add_entries([entry("z", t=10_000)])
    assert z.tags["SAME-SYM"].value == "P"
    # MRG: loss at the stop (MAXLSS % of notional) vs margin (notional / leverage).
    assert PlanEngine(Plan(leverage=20), RULES.get).add_entries([entry("m", maxlss=-4.0)])[0].tags["MRG"].value == "P"
    assert PlanEngine(Plan(leverage=20), RULES.get).add_entries([entry("m", maxlss=-6.0)])[0].tags["MRG"].value == "F"
    assert "MRG" not in PlanEngine(Plan(), RULES.get).add_entries([entry("n", maxlss=None)])[0].tags
    assert PlanEngine(Plan(leverage=0, stake_fixed=100), RULES.get).add_entries([entry("l")]) == []  # 0 USD
    assert {d.name for d in descriptions()} == {"MRG", "SAME", "SAME-SYM", "SAME-TF"}


def test_validate_plan_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"plan\.leverage"):
        validate_plan(Plan(leverage=-1))
    with pytest.raises(ValueError, match=r"plan\.start_sum"):
        validate_plan(Plan(start_sum=math.nan))
    with pytest.raises(ValueError, match=r"plan\.cost_buy_percent"):
        validate_plan(Plan(cost_buy_percent=4))
    with pytest.raises(ValueError, match=r"plan\.expression"):
        validate_plan(Plan(expression="import os"))


def random_history(n: int, seed: int) -> tuple[list[Entry], list[tuple[list[Entry], list[Entry]]]]:
    """A history as a VM would receive it (per pulse: closes, then a batch of opens), and those steps."""
    rng = random.Random(seed)
    steps: list[tuple[list[Entry], list[Entry]]] = []
    seq = SeqCounter()
    active: list[Entry] = []
    out: dict[str, Entry] = {}
    t = 0
    while len(out) < n:
        t += 300_000
        closes: list[Entry] = []
        opens: list[Entry] = []
        for e in [e for e in active if rng.random() < 0.3]:
            c = close(e, e.take_profit if rng.random() < 0.5 else e.stop_loss, t=t)
            c.close_seq = seq.close()
            out[e.id] = c
            closes.append(c)
            active.remove(e)
        seq.boundary()
        for _ in range(rng.randint(0, 3)):
            sym = rng.choice(list(RULES))
            price = {"BTCUSDT": 20000.0, "ETHUSDT": 1500.0, "XRPUSDT": 0.5}[sym] * rng.uniform(0.9, 1.1)
            e = entry(
                f"{sym}-{t}-{len(out)}",
                sym,
                rng.choice(["buy", "sell"]),
                price,
                rng.choice(["5m", "1h"]),
                rng.choice(["s1", "s2"]),
                t,
                maxlss=rng.choice([-1.0, -6.0]),
                NYC=rng.choice("PF"),
            )
            e.open_seq = seq.open()
            out[e.id] = e
            opens.append(e)
            active.append(e)
        seq.boundary()
        steps.append((closes, opens))
    return list(out.values()), steps


def test_replay_equals_incremental_processing_and_is_idempotent() -> None:
    entries, steps = random_history(3000, seed=7)
    plan = Plan(stake_mode=StakeMode.PERCENT, tags={"SAME": "P"}, expression="tag('MRG') == 'P' or side == 'sell'")
    live = PlanEngine(plan, RULES.get)
    for closes, opens in steps:
        for e in closes:
            live.close_entry(e)
        live.add_entries(opens)
    again = replay(plan, RULES.get, list(reversed(entries)))  # storage order does not matter
    assert live.deposit == again.deposit
    assert list(live.orders) == list(again.orders)
    assert all(live.orders[i].same_as(again.orders[i]) for i in live.orders)
    assert 0 < len(again.orders) < len(entries)
    assert again.deposit != plan.start_sum


@pytest.mark.parametrize(
    "plan",
    [
        Plan(),
        Plan(stake_mode=StakeMode.PERCENT, tags={"SAME": "P"}, expression="tag('MRG') == 'P' or side == 'sell'"),
        Plan(stake_mode=StakeMode.PERCENT, stake_percent=0.2, tags={"SAME-SYM": "P", "NYC": "P"}),
        Plan(leverage=50.0, expression="tag('MRG') == 'F' or side == 'buy'"),
        Plan(leverage=3.0, symbols=["BTCUSDT", "XRPUSDT"], expression="tag('SAME-TF') == 'P' and tag('MRG') != 'F'"),
        Plan(timeframes=["5m"], strategies=["s2"], tags={"MRG": "F"}),
    ],
)
def test_inlined_taggers_and_replay_loop_equal_the_generic_path(plan: Plan) -> None:
    entries, steps = random_history(3000, seed=11)
    rng = random.Random(3)
    for e in entries:  # every MAXLSS shape the margin tagger distinguishes
        shape = rng.choice(["keep", "keep", "none", "text", "zero"])
        if shape == "none":
            e.tags.pop("MAXLSS", None)
        elif shape in ("text", "zero"):
            e.tags["MAXLSS"] = Tag("x" if shape == "text" else 0.0)
    generic = PlanEngine(plan, RULES.get)
    generic.fast = False
    for closes, opens in steps:
        for e in closes:
            generic.close_entry(e)
        generic.add_entries(opens)
    fast = replay(plan, RULES.get, entries)
    assert fast.fast
    assert fast.deposit == generic.deposit
    assert list(fast.orders) == list(generic.orders)
    assert list(fast.active) == list(generic.active)
    for i, o in generic.orders.items():
        f = fast.orders[i]
        assert f.same_as(o) and list(f.tags.items()) == list(o.tags.items())
    assert (fast.by_symbol, fast.by_timeframe, fast.by_strategy) == (
        generic.by_symbol,
        generic.by_timeframe,
        generic.by_strategy,
    )
    assert len(generic.orders) > 0
