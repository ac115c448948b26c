"""The fast engine: the SimPy engine's invoices, bit for bit, wherever it is exact."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from support import assert_same_figures

from arsim.cli import main
from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import (
    AGE_DAYS,
    N_P,
    P_AGE_SCALE,
    P_AGE_SHAPE,
    P_MONTH,
    P_PER_MONTH,
    P_YEAR,
    Params,
    _age_bounds,
    _age_factor,
    _month_of,
    _responds,
    exact_for,
    run_fast,
)
from arsim.sim.errors import EngineError
from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import choose_engine, run
from arsim.sim.stats import paired_difference

ROOT = Path(__file__).parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TINY = ROOT / "tests" / "data" / "tiny.yaml"
TEXTBOOK = ROOT / "tests" / "theory" / "scenarios" / "cpa_2010.yaml"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_with_unlimited_collectors(path: Path) -> None:
    scenario, policy = apply_overrides(*load(path), ["collections.collectors=null"])
    des, fast = run_des(scenario, policy, 17), run_fast(scenario, policy, 17)
    assert fast.engine == "fast" and len(fast.ledger) > 100_000
    assert des.ledger.tobytes() == fast.ledger.tobytes()
    assert des.actions == fast.actions and des.lost_sales == fast.lost_sales
    assert (des.cash_sales, des.rebates, des.customers_lost) == (
        fast.cash_sales, fast.rebates, fast.customers_lost)


def test_auto_takes_the_fast_engine_only_where_it_is_exact() -> None:
    finite = load(TINY)
    unlimited = apply_overrides(*finite, ["collections.collectors=null"])
    assert exact_for(*unlimited) is None
    assert "collector" in str(exact_for(*finite))
    assert "deterministic" in str(exact_for(*load(TEXTBOOK)))
    assert choose_engine(*unlimited) == "fast"
    assert choose_engine(*finite) == "des"
    assert choose_engine(*unlimited, engine="des") == "des"
    with pytest.raises(EngineError, match="not exact here"):
        choose_engine(*finite, engine="fast")
    with pytest.raises(EngineError, match="unknown engine"):
        choose_engine(*finite, engine="warp")


def test_runs_on_either_engine_give_the_same_figures() -> None:
    scenario, policy = apply_overrides(*load(TINY), ["collections.collectors=null"])
    des = run(scenario, policy, replications=3, seed=4, engine="des", jobs=1)
    fast = run(scenario, policy, replications=3, seed=4, engine="auto", jobs=1)
    assert (des.engine, fast.engine) == ("des", "fast")
    assert_same_figures(des, fast)


def test_the_cli_says_which_engine_ran_and_refuses_an_inexact_fast_run() -> None:
    runner = CliRunner()
    auto = runner.invoke(main, ["run", str(TINY), "-n", "1", "-j", "1", "--json",
                                "--set", "collections.collectors=null"])
    assert auto.exit_code == 0, auto.output
    assert json.loads(auto.stdout)["engine"] == "fast"
    text = runner.invoke(main, ["run", str(TINY), "-n", "1", "-j", "1"])
    assert text.exit_code == 0 and "engine des" in text.stdout
    refused = runner.invoke(main, ["run", str(TINY), "-n", "1", "--engine", "fast"])
    assert refused.exit_code == 2
    assert "fast engine is not exact here" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_screening_agrees_with_the_simpy_engine_where_the_team_copes() -> None:
    # a team of three that is rarely busy: calls hardly ever wait, so treating it as never
    # making them wait must agree with the event simulation within Monte Carlo error
    scenario, policy = apply_overrides(*load(TINY), [
        "collections.collectors=3", "scenario.horizon.horizon_days=720",
        "scenario.horizon.replications=8"])
    des = run(scenario, policy, seed=8, jobs=1)
    screen = run(scenario, policy, seed=8, jobs=1, engine="screen")
    assert (des.engine, screen.engine) == ("des", "screen")
    assert des.summary["collector_utilisation"].mean < 0.2
    for metric in ("total_cost", "management_cost", "opportunity_cost", "dso",
                   "collector_utilisation"):
        diff = paired_difference([r.metrics[metric] for r in des.replications],
                                 [r.metrics[metric] for r in screen.replications])
        scale = abs(des.summary[metric].mean)
        # same seeds, so the paired difference is tiny; it must not be significant
        assert diff.covers(0.0) or abs(diff.mean) < 1e-3 * scale, (metric, diff)
    assert math.isnan(screen.summary["collector_wait_days"].mean)


def test_screening_shows_an_overloaded_team_as_utilisation_above_one() -> None:
    scenario, policy = apply_overrides(*load(TINY), [
        "collections.collectors=1", "collections.minutes_per_day=5"])
    screen = run(scenario, policy, replications=2, seed=3, jobs=1, engine="screen")
    des = run(scenario, policy, replications=2, seed=3, jobs=1)
    assert screen.summary["collector_utilisation"].mean > 1.0  # more work than the team has
    assert des.summary["collector_utilisation"].mean <= 1.0 + 1e-9


#: Month lengths the engines use (days_in_year / 12), and some that are not
MONTHS = (365 / 12, 360 / 12, 366 / 12, 30.0, 30.4375, 7.0)


def _month_p(month: float) -> np.ndarray:
    p = np.zeros(N_P)
    p[P_MONTH], p[P_PER_MONTH] = month, 1.0 / month
    return p


@pytest.mark.parametrize("month", MONTHS)
def test_month_of_is_the_divisions_floor_at_every_months_start(month: float) -> None:
    """At and one or two units in the last place either side of each month's start, where a
    multiplication by the reciprocal could round across it, the same integer as the
    division's floor (the guard hands these to the division)."""
    p = _month_p(month)
    for k in range(-24, 1200):
        start = k * month
        for t in (np.nextafter(np.nextafter(start, -math.inf), -math.inf),
                  np.nextafter(start, -math.inf), start, np.nextafter(start, math.inf),
                  np.nextafter(np.nextafter(start, math.inf), math.inf)):
            assert _month_of(float(t), p) == math.floor(float(t) / month), (k, t)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(MONTHS), st.floats(min_value=-1e3, max_value=1e6, allow_nan=False))
