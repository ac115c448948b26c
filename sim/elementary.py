"""exp and log in IEEE-754 arithmetic alone, for the random numbers' quantile transforms.

Why not `math.exp` and `math.log`: compiled code calls the C library's, whose last bit
depends on the library and the processor (glibc picks an FMA variant on CPUs that have FMA;
macOS and Windows ship other libraries), so the same seed could give other numbers on another
machine of a cluster. These functions use only additions, multiplications, divisions and bit
moves, each exactly rounded by IEEE 754 on every machine, and numba never fuses them (no
fast-math), so they give the same bits everywhere. And a loop of them has no call in it, so
the compiler runs it in vector registers: the order-time gaps and order amounts are drawn a
vector at a time (a call to the C library's `log1p` alone took 8 ns).

The algorithms are fdlibm's (Sun Microsystems, 1993: e_exp.c, e_log.c), whose errors are
below one unit in the last place; branches are written as selects so that loops vectorise.
`tests/sim/test_elementary.py` measures the error against extended-precision references.
"""

from __future__ import annotations

import math
from typing import Any

import numba
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from . import cachelock

# every module of arsim's that compiles with cache=True imports this one (or rng, which
# does): numba's cache is locked against other processes before it is first read
cachelock.install()

__all__ = ["exp", "log"]

_inline: Any = numba.njit(cache=True, error_model="numpy", inline="always")


def _bits_of(typingctx: Any, x: Any) -> Any:
    """A float64's IEEE-754 bits as an int64 (a reinterpretation, no arithmetic)."""
    if x != types.float64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


def _float_of(typingctx: Any, b: Any) -> Any:
    """The float64 whose IEEE-754 bits are the int64 b."""
    if b != types.int64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


_bits: Any = intrinsic(_bits_of)
_float: Any = intrinsic(_float_of)


_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_P1, _P2, _P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_P4, _P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08
_EXP_MAX, _EXP_MIN = 7.09782712893383973096e02, -7.45133219101941108420e02


@_inline
def _pow2(k: int) -> float:
    """2**k for -1022 <= k <= 1023."""
    return _float((k + 1023) << 52)


@_inline
def exp(x: float) -> float:
    """e**x (fdlibm's e_exp: x = k ln2 + r, |r| <= ln2 / 2, and a rational approximation of
    e**r), within one unit in the last place."""
    xc = min(max(x, _EXP_MIN - 1.0), _EXP_MAX + 1.0)  # (k stays small; the ends are set below)
    kf = math.floor(xc * _INV_LN2 + 0.5)
    hi = xc - kf * _LN2_HI  # exact: ln2's high part has 32 trailing zero bits
    lo = kf * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    # y 2**k in two exact steps, so that a result below the normal range is rounded once
    k = int(kf)
    k2 = k >> 1
    out = y * _pow2(k - k2) * _pow2(k2)
    out = math.inf if x > _EXP_MAX else out
    out = 0.0 if x < _EXP_MIN else out
    return x if math.isnan(x) else out


_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5, _LG6 = 2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_TWO54 = 1.80143985094819840000e16


@_inline
def log(x: float) -> float:
    """The natural logarithm (fdlibm's e_log: x = 2**k (1 + f), 1 + f in [sqrt(2)/2, sqrt(2)),
    log(1 + f) = 2 atanh(f / (2 + f)) by a polynomial), within one unit in the last place."""
    tiny = x < 2.2250738585072014e-308  # a subnormal is scaled into the normal range first
    xs = x * _TWO54 if tiny else x
    b = _bits(xs)
    k = ((b >> 52) & 0x7FF) - 1023 - (54 if tiny else 0)
    hx = (b >> 32) & 0xFFFFF  # the mantissa's high 20 bits
    i = (hx + 0x95F64) & 0x100000  # set when 1 + f >= sqrt(2): halve it, k + 1
    f = _float(((hx | (i ^ 0x3FF00000)) << 32) | (b & 0xFFFFFFFF)) - 1.0
    k += i >> 20
    dk = float(k)
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    far = ((hx - 0x6147A) | (0x6B851 - hx)) > 0  # 1 + f away from 1: the more exact form
    near_one = dk * _LN2_HI - ((s * (f - r) - dk * _LN2_LO) - f)
    away = dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + dk * _LN2_LO)) - f)
    out = away if far else near_one
    out = -math.inf if x == 0.0 else out
    out = math.inf if x == math.inf else out
    return math.nan if (x < 0.0 or math.isnan(x)) else out
