"""The compiled core of arsim's randomness: one Philox4x32-10 block, one uniform, one quantile.

Every random number of a replication is computed by the functions here, whether an engine
asks for a whole table at once (`streams.uniforms` and the table builders in `draws.py` loop
over them) or for one number at the moment it needs it (the fast engine's kernel calls them
inline). One implementation means one set of bits: the engines agree exactly because they run
the same compiled arithmetic, not two codes that are "equal up to rounding".

Numbers are keyed, never sequential: draw j of (seed, stream, customer, invoice) is word j % 4
of the Philox block with counter (customer, invoice, stream, j // 4) under the key (seed low
word, seed high word). See `streams.py` for the contract and docs/model.md for the layout.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from . import elementary

__all__ = ["block", "compiled", "compiled_inline", "exponential_q", "fill_uniforms", "gamma_q",
           "lanes", "lognormal_both", "lognormal_q", "ndtri", "ndtri_both", "uniform_at", "unit"]

_njit: Any = numba.njit  # `_nrt` is a documented option missing from numba's type stubs
#: Decorator for compiled functions that allocate nothing: compiled without reference counting,
#: which otherwise costs two atomic operations per array argument per call (two thirds of the
#: fast engine's time, measured). Every compiled function of arsim's uses error_model="numpy":
#: numba's default checks each divisor for zero and raises, a branch that keeps any loop with
#: a division out of vector registers (a division by zero gives inf or NaN instead; no model
#: parameter the schema accepts leads to one).
compiled = _njit(cache=True, _nrt=False, error_model="numpy")
#: The same, inlined into its callers at compile time (for functions called with many arrays:
#: passing each array's descriptor costs several machine words per call).
compiled_inline = _njit(cache=True, _nrt=False, error_model="numpy", inline="always")

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_LO, _SHIFT = np.uint64(0xFFFFFFFF), np.uint64(32)
# (x + 0.5) / 2**32 is exact in float64 and never 0 or 1, so every quantile is finite.
_SCALE = 2.0**-32


@numba.njit(cache=True, error_model="numpy", inline="always")
def block(k0: np.uint64, k1: np.uint64, c0: np.uint64, c1: np.uint64, c2: np.uint64,
          c3: np.uint64) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """Philox4x32-10 of one counter (four 32-bit words held in uint64) under one key.

    uint64 holds the whole 32 x 32 -> 64-bit product, so its high and low halves are a shift
    and a mask; every constant is a np.uint64 so that nothing is promoted to float.
    """
    for r in range(10):
        if r:  # the key schedule is a Weyl sequence, bumped between rounds
            k0 = (k0 + _W0) & _LO
            k1 = (k1 + _W1) & _LO
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = (p1 >> _SHIFT) ^ c1 ^ k0, p1 & _LO, (p0 >> _SHIFT) ^ c3 ^ k1, p0 & _LO
    return c0, c1, c2, c3


@numba.njit(cache=True, error_model="numpy", inline="always")
def unit(word: np.uint64) -> float:
    """A Philox word as a uniform strictly inside (0, 1)."""
    return (float(word) + 0.5) * _SCALE


@numba.njit(cache=True, error_model="numpy")
def uniform_at(k0: np.uint64, k1: np.uint64, stream: int, customer: int, invoice: int,
               j: int) -> float:
    """Draw j of (stream, customer, invoice): one Philox block, one of its four words."""
    w = block(k0, k1, np.uint64(customer), np.uint64(invoice), np.uint64(stream),
              np.uint64(j // 4))
    return unit(w[j % 4])


@numba.njit(cache=True, error_model="numpy")
def fill_uniforms(k0: np.uint64, k1: np.uint64, stream: int, customer: np.ndarray,
                  invoice: np.ndarray, out: np.ndarray) -> None:
    """out[i, j] = draw j of (stream, customer[i], invoice[i]), a block (four draws) at a time."""
    n, count = out.shape
    s = np.uint64(stream)
    if count == 1:  # one draw a row (a customer's attributes): a loop of blocks alone, which
        # the compiler runs several rows at a time in vector registers (about 10x faster)
        for i in range(n):
            out[i, 0] = unit(block(k0, k1, np.uint64(customer[i]), np.uint64(invoice[i]), s,
                                   np.uint64(0))[0])
        return
    for i in range(n):
        c, v = np.uint64(customer[i]), np.uint64(invoice[i])
        for b in range((count + 3) // 4):
            w0, w1, w2, w3 = block(k0, k1, c, v, s, np.uint64(b))
            j = 4 * b
            out[i, j] = unit(w0)
            if j + 1 < count:
                out[i, j + 1] = unit(w1)
            if j + 2 < count:
                out[i, j + 2] = unit(w2)
            if j + 3 < count:
                out[i, j + 3] = unit(w3)


# ---- quantile transforms -------------------------------------------------------------------

# Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988): rational approximations
# with a relative error about 1e-16 over the whole of (0, 1).
_A = (3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
      1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
      3.3430575583588128105e4, 2.5090809287301226727e3)
_B = (1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
      2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
      5.2264952788528545610e3)
_C = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
      3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
      2.27238449892691845833e-2, 7.74545014278341407640e-4)
_D = (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
      1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
      1.05075007164441684324e-9)
_E = (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
      2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
      2.71155556874348757815e-5, 2.01033439929228813265e-7)
_F = (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
      7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
      2.04426310338993978564e-15)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _poly(c: tuple[float, ...], x: float) -> float:
    """c[0] + c[1] x + ... + c[7] x**7 by Horner's rule, in a fixed order."""
    return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x
            + c[1]) * x + c[0]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _ndtri_central(p: float) -> float:
    """ndtri(p) where |p - 0.5| <= 0.425 (85% of draws), and a finite number elsewhere."""
    q = p - 0.5
    r = 0.180625 - q * q
    return q * _poly(_A, r) / _poly(_B, r)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _ndtri_tail(p: float) -> float:
    """ndtri(p) where |p - 0.5| > 0.425, and a finite number or NaN elsewhere."""
    q = p - 0.5
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-elementary.log(r))
    if r <= 5.0:
        r -= 1.6
        x = _poly(_C, r) / _poly(_D, r)
    else:
        r -= 5.0
        x = _poly(_E, r) / _poly(_F, r)
    return -x if q < 0.0 else x


