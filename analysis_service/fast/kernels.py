# ruff: noqa: SIM108, SIM114  (kernels mirror the analyzers' branch structure one to one)
"""numba kernels: whole-series versions of the incremental indicators.

Every kernel keeps the incremental analyzer's order of floating-point operations
exactly (same operands, same association, no fused multiply-add: numba compiles
without fastmath), so its doubles are bit-identical to the per-candle Python code.
Kernels also return their final state, from which `specs` restores the Python
analyzer when a ticker leaves batch mode.

Absent flags are NaN in numeric inputs (candle values are finite, so NaN never
occurs otherwise); candle references are indices into the ticker's series, -1 = None.
"""

from __future__ import annotations

import numpy as np
from numba import njit

F64 = np.float64


@njit(cache=True, nogil=True)
def warm_ema(x, size, mult, one_minus):  # type: ignore[no-untyped-def]
    """helpers.averages.EMA over x: (values, has_prev, prev, total, count)."""
    n = x.shape[0]
    out = np.empty(n, F64)
    total = 0.0
    count = 0
    prev = 0.0
    has = False
    for i in range(n):
        v = x[i]
        if has:
            prev = v * mult + prev * one_minus
            out[i] = prev
        else:
            total += v
            count += 1
            avg = total / count
            if count == size:
                prev = avg
                has = True
            out[i] = avg
    return out, has, prev, total, count


@njit(cache=True, nogil=True)
def warm_rma(x, size, n1):  # type: ignore[no-untyped-def]
    """helpers.averages.RMA over x: (values, has_prev, prev, total, count)."""
    n = x.shape[0]
    out = np.empty(n, F64)
    total = 0.0
    count = 0
    prev = 0.0
    has = False
    for i in range(n):
        v = x[i]
        if has:
            prev = (prev * n1 + v) / size
            out[i] = prev
        else:
            total += v
            count += 1
            avg = total / count
            if count == size:
                prev = avg
                has = True
            out[i] = avg
    return out, has, prev, total, count


