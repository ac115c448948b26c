"""Tests of arsim.sim.streams: the Philox generator, keyed uniforms and inverse-CDF transforms."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

from arsim.sim.streams import (
    Stream,
    categorical,
    exponential,
    gamma,
    lognormal,
    philox4x32,
    uniform,
    uniforms,
    weibull_survival,
)

# Random123 kat_vectors, philox4x32 with 10 rounds: (counter, key, expected output).
KAT_PHILOX4X32_10 = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (
        (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF),
        (0xFFFFFFFF, 0xFFFFFFFF),
        (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
    ),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]

SEED = 20240601
N_MC = 200_000  # Monte-Carlo sample size for the statistical checks


def _mc_draws(stream: Stream = Stream.PAYMENT_LAG) -> np.ndarray:
    """200,000 uniforms from a fixed key: 50,000 customers x 4 draws."""
    return uniforms(SEED, stream, np.arange(N_MC // 4), 0, count=4).ravel()


# --- Philox known-answer tests -------------------------------------------------------------


@pytest.mark.parametrize(("counter", "key", "expected"), KAT_PHILOX4X32_10)
def test_philox_known_answers(counter: tuple, key: tuple, expected: tuple) -> None:
    out = philox4x32(np.array([counter], dtype=np.uint64), key)
    assert out.dtype == np.uint32
    assert out.shape == (1, 4)
    assert tuple(int(x) for x in out[0]) == expected


def test_philox_known_answers_batched_with_per_row_keys() -> None:
    counters = np.array([c for c, _, _ in KAT_PHILOX4X32_10], dtype=np.uint64)
    keys = np.array([k for _, k, _ in KAT_PHILOX4X32_10], dtype=np.uint64)
    expected = np.array([e for _, _, e in KAT_PHILOX4X32_10], dtype=np.uint32)
    np.testing.assert_array_equal(philox4x32(counters, keys), expected)


def test_philox_zero_rounds_is_identity() -> None:
    counter = np.array([[1, 2, 3, 4]])
    np.testing.assert_array_equal(philox4x32(counter, (7, 8), rounds=0), counter)


@pytest.mark.parametrize(
    ("counter", "key"),
    [
        (np.zeros((2, 3), dtype=np.int64), (0, 0)),
        (np.zeros(4, dtype=np.int64), (0, 0)),
        (np.array([[0, 0, 0, 2**32]]), (0, 0)),
        (np.array([[0, 0, 0, -1]]), (0, 0)),
        (np.zeros((1, 4)), (0, 0)),
        (np.zeros((1, 4), dtype=np.int64), (0, 0, 0)),
        (np.zeros((1, 4), dtype=np.int64), (0, 2**32)),
    ],
)
def test_philox_rejects_bad_input(counter: np.ndarray, key: tuple) -> None:
    with pytest.raises(ValueError):
        philox4x32(counter, key)


# --- Keyed uniforms --------------------------------------------------------------------------


def test_uniforms_follow_documented_counter_and_key_layout() -> None:
    # The layout is the reproducibility contract: counter (customer, invoice, stream, block),
    # key (seed low word, seed high word), word x -> (x + 0.5) / 2**32.
    seed = 0x0123456789ABCDEF
    got = uniforms(seed, Stream.DISPUTE, 17, 4242, count=6)
    counters = np.array([[17, 4242, int(Stream.DISPUTE), b] for b in (0, 1)])
    words = philox4x32(counters, (0x89ABCDEF, 0x01234567)).ravel()[:6]
    np.testing.assert_array_equal(got[0], (words.astype(np.float64) + 0.5) / 2**32)


def test_uniforms_are_deterministic() -> None:
    a = uniforms(SEED, Stream.ORDER_AMOUNT, np.arange(100), np.arange(100), count=5)
    b = uniforms(SEED, Stream.ORDER_AMOUNT, np.arange(100), np.arange(100), count=5)
    np.testing.assert_array_equal(a, b)


def test_uniforms_are_independent_of_draw_order() -> None:
    batch = uniforms(SEED, Stream.CASH_AVAILABLE, [5, 1, 9], [3, 3, 8], count=6)
    for row, (c, i) in enumerate([(5, 3), (1, 3), (9, 8)]):
        np.testing.assert_array_equal(batch[row], uniforms(SEED, Stream.CASH_AVAILABLE, c, i, 6)[0])
    reversed_batch = uniforms(SEED, Stream.CASH_AVAILABLE, [9, 1, 5], [8, 3, 3], count=6)
    np.testing.assert_array_equal(reversed_batch, batch[::-1])


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 8, 9, 13])
def test_draw_j_does_not_depend_on_count(count: int) -> None:
    full = uniforms(SEED, Stream.PAYMENT_LAG, np.arange(20), 7, count=16)
    np.testing.assert_array_equal(
        uniforms(SEED, Stream.PAYMENT_LAG, np.arange(20), 7, count), full[:, :count]
    )


def test_uniform_matches_uniforms() -> None:
    row = uniforms(SEED, Stream.RECOVERY, 3, 11, count=7)[0]
    for j in range(7):
        assert uniform(SEED, Stream.RECOVERY, 3, 11, index=j) == row[j]
    assert isinstance(uniform(SEED, Stream.RECOVERY, 3, 11), float)


def test_shapes_and_broadcasting() -> None:
    assert uniforms(SEED, Stream.AGENCY, 1, 2).shape == (1, 1)
    assert uniforms(SEED, Stream.AGENCY, 1, 2, count=0).shape == (1, 0)
    assert uniforms(SEED, Stream.AGENCY, np.arange(10), 2, count=3).shape == (10, 3)
    assert uniforms(SEED, Stream.AGENCY, [], [], count=3).shape == (0, 3)
    scalar_customer = uniforms(SEED, Stream.AGENCY, 4, np.arange(6), count=2)
    explicit = uniforms(SEED, Stream.AGENCY, np.full(6, 4), np.arange(6), count=2)
    np.testing.assert_array_equal(scalar_customer, explicit)
    # Any integer dtype names the same customer.
    np.testing.assert_array_equal(
        uniforms(SEED, Stream.AGENCY, np.array([4], dtype=np.uint32), 0),
        uniforms(SEED, Stream.AGENCY, np.array([4], dtype=np.int16), 0),
    )


def test_extreme_ids_and_seeds_are_accepted() -> None:
    u = uniforms(2**64 - 1, Stream.PENALTY, 2**32 - 1, 2**32 - 1, count=3)
    assert np.all((u > 0) & (u < 1))
    assert uniforms(0, Stream.PENALTY, 0, 0).shape == (1, 1)
    assert uniforms(np.uint64(2**64 - 1), Stream.PENALTY, 0, 0).shape == (1, 1)


def _distinct(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a != b))


def test_every_key_component_changes_the_numbers() -> None:
    base = uniforms(SEED, Stream.DISPUTE, np.arange(50), 7, count=4)
    assert _distinct(base, uniforms(SEED + 1, Stream.DISPUTE, np.arange(50), 7, count=4))
    assert _distinct(base, uniforms(SEED + 2**32, Stream.DISPUTE, np.arange(50), 7, count=4))
    assert _distinct(base, uniforms(SEED, Stream.LAWSUIT, np.arange(50), 7, count=4))
    assert _distinct(base, uniforms(SEED, Stream.DISPUTE, np.arange(1, 51), 7, count=4))
    assert _distinct(base, uniforms(SEED, Stream.DISPUTE, np.arange(50), 8, count=4))
    # Swapping customer and invoice must not alias either.
    assert _distinct(
        uniforms(SEED, Stream.DISPUTE, 3, 9, 4), uniforms(SEED, Stream.DISPUTE, 9, 3, 4)
    )


def test_all_streams_are_distinct() -> None:
    rows = np.vstack([uniforms(SEED, s, 0, 0, count=4) for s in Stream])
    assert len({tuple(r) for r in rows}) == len(Stream)


def test_stream_values_are_frozen() -> None:
    # Renumbering a stream silently changes every published result.
    assert {s.name: s.value for s in Stream} == {
        "ORDER_ARRIVAL": 1, "ORDER_THINNING": 2, "ORDER_AMOUNT": 3, "PAYER_TYPE": 4,
        "FUNDING_COST": 5, "CASH_AVAILABLE": 6, "PAYMENT_LAG": 7, "DUNNING_RESPONSE": 8,
        "PROMISE_BREAK": 9, "DISPUTE": 10, "BANKRUPTCY": 11, "RECOVERY": 12,
        "CUSTOMER_LOSS": 13, "AGENCY": 14, "LAWSUIT": 15, "ORDER_APPROVAL": 16,
        "OPENING_BOOK": 17, "SERVICE_TIME": 18, "PENALTY": 19, "ACCOUNT_LOSS": 20,
        "ORDER_PATIENCE": 21, "NEWCOMER_ARRIVAL": 22, "NEWCOMER_JOIN": 23, "WORKING_ASSETS": 24,
        "SOURING": 25,
    }  # fmt: skip


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seed": -1},
        {"seed": 2**64},
        {"seed": 1.5},
        {"seed": True},
        {"customer": -1},
        {"customer": 2**32},
        {"customer": 1.0},
        {"invoice": [2**40]},
        {"stream": 0},
        {"stream": 99},
        {"count": -1},
        {"customer": np.zeros((2, 2), dtype=int)},
        {"customer": [1, 2, 3], "invoice": [1, 2]},
    ],
)
def test_uniforms_rejects_bad_input(kwargs: dict) -> None:
    args = {"seed": 1, "stream": Stream.DISPUTE, "customer": 0, "invoice": 0, "count": 2} | kwargs
    with pytest.raises(ValueError):
        uniforms(**args)


def test_uniform_rejects_negative_index() -> None:
    with pytest.raises(ValueError):
        uniform(1, Stream.DISPUTE, 0, 0, index=-1)


def test_uniforms_pass_ks_test() -> None:
    u = _mc_draws()
    assert u.size == N_MC
    assert stats.kstest(u, "uniform").pvalue > 1e-4


def test_lagged_draws_are_uncorrelated() -> None:
    u = uniforms(SEED, Stream.SERVICE_TIME, np.arange(N_MC // 8), 3, count=8)
    corr = np.corrcoef(u, rowvar=False)
    off_diagonal = corr[~np.eye(8, dtype=bool)]
    assert np.max(np.abs(off_diagonal)) < 5 / np.sqrt(N_MC // 8)


# --- Transforms ---------------------------------------------------------------------------


def _mean_cv(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std() / x.mean())


def test_exponential_moments() -> None:
    mean, cv = _mean_cv(exponential(_mc_draws(), 12.5))
    assert mean == pytest.approx(12.5, rel=0.015)
    assert cv == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize(("target_mean", "target_cv"), [(1500.0, 0.8), (30.0, 0.3), (2.0, 1.5)])
def test_lognormal_moments(target_mean: float, target_cv: float) -> None:
    mean, cv = _mean_cv(lognormal(_mc_draws(), target_mean, target_cv))
    # Heavy tails make the sample CV converge slowly; tolerances are ~5 standard errors.
    assert mean == pytest.approx(target_mean, rel=0.02)
    assert cv == pytest.approx(target_cv, rel=0.03 if target_cv < 1 else 0.12)


@pytest.mark.parametrize(("target_mean", "target_cv"), [(20.0, 0.5), (5.0, 1.0), (100.0, 2.0)])
def test_gamma_moments(target_mean: float, target_cv: float) -> None:
    mean, cv = _mean_cv(gamma(_mc_draws(), target_mean, target_cv))
    assert mean == pytest.approx(target_mean, rel=0.025)
    assert cv == pytest.approx(target_cv, rel=0.04)


def test_gamma_matches_scipy_quantile() -> None:
    u = np.array([0.01, 0.3, 0.5, 0.9, 0.999])
    expected = stats.gamma.ppf(u, a=1 / 0.6**2, scale=40.0 * 0.6**2)
    np.testing.assert_allclose(gamma(u, 40.0, 0.6), expected, rtol=1e-10)


def test_lognormal_matches_scipy_quantile() -> None:
    u = np.array([0.01, 0.3, 0.5, 0.9, 0.999])
    sigma = np.sqrt(np.log1p(0.7**2))
    expected = stats.lognorm.ppf(u, s=sigma, scale=250.0 * np.exp(-(sigma**2) / 2))
    np.testing.assert_allclose(lognormal(u, 250.0, 0.7), expected, rtol=1e-10)


@pytest.mark.parametrize("transform", [lognormal, gamma])
def test_zero_cv_returns_mean_exactly(transform: Callable[..., np.ndarray]) -> None:
    u = np.array([1e-9, 0.3, 0.5, 1 - 1e-9])
    for mean in (0.1, 3.0, 1234.56, 1e9):
        assert np.all(transform(u, mean, 0.0) == mean)


def test_transforms_broadcast_parameters() -> None:
    u = np.array([0.2, 0.2])
    out = lognormal(u, np.array([10.0, 10.0]), np.array([0.0, 0.5]))
    assert out[0] == 10.0
    assert out[1] != 10.0
    np.testing.assert_allclose(exponential(u, [1.0, 2.0]), [-np.log(0.8), -2 * np.log(0.8)])


def test_transforms_finite_at_extreme_uniforms() -> None:
    u = np.array([0.5 / 2**32, 1 - 0.5 / 2**32])
    for x in (exponential(u, 1.0), lognormal(u, 1.0, 2.0), gamma(u, 1.0, 3.0)):
        assert np.all(np.isfinite(x))
        assert np.all(x >= 0)
        assert x[0] < x[1]


@pytest.mark.parametrize(("mean", "cv"), [(0.0, 0.5), (-1.0, 0.5), (1.0, -0.1), (np.nan, 0.5)])
def test_mean_cv_transforms_reject_bad_parameters(mean: float, cv: float) -> None:
    for transform in (lognormal, gamma):
        with pytest.raises(ValueError):
            transform(np.array([0.5]), mean, cv)


def test_categorical_frequencies() -> None:
    shares = np.array([0.5, 0.3, 0.15, 0.05])
    idx = categorical(_mc_draws(Stream.PAYER_TYPE), shares)
    assert idx.dtype == np.int64
    freq = np.bincount(idx, minlength=4) / N_MC
    np.testing.assert_allclose(freq, shares, atol=5 * np.sqrt(0.25 / N_MC))
    assert stats.chisquare(np.bincount(idx, minlength=4), shares * N_MC).pvalue > 1e-4


def test_categorical_boundaries_and_rounding() -> None:
    shares = [0.25, 0.25, 0.5]
    u = np.array([1e-12, 0.2499999, 0.25, 0.4999999, 0.5, 1 - 1e-16])
    np.testing.assert_array_equal(categorical(u, shares), [0, 0, 1, 1, 2, 2])
    # Shares summing to 1 - 1e-10: the last category absorbs the shortfall.
    assert categorical(np.array([1 - 1e-11]), [0.5, 0.5 - 1e-10])[0] == 1
    assert categorical(0.7, [0.3, 0.7]).shape == ()


def test_categorical_never_returns_zero_share_category() -> None:
    u = np.array([1e-12, 0.3, 0.5, 0.7, 1 - 1e-16])
    idx = categorical(u, [0.0, 0.5, 0.0, 0.5 - 1e-10, 0.0])
    assert set(idx.tolist()) <= {1, 3}


@pytest.mark.parametrize(
    "shares", [[], [0.5, 0.4], [1.2, -0.2], [[0.5, 0.5]], [0.5, np.nan, 0.5], [0.0, 0.0]]
)
def test_categorical_rejects_bad_shares(shares: list) -> None:
    with pytest.raises(ValueError):
        categorical(np.array([0.5]), shares)


def test_weibull_survival() -> None:
    ages = np.array([-3.0, 0.0, 2.0, 5.0, 10.0])
    s = weibull_survival(ages, 5.0, 1.5)
    np.testing.assert_allclose(s, np.exp(-((np.maximum(ages, 0) / 5.0) ** 1.5)))
    assert s[0] == 1.0
    assert s[1] == 1.0
    assert s[3] == pytest.approx(np.exp(-1.0))
    assert np.all(np.diff(s) <= 0)
    # shape 1 is the exponential survival function
    assert weibull_survival(3.0, 2.0, 1.0) == pytest.approx(np.exp(-1.5))


@pytest.mark.parametrize(("scale", "shape"), [(0.0, 1.0), (-1.0, 1.0), (1.0, 0.0), (1.0, np.nan)])
def test_weibull_survival_rejects_bad_parameters(scale: float, shape: float) -> None:
    with pytest.raises(ValueError):
        weibull_survival(1.0, scale, shape)


def test_a_single_row_draws_without_a_numba_warning() -> None:
    # one opening invoice broadcasts a scalar customer key to a read-only view, which numba
    # warned about on every run (FutureWarning); the draws are taken from a copy
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = uniforms(1, Stream.OPENING_BOOK, 2**32 - 1, np.array([2**31]))
    assert one.shape == (1, 1)
