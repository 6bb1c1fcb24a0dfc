"""Each strategy on a small hand-built candle series with scripted indicator flags: one
series that must trigger it (exact entry/stop/take), and near misses that must not."""

from __future__ import annotations

from typing import Any

from analysis_service.analyzers.magnets import Magnet, Magnets
from analysis_service.analyzers.prices import Prices
from analysis_service.engine import Candle

from ..helpers import T0
from .harness import key, level_set, run_strategy

HOUR = 3_600_000


# --- tpcwfma ---------------------------------------------------------------------------


def _tpc(mas: tuple[float, float, float], fractal: str) -> Any:
    def script(i: int, cs: list[Candle]) -> dict[str, Any]:
        f: dict[str, Any] = {"atr14": 2.0, "mac20": mas[0], "mac50": mas[1], "mac100": mas[2]}
        if i == 4:
            f["wfractals"] = {"type": fractal, "candle": cs[2]}
        return f

    return script


def test_tpcwfma_buy_on_fractal_low_with_stacked_averages() -> None:
    rows = [(110, 112, 108, 111)] * 4 + [(106, 111, 104, 110)]
    (s,) = run_strategy("tpcwfma", rows, _tpc((105, 100, 95), "low"))
    assert key(s) == ("tpcwfma", "buy", False, 110.0, 100.0, 110 + 10 * 1.5)
    # a low below mac50 puts the stop at mac100
    rows2 = [(110, 112, 108, 111)] * 4 + [(106, 111, 99, 110)]
    (s2,) = run_strategy("tpcwfma", rows2, _tpc((105, 100, 95), "low"))
    assert s2.stop_loss == 95.0


def test_tpcwfma_sell_mirror() -> None:
    rows = [(90, 92, 88, 89)] * 4 + [(94, 96, 89, 90)]
    (s,) = run_strategy("tpcwfma", rows, _tpc((95, 100, 105), "high"))
    assert key(s) == ("tpcwfma", "sell", False, 90.0, 100.0, 90 - 10 * 1.5)


def test_tpcwfma_near_misses() -> None:
    # low below mac100
    assert (
        run_strategy("tpcwfma", [(110, 112, 108, 111)] * 4 + [(106, 111, 94, 110)], _tpc((105, 100, 95), "low")) == []
    )
    # low never reached mac20
    assert run_strategy("tpcwfma", [(110, 112, 108, 111)] * 5, _tpc((105, 100, 95), "low")) == []
    # averages not stacked
    assert (
        run_strategy("tpcwfma", [(110, 112, 108, 111)] * 4 + [(106, 111, 104, 110)], _tpc((105, 106, 95), "low")) == []
    )


# --- macwfma ---------------------------------------------------------------------------


def _mac(rsi: float | None, low_fractal: bool = True) -> Any:
    def script(i: int, cs: list[Candle]) -> dict[str, Any]:
        if low_fractal:
            f: dict[str, Any] = {"atr14": 2.0, "rmac9": 100.0, "rmac30": 95.0, "rmac75": 90.0}
        else:
            f = {"atr14": 2.0, "rmac9": 90.0, "rmac30": 95.0, "rmac75": 100.0}
        if rsi is not None:
            f["rsi14"] = rsi
        if i == 4:
            f["wfractals"] = {"type": "low" if low_fractal else "high", "candle": cs[2]}
        return f

    return script


def test_macwfma_buy_stop_at_fractal_low() -> None:
    rows = [
        (104, 106, 102, 105),
        (104, 106, 102, 105),
        (103, 104, 99.5, 103),
        (104, 106, 102, 105),
        (104, 107, 101, 106),
    ]
    (s,) = run_strategy("macwfma", rows, _mac(55))
    assert key(s) == ("macwfma", "buy", False, 106.0, 99.5, 106 + 6.5 * 1.5)