@njit(cache=True, nogil=True)
def window_mean(x, period, first, floor):  # type: ignore[no-untyped-def]
    """From index `first` (NaN before): the left-to-right sum of x[max(i+1-period, floor)..i]
    over its count. `ma` uses first = period-1, floor = 0; `atr` first = floor = 1."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(first, n):
        lo = i + 1 - period
        if lo < floor:
            lo = floor
        s = 0.0
        for k in range(lo, i + 1):
            s += x[k]
        out[i] = s / (i + 1 - lo)
    return out


@njit(cache=True, nogil=True)
def true_range(h, lo, c):  # type: ignore[no-untyped-def]
    """max(h-l, |h-pc|, |l-pc|) with pc the previous close; index 0 uses its own close."""
    n = h.shape[0]
    out = np.empty(n, F64)
    for i in range(n):
        pc = c[i - 1] if i > 0 else c[0]
        a = h[i] - lo[i]
        b = abs(h[i] - pc)
        d = abs(lo[i] - pc)
        m = a
        if b > m:
            m = b
        if d > m:
            m = d
        out[i] = m
    return out


@njit(cache=True, nogil=True)
def rsi(c, size, n1):  # type: ignore[no-untyped-def]
    n = c.shape[0]
    out = np.full(n, np.nan)
    ups = np.empty(max(n - 1, 0), F64)
    dns = np.empty(max(n - 1, 0), F64)
    for i in range(1, n):
        diff = c[i] - c[i - 1]
        if diff > 0:
            ups[i - 1] = diff
            dns[i - 1] = 0.0
        elif diff < 0:
            ups[i - 1] = 0.0
            dns[i - 1] = -1 * diff
        else:
            ups[i - 1] = 0.0
            dns[i - 1] = 0.0
    up, uh, up_, ut, uc = warm_rma(ups, size, n1)
    dn, dh, dp, dt, dc = warm_rma(dns, size, n1)
    for i in range(1, n):
        u = up[i - 1]
        d = dn[i - 1]
        r = 100.0
        if d != 0:
            r = 100 - (100 / (1 + u / d))
        out[i] = r
    return out, uh, up_, ut, uc, dh, dp, dt, dc


@njit(cache=True, nogil=True)
def bbands(x, period, mult):  # type: ignore[no-untyped-def]
    n = x.shape[0]
    u = np.full(n, np.nan)
    d = np.full(n, np.nan)
    m = np.full(n, np.nan)
    for i in range(period - 1, n):
        lo = i + 1 - period
        total = 0.0
        for k in range(lo, i + 1):
            total += x[k]
        mean = total / period
        sq = 0.0
        for k in range(lo, i + 1):
            sq += (x[k] - mean) * (x[k] - mean)
        dev = mult * np.sqrt(sq / period)
        u[i] = mean + dev
        d[i] = mean - dev
        m[i] = mean
    return u, d, m


@njit(cache=True, nogil=True)
def macdf(h, mline, swlen):  # type: ignore[no-untyped-def]
    """Returns per candle (present, d, d_is_int, m, m_is_int, r) and the final state."""
    n = h.shape[0]
    present = np.zeros(n, np.bool_)
    dval = np.zeros(n, F64)
    dint = np.zeros(n, np.bool_)
    mval = np.zeros(n, F64)
    mint = np.zeros(n, np.bool_)
    rcode = np.zeros(n, np.int8)
    count = 0
    direction = 0.0
    direction_int = True
    line = 0.0
    line_int = True
    has_prev = False
    prev_sign = 0.0
    for i in range(n):
        hv = h[i]
        sign = np.nan if hv == 0 else (1.0 if hv > 0 else -1.0)
        if not has_prev:
            has_prev = True
            prev_sign = sign
            continue
        if sign != prev_sign:
            count = swlen
            direction = sign
            direction_int = False
            line = mline[i]
            line_int = False
        elif count > 0:
            count -= 1
            if count == 0:
                direction = 0.0
                direction_int = True
        r = 0
        if direction > 0:
            if line < 0:
                r = 1
        elif direction < 0 and line > 0:
            r = 2
        prev_sign = sign
        present[i] = True
        dval[i] = direction
        dint[i] = direction_int
        mval[i] = line
        mint[i] = line_int
        rcode[i] = r
    return present, dval, dint, mval, mint, rcode, count, direction, direction_int, line, line_int, has_prev, prev_sign


@njit(cache=True, nogil=True)
def impulse(o, h, lo, c, v, atr, size, n1):  # type: ignore[no-untyped-def]
    """Event bits per candle: 1 end, 2 start, 4 trend, 8 candle, 16 tall, 32 gap, and the
    gap's y0/y1. `atr` is the atr14 flag with absent/falsy as 0 (JS `x > null`)."""
    n = o.shape[0]
    bits = np.zeros(n, np.int8)
    gy0 = np.zeros(n, F64)
    gy1 = np.zeros(n, F64)
    total = 0.0
    count = 0
    avg_prev = 0.0
    has = False
    in_imp = False
    prev_tall = False
    pp = -1
    prev = -1
    tfirst = -1
    for i in range(n):
        vol = v[i]
        if has:
            avg_prev = (avg_prev * n1 + vol) / size
            avg = avg_prev
        else:
            total += vol
            count += 1
            avg = total / count
            if count == size:
                avg_prev = avg
                has = True
        is_red = o[i] > c[i]
        b = 0
        if in_imp:
            if vol / 0.5 < avg:
                in_imp = False
            elif prev != -1 and (o[prev] > c[prev]) != is_red:
                in_imp = False
            if not in_imp:
                b |= 1
        if not in_imp and vol / 2 > avg:
            in_imp = True
            b |= 2
            is_green = o[i] < c[i]
            if tfirst == -1 or (o[tfirst] < c[tfirst]) != is_green:
                b |= 4
                tfirst = i
        tall = False
        if in_imp:
            tall = abs(o[i] - c[i]) / 1.5 > atr[i]
            b |= 8
        if tall:
            b |= 16
        if prev_tall and pp != -1 and prev != -1:
            if o[prev] < c[prev]:
                y0 = h[pp]
                y1 = lo[i]
            else:
                y1 = lo[pp]
                y0 = h[i]
            if y1 > y0:
                b |= 32
                gy0[i] = y0
                gy1[i] = y1
        pp = prev
        prev = i
        prev_tall = tall
        bits[i] = b
    return bits, gy0, gy1, has, avg_prev, total, count, in_imp, prev_tall, pp, prev, tfirst


