"""exp and log in IEEE arithmetic alone (sim/elementary.py), and the vectorised quantiles.

Errors are measured against NumPy's long double (64-bit mantissa), which resolves a float64's
last place 2,048 times over: fdlibm's bound is one unit in the last place (ulp).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsim.sim import elementary, rng

pytestmark = pytest.mark.skipif(np.finfo(np.longdouble).nmant < 60,
                                reason="needs an extended-precision long double")


@numba.njit(error_model="numpy")
def _exp_all(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = elementary.exp(x[i])


@numba.njit(error_model="numpy")
def _log_all(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = elementary.log(x[i])


@numba.njit
def _exp_one(x: float) -> float:
    return elementary.exp(x)


@numba.njit
def _log_one(x: float) -> float:
    return elementary.log(x)


def _ulps(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    spacing = np.spacing(np.abs(got)).astype(np.longdouble)
    return np.asarray(np.abs((got.astype(np.longdouble) - exact) / spacing), dtype=np.float64)


def _apply(kernel: object, x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    kernel(x, out)  # type: ignore[operator]
    return out


def test_exp_is_within_one_ulp_over_its_whole_range() -> None:
    g = np.random.default_rng(1)
    x = np.concatenate([g.uniform(-708.0, 709.7, 200_000), g.uniform(-3, 3, 200_000),
                        g.uniform(-1e-9, 1e-9, 10_000)])
    got = _apply(_exp_all, x)
    assert _ulps(got, np.exp(x.astype(np.longdouble))).max() < 1.0


def test_log_is_within_one_ulp_over_its_whole_range() -> None:
    g = np.random.default_rng(2)
    x = np.concatenate([g.uniform(0, 1, 200_000), 10.0 ** g.uniform(-307, 307, 200_000),
                        1.0 + g.uniform(-1e-7, 1e-7, 10_000), [5e-324, 1e-310]])
    got = _apply(_log_all, x)
    assert _ulps(got, np.log(x.astype(np.longdouble))).max() < 1.0


def test_the_ends_of_the_range_are_those_of_ieee() -> None:
    x = np.array([-np.inf, -800.0, -745.2, -740.0, 0.0, 709.78, 710.0, np.inf, np.nan])
    with np.errstate(over="ignore"):
        want = np.exp(x)
    got = _apply(_exp_all, x)
    np.testing.assert_array_equal(got[:-1], want[:-1])
    assert math.isnan(got[-1])
    y = np.array([0.0, -1.0, 1.0, np.inf, np.nan, 5e-324])
    got = _apply(_log_all, y)
    assert got[0] == -math.inf and math.isnan(got[1]) and got[2] == 0.0
    assert got[3] == math.inf and math.isnan(got[4])
    assert got[5] == pytest.approx(math.log(5e-324), rel=1e-15)


@settings(max_examples=300, deadline=None)
@given(st.floats(-740.0, 709.0))
def test_a_scalar_call_gives_the_vector_loops_bits(x: float) -> None:
    # the same arithmetic compiled alone or eight lanes at a time: no fused multiply-add
    # anywhere, so the very same bits (what lets a vector loop stand in for scalar calls)
    xs = np.full(16, x)
    assert _apply(_exp_all, xs)[3] == _exp_one(x)
    assert _apply(_log_all, np.abs(xs) + 1e-300)[3] == _log_one(abs(x) + 1e-300)


@numba.njit(error_model="numpy")
def _both(u: np.ndarray, mu: float, sigma: float, z: np.ndarray, y: np.ndarray) -> None:
    for i in range(rng.lanes(u.size)):
        z[i] = rng.ndtri_both(u[i])
        y[i] = rng.lognormal_both(u[i], mu, sigma)


def test_branch_free_quantiles_are_the_branching_ones_bit_for_bit() -> None:
    # every uniform the generator can give near the tails, and a random spread in between
    g = np.random.default_rng(3)
    words = np.concatenate([np.arange(0, 4096), 2**32 - 1 - np.arange(0, 4096),
                            g.integers(0, 2**32, 100_000)])
    u = (words + 0.5) * 2.0**-32
    u = np.concatenate([u, np.full(rng.lanes(u.size) - u.size, 0.5)])
    z, y = np.empty_like(u), np.empty_like(u)
    _both(u, 8.0, 0.8, z, y)
    np.testing.assert_array_equal(z, [rng.ndtri(v) for v in u])
    np.testing.assert_array_equal(y, [rng.lognormal_q(v, 8.0, 0.8) for v in u])


def test_exponential_quantile_is_exact_in_its_argument() -> None:
    # 1 - u is exact for the generator's uniforms, so ln(1 - u) is log1p(-u) to an ulp
    u = (np.random.default_rng(4).integers(0, 2**32, 50_000) + 0.5) * 2.0**-32
    got = np.array([rng.exponential_q(v, 1.0) for v in u])
    exact = -np.log1p(-u.astype(np.longdouble))
    assert _ulps(got, exact).max() < 1.0


def test_lanes_rounds_up_to_whole_vectors() -> None:
    assert [rng.lanes(n) for n in (0, 1, 7, 8, 9, 28)] == [0, 8, 8, 8, 16, 32]
