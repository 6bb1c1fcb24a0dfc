"""to_fixed in integer arithmetic equals rounding the exact binary value with Decimal
(ROUND_HALF_UP on the magnitude: JavaScript's toFixed)."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Context, Decimal

from analysis_service.entries.jsnum import to_fixed

_CTX = Context(prec=400)


def decimal_to_fixed(x: float, digits: int) -> str:
    q = Decimal(abs(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=_CTX)
    s = format(q, "f")
    return "-" + s if x < 0 else s


def test_to_fixed_equals_the_decimal_rounding() -> None:
    rnd = random.Random(11)
    xs = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.05, 0.125, -0.125, 1e-7, 123456.78945, 9.995, 1e20, -1e20, 5e-324]
    xs += [rnd.uniform(-1e5, 1e5) for _ in range(3000)]
    xs += [rnd.randrange(-(10**7), 10**7) / 2 ** rnd.randrange(0, 12) for _ in range(3000)]  # exact ties
    xs += [math.ldexp(rnd.random(), rnd.randrange(-60, 60)) for _ in range(2000)]
    for x in xs:
        for digits in (0, 1, 2, 3, 8, 20):
            assert to_fixed(x, digits) == decimal_to_fixed(x, digits), (x, digits)
