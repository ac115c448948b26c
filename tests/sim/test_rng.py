"""The compiled core of the random numbers: Philox words and quantiles against references."""

from __future__ import annotations

import warnings

import numba
import numpy as np
import pytest
from scipy.special import gammaincinv, ndtri

from arsim.sim import rng, streams
from arsim.sim.streams import Stream, philox4x32

# Uniforms as arsim makes them: (k + 0.5) / 2**32, including both extremes.
U = np.concatenate([
    (np.random.default_rng(7).integers(0, 2**32, 20_000) + 0.5) * 2.0**-32,
    [0.5 * 2.0**-32, 1 - 0.5 * 2.0**-32, 0.5, 0.075, 0.925, 0.02425, 1e-300 + 1e-12],
])


def test_uniforms_are_the_reference_philox_words() -> None:
    """The compiled generator gives the NumPy reference implementation's words exactly."""
    gen = np.random.default_rng(3)
    cust = gen.integers(0, 2**32, 500, dtype=np.uint64)
    inv = gen.integers(0, 2**32, 500, dtype=np.uint64)
    seed = int(gen.integers(0, 2**63))
    got = streams.uniforms(seed, Stream.LAWSUIT, cust, inv, count=7)
    for block in range(2):
        counter = np.stack([cust, inv, np.full(500, int(Stream.LAWSUIT), dtype=np.uint64),
                            np.full(500, block, dtype=np.uint64)], axis=1)
        words = philox4x32(counter, (seed & 0xFFFFFFFF, seed >> 32))
        want = (words.astype(np.float64) + 0.5) * 2.0**-32
        width = min(4, 7 - 4 * block)
        np.testing.assert_array_equal(got[:, 4 * block:4 * block + width], want[:, :width])


def test_uniform_at_is_one_cell_of_the_table() -> None:
    k0, k1 = streams._seed_key(2**40 + 17)
    table = streams.uniforms(2**40 + 17, Stream.AGENCY, [5, 6], [9, 10], count=6)
    for i, (c, v) in enumerate(((5, 9), (6, 10))):
        for j in range(6):
            assert rng.uniform_at(k0, k1, int(Stream.AGENCY), c, v, j) == table[i, j]


def test_normal_quantile_matches_scipy_to_a_few_ulps() -> None:
    got = np.array([rng.ndtri(u) for u in U])
    want = ndtri(U)
    assert np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)) < 5e-15
    assert np.all(np.diff(got[np.argsort(U)]) >= 0)


@pytest.mark.parametrize("shape", [0.01, 0.25, 1.0, 2.5, 16.0, 400.0, 1e5])
def test_gamma_quantile_matches_scipy(shape: float) -> None:
    u = np.sort(U[::10])
    got = np.array([rng.gamma_q(x, shape, 2.0) for x in u])
    want = 2.0 * gammaincinv(shape, u)
    ok = want > 1e-280  # scipy underflows to 0 in the far left tail of tiny shapes
    assert np.max(np.abs(got[ok] - want[ok]) / want[ok]) < 1e-11
    assert np.all(np.isfinite(got)) and np.all(got >= 0)
    assert np.all(np.diff(got) >= 0)  # inversion keeps common random numbers monotone


def test_array_quantiles_are_the_scalar_ones() -> None:
    """Tables and the fast engine's inline draws share one compiled quantile each."""
    mu, sigma = streams.lognormal_params(np.float64(3.0), np.float64(0.7))
    table = streams.lognormal(U[:50], 3.0, 0.7)
    assert all(table[i] == rng.lognormal_q(U[i], float(mu), float(sigma)) for i in range(50))
    shape, scale = streams.gamma_params(np.float64(3.0), np.float64(0.7))
    table = streams.gamma(U[:50], 3.0, 0.7)
    assert all(table[i] == rng.gamma_q(U[i], float(shape), float(scale)) for i in range(50))
    table = streams.exponential(U[:50], 4.0)
    assert all(table[i] == rng.exponential_q(U[i], 4.0) for i in range(50))


@pytest.mark.parametrize("cv", [0.01, 0.1, 0.5, 1.0, 3.0, 10.0])
def test_array_gamma_is_finite_monotone_and_silent(cv: float) -> None:
    """No floating-point warning reaches the user, whatever the spread."""
    u = np.sort(U)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = streams.gamma(u, 10.0, cv)
    assert np.all(np.isfinite(x)) and np.all(x >= 0) and np.all(np.diff(x) >= 0)


@numba.njit
def _gamma_inlined(u: np.ndarray, shape: float, scale: float) -> np.ndarray:
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = rng.gamma_q(u[i], shape, scale)
    return out


@pytest.mark.parametrize("cv", [0.1, 0.5, 1.0, 1.5, 3.0])
def test_gamma_is_the_same_bits_wherever_it_is_compiled_in(cv: float) -> None:
    """The fast engine calls the quantile from inside its kernel, the SimPy engine through
    the array form: both must get the table's numbers exactly."""
    u = (np.random.default_rng(4).integers(0, 2**32, 200_000) + 0.5) * 2.0**-32
    shape, scale = streams.gamma_params(np.float64(2.0), np.float64(cv))
    np.testing.assert_array_equal(_gamma_inlined(u, float(shape), float(scale)),
                                  streams.gamma(u, 2.0, cv))