def test_macwfma_sell_mirror() -> None:
    rows = [(86, 88, 84, 85), (86, 88, 84, 85), (86, 90.5, 85, 87), (86, 88, 84, 85), (86, 89, 83, 84)]
    (s,) = run_strategy("macwfma", rows, _mac(45, low_fractal=False))
    assert key(s) == ("macwfma", "sell", False, 84.0, 90.5, 84 - 6.5 * 1.5)


def test_macwfma_near_misses() -> None:
    rows = [
        (104, 106, 102, 105),
        (104, 106, 102, 105),
        (103, 104, 99.5, 103),
        (104, 106, 102, 105),
        (104, 107, 101, 106),
    ]
    assert run_strategy("macwfma", rows, _mac(49.9)) == []
    # a missing RSI compares as 0 (JS null): no buy
    assert run_strategy("macwfma", rows, _mac(None)) == []
    # the candle's low touches rmac9
    touching = [*rows[:4], (104, 107, 100, 106)]
    assert run_strategy("macwfma", touching, _mac(55)) == []


# --- cma3buy / cma3sell ------------------------------------------------------------------


def _cma(pairs: list[tuple[float, float]]) -> Any:
    def script(i: int, cs: list[Candle]) -> dict[str, Any]:
        e50, e200 = pairs[min(i, len(pairs) - 1)]
        return {"atr14": 1.0, "emac50": e50, "emac200": e200}

    return script


# emac50 below emac200, then crossing above and staying there
CROSS_UP = [(100.0, 101.0), (102.0, 101.0)] + [(102.0, 101.0)] * 6


def test_cma3buy_cross_touch_then_green_close_above() -> None:
    rows = [
        (99, 100, 98, 99.5),
        (103, 105, 102.5, 104),  # the cross, body above emac50: no touch yet
        (103, 103.5, 101.2, 101.5),  # body below emac50: the touch (red: no entry)
        (101.8, 103.5, 101.6, 103),  # green, close above emac50: entry
        (103, 104, 102, 103.5),
    ]
    (s,) = run_strategy("cma3buy", rows, _cma(CROSS_UP))
    stop = 101.6 - 1.0 * 2
    assert key(s) == ("cma3buy", "buy", False, 103.0, stop, 103 + abs(103 - stop) * 1.5)


def test_cma3sell_mirror() -> None:
    pairs = [(101.0, 100.0), (99.0, 100.0)] + [(99.0, 100.0)] * 5
    rows = [
        (101, 102, 100, 101.5),
        (97, 97.5, 95, 96),
        (97, 99.8, 96.5, 99.5),  # body above emac50: the touch
        (99.2, 99.4, 97.5, 98),  # red close below emac50: entry
    ]
    (s,) = run_strategy("cma3sell", rows, _cma(pairs))
    stop = 99.4 + 2.0
    assert key(s) == ("cma3sell", "sell", False, 98.0, stop, 98 - abs(98 - stop) * 1.5)


def test_cma3buy_near_misses() -> None:
    # no touch of emac50
    rows: list[tuple[float, ...]] = [
        (99, 100, 98, 99.5),
        (103, 105, 102.5, 104),
        (104, 106, 103, 105),
        (105, 107, 104, 106),
    ]
    assert run_strategy("cma3buy", rows, _cma(CROSS_UP)) == []
    # three bodies closing below emac200 after the cross cancel it
    rows2: list[tuple[float, ...]] = [
        (99, 100, 98, 99.5),
        (103, 105, 102.5, 104),
        (101, 101.5, 100, 100.5),
        (100.8, 101.2, 100, 100.6),
        (100.7, 101, 100, 100.2),
        (101.8, 103.5, 101.6, 103),
    ]
    assert run_strategy("cma3buy", rows2, _cma(CROSS_UP)) == []
    # no cross at all (emac50 above emac200 from the start)
    assert run_strategy("cma3buy", rows[:1] + rows2[1:], _cma([(102.0, 101.0)])) == []


# --- ttcwoff ---------------------------------------------------------------------------