@njit(cache=True, nogil=True)
def cdlpatts(o, h, lo, c):  # type: ignore[no-untyped-def]
    """Per candle: a = 0|1 shu|2 ham, b = 0|1 rtd|2 egd, d = 0|1 rtu|2 egu, bias code after
    the candle (0 none, 1 down, 2 up)."""
    n = o.shape[0]
    a = np.zeros(n, np.int8)
    b = np.zeros(n, np.int8)
    d = np.zeros(n, np.int8)
    bias = np.zeros(n, np.int8)
    cur = 0
    for i in range(n):
        oi = o[i]
        hi = h[i]
        li = lo[i]
        ci = c[i]
        rng = hi - li
        co = ci - li
        oo = oi - li
        t = rng * 0.382
        if oo < t and co < t:
            a[i] = 1
            cur = 1
        else:
            t = rng * 0.618
            if oo > t and co > t:
                a[i] = 2
                cur = 2
        if i > 0:
            po = o[i - 1]
            ph = h[i - 1]
            pl = lo[i - 1]
            pc = c[i - 1]
            if po < pc and oi > ci and ci < pl:
                if oi == pc and hi - (oi if oi > ci else ci) == 0 and ph - (po if po > pc else pc) == 0:
                    b[i] = 1
                    cur = 1
                elif oi >= pc:
                    b[i] = 2
                    cur = 1
            if po > pc and oi < ci and ci > ph:
                if oi == pc and (oi if oi < ci else ci) - li == 0 and (po if po < pc else pc) - pl == 0:
                    d[i] = 1
                    cur = 2
                elif oi <= pc:
                    d[i] = 2
                    cur = 2
        bias[i] = cur
    return a, b, d, bias


@njit(cache=True, nogil=True)
def extremum(o, h, lo, c):  # type: ignore[no-untyped-def]
    """At candle i >= 2 (middle i-1): bit 1 high, 2 low, 4 type is 'low'."""
    n = o.shape[0]
    out = np.zeros(n, np.int8)
    for i in range(2, n):
        m = i - 1
        high = h[m] > h[i - 2] and h[m] > h[i]
        low = lo[m] < lo[i - 2] and lo[m] < lo[i]
        if not high and not low:
            continue
        e = 0
        if high:
            e |= 1
        if low:
            e |= 2
        if not high or (low and o[m] - c[m] < 0):
            e |= 4
        out[i] = e
    return out


@njit(cache=True, nogil=True)
def wfractals(h, lo):  # type: ignore[no-untyped-def]
    """At candle i >= 4 (middle i-2): 1 high, 2 low (low overwrites high)."""
    n = h.shape[0]
    out = np.zeros(n, np.int8)
    for i in range(4, n):
        m = i - 2
        hv = h[m]
        lv = lo[m]
        r = 0
        if hv > h[i - 4] and hv > h[i - 3] and hv > h[i - 1] and hv > h[i]:
            r = 1
        if lv < lo[i - 4] and lv < lo[i - 3] and lv < lo[i - 1] and lv < lo[i]:
            r = 2
        out[i] = r
    return out


