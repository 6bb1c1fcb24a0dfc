"""JavaScript number semantics (expected strings taken from node 20)."""

from __future__ import annotations

import math

import pytest

from analysis_service.entries.jsnum import fnum, js_div, js_json, js_number_str, js_round, js_string_less, to_fixed


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (0.5, 0, "1"),  # exact tie: the larger n
        (2.5, 0, "3"),  # not half-even
        (-2.5, 0, "-3"),
        (1.005, 2, "1.00"),  # the double is just below the tie
        (1.45, 1, "1.4"),
        (30097.399999999998, 1, "30097.4"),
        (30190.350000000006, 1, "30190.4"),
        (1000 / 30077.3, 3, "0.033"),
        (-0.04, 1, "-0.0"),
        (-0.0, 1, "0.0"),
        (1e21, 2, "1e+21"),
        (123.456, 0, "123"),
        (0.000001, 8, "0.00000100"),
        (math.inf, 2, "Infinity"),
        (math.nan, 2, "NaN"),
    ],
)
def test_to_fixed(x: float, digits: int, expected: str) -> None:
    assert to_fixed(x, digits) == expected


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (30000.0, "30000"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (1.5e-10, "1.5e-10"),
        (1e21, "1e+21"),
        (1.2345e22, "1.2345e+22"),
        (123456789012345680000.0, "123456789012345680000"),
        (-5e-324, "-5e-324"),
        (0.00005, "0.00005"),
    ],
)
def test_number_to_string(x: float, expected: str) -> None:
    assert js_number_str(x) == expected


def test_math_round_and_fnum() -> None:
    assert js_round(2.5) == 3 and js_round(-2.5) == -2 and js_round(0.49999999999999994) == 0
    assert math.copysign(1, js_round(-0.4)) == -1
    assert fnum(0.0665, 3) == 0.067  # 66.5 after scaling, half toward +inf
    assert fnum(-0.0665, 3) == -0.066
    assert fnum(1.23456, 2) == 1.23
    assert math.isnan(fnum(math.nan, 2))


def test_division_and_string_compare() -> None:
    assert js_div(1, 0) == math.inf and js_div(-1, 0) == -math.inf and math.isnan(js_div(0, 0))
    assert js_div(1, -0.0) == -math.inf
    assert js_string_less("10.000", "2")  # why the seed rejects 10 units against a minimum of "2"
    assert not js_string_less("0.033", "0.001")


def test_json_like_javascript() -> None:
    assert js_json({"a": 1.0, "b": [0.5, None, True, "é"], "c": math.nan, "d": -0.0}) == (
        '{"a":1,"b":[0.5,null,true,"é"],"c":null,"d":0}'
    )
