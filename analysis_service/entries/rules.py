"""Broker rounding of an entry's stop and take (seed: src/brokers/binance/BinanceUSDMCandles.js,
`getAlignedEntryDetails`, called by OrdersManager.adjustSLTP with 1000 USD)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.engine.engine import SymbolInfo
from analysis_service.entries.jsnum import js_div, js_string_less, to_fixed

ENTRY_USD_AMOUNT = 1000


class BadOrderParams(ValueError):
    """The seed's "BAD ORDER PARAMS": no stop/take, or a quantity below the symbol's minimum."""


@dataclass(frozen=True, slots=True)
class Aligned:
    quantity: float
    stop_loss: float
    take_profit: float


def align_entry(
    info: SymbolInfo,
    entry_price: float,
    stop_loss: float | None,
    take_profit: float | None,
    usd_amount: float = ENTRY_USD_AMOUNT,
) -> Aligned:
    quantity = to_fixed(js_div(usd_amount, entry_price), info.qty_precision)
    # Binance's filter values are strings and the seed compares them as strings: lexicographic
    if js_string_less(quantity, info.min_qty):
        raise BadOrderParams(f"quantity problem: {info.symbol} q={quantity} < minq={info.min_qty}")
    if stop_loss is None or take_profit is None:
        raise BadOrderParams(f"{info.symbol}: stop_loss and take_profit are required")
    return Aligned(
        quantity=float(quantity),
        stop_loss=float(to_fixed(stop_loss, info.price_precision)),
        take_profit=float(to_fixed(take_profit, info.price_precision)),
    )
