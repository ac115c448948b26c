"""The living population against its closed form (docs/model.md §2, "A living population").

Newcomers arrive as a Poisson stream at rate λ and each stays until its bankruptcy, exponential
with hazard h (nobody here is lost to dunning): the number of customers is an M/M/∞ queue, so
E N(t) = N₀ e^{−ht} + (λ/h)(1 − e^{−ht}), and its average over a window [0, T] is
λ/h + (N₀ − λ/h)(1 − e^{−hT}) / (hT). At N₀ = λ/h the population is in steady state from day
0 and Little's law gives λ × W = λ/h customers throughout.
"""

from __future__ import annotations

import math

import pytest
from support import one_segment

from arsim.sim.policy import Policy
from arsim.sim.replicate import run
from arsim.sim.scenario import Scenario

YEAR = 365.0


def _scenario(initial: int, arrivals: float, hazard: float, days: float,
              **demand: object) -> Scenario:
    return one_segment("population", days, customers=initial, orders_per_year=2,
                       amount_cv=0.3, mix={"on_time": 1.0},
                       segment={"newcomers_per_year": arrivals,
                                "bankruptcy_hazard_annual": hazard},
                       demand=dict(demand))


def _policy(terms: str = "N/30") -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": terms},
                                  "ladder": []})


def mean_population(initial: float, arrivals: float, hazard: float, years: float) -> float:
    """E[average number of customers over [0, T]] for an M/M/∞ population from N₀."""
    settled = arrivals / hazard
    return settled + (initial - settled) * (1.0 - math.exp(-hazard * years)) / (hazard * years)


def test_the_closed_form_averages_what_it_should() -> None:
    # at N0 = λ/h the average is λ/h whatever the window; over a long window from empty it
    # tends to λ/h; over a very short one it is N0
    assert mean_population(400, 200, 0.5, 3.0) == pytest.approx(400.0)
    assert mean_population(0, 200, 0.5, 400.0) == pytest.approx(400.0, rel=0.01)
    assert mean_population(100, 200, 0.5, 1e-6) == pytest.approx(100.0, rel=1e-5)


def test_a_settled_population_holds_lambda_times_w_customers() -> None:
    # λ = 200 a year, W = 1 / h = 2 years: Little's law gives 400 customers
    scenario = _scenario(400, 200.0, 0.5, 2 * YEAR)
    result = run(scenario, _policy(), replications=12, seed=11, jobs=1)
    active = result.summary["customers_active"]
    assert active.covers(400.0), active
    assert active.half_width < 0.05 * 400.0  # tight enough to mean something
    # newcomers who stayed: λ a year (no terms below the market's)
    assert result.summary["newcomers"].covers(200.0), result.summary["newcomers"]
    assert result.summary["bankruptcies"].covers(200.0), result.summary["bankruptcies"]


def test_a_growing_population_follows_the_m_m_infinity_curve() -> None:
    scenario = _scenario(100, 300.0, 0.4, 3 * YEAR)
    theory = mean_population(100, 300.0, 0.4, 3.0)
    result = run(scenario, _policy(), replications=12, seed=5, jobs=1)
    assert result.summary["customers_active"].covers(theory), (
        result.summary["customers_active"], theory)


def test_terms_below_the_market_win_fewer_newcomers_through_the_demand_response() -> None:
    # N/10 wins 0.8 of the market's demand: 0.8 of the newcomers stay, and the population
    # settles at 0.8 λ / h; the market (N/30) wins them all
    demand = {"credit_period_multiplier": [[10, 0.8], [30, 1.0]], "market_terms": "N/30"}
    scenario = _scenario(1, 400.0, 0.5, 2 * YEAR, **demand)
    result = run(scenario, _policy("N/10"), replications=12, seed=3, jobs=1)
    assert result.summary["newcomers"].covers(0.8 * 400.0), result.summary["newcomers"]
    assert result.summary["customers_active"].covers(
        mean_population(1, 0.8 * 400.0, 0.5, 2.0)), result.summary["customers_active"]
    # the newcomers the market's terms would have won, and these terms did not, are sales
    # lost to the terms: a positive shortage against the market, none at the market's terms
    assert result.summary["shortage_terms_cost"].mean > 0.0
    at_market = run(scenario, _policy("N/30"), replications=2, seed=3, jobs=1)
    terms_cost = at_market.summary["shortage_terms_cost"].mean
    assert abs(terms_cost) < 1e-6 * at_market.summary["credit_sales"].mean
