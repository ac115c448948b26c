"""A long run reaches a steady state (issue 15, "A living population").

The default scenario replaces the customers who go bankrupt (newcomers per segment; a customer
lost after dunning, or whose account is closed for good, comes back on a fresh account after
its horizon) and warms up for two years: its per-year figures over a 2-year window and
over an 8-year window must agree within their confidence intervals. Before newcomers, the
default's credit sales fell from 849M to 797M a year and its bad-debt ratio from 0.50% to
0.19% between a 1-year and an 8-year window.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arsim.sim.loader import load
from arsim.sim.replicate import RunResult, run

DEFAULT = Path(__file__).parents[2] / "scenarios" / "default.yaml"
STEADY = ("customers_active", "credit_sales", "bad_debt_ratio", "dso", "customers_lost",
          "total_cost")


@pytest.mark.parametrize("metric", STEADY)
def test_a_2_year_and_an_8_year_window_agree_a_year(metric: str,
                                                   windows: dict[int, RunResult]) -> None:
    short, long_ = windows[2].summary[metric], windows[8].summary[metric]
    # the two intervals overlap: the difference is within the sum of the half-widths
    assert abs(short.mean - long_.mean) <= short.half_width + long_.half_width, (
        metric, short, long_)
    # and they are tight enough to mean something (a few percent of the figure)
    assert long_.half_width <= 0.1 * abs(long_.mean), (metric, long_)


@pytest.fixture(scope="module")
def windows() -> dict[int, RunResult]:
    scenario, policy = load(DEFAULT)
    out = {}
    for years in (2, 8):
        horizon = scenario.horizon.model_copy(update={"horizon_days": 365.0 * years})
        # (screened: the fast engine, its two collectors never making a call wait; the
        # steady state is the population's, and the event engine took six times as long)
        out[years] = run(scenario.model_copy(update={"horizon": horizon}), policy,
                         replications=4, seed=1, jobs=2, engine="screen")
    return out


def test_the_population_holds_its_size() -> None:
    # newcomers balance bankruptcies: the population, with the company or away after a loss,
    # stays within 3% of the 10,000 it opens with (at the default's terms, which win fewer
    # newcomers than the market's)
    scenario, policy = load(DEFAULT)
    result = run(scenario, policy, replications=2, seed=3, jobs=2, engine="screen")
    opening = sum(s.customers for s in scenario.segments)
    population = (result.summary["customers_active"].mean
                  + result.summary["customers_away"].mean)
    assert abs(population / opening - 1.0) < 0.03


def test_customers_away_are_the_losses_times_the_horizon(windows: dict[int, RunResult]
                                                         ) -> None:
    # Little's law for the customers away: losses a year x the years each is away
    # (demand.customer_loss.valued_days), over the 8-year window
    scenario, _ = load(DEFAULT)
    days = scenario.demand.customer_loss.valued_days
    assert days is not None
    away, lost = windows[8].summary["customers_away"], windows[8].summary["customers_lost"]
    expected = lost.mean * days / scenario.conventions.days_in_year
    assert abs(away.mean - expected) <= away.half_width + lost.half_width * days / 365.0