@numba.njit(cache=True, error_model="numpy")
def ndtri(p: float) -> float:
    """The standard normal quantile of p in (0, 1) (AS 241)."""
    if abs(p - 0.5) <= 0.425:
        return _ndtri_central(p)
    return _ndtri_tail(p)


@numba.njit(cache=True, error_model="numpy", inline="always")
def ndtri_both(p: float) -> float:
    """ndtri(p), the same bits, for loops over many draws: both branches computed and one
    kept, so that the loop runs in vector registers (a branch taken for 15% of draws at
    random was mispredicted more often than the tail costs)."""
    central, tail = _ndtri_central(p), _ndtri_tail(p)
    return central if abs(p - 0.5) <= 0.425 else tail


@numba.njit(cache=True, error_model="numpy", inline="always")
def lanes(n: int) -> int:
    """n rounded up to whole vectors of eight doubles: a loop over draws runs that far (into
    spare room at the end of its arrays), because the compiler runs a vectorised loop's
    last n % 8 elements one by one, each at up to six times a vector lane's cost."""
    return (n + 7) // 8 * 8


@numba.njit(cache=True, error_model="numpy", inline="always")
def exponential_q(u: float, mean: float) -> float:
    """Exponential quantile -mean ln(1 - u). 1 - u is exact for every uniform `unit` makes
    (a multiple of 2**-33), so ln(1 - u) needs no log1p."""
    return -mean * elementary.log(1.0 - u)


@numba.njit(cache=True, error_model="numpy")
def lognormal_q(u: float, mu: float, sigma: float) -> float:
    """exp(mu + sigma z) with z the normal quantile of u."""
    return elementary.exp(mu + sigma * ndtri(u))


@numba.njit(cache=True, error_model="numpy", inline="always")
def lognormal_both(u: float, mu: float, sigma: float) -> float:
    """lognormal_q, the same bits, its quantile by ndtri_both (for loops over many draws)."""
    return elementary.exp(mu + sigma * ndtri_both(u))


@numba.njit(cache=True, error_model="numpy")
def _gamma_p(a: float, x: float, lg: float) -> float:
    """The regularised lower incomplete gamma P(a, x), lg = ln Gamma(a).

    A power series below x = a + 1, where it converges fast, and a continued fraction for
    the upper tail above (evaluated by the modified Lentz method).
    """
    if x <= 0.0:
        return 0.0
    front = elementary.exp(a * elementary.log(x) - x - lg)
    if x < a + 1.0:
        term = 1.0 / a
        total = term
        n = a
        for _ in range(100_000):
            n += 1.0
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return min(1.0, front * total)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= 2.3e-16:  # within an ulp of 1: converged
            break
    return max(0.0, 1.0 - front * h)


@numba.njit(cache=True, error_model="numpy")
def gamma_q(u: float, shape: float, scale: float) -> float:
    """Gamma(shape, scale) quantile of u: Newton's method on P(shape, x) = u.

    Starts from the Wilson-Hilferty approximation (or the small-x power law for small
    shapes), keeps a bracket so that no step leaves it, and stops at relative change 1e-14.
    """
    a = shape
    if not (0.0 < a < math.inf and 0.0 < u < 1.0):
        return math.nan  # (the models refuse such parameters; never loop on them)
    lg = math.lgamma(a)
    if a > 1.0:
        z = ndtri(u)
        t = 1.0 / (9.0 * a)
        v = 1.0 - t + z * math.sqrt(t)
        x = a * (v * v * v)
        if x <= 0.0:
            x = elementary.exp((elementary.log(u * a) + lg) / a)
    else:
        # P(a, x) ~ x**a / Gamma(a + 1) near 0
        x = elementary.exp((elementary.log(u * a) + lg) / a)
    lo, hi = 0.0, math.inf
    for _ in range(200):
        f = _gamma_p(a, x, lg) - u
        if f < 0.0:
            lo = x
        else:
            hi = x
        density = elementary.exp((a - 1.0) * elementary.log(x) - x - lg)
        step = f / density if density > 0.0 else math.inf
        new = x - step
        if not (lo < new < hi) or not math.isfinite(new):
            new = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * max(x, lo)
        if abs(new - x) <= 1e-14 * new:
            x = new
            break
        x = new
    return x * scale