def _ttc(ham_at: int | None, shu_at: int | None = None, atr: float = 5.0) -> Any:
    def script(i: int, cs: list[Candle]) -> dict[str, Any]:
        f: dict[str, Any] = {"atr14": atr, "emac20": 100.0}
        if i == ham_at:
            f["cdlpatts.new.ham"] = cs[i]
        if i == shu_at:
            f["cdlpatts.new.shu"] = cs[i]
        return f

    return script


def test_ttcwoff_hammer_wick_off_ema() -> None:
    rows = [(102, 104, 101, 103), (103, 105, 102, 104), (101.5, 102.2, 99.5, 102)]
    (s,) = run_strategy("ttcwoff", rows, _ttc(2))
    stop = 99.5 - 0.1 * 20
    assert key(s) == ("ttcwoff", "buy", False, 102.0, stop, 102 + abs(102 - stop) * 1.0)
    # atr above 100: 50 ticks
    (big,) = run_strategy("ttcwoff", rows, _ttc(2, atr=101.0))
    assert big.stop_loss == 99.5 - 0.1 * 50


def test_ttcwoff_shooting_star_mirror() -> None:
    rows = [(98, 99, 96, 97), (97, 98, 95, 96), (98.5, 100.5, 97.8, 98)]
    (s,) = run_strategy("ttcwoff", rows, _ttc(None, shu_at=2))
    stop = 100.5 + 0.1 * 20
    assert key(s) == ("ttcwoff", "sell", False, 98.0, stop, 98 - abs(98 - stop))


def test_ttcwoff_near_misses() -> None:
    # only one candle above the EMA before the touch
    assert run_strategy("ttcwoff", [(103, 105, 102, 104), (101.5, 102.2, 99.5, 102)], _ttc(1)) == []
    # body below the EMA
    assert run_strategy("ttcwoff", [(102, 104, 101, 103), (103, 105, 102, 104), (101.5, 102, 99, 99.8)], _ttc(2)) == []
    # body larger than 2 atr
    rows = [(102, 104, 101, 103), (103, 105, 102, 104), (101, 113, 99.5, 112)]
    assert run_strategy("ttcwoff", rows, _ttc(2, atr=5.0)) == []
    # no hammer
    assert (
        run_strategy("ttcwoff", [(102, 104, 101, 103), (103, 105, 102, 104), (101.5, 102.2, 99.5, 102)], _ttc(None))
        == []
    )


# --- hoffman1 --------------------------------------------------------------------------

UPTREND = {
    "mac5": 104.0,
    "emac18": 100.0,
    "emac20": 99.0,
    "mac50": 98.0,
    "mac89": 97.0,
    "emac144": 96.0,
    "emac35": 90.0,
}
DOWNTREND = {
    "mac5": 96.0,
    "emac18": 100.0,
    "emac20": 101.0,
    "mac50": 102.0,
    "mac89": 103.0,
    "emac144": 104.0,
    "emac35": 110.0,
}


def _hof(trend: dict[str, float]) -> Any:
    return lambda i, cs: {"atr14": 3.0, **trend}


def test_hoffman1_limit_buy_above_retracement_bar() -> None:
    # upper tail 9 of range 15 (> 45 %), low above mac5; first candle: TR = range
    (s,) = run_strategy("hoffman1", [(110, 120, 105, 111)], _hof(UPTREND))
    entry = 120 + 5 * 0.1
    assert key(s) == ("hoffman1", "buy", True, entry, 105.0, entry + abs(entry - 105) * 1.5)


def test_hoffman1_limit_sell_below_retracement_bar() -> None:
    (s,) = run_strategy("hoffman1", [(90, 95, 80, 89)], _hof(DOWNTREND))
    entry = 80 - 5 * 0.1
    assert key(s) == ("hoffman1", "sell", True, entry, 95.0, entry - abs(entry - 95) * 1.5)


