"""Hand-computed cases per indicator (the seed-fixture test covers long series)."""

from __future__ import annotations

import itertools
import math

import pytest

from analysis_service.engine.flags import flag_get

from .helpers import candles, closes, run


def test_atr_is_simple_mean_of_true_ranges_and_skips_first_candle() -> None:
    s = candles([(10, 12, 9, 11), (11, 15, 10, 14), (14, 14, 8, 9)])
    _, f = run(s, ["atr14"])
    assert "atr14" not in f[0]
    assert f[1]["atr14"] == 5.0  # max(15-10, |15-11|, |10-11|)
    assert f[2]["atr14"] == (5.0 + 6.0) / 2


def test_atr_window_is_period_long() -> None:
    s = candles([(10, 10 + i, 10, 10) for i in range(20)])
    _, f = run(s, ["atr3"])
    assert f[-1]["atr3"] == (17 + 18 + 19) / 3


def test_rsi_up_only_is_100_and_flat_then_down_is_0() -> None:
    _, f = run(closes([1, 2, 3, 4]), ["rsi14"])
    assert "rsi14" not in f[0]
    assert f[1]["rsi14"] == 100.0 and f[3]["rsi14"] == 100.0
    _, g = run(closes([4, 3, 2]), ["rsi14"])
    assert g[2]["rsi14"] == 0.0
    assert flag_get(g[2], "rsi14") is None  # 0 reads as "not set"


def test_rsi_mixed() -> None:
    _, f = run(closes([10, 12, 11]), ["rsi2"])
    # up: rma2(2, 0) -> 2, 1 ; down: rma2(0, 1) -> 0, 0.5
    assert f[2]["rsi2"] == 100 - 100 / (1 + 1 / 0.5)


def test_sma_set_from_period_th_candle() -> None:
    _, f = run(closes([1, 2, 3, 4, 5]), ["mac3"])
    assert "mac3" not in f[1]
    assert f[2]["mac3"] == 2.0
    assert f[4]["mac3"] == 4.0


def test_ema_warms_up_with_running_mean_then_recurses() -> None:
    _, f = run(closes([2, 4, 6, 8]), ["emac3"])
    assert [x["emac3"] for x in f[:3]] == [2.0, 3.0, 4.0]
    a = 2 / 4
    assert f[3]["emac3"] == 8 * a + 4.0 * (1 - a)


def test_rma_warms_up_then_smooths() -> None:
    _, f = run(closes([3, 6, 9, 12]), ["rmac3"])
    assert [x["rmac3"] for x in f[:3]] == [3.0, 4.5, 6.0]
    assert f[3]["rmac3"] == (6.0 * 2 + 12) / 3


def test_macd_zero_during_fast_warmup_and_direction() -> None:
    _, f = run(closes([100.0] * 5 + [101.0]), ["macd"])
    assert f[0]["macd"] == {"m": 0.0, "s": 0.0, "h": 0.0, "d": 0}
    assert f[5]["macd"]["d"] == 0  # both EMAs still the same running mean
    _, g = run(closes([100.0 + i * i for i in range(40)]), ["macd"])
    assert g[39]["macd"]["m"] > 0


def test_macdf_sign_nan_when_histogram_zero() -> None:
    _, f = run(closes([100.0] * 4), ["macdf"])
    assert "macdf" not in f[0]
    # h == 0 -> sign NaN; NaN != NaN counts as a switch, direction NaN
    assert math.isnan(f[1]["macdf"]["d"])
    assert f[1]["macdf"]["r"] == ""


def test_bbands_population_stddev() -> None:
    _, f = run(closes([1, 2, 3, 4]), ["bbands"])
    # window of 20 -> nothing yet
    assert "bbc-20-2" not in f[-1]
    vals = [float(i) for i in range(1, 21)]
    _, g = run(closes(vals), ["bbands"])
    mean = sum(vals) / 20
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / 20)
    assert g[19]["bbc-20-2"] == {"u": mean + 2 * sd, "d": mean - 2 * sd, "m": mean}


def test_btctrend_levels() -> None:
    # rising series: close far above emac9 -> positive; only BTCUSDT on 15m..1d
    s = closes([100.0 + 10 * i for i in range(12)])
    _, f = run(s, ["btctrend"])
    assert f[11]["bt-1h-9"] in (1, 2, 3, 4) and f[11]["bt-1h-20"] > 0
    _, g = run(closes([100.0 + 10 * i for i in range(12)], tf="1m"), ["btctrend"], tf="1m")
    assert "bt-1m-9" not in g[11]