@njit(cache=True, nogil=True)
def hills(h, lo, atr, mac, ext):  # type: ignore[no-untyped-def]
    """Per candle the hill top (new.high) / bottom (new.low) index or -1, and the final state."""
    n = h.shape[0]
    new_high = np.full(n, -1, np.int64)
    new_low = np.full(n, -1, np.int64)
    has_prev_mac = False
    prev_mac = 0.0
    has_sign = False
    prev_sign = 0
    has_switch = False
    switch = 0.0
    top = -1
    bottom = -1
    for i in range(n):
        a = atr[i]
        m = mac[i]
        # flag_get: absent (NaN) and 0 are falsy
        if not (a == a and a != 0) or not (m == m and m != 0):
            continue
        if not has_switch:
            switch = m
            has_switch = True
        e = ext[i]
        if e != 0:
            cm = i - 1
            if (e & 1) and (top == -1 or h[cm] > h[top]):
                top = cm
            if (e & 2) and (bottom == -1 or lo[cm] < lo[bottom]):
                bottom = cm
        if not has_prev_mac:
            prev_mac = m
            has_prev_mac = True
            continue
        delta = m - prev_mac
        sign = (1 if delta > 0 else 0) - (1 if delta < 0 else 0)
        if not has_sign or sign != prev_sign:
            if abs(switch - m) > a / 2:
                if sign < 0:
                    if top != -1:
                        new_high[i] = top
                    top = -1
                    bottom = -1
                elif sign > 0:
                    if bottom != -1:
                        new_low[i] = bottom
                    bottom = -1
                    top = -1
            switch = m
        prev_sign = sign
        has_sign = True
        prev_mac = m
    return new_high, new_low, has_prev_mac, prev_mac, has_sign, prev_sign, has_switch, switch, top, bottom


@njit(cache=True, nogil=True)
def hl_trend(h, lo, ext):  # type: ignore[no-untyped-def]
    """Per candle: new.high / new.low index (-1 none), low_first (the low key was set
    first), direction (trend) and bias (update direction); plus the final state."""
    n = h.shape[0]
    nh = np.full(n, -1, np.int64)
    nl = np.full(n, -1, np.int64)
    low_first = np.zeros(n, np.bool_)
    tdir = np.zeros(n, np.int64)
    udir = np.zeros(n, np.int64)
    last_high = -1
    last_low = -1
    lowest = -1
    highest = -1
    ud = 0
    td = 0
    for i in range(n):
        e = ext[i]
        sh = -1
        sl = -1
        lf = False
        if e != 0:
            cc = i - 1
            if (e & 4) == 0:
                # _higher_high
                if last_high != -1 and h[cc] > h[last_high]:
                    up = ud > 0 or td > 0
                    if up or (td == 0 and ud == 0):
                        if up and last_low != -1 and lowest != -1:
                            last_low = lowest
                            lowest = -1
                            if sl == -1 and sh == -1:
                                lf = True
                            sl = last_low
                            ud += 1
                        last_high = cc
                        ud += 1
                        if sl == -1 and sh == -1:
                            lf = False
                        sh = cc
                    else:
                        # reset while tracing down
                        if ud < 0 or td < 0:
                            last_high = -1
                        else:
                            last_high = -1
                            last_low = -1
                        lowest = -1
                        highest = -1
                        ud = 0
                        td = 0
            else:
                # _lower_low
                if last_low != -1 and lo[cc] < lo[last_low]:
                    down = ud < 0 or td < 0
                    if down or (td == 0 and ud == 0):
                        if down and last_high != -1 and highest != -1:
                            last_high = highest
                            highest = -1
                            if sl == -1 and sh == -1:
                                lf = False
                            sh = last_high
                            ud -= 1
                        last_low = cc
                        ud -= 1
                        if sl == -1 and sh == -1:
                            lf = True
                        sl = cc
                    else:
                        # reset while tracing up
                        if ud > 0 or td > 0:
                            last_low = -1
                        else:
                            last_high = -1
                            last_low = -1
                        lowest = -1
                        highest = -1
                        ud = 0
                        td = 0
            if e & 1:
                if last_high == -1:
                    last_high = cc
                    if sl == -1 and sh == -1:
                        lf = False
                    sh = cc
                    if last_low != -1:
                        ud = 1
                elif highest == -1 or h[cc] > h[highest]:
                    highest = cc
            if e & 2:
                if last_low == -1:
                    last_low = cc
                    if sl == -1 and sh == -1:
                        lf = True
                    sl = cc
                    if last_high != -1:
                        ud = -1
                elif lowest == -1 or lo[cc] < lo[lowest]:
                    lowest = cc
            if td == 0:
                if ud >= 3:
                    td = 1
                elif ud <= -3:
                    td = -1
        if ud > 0 or td > 0:
            if last_low != -1 and lo[i] < lo[last_low]:
                last_low = -1
                lowest = -1
                highest = -1
                ud = 0
                td = 0
        elif (ud < 0 or td < 0) and last_high != -1 and h[i] > h[last_high]:
            last_high = -1
            lowest = -1
            highest = -1
            ud = 0
            td = 0
        nh[i] = sh
        nl[i] = sl
        low_first[i] = lf
        tdir[i] = td
        udir[i] = ud
    return nh, nl, low_first, tdir, udir, last_high, last_low, lowest, highest, ud, td