def test_hoffman1_near_misses() -> None:
    # the bar's low reaches mac5
    assert run_strategy("hoffman1", [(110, 120, 103, 111)], _hof(UPTREND)) == []
    # tail too short (upper tail 6 of 15 = 40 %)
    assert run_strategy("hoffman1", [(110, 120, 105, 114)], _hof(UPTREND)) == []
    # the no-trend zone (emac35 + rma35(TR)/2) reaches emac18
    assert run_strategy("hoffman1", [(110, 120, 105, 111)], _hof({**UPTREND, "emac35": 95.0})) == []


# --- geroflvl --------------------------------------------------------------------------


def _ger(prev_lows: list[float]) -> Any:
    vl = level_set((100.0, 8.0, True, 30, T0 - HOUR))  # search band 98..102
    high = level_set()
    prices = Prices("prices")
    prices.lows.extend(prev_lows)
    prices.highs.append(200.0)
    return lambda i, cs: {"atr14": 10.0, "vlevels": vl, "vlevels_high": high, "prices": prices}


def test_geroflvl_buy_after_exact_low_on_level() -> None:
    rows = [(101, 103, 100.0, 102), (100.5, 101, 100.0, 100.2)]
    sigs = run_strategy("geroflvl", rows, _ger([100.0]))
    stop_size = 10.0 * 0.125
    assert [key(s) for s in sigs] == [("geroflvl", "buy", False, 100.2, 100.2 - stop_size, 100.2 + stop_size * 3)]


def test_geroflvl_near_misses() -> None:
    # the next close is outside the luft (0.2 * 1.25)
    assert run_strategy("geroflvl", [(101, 103, 100.0, 102), (100.5, 101, 100.0, 100.3)], _ger([100.0])) == []
    # the next candle crosses the level
    assert run_strategy("geroflvl", [(101, 103, 100.0, 102), (100.5, 101, 99.9, 100.1)], _ger([100.0])) == []
    # no exact earlier low
    assert run_strategy("geroflvl", [(101, 103, 100.0, 102), (100.5, 101, 100.0, 100.2)], _ger([100.01])) == []


# --- volrev ----------------------------------------------------------------------------


def _volrev(mat: str, magnet_price: float) -> Any:
    vl = level_set((98.25, 5.0, True, 30, T0 - HOUR))  # result band 97 .. 99.5
    mg = Magnets()

    def script(i: int, cs: list[Candle]) -> dict[str, Any]:
        f: dict[str, Any] = {"atr14": 2.0, "mat1": mat, "vlevels": vl, "magnets": mg}
        if i == 0:
            f["impulse.start"] = cs[0]
            f["impulse.trend"] = cs[0]
            mg.magnets = [Magnet(magnet_price, 1, cs[0], 1, "im")]
        if i == 2:
            f["impulse.end"] = cs[1]
        return f

    return script


VOLREV_ROWS = [(110, 111, 100, 101), (101, 102, 98, 99), (99, 103, 98.5, 102)]


def test_volrev_buy_against_red_impulse_into_level() -> None:
    (s,) = run_strategy("volrev", VOLREV_ROWS, _volrev("NO", 115.0))
    stop = min(98.0, 97.0) + 2.0 * 1.1 * -1
    assert key(s) == ("volrev", "buy", False, 102.0, stop, 115.0)


def test_volrev_near_misses() -> None:
    # mat1 already up
    assert run_strategy("volrev", VOLREV_ROWS, _volrev("UP", 115.0)) == []
    # the take (nearest magnet) is too close for the 1.35 ratio
    assert run_strategy("volrev", VOLREV_ROWS, _volrev("NO", 105.0)) == []
    # no magnet beyond the entry
    assert run_strategy("volrev", VOLREV_ROWS, _volrev("NO", 90.0)) == []
    # the impulse did not reach the level
    high_rows = [(110, 111, 100, 101), (101, 102, 99.8, 101.5), (101, 103, 99.9, 102)]
    assert run_strategy("volrev", high_rows, _volrev("NO", 115.0)) == []


# --- bounce ----------------------------------------------------------------------------


