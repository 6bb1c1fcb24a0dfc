"""JavaScript number semantics the seed's entry code relies on.

* `to_fixed`: `Number.prototype.toFixed` rounds the exact binary value of the double and, on an
  exact tie, picks the larger magnitude (seed: BinanceUSDMCandles.getAlignedEntryDetails);
  Python's `format` would round ties to even.
* `js_round` / `fnum`: `Math.round` rounds halves toward +∞ (seed: src/reports/helper.js fnum).
* `js_div`: IEEE division (x/0 is ±Infinity or NaN) where Python would raise.
* `js_string_less`: the `<` of two JS strings (UTF-16 code units; plain ASCII here).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable


def to_fixed(x: float, digits: int) -> str:
    """`x.toFixed(digits)` (0 <= digits <= 100)."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if abs(x) >= 1e21:
        return js_number_str(x)
    # the exact binary value n/d (d a power of two) scaled by 10**digits, in integers; a
    # remainder of half or more rounds away from zero, as the spec's "larger n" on the magnitude
    n, d = abs(x).as_integer_ratio()
    q, r = divmod(n * 10**digits, d)
    if 2 * r >= d:
        q += 1
    s = str(q)
    if digits:
        if len(s) <= digits:
            s = "0" * (digits + 1 - len(s)) + s
        s = s[:-digits] + "." + s[-digits:]
    # the sign is that of x (so -0.04 -> "-0.0"), and -0 has none
    return "-" + s if x < 0 else s


def js_round(x: float) -> float:
    """`Math.round`: nearest integer, halves toward +∞ (exact, no x+0.5 rounding error)."""
    if x != x or math.isinf(x):
        return x
    f = math.floor(x)
    r = float(f + 1) if x - f >= 0.5 else float(f)
    if r == 0 and (x < 0 or math.copysign(1.0, x) < 0):
        return -0.0
    return r


def fnum(x: float, digits: int) -> float:
    """The seed's `fnum`: `Math.round(x * 10**digits) / 10**digits`."""
    p = 10.0**digits
    return js_round(x * p) / p


def js_div(a: float, b: float) -> float:
    if b == 0:
        if a != a or a == 0:
            return math.nan
        neg = (a < 0) != (math.copysign(1.0, b) < 0)
        return -math.inf if neg else math.inf
    return a / b


def js_string_less(a: str, b: str) -> bool:
    if a.isascii() and b.isascii():
        return a < b  # code points = UTF-16 code units
    return a.encode("utf-16-be") < b.encode("utf-16-be")


def js_number_str(x: float) -> str:
    """`String(x)` / what JSON.stringify writes for a finite number."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    r = repr(float(x))
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    # shortest round-trip digits and decimal exponent from Python's repr
    if "e" in r:
        mant, exp_s = r.split("e")
        exp = int(exp_s)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    if fp == "0":
        fp = ""
    digits = (ip + fp).lstrip("0")
    # n: position of the decimal point relative to the first significant digit (ECMA-262 Number::toString)
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    n = len(ip) + exp - lead_zeros
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    es = f"+{e}" if e >= 0 else str(e)
    if k == 1:
        return sign + digits + "e" + es
    return sign + digits[0] + "." + digits[1:] + "e" + es


def js_json(v: object) -> str:
    """`JSON.stringify(v)` for records made of dicts, lists, str, int, float, bool and None:
    no spaces, numbers as JS writes them (30000 not 30000.0, 1e-7 not 1e-07), non-ASCII kept,
    non-finite floats as null."""
    out: list[str] = []
    _dump(v, out)
    return "".join(out)


# JSON.stringify escapes like Python's ensure_ascii=False encoder (control characters, quote, backslash)
_str_dumps: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
_keys: dict[str, str] = {}


def _key(k: object) -> str:
    ks = k if k.__class__ is str else str(k)
    r = _keys.get(ks)  # type: ignore[arg-type]
    if r is None:
        r = _str_dumps(ks)  # type: ignore[arg-type]
        if len(_keys) < 10_000:
            _keys[ks] = r  # type: ignore[index]
    return r


_INF = math.inf


def _float(f: float) -> str:
    if f != f or f == _INF or f == -_INF:
        return "null"
    r = repr(f)
    if "e" in r:
        return js_number_str(f)
    if r.endswith(".0"):
        r = r[:-2]
        return "0" if r == "-0" else r
    return r


def _dump(v: object, out: list[str]) -> None:
    cls = v.__class__
    if cls is float:
        out.append(_float(v))  # type: ignore[arg-type]
    elif cls is str:
        out.append(_str_dumps(v))  # type: ignore[arg-type]
    elif cls is dict:
        d: dict[object, object] = v  # type: ignore[assignment]
        out.append("{")
        sep = ""
        for k, x in d.items():
            out.append(sep)
            sep = ","
            out.append(_key(k))
            out.append(":")
            xc = x.__class__
            # inline the common leaves: records are mostly flat dicts of numbers and strings
            if xc is float:
                out.append(_float(x))  # type: ignore[arg-type]
            elif xc is str:
                out.append(_str_dumps(x))  # type: ignore[arg-type]
            elif xc is int:
                out.append(str(x))
            else:
                _dump(x, out)
        out.append("}")
    elif cls is list or cls is tuple:
        seq: list[object] = v  # type: ignore[assignment]
        out.append("[")
        sep = ""
        for x in seq:
            out.append(sep)
            sep = ","
            if x.__class__ is float:
                out.append(_float(x))  # type: ignore[arg-type]
            else:
                _dump(x, out)
        out.append("]")
    elif cls is bool:
        out.append("true" if v else "false")
    elif cls is int:
        out.append(str(v))
    elif v is None:
        out.append("null")
    else:
        raise TypeError(f"not JSON serializable: {cls.__name__}")
