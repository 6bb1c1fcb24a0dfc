"""Contract specifications of the simulated USDⓈ-M perpetuals.

Tick and step sizes are powers of ten for every listed symbol, so prices and quantities are
held as integers of ticks / steps everywhere and all arithmetic on candles stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

MS_DAY = 86_400_000


def _ms(date: str) -> int:
    import datetime as dt

    d = dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC)
    return int(d.timestamp() * 1000)


@dataclass(frozen=True)
class SymbolSpec:
    symbol: str
    base_asset: str
    price_dp: int  # tickSize = 10**-price_dp
    qty_dp: int  # stepSize = 10**-qty_dp
    base_price: float  # level the synthetic market oscillates around
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    min_price: Decimal
    max_price: Decimal
    listed_ms: int  # first 1m candle of the synthetic history
    daily_vol: float = 0.035  # stdev of log return per day
    minute_volume: float = 100.0  # typical base volume per minute
    quote_asset: str = "USDT"

    @property
    def tick(self) -> Decimal:
        return Decimal(1).scaleb(-self.price_dp)

    @property
    def step(self) -> Decimal:
        return Decimal(1).scaleb(-self.qty_dp)

    @property
    def pair(self) -> str:
        return self.symbol

    def price_str(self, ticks: int) -> str:
        return fmt_units(ticks, self.price_dp)

    def qty_str(self, units: int) -> str:
        return fmt_units(units, self.qty_dp)


def fmt_units(units: int, dp: int) -> str:
    """Integer units of 10**-dp as Binance prints them (fixed decimals)."""
    if dp <= 0:
        return str(units * 10 ** (-dp))
    sign = "-" if units < 0 else ""
    u = abs(units)
    s = str(u).rjust(dp + 1, "0")
    return f"{sign}{s[:-dp]}.{s[-dp:]}"


def decimals_of(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    assert isinstance(exp, int)
    return max(0, -exp)


def _spec(
    symbol: str,
    price_dp: int,
    qty_dp: int,
    base_price: float,
    min_qty: str,
    max_qty: str,
    mkt_max: str,
    min_notional: str,
    listed: str,
    daily_vol: float,
    minute_volume: float,
) -> SymbolSpec:
    tick = Decimal(1).scaleb(-price_dp)
    return SymbolSpec(
        symbol=symbol,
        base_asset=symbol.removesuffix("USDT"),
        price_dp=price_dp,
        qty_dp=qty_dp,
        base_price=base_price,
        min_qty=Decimal(min_qty),
        max_qty=Decimal(max_qty),
        market_max_qty=Decimal(mkt_max),
        min_notional=Decimal(min_notional),
        min_price=tick * 10 if price_dp < 3 else tick,
        max_price=Decimal(int(base_price * 50)) if base_price > 1 else Decimal(2000),
        listed_ms=_ms(listed),
        daily_vol=daily_vol,
        minute_volume=minute_volume,
    )


# Levels and filters follow Binance's production values closely enough for client code that
# rounds to tickSize/stepSize and checks minQty/minNotional.
DEFAULT_SPECS: dict[str, SymbolSpec] = {
    s.symbol: s
    for s in [
        _spec("BTCUSDT", 1, 3, 90_000.0, "0.001", "1000", "120", "100", "2019-09-08", 0.03, 150.0),
        _spec("ETHUSDT", 2, 3, 3_000.0, "0.001", "10000", "2000", "20", "2019-11-27", 0.04, 2_500.0),
        _spec("SOLUSDT", 2, 0, 140.0, "1", "1000000", "5000", "5", "2020-09-14", 0.05, 8_000.0),
        _spec("XRPUSDT", 4, 1, 2.2, "0.1", "10000000", "2000000", "5", "2020-01-06", 0.045, 400_000.0),
        _spec("BNBUSDT", 2, 2, 850.0, "0.01", "100000", "2000", "5", "2020-02-10", 0.03, 600.0),
        _spec("DOGEUSDT", 5, 0, 0.18, "1", "50000000", "30000000", "5", "2020-07-10", 0.055, 5_000_000.0),
        _spec("ADAUSDT", 4, 0, 0.65, "1", "10000000", "300000", "5", "2020-01-31", 0.05, 500_000.0),
        _spec("LTCUSDT", 2, 3, 90.0, "0.001", "100000", "5000", "20", "2020-01-09", 0.04, 1_500.0),
        _spec("LINKUSDT", 3, 2, 15.0, "0.01", "200000", "20000", "20", "2020-01-17", 0.05, 20_000.0),
        _spec("AVAXUSDT", 3, 0, 25.0, "1", "100000", "10000", "5", "2020-09-23", 0.05, 6_000.0),
    ]
}


def spec_for_unknown(symbol: str, sample_price: float) -> SymbolSpec:
    """A plausible spec for a symbol only known from replay files."""
    dp = 1 if sample_price >= 1000 else 2 if sample_price >= 10 else 4 if sample_price >= 0.1 else 6
    qdp = 3 if sample_price >= 1000 else 2 if sample_price >= 10 else 0
    return SymbolSpec(
        symbol=symbol,
        base_asset=symbol.removesuffix("USDT"),
        price_dp=dp,
        qty_dp=qdp,
        base_price=sample_price,
        min_qty=Decimal(1).scaleb(-qdp),
        max_qty=Decimal(10_000_000),
        market_max_qty=Decimal(1_000_000),
        min_notional=Decimal(5),
        min_price=Decimal(1).scaleb(-dp),
        max_price=Decimal(int(sample_price * 50) + 1),
        listed_ms=0,
    )


def synthetic_specs(n: int) -> dict[str, SymbolSpec]:
    """``n`` made-up symbols ``SYN001USDT``… for load tests wider than the ten real-like ones: each copies the
    contract of a known symbol (in turn) under its own name, so its synthetic market is its own."""
    templates = list(DEFAULT_SPECS.values())
    out: dict[str, SymbolSpec] = {}
    for i in range(1, n + 1):
        name = f"SYN{i:03d}USDT"
        out[name] = replace(templates[(i - 1) % len(templates)], symbol=name, base_asset=name.removesuffix("USDT"))
    return out