def _bounce(second_pattern_at: int, extremum_at: int | None = 3) -> Any:
    vl = level_set((100.0, 8.0, True, 30, T0 - HOUR))  # result band 98 .. 102

    def script(i: int, cs: list[Candle]) -> dict[str, Any]:
        f: dict[str, Any] = {"atr14": 2.0, "emac21": 110.0, "vlevels": vl}
        if i == 0 or i == second_pattern_at:
            f["cdlpatts.new.ham"] = cs[i]
        if i == extremum_at:
            f["extremum"] = {"type": "high", "high": True, "low": False, "candle": cs[i - 1]}
        return f

    return script


BOUNCE_ROWS = [
    (103, 104, 99, 103.5),  # hammer into the level, below emac21: search starts
    (104, 106, 103, 105),
    (105, 107, 104, 106),
    (106, 106.5, 103.5, 104),
    (104, 105, 102.5, 104.5),  # 4 candles entirely above the level
    (102.5, 104, 101, 103.5),  # second hammer touching the level, green: entry
]


def test_bounce_second_pattern_then_green_candle() -> None:
    (s,) = run_strategy("bounce", BOUNCE_ROWS, _bounce(5))
    stop = min(98.0, 101.0) - 1.5 * 2.0
    assert key(s) == ("bounce", "buy", False, 103.5, stop, 103.5 + abs(103.5 - stop) * 1.5)


def test_bounce_near_misses() -> None:
    # only 3 candles entirely above the level before the second pattern
    assert run_strategy("bounce", BOUNCE_ROWS[:4] + BOUNCE_ROWS[5:], _bounce(4)) == []
    # no opposite extremum
    assert run_strategy("bounce", BOUNCE_ROWS, _bounce(5, extremum_at=None)) == []
    # a body closing below the level ends the search
    broken = [*BOUNCE_ROWS[:2], (100, 100.5, 96, 97), *BOUNCE_ROWS[2:]]
    assert run_strategy("bounce", broken, _bounce(6, extremum_at=4)) == []


# --- dblbottom -------------------------------------------------------------------------

DBL_ROWS = [
    (105, 106, 100, 104),  # B1: zone 100 .. 104
    (104, 108, 104.5, 107),  # green above the zone
    (107, 120, 106, 109),  # green: the neck (body high 109, high 120); hill flagged here
    (109, 109.5, 105, 106),  # red
    (106, 107, 104.5, 105),  # red
    (105, 105.5, 101, 103.5),  # B2 in the zone
    (104.3, 104.8, 104.2, 104.6),  # green right after B2, far below the neck: entry
]


def _dbl(level_time: int) -> Any:
    vl = level_set((100.5, 4.0, True, 30, level_time))  # result band 99.5 .. 101.5

    def script(i: int, cs: list[Candle]) -> dict[str, Any]:
        f: dict[str, Any] = {"atr14": 2.0, "vlevels": vl}
        if i == 2:
            f["hills.new.low"] = cs[0]  # flagged late: the finder catches up over candle 1
            f["wfractals"] = {"type": "high", "candle": cs[1]}
        return f

    return script


def test_dblbottom_entry_after_second_bottom() -> None:
    (s,) = run_strategy("dblbottom", DBL_ROWS, _dbl(T0 - HOUR))
    take = 109.0
    stop = 104.6 - (take - 104.6) / 1.5
    assert key(s) == ("dblbottom", "buy", False, 104.6, stop, take)


def test_dblbottom_near_misses() -> None:
    # the touched level is not older than the first bottom
    assert run_strategy("dblbottom", DBL_ROWS, _dbl(T0)) == []
    # the second bottom breaks below the first
    low_b2 = [*DBL_ROWS[:5], (105, 105.5, 99.9, 103.5), DBL_ROWS[6]]
    assert run_strategy("dblbottom", low_b2, _dbl(T0 - HOUR)) == []
    # only one red candle above the zone before the touch
    one_red = [*DBL_ROWS[:3], (109, 109.5, 104.5, 108), *DBL_ROWS[5:]]
    assert run_strategy("dblbottom", one_red, _dbl(T0 - HOUR)) == []
