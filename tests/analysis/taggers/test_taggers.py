"""Each static tagger on hand-built flags (seed: src/vm/Orders/taggers/list_static/*.js)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from analysis_service.analyzers.magnets import Magnet, Magnets
from analysis_service.analyzers.vlevels import Level, VLevels
from analysis_service.engine import Candle, FlagStore
from analysis_service.entries import Entry
from analysis_service.taggers import SEED_ORDER, StaticTagger, TagContext, TaggerRegistry, apply_static_tags
from analysis_service.taggers.btc import BTCTagger
from analysis_service.taggers.hlt import HLTTagger
from analysis_service.taggers.lr import LRTagger
from analysis_service.taggers.macdf import MACDFTagger
from analysis_service.taggers.mag import MAGTagger
from analysis_service.taggers.mat import MATTagger
from analysis_service.taggers.maxprf import MAXPRFTagger
from analysis_service.taggers.rsi import RSITagger
from analysis_service.taggers.sessions import SessionsTagger

H = 3_600_000
MONDAY = 1_700_438_400_000  # 2023-11-20 00:00 UTC, a Monday


def entry(
    type: str = "buy",
    ep: float = 100.0,
    sl: float = 90.0,
    tp: float = 115.0,
    *,
    time: int = MONDAY,
    tf: str = "1h",
    symbol: str = "BTCUSDT",
) -> Entry:
    return Entry.open(
        symbol=symbol, timeframe=tf, strategy="s", type=type, time=time, entry_price=ep, stop_loss=sl, take_profit=tp
    )


def ctx(**tickers: dict[str, Any]) -> TagContext:
    """Flags per ticker, keyword keys like BTCUSDT_1h."""
    store = FlagStore()
    for tid, flags in tickers.items():
        store.start(tid.replace("_", "-"), False).update(flags)
    return TagContext(store)


def values(tagger: StaticTagger, e: Entry, c: TagContext) -> dict[str, Any] | None:
    got = tagger.tags(e, c)
    return (
        None if got is None else {k: (t.value, t.comment) if t.comment is not None else t.value for k, t in got.items()}
    )


def test_macdf() -> None:
    t = MACDFTagger()
    assert values(t, entry(), ctx()) is None
    for r, buy, sell in (("db", "F", "P"), ("ds", "P", "F"), ("", "P", "P")):
        c = ctx(BTCUSDT_1h={"macdf": {"d": 1, "m": -2.0, "r": r}})
        assert values(t, entry("buy"), c) == {"MACDF": buy}
        assert values(t, entry("sell", 100, 110, 85), c) == {"MACDF": sell}


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (0, {"SYD": "P", "TOK": "P", "LON": "F", "NYC": "F"}),
        (6, {"SYD": "P", "TOK": "P", "LON": "F", "NYC": "F"}),
        (7, {"SYD": "F", "TOK": "P", "LON": "P", "NYC": "F"}),
        (9, {"SYD": "F", "TOK": "P", "LON": "P", "NYC": "F"}),
        (10, {"SYD": "F", "TOK": "F", "LON": "P", "NYC": "F"}),
        (12, {"SYD": "F", "TOK": "F", "LON": "P", "NYC": "P"}),
        (16, {"SYD": "F", "TOK": "F", "LON": "P", "NYC": "P"}),
        (17, {"SYD": "F", "TOK": "F", "LON": "F", "NYC": "P"}),
        (20, {"SYD": "F", "TOK": "F", "LON": "F", "NYC": "P"}),
        (21, {"SYD": "P", "TOK": "F", "LON": "F", "NYC": "F"}),
        (23, {"SYD": "P", "TOK": "F", "LON": "F", "NYC": "F"}),
    ],
)
def test_sessions_by_utc_hour(hour: int, expected: dict[str, str]) -> None:
    # the close time of a candle ending at hh:59:59.999 belongs to hour hh
    got = values(SessionsTagger(), entry(time=MONDAY + hour * H + H - 1), ctx())
    assert got == {**expected, "WRK": "P"}


@pytest.mark.parametrize(
    ("offset_ms", "wrk"),
    [
        (-1, "F"),  # Sunday 23:59:59.999
        (0, "P"),  # Monday 00:00
        (4 * 24 * H + 24 * H - 1, "P"),  # Friday 23:59:59.999
        (5 * 24 * H, "F"),  # Saturday 00:00
        (6 * 24 * H + 12 * H, "F"),  # Sunday noon
    ],
)
def test_weekend_edges(offset_ms: int, wrk: str) -> None:
    got = values(SessionsTagger(), entry(time=MONDAY + offset_ms), ctx())
    assert got is not None and got["WRK"] == wrk


def test_rsi() -> None:
    t = RSITagger()
    assert values(t, entry(), ctx(BTCUSDT_1h={"rsi14": 0})) is None  # falsy: no tag
    assert values(t, entry(), ctx(BTCUSDT_1h={"rsi14": math.nan})) is None
    assert values(t, entry(), ctx(BTCUSDT_1h={"rsi14": 55.0})) == {"RSI": "P"}
    assert values(t, entry(), ctx(BTCUSDT_1h={"rsi14": 45.0})) == {"RSI": "F"}
    assert values(t, entry("sell", 100, 110, 85), ctx(BTCUSDT_1h={"rsi14": 45.0})) == {"RSI": "P"}
    assert values(t, entry("sell", 100, 110, 85), ctx(BTCUSDT_1h={"rsi14": 55.0})) == {"RSI": "F"}
    assert values(t, entry("sell", 100, 110, 85), ctx(BTCUSDT_1h={"rsi14": 50.0})) == {"RSI": "P"}


def level(level_id: int, y: float, height: float, support: int, resist: int) -> Level:
    lvl = Level(level_id)
    t = 1
    for _ in range(support // 10):
        lvl.add_point(t, y, True, height, 10)
        t += 1
    for _ in range(resist // 10):
        lvl.add_point(t, y, False, height, 10)
        t += 1
    return lvl


def levels(*lvls: Level) -> VLevels:
    v = VLevels("vlevels")
    v.levels = list(lvls)
    return v


def test_lr_long_and_short() -> None:
    t = LRTagger()
    assert values(t, entry(), ctx()) is None
    # result bands are y ± height/4
    own = levels(level(1, 110.0, 4.0, 20, 10), level(2, 95.0, 4.0, 30, 0))
    high = levels(level(3, 100.0, 8.0, 0, 10), level(4, 200.0, 4.0, 10, 0))
    c = ctx(BTCUSDT_1h={"vlevels": own, "vlevels_high": high})
    # long 100 / SL 90 / TP 115: take zone [100,115] holds 1 (30) and 3 (10); stop zone [90,100]: 2 (30), 3 (10);
    # mid zone [97.5, 102.5]: 3 (its band 98..102)
    assert values(t, entry(), c) == {"LR": (0, "40 / 10 / 40"), "LR.T": 40, "LR.S": 40, "LR.M": 10}
    # short 100 / SL 112 / TP 94: take [94,100]: 2, 3; stop [100,112]: 1, 3; mid [97, 103]: 3
    assert values(t, entry("sell", 100, 112, 94), c) == {"LR": (0, "40 / 10 / 40"), "LR.T": 40, "LR.S": 40, "LR.M": 10}
    only_own = ctx(BTCUSDT_1h={"vlevels": own})
    assert values(t, entry(), only_own) == {"LR": (0, "30 / 0 / 30"), "LR.T": 30, "LR.S": 30, "LR.M": 0}
    assert values(t, entry(sl=96.5), only_own) == {"LR": (-30, "30 / 0 / 0"), "LR.T": 30, "LR.S": 0, "LR.M": 0}


def test_mag() -> None:
    t = MAGTagger()
    assert values(t, entry(), ctx()) is None
    mg = Magnets()
    c0 = Candle(0, 1, 1, 1, 1, 1, 59_999, "BTCUSDT", "1h")
    for i, (price, w) in enumerate(((105.0, 1), (115.0, 1), (95.0, 1), (120.0, 5))):
        mg.magnets.append(Magnet(price, w, c0, i + 1, "im"))
    c = ctx(BTCUSDT_1h={"magnets": mg})
    assert values(t, entry(), c) == {"MAG": ("P", "2 / 1")}  # [100,115] vs [90,100], ends included
    assert values(t, entry("sell", 100, 110, 90), c) == {"MAG": ("F", "1 / 1")}
    assert values(t, entry("sell", 100, 125, 96), c) == {"MAG": ("F", "0 / 7")}


def test_mat_reads_each_timeframe() -> None:
    t = MATTagger()
    c = ctx(BTCUSDT_1h={"mat1": "UP"}, BTCUSDT_4h={"mat1": "DN"}, BTCUSDT_1d={"mat1": "NO"})
    assert values(t, entry(tf="1m"), c) == {"MAT1h": "P", "MAT4h": "F", "MAT1d": "F"}
    assert values(t, entry("sell", 100, 110, 85, tf="5m"), c) == {"MAT1h": "F", "MAT4h": "P", "MAT1d": "F"}
    assert values(t, entry(), ctx(BTCUSDT_4h={"mat1": ""})) == {}


def hl(trend: bool, swings: int, bias: int) -> dict[str, Any]:
    return {"hl_trend": {"trend": trend, "direction": bias if trend else 0, "swings": swings, "bias": bias}}


def test_hlt() -> None:
    t = HLTTagger()
    c = ctx(BTCUSDT_15m=hl(True, 4, 4), BTCUSDT_1h=hl(True, 2, -2), BTCUSDT_1d=hl(False, 1, 1))
    assert values(t, entry(), c) == {"HLT15m": 3, "HLT1h": -2, "HLT1d": 1}
    assert values(t, entry("sell", 100, 110, 85), c) == {"HLT15m": -3, "HLT1h": 2, "HLT1d": -1}
    # no trend and no bias is 0: no tag at all
    assert values(t, entry(), ctx(BTCUSDT_1h=hl(False, 0, 0))) == {}


def test_maxprf_rounds_half_up() -> None:
    t = MAXPRFTagger()
    assert values(t, entry(), ctx()) == {"MAXPRF": 15.0, "MAXLSS": -10.0}
    assert values(t, entry("sell", 100, 110, 85), ctx()) == {"MAXPRF": 15.0, "MAXLSS": -10.0}
    # +0.0625% and -0.0625% are exact: halves go toward +inf (node: 0.063 and -0.062)
    assert values(t, entry("buy", 1600.0, 1599.0, 1601.0), ctx()) == {"MAXPRF": 0.063, "MAXLSS": -0.062}


def test_btc_trend() -> None:
    t = BTCTagger()
    c = ctx(BTCUSDT_5m={"bt-5m-9": 2, "bt-5m-20": -1})
    assert values(t, entry(tf="5m", symbol="ETHUSDT"), c) == {"BT9": "P", "BT20": "F"}
    assert values(t, entry("sell", 100, 110, 85, tf="5m"), c) == {"BT9": "F", "BT20": "P"}
    assert values(t, entry(tf="5m"), ctx(BTCUSDT_5m={"bt-5m-9": 0})) == {}
    assert values(t, entry(tf="1h"), c) == {}


def test_registry_order_descriptions_and_merge(tmp_path: Any) -> None:
    reg = TaggerRegistry()
    reg.load_package()
    assert reg.ordered_kinds() == list(SEED_ORDER)
    names = [d.name for d in reg.descriptions()]
    assert names == [
        "MACDF",
        "SYD",
        "TOK",
        "LON",
        "NYC",
        "WRK",
        "RSI",
        "LR",
        "LR.T",
        "LR.S",
        "LR.M",
        "MAG",
        "MAT1h",
        "MAT4h",
        "MAT1d",
        "HLT15m",
        "HLT1h",
        "HLT1d",
        "MAXPRF",
        "MAXLSS",
        "BT9",
        "BT20",
    ]
    assert all(d.desc for d in reg.descriptions())
    assert reg.descriptions()[0].to_json()["vals"] == ["P", "F"]
    (tmp_path / "zz_custom.py").write_text(
        "from analysis_service.entries import Tag, TagDescription\n"
        "from analysis_service.taggers import StaticTagger\n"
        "class Custom(StaticTagger):\n"
        "    KIND = 'custom'\n"
        "    DESCRIPTIONS = (TagDescription('CUS', ('P',), 'always P'),)\n"
        "    def tags(self, entry, ctx):\n"
        "        return {'CUS': Tag('P')}\n"
    )
    reg.load_path(tmp_path)
    assert reg.ordered_kinds()[-1] == "custom"
    tags = apply_static_tags(reg.create_all(), entry(time=MONDAY + 3 * H), ctx(BTCUSDT_1h={"rsi14": 60.0}))
    assert list(tags) == ["SYD", "TOK", "LON", "NYC", "WRK", "RSI", "MAXPRF", "MAXLSS", "CUS"]
