"""Running averages with the seed's exact arithmetic (seed: src/vm/Analyzers/helpers/EMA.js,
RMA.js, STDDEV.js).

The seed sums windows with `reduce((a, b) => a + b, 0)`, i.e. left to right from 0.
CPython < 3.12 `sum()` over floats does exactly that in C; 3.12 switched to a
compensated sum, so there we fall back to an explicit loop to keep the same doubles.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

if sys.version_info < (3, 12):
    seq_sum = sum
else:  # pragma: no cover - exercised only on 3.12+

    def seq_sum(values: Iterable[float], start: float = 0) -> float:  # type: ignore[misc]
        s = start
        for v in values:
            s += v
        return s


class EMA:
    """Seeded with the running mean of the first `size` values, then v·α + prev·(1−α)."""

    __slots__ = ("count", "mult", "one_minus", "prev", "size", "total")

    def __init__(self, size: int) -> None:
        self.size = size
        self.mult = 2 / (size + 1)
        self.one_minus = 1 - self.mult
        self.prev: float | None = None
        self.total = 0.0  # running left-to-right sum == the seed's fresh reduce over a growing list
        self.count = 0

    def update(self, v: float) -> float:
        prev = self.prev
        if prev is not None:
            prev = v * self.mult + prev * self.one_minus
            self.prev = prev
            return prev
        self.total += v
        self.count += 1
        avg = self.total / self.count
        if self.count == self.size:
            self.prev = avg
        return avg


class RMA:
    """Seeded like EMA, then (prev·(n−1) + v)/n."""

    __slots__ = ("count", "n1", "prev", "size", "total")

    def __init__(self, size: int) -> None:
        self.size = size
        self.n1 = size - 1
        self.prev: float | None = None
        self.total = 0.0
        self.count = 0

    def update(self, v: float) -> float:
        prev = self.prev
        if prev is not None:
            prev = (prev * self.n1 + v) / self.size
            self.prev = prev
            return prev
        self.total += v
        self.count += 1
        avg = self.total / self.count
        if self.count == self.size:
            self.prev = avg
        return avg