def test_extremum_flags_middle_on_next_candle() -> None:
    s = candles([(10, 11, 9, 10), (10, 15, 8, 12), (12, 13, 9, 11), (11, 12, 10, 11)])
    _, f = run(s, ["extremum"])
    e = f[2]["extremum"]
    assert e["type"] == "low" and e["high"] and e["low"] and e["candle"] is s[1]  # green middle
    assert "extremum" not in f[3]


def test_wfractals_low_overwrites_high() -> None:
    s = candles([(10, 11, 9, 10), (10, 12, 8, 10), (10, 20, 1, 10), (10, 12, 8, 10), (10, 11, 9, 10)])
    _, f = run(s, ["wfractals"])
    assert f[4]["wfractals"]["type"] == "low" and f[4]["wfractals"]["candle"] is s[2]


def test_cdlpatts_hammer_star_engulfing_and_bias() -> None:
    s = candles(
        [
            (9.5, 10, 0, 9.8),  # hammer: body in the top 38%
            (9.8, 10, 5, 6),  # red
            (5.9, 12, 5.5, 11),  # green, closes above previous high, opens <= prev close -> egu
            (11, 11.5, 10.5, 11),
        ]
    )
    _, f = run(s, ["cdlpatts"])
    assert f[0]["cdlpatts.new.ham"] is s[0] and f[0]["cdlpatts.bias"] == "up"
    assert f[2]["cdlpatts.new.egu"] is s[2]
    assert "cdlpatts.new.egu" not in f[3] and f[3]["cdlpatts.bias"] == "up"


def test_impulse_start_end_and_trend() -> None:
    s = candles(
        [
            (10, 11, 9, 10.5, 1),
            (10.5, 11, 10, 10.8, 1),
            (10.8, 12, 10.7, 11.9, 50),
            (11.9, 13, 11.8, 12.9, 40),
            (12.9, 13, 12, 12.1, 40),
        ]
    )
    _, f = run(s, ["impulse"])
    assert f[2]["impulse.start"] is s[2] and f[2]["impulse.trend"] is s[2]
    assert f[3]["impulse.candle"] is s[3]
    assert f[4]["impulse.end"] is s[3]  # colour flip ends it; end is the previous candle


def test_mat1_and_hos_are_always_set() -> None:
    _, f = run(closes([100.0 + i for i in range(150)]), ["mat1", "hos"])
    assert f[0]["mat1"] == "NO" and f[0]["hos"] == "N"
    assert f[149]["mat1"] == "UP"


def test_prices_counts_previous_highs_and_lows() -> None:
    s = candles([(10, 11, 9, 10), (10, 11, 8, 10), (10, 12, 9, 10)])
    _, f = run(s, ["prices"])
    p = f[2]["prices"]
    assert p.find_price(11.0) == {"times": 2, "low": 0, "high": 2}
    assert p.find_price(9.0) == {"times": 1, "low": 1, "high": 0}


def test_prev_swing_find_low_within_window() -> None:
    s = candles([(10, 11, 9, 10), (10, 12, 8, 10), (10, 20, 1, 9), (10, 12, 8, 10), (10, 11, 9, 10)])
    _, f = run(s, ["prev_swing"])
    sw = f[4]["prev_swing"]
    assert sw.find_low(25, 100.0) is s[2]
    assert sw.find_low(25, 5.0) is None  # body low 9 is not below 5


@pytest.mark.parametrize("name", ["hl_trend", "hills", "vlevels", "magnets"])
def test_structural_analyzers_run_on_a_trend(name: str) -> None:
    vals = [1000 + 100 * math.sin(i / 15) + 3 * math.sin(i * 1.7) for i in range(250)]
    rows = [
        (a, max(a, b) + 1 + (i % 3), min(a, b) - 1 - (i % 4), b) for i, (a, b) in enumerate(itertools.pairwise(vals))
    ]
    _, f = run(candles(rows), [name])
    assert all("hl_trend" in x for x in f)
    if name == "vlevels":
        assert f[-1]["vlevels"].level_id > 0
    if name == "hills":
        assert any("hills.new.high" in x for x in f) and any("hills.new.low" in x for x in f)