@njit(cache=True, nogil=True)
def matrend(a, b, c):  # type: ignore[no-untyped-def]
    """Codes 0 'NO', 1 'UP', 2 'DN'; state codes: prev_trend -1 None else code, current."""
    n = a.shape[0]
    out = np.zeros(n, np.int8)
    prev_trend = -1
    current = 0
    for i in range(n):
        x = a[i]
        y = b[i]
        z = c[i]
        trend = 0
        if x > y and y > z:
            trend = 1
        if x < y and y < z:
            trend = 2
        # JS truthiness of prev_trend: 'NO' is a truthy string too
        if prev_trend != -1 and prev_trend != trend:
            prev_trend = -1
        if trend == 0:
            if current != 0:
                prev_trend = current
                current = 0
            out[i] = 0
            continue
        if current == 0 and prev_trend == trend:
            out[i] = 0
            continue
        if trend != current:
            current = trend
        out[i] = trend
    return out, prev_trend, current


@njit(cache=True, nogil=True)
def hos(h, lo, r, fast, slow, k, e20, m50, m89, e144):  # type: ignore[no-untyped-def]
    """Codes 0 'N', 1 'UP', 2 'DN'. Averages: absent already replaced by 0."""
    n = h.shape[0]
    out = np.zeros(n, np.int8)
    for i in range(n):
        half = r[i] * 0.5
        kk = k[i]
        s = slow[i]
        f = fast[i]
        o0 = e20[i]
        o1 = m50[i]
        o2 = m89[i]
        o3 = e144[i]
        o4 = kk
        o5 = kk + half
        o6 = kk - half
        res = 0
        if s < f and lo[i] > f:
            mx = o0
            for x in (o1, o2, o3, o4, o5, o6):
                if x > mx:
                    mx = x
            if mx < s:
                res = 1
        if res == 0 and s > f and h[i] < f:
            mn = o0
            for x in (o1, o2, o3, o4, o5, o6):
                if x < mn:
                    mn = x
            if mn > s:
                res = 2
        out[i] = res
    return out


@njit(cache=True, nogil=True)
def btctrend(o, h, lo, c, atr, ema):  # type: ignore[no-untyped-def]
    """trend_level per candle (present only where atr is truthy); ema absent/0 -> 0."""
    n = o.shape[0]
    out = np.zeros(n, np.int8)
    for i in range(n):
        a = atr[i]
        e = ema[i]
        if not (a == a and a != 0) or not (e == e and e != 0):
            continue
        oi = o[i]
        ci = c[i]
        r = 0
        if ci > e:
            if min(oi, ci) > e:
                if lo[i] > e:
                    r = 4 if lo[i] > e + a / 2 else 3
                else:
                    r = 2
            else:
                r = 1
        elif ci < e:
            if max(oi, ci) < e:
                if h[i] < e:
                    r = -4 if h[i] < e - a / 2 else -3
                else:
                    r = -2
            else:
                r = -1
        out[i] = r
    return out