def test_month_of_is_the_divisions_floor_anywhere(month: float, t: float) -> None:
    assert _month_of(t, _month_p(month)) == math.floor(t / month)


def _age_params(scale: float, shape: float, year: float = 365.0) -> Params:
    """Params with an age factor curve and its bounds (the other tables unused)."""
    p = np.zeros(N_P)
    p[P_YEAR], p[P_AGE_SCALE], p[P_AGE_SHAPE] = year, scale, shape
    age = np.empty((2, AGE_DAYS))
    _age_bounds(p, age)
    return Params(grade_f=np.zeros((1, 1)), lad_f=np.zeros((1, 1, 1)), seg_f=np.zeros((1, 1)),
                  payer_f=np.zeros((1, 1)), p=p, cal=np.zeros((1, 1), dtype=np.int64),
                  cp=np.zeros(1), letters=np.asarray(["A"]), age=age)


CURVES = st.tuples(st.floats(min_value=0.01, max_value=100.0),
                   st.floats(min_value=0.05, max_value=10.0))


@settings(max_examples=200, deadline=None)
@given(CURVES, st.floats(min_value=0.0, max_value=AGE_DAYS - 1e-9))
def test_age_bounds_hold_the_factor_over_each_day(curve: tuple[float, float],
                                                  days: float) -> None:
    """The bounds of the day an age falls in hold the factor computed at that age."""
    par = _age_params(*curve)
    d = int(days)
    assert par.age[1, d] <= _age_factor(days, par.p) <= par.age[0, d]


def _exact(u: float, response: float, days: float, p: np.ndarray) -> bool:
    return u < response * _age_factor(days, p)


@settings(max_examples=300, deadline=None)
@given(CURVES, st.floats(min_value=-30.0, max_value=AGE_DAYS + 300.0),
       st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0))
def test_responds_is_the_comparison_with_the_factor(curve: tuple[float, float], days: float,
                                                    u: float, response: float) -> None:
    """Decided by the bounds or not, the answer is u < response x the factor at that age."""
    par = _age_params(*curve)
    assert _responds(u, response, days, par) == _exact(u, response, days, par.p)


@pytest.mark.parametrize("curve", [(1.374, 0.905), (0.05, 3.0), (20.0, 0.2)])
def test_responds_where_u_is_next_to_the_chance(curve: tuple[float, float]) -> None:
    """At the chance itself and one unit in the last place either side, where the bounds
    cannot decide and the factor is computed (ages across and past the bounds' days)."""
    par = _age_params(*curve)
    for days in np.linspace(0.0, AGE_DAYS + 50.0, 997):
        for response in (0.3, 0.95, 1.0):
            chance = response * _age_factor(float(days), par.p)
            for u in (np.nextafter(chance, -1.0), chance, np.nextafter(chance, 2.0)):
                assert (_responds(float(u), response, float(days), par)
                        == _exact(float(u), response, float(days), par.p)), (days, u)
