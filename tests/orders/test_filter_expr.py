"""The expression filter: every seed form, our forms, hostile input, and fuzzing (only clean parse errors)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_service.filter_expr import FilterSyntaxError, compile_expression, tokenize
from order_service.model import Entry, Order, Tag


def order(symbol: str = "BTCUSDT", side: str = "buy", **tags: str | float) -> Order:
    e = Entry(
        "BTCUSDT-5m-s1-1",
        symbol,
        "5m",
        "tpcwfma",
        side,
        1000,
        20000.0,
        19800.0,
        20400.0,
        tags={"MAXPRF": Tag(1.3), "NYC": Tag("P"), "RSI": Tag("F")},
    )
    return Order(entry=e, quantity=0.005, stake=5.0, wallet=1000.0, tags={k: Tag(v) for k, v in tags.items()})


SUBJECT = order(MRG="P")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # The seed's JSCODE forms.
        ("(o.getTagValue('MAXPRF')>=1.27) && (o.getTagValue('MRG')=='P')", True),
        ("(o.getTagValue('MAXPRF')>=1.31) && (o.getTagValue('MRG')=='P')", False),
        ("o.getTagValue('MAXPRF') > 1.2 || o.getTagValue('X') == 'Y'", True),
        ("(['BTCUSDT','ETHUSDT'].includes(o.entry.symbol))", True),
        ("(['5m'].includes(o.entry.timeframe))&&(['tpcwfma'].includes(o.entry.strategy))", True),
        ("(o.getTagValue('NYC')=='P')&&(o.getTagValue('RSI')=='F')", True),
        ("!(o.getTagValue('NYC')=='P')", False),
        ("o.getTagValue('MAXPRF') === 1.3", True),
        ("o.getTagValue('MAXPRF') == '1.3'", True),  # loose equality, as JavaScript
        ("o.getTagValue('NYC') !== 'F'", True),
        ("o.entry.isLong", True),
        # Ours.
        ("tag('MAXPRF') >= 1.27 and tag('MRG') == 'P'", True),
        ("not tag('MRG') == 'F'", True),
        ("symbol in ['ETHUSDT', 'XRPUSDT']", False),
        ("symbol not in ['ETHUSDT']", True),
        ("timeframe == \"5m\" and strategy == 'tpcwfma' and side == 'buy'", True),
        ("entry_price > 19999.5 and stop_loss < entry_price and take_profit > entryPrice", True),
        ("tag('MISSING') == null", True),
        ("tag('MISSING') >= 0", False),  # an absent tag never compares
        ("tag('MISSING') < 0", False),
        ("tag('NYC') > 1", False),  # text vs number: no order
        ("quantity == 0.005 and stake == 5", True),
        ("-1 < tag('MAXPRF')", True),
        ("true", True),
        ("", True),
        ("  ", True),
    ],
)
def test_expressions(expr: str, expected: bool) -> None:
    assert compile_expression(expr)(SUBJECT) is expected


@pytest.mark.parametrize(
    ("expr", "position"),
    [
        ("__import__('os').system('id')", 0),
        ("o.constructor.constructor('return process')()", 2),
        ("tag('A').upper()", 8),
        ("symbol.lower", 6),
        ("open('/etc/passwd')", 0),
        ("lambda: 1", 6),
        ("(lambda x: x)(1)", 9),
        ("[x for x in ()]", 1),
        ("eval('1')", 0),
        ("tag(1)", 4),
        ("tag('A', 'B')", 7),
        ("tag('MRG') == 'P' and", 21),
        ("(tag('MRG') == 'P'", 18),
        ("tag('MRG') = 'P'", 11),
        ("1 < 2 < 3", 6),
        ("'unterminated", 0),
        ("tag('A') == 'P' ; drop", 16),
        ("a.b", 0),
        ("o.entry.__class__", 8),
        ("o.getTagValue", 13),
        ("x in y", 0),
        ("symbol in 'BTC'", 10),
        ("1e", 0),
        ("12abc", 0),
        ("`cmd`", 0),
        ("tag('A') @ 2", 9),
        ("'\\x41'", 1),
    ],
)
def test_hostile_or_bad_expressions_name_the_position(expr: str, position: int) -> None:
    with pytest.raises(FilterSyntaxError) as err:
        compile_expression(expr)
    assert err.value.position == position
    assert f"position {position}" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_deep_nesting_and_length_are_bounded() -> None:
    with pytest.raises(FilterSyntaxError, match="nested too deeply"):
        compile_expression("(" * 500 + "1" + ")" * 500)
    with pytest.raises(FilterSyntaxError, match="nested too deeply"):
        compile_expression("not " * 500 + "true")
    with pytest.raises(FilterSyntaxError, match="longer than"):
        compile_expression("1 == 1 and " * 2000 + "true")
    assert compile_expression("(" * 20 + "tag('MRG') == 'P'" + ")" * 20)(SUBJECT) is True


ALPHABET = st.sampled_from(
    [
        *list("()[]!=<>&|.,'\"-+*/ \\`;:{}_$"),
        "tag",
        "o",
        "getTagValue",
        "entry",
        "symbol",
        "in",
        "not",
        "and",
        "or",
        "1.5",
        "'P'",
        "x",
        "includes",
        "==",
        "&&",
        "||",
        "__class__",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_fuzz_tokens_parse_or_fail_cleanly(text: str) -> None:
    try:
        predicate = compile_expression(text)
    except FilterSyntaxError as exc:
        assert 0 <= exc.position <= len(text)
        return
    assert predicate(SUBJECT) in (True, False)  # evaluation never raises either


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        predicate = compile_expression(text)
    except FilterSyntaxError:
        return
    assert predicate(SUBJECT) in (True, False)


def test_tokenizer_positions() -> None:
    toks = tokenize("tag('A') >= 1.5")
    assert [(t.kind, t.pos) for t in toks] == [
        ("id", 0),
        ("op", 3),
        ("str", 4),
        ("op", 7),
        ("op", 9),
        ("num", 12),
        ("end", 15),
    ]
