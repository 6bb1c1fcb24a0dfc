"""Exchange filters of a symbol (exchangeInfo) and the rounding/validation of bracket requests.

Rounding is exact (Decimal of the exchange's strings): quantities are rounded DOWN to stepSize (never
more than asked), prices to the NEAREST tickSize. A request that breaks a rule is refused with a
ValueError naming the field and the rule, before anything is written or sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class SymbolRules:
    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_min_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    price_precision: int
    quantity_precision: int
    status: str = "TRADING"

    @classmethod
    def from_exchange_info(cls, s: dict[str, Any]) -> SymbolRules:
        f = {x["filterType"]: x for x in s.get("filters", [])}
        lot = f.get("LOT_SIZE", {})
        mlot = f.get("MARKET_LOT_SIZE", lot)
        return cls(
            symbol=s["symbol"],
            tick_size=Decimal(f.get("PRICE_FILTER", {}).get("tickSize", "0.01")),
            step_size=Decimal(lot.get("stepSize", "0.001")),
            min_qty=Decimal(lot.get("minQty", "0")),
            max_qty=Decimal(lot.get("maxQty", "1e12")),
            market_min_qty=Decimal(mlot.get("minQty", lot.get("minQty", "0"))),
            market_max_qty=Decimal(mlot.get("maxQty", lot.get("maxQty", "1e12"))),
            min_notional=Decimal(f.get("MIN_NOTIONAL", {}).get("notional", "0")),
            price_precision=int(s.get("pricePrecision", 8)),
            quantity_precision=int(s.get("quantityPrecision", 8)),
            status=str(s.get("status", "TRADING")),
        )

    def round_qty(self, qty: Decimal) -> Decimal:
        return (qty / self.step_size).to_integral_value(rounding=ROUND_DOWN) * self.step_size

    def round_price(self, price: Decimal) -> Decimal:
        return (price / self.tick_size).to_integral_value(rounding=ROUND_HALF_UP) * self.tick_size

    def qty_str(self, qty: Decimal) -> str:
        return f"{self.round_qty(qty).normalize():f}"

    def price_str(self, price: Decimal) -> str:
        return f"{self.round_price(price).normalize():f}"


@dataclass(frozen=True)
class CheckedBracket:
    quantity: Decimal
    stop_loss: Decimal
    take_profit: Decimal


def dec(x: float | str) -> Decimal:
    return Decimal(str(x))


def check_bracket(
    rules: SymbolRules,
    side: str,
    quantity: float,
    quote_notional: float,
    stop_loss: float,
    take_profit: float,
    price: Decimal | None,
) -> CheckedBracket:
    """Rounds and validates a bracket. ``price`` (last price) is needed for notional sizing and checks."""
    if rules.status != "TRADING":
        raise ValueError(f"symbol: {rules.symbol} is not trading (status {rules.status})")
    if stop_loss <= 0:
        raise ValueError("stop_loss: must be > 0")
    if take_profit <= 0:
        raise ValueError("take_profit: must be > 0")
    sl = rules.round_price(dec(stop_loss))
    tp = rules.round_price(dec(take_profit))
    if sl <= 0:
        raise ValueError(f"stop_loss: rounds to 0 at PRICE_FILTER tickSize {rules.tick_size}")
    if side == "BUY" and not sl < tp:
        raise ValueError(f"stop_loss: a long's stop ({sl}) must be below its take profit ({tp})")
    if side == "SELL" and not sl > tp:
        raise ValueError(f"stop_loss: a short's stop ({sl}) must be above its take profit ({tp})")
    if price is not None:
        if side == "BUY" and not (sl < price < tp):
            raise ValueError(f"stop_loss/take_profit: a long needs stop < price {price} < take ({sl}, {tp})")
        if side == "SELL" and not (tp < price < sl):
            raise ValueError(f"stop_loss/take_profit: a short needs take < price {price} < stop ({tp}, {sl})")
    if quantity > 0:
        raw = dec(quantity)
        field = "quantity"
    elif quote_notional > 0:
        if price is None or price <= 0:
            raise ValueError("quote_notional: no price known for the symbol")
        raw = dec(quote_notional) / price
        field = "quote_notional"
    else:
        raise ValueError("quantity: one of quantity or quote_notional must be > 0")
    qty = rules.round_qty(raw)
    min_qty = max(rules.min_qty, rules.market_min_qty)
    if qty <= 0 or qty < min_qty:
        raise ValueError(
            f"{field}: {qty} is below MARKET_LOT_SIZE/LOT_SIZE minQty {min_qty} (stepSize {rules.step_size})"
        )
    max_qty = min(rules.max_qty, rules.market_max_qty)
    if qty > max_qty:
        raise ValueError(f"{field}: {qty} is above MARKET_LOT_SIZE maxQty {max_qty}")
    if price is not None and qty * price < rules.min_notional:
        raise ValueError(f"{field}: notional {qty * price} is below MIN_NOTIONAL notional {rules.min_notional}")
    return CheckedBracket(qty, sl, tp)
