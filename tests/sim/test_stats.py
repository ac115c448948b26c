"""Student-t intervals over replications."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsim.sim.stats import estimate, paired_difference, summarise


def test_interval_matches_the_t_formula() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 5.0]
    est = estimate(x)
    # t(0.975, 4) = 2.776445; s = 1.5811388
    assert est.mean == 3.0
    assert est.half_width == pytest.approx(2.776445 * 1.5811388 / math.sqrt(5), rel=1e-6)
    assert est.low < 3.0 < est.high and est.covers(3.0)


def test_one_observation_has_no_interval_and_nan_is_left_out() -> None:
    assert math.isnan(estimate([7.0]).half_width)
    est = estimate([1.0, float("nan"), 3.0])
    assert est.n == 2 and est.mean == 2.0
    assert estimate([]).n == 0


def test_paired_difference_removes_shared_noise() -> None:
    rng = np.random.default_rng(1)
    shared = rng.normal(0, 100, 20)
    a, b = shared + 1.0, shared
    paired = paired_difference(list(a), list(b))
    assert paired.mean == pytest.approx(1.0)
    assert paired.half_width < 1e-9
    with pytest.raises(ValueError, match="differ in length"):
        paired_difference([1.0], [1.0, 2.0])


def test_summarise_and_to_dict() -> None:
    rows = [{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": float("nan")}]
    out = summarise(rows)
    assert out["a"].mean == 2.0 and out["b"].n == 1
    d = out["b"].to_dict()
    assert d["half_width"] is None and d["mean"] == 2.0


@pytest.mark.parametrize(("n", "level"), [(3, 0.95), (5, 0.95), (20, 0.95), (5, 0.8)])
def test_intervals_cover_the_true_mean_as_often_as_their_level_says(n: int,
                                                                     level: float) -> None:
    # 4,000 runs of n normal replications with a known mean: the share of intervals that
    # contain it is the level, within 4 binomial standard errors (a z instead of a t
    # quantile, or s/n instead of s/sqrt(n), would cover 87% or less at n = 3)
    rng = np.random.default_rng(20261202 + n)
    trials = 4000
    samples = rng.normal(10.0, 3.0, size=(trials, n))
    covered = sum(estimate(row, level).covers(10.0) for row in samples)
    error = math.sqrt(level * (1 - level) / trials)
    assert abs(covered / trials - level) < 4 * error


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=50),
       st.floats(0.01, 100), st.floats(-1e6, 1e6))
def test_the_interval_moves_and_scales_with_the_data(values: list[float], scale: float,
                                                     shift: float) -> None:
    # measuring in other units (x -> scale x + shift) moves the mean and scales the
    # half-width alike: the interval describes the data, not their unit
    est = estimate(values)
    moved = estimate([scale * v + shift for v in values])
    assert moved.mean == pytest.approx(scale * est.mean + shift, rel=1e-9, abs=1e-3)
    assert moved.half_width == pytest.approx(scale * est.half_width, rel=1e-6, abs=1e-3)


def test_welch_interval_matches_the_textbook_formula() -> None:
    from scipy import stats as sps

    from arsim.sim.stats import welch_difference

    a, b = [10.0, 12.0, 11.0, 13.0], [7.0, 9.0, 8.0, 12.0, 9.0]
    est = welch_difference(a, b)
    va, vb = np.var(a, ddof=1) / 4, np.var(b, ddof=1) / 5
    dof = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 4)
    assert est.mean == pytest.approx(np.mean(a) - np.mean(b))
    assert est.half_width == pytest.approx(sps.t.ppf(0.975, dof) * math.sqrt(va + vb))
    # scipy's own Welch test agrees on whether zero lies outside the interval
    p = sps.ttest_ind(a, b, equal_var=False).pvalue
    assert (p < 0.05) == (not est.covers(0.0))


def test_welch_with_one_observation_has_no_interval() -> None:
    from arsim.sim.stats import welch_difference

    est = welch_difference([1.0], [2.0, 3.0])
    assert est.mean == pytest.approx(-1.5) and math.isnan(est.half_width)
    assert welch_difference([], [1.0]).n == 0
