"""The optimiser finds the optimum a textbook derivation gives (deterministic mode).

The derivation is in closed_form.closed_form_optimum: N* = 61.25 days, and on a grid of
step 5 the best point is 60 days (the cost is a parabola in N)."""

from __future__ import annotations

import pytest
from closed_form import (
    closed_form_cost,
    closed_form_optimum,
    closed_form_text,
    optimize_closed_form,
)

from arsim.optimizers.notes import Note
from arsim.optimizers.sweep import sweep
from arsim.sim.loader import load_text
from arsim.sim.optimize_spec import Variable

GRID = {"path": "terms.*.net_days", "low": 30, "high": 90, "step": 5}


def test_the_derivation() -> None:
    assert closed_form_optimum() == pytest.approx(61.25)


@pytest.mark.parametrize("method", ["grid", "evolution"])
def test_finds_the_closed_form_optimum_within_the_grid(method: str) -> None:
    result = optimize_closed_form(variables=[GRID], method=method, population=8, generations=15)
    best = result.winner.params["terms.*.net_days"]
    assert abs(best - closed_form_optimum()) <= GRID["step"] / 2
    assert best == 60
    sales_at_1 = result.winner.estimates["credit_sales"].mean / (0.7 + 0.005 * 60)
    assert result.winner.estimates["total_cost"].mean == pytest.approx(
        closed_form_cost(60, sales_at_1), rel=1e-9)
    # the incumbent N/30 costs T(30); the saving is exact (deterministic mode)
    assert result.saving.mean == pytest.approx(
        closed_form_cost(30, sales_at_1) - closed_form_cost(60, sales_at_1), rel=1e-9)
    assert result.significant


def test_profit_objective_has_the_same_optimum() -> None:
    # net margin = (1 - VC) x potential sales - total cost, and potential sales do not
    # depend on the policy: maximising one minimises the other
    result = optimize_closed_form(variables=[GRID], objective="max_profit")
    assert result.winner.params["terms.*.net_days"] == 60


def test_a_binding_constraint_moves_the_optimum_to_its_edge() -> None:
    # DSO equals the credit period here (all pay on the due date): dso <= 50 allows N <= 50,
    # and the parabola falls towards N* = 61.25, so the constrained optimum is 50
    result = optimize_closed_form(variables=[GRID], constraints=["dso <= 50"])
    assert result.winner.params["terms.*.net_days"] == 50
    assert result.winner.estimates["dso"].mean <= 50
    assert all(c.met for c in result.winner.constraints)
    assert all(row["feasible"] == (row.get("terms.*.net_days", 30) <= 50)
               for row in result.candidates)


def test_an_impossible_constraint_returns_no_policy() -> None:
    result = optimize_closed_form(variables=[GRID], constraints=["dso <= 10"])
    assert result.winner is None
    assert Note("no_feasible_search") in result.notes


def test_a_candidate_without_a_payment_pattern_is_recorded_as_failed() -> None:
    result = optimize_closed_form(net_days=range(30, 95, 10), variables=[GRID])
    failed = [r for r in result.candidates if r["error"]]
    assert len(failed) == 6  # 35, 45, ..., 85 have no pattern
    assert all("no payment pattern" in r["error"] for r in failed)
    assert result.winner.params["terms.*.net_days"] == 60


def test_the_sweep_draws_the_parabola_and_marks_its_bottom() -> None:
    scenario, policy = load_text(closed_form_text())
    result = sweep(scenario, policy, [Variable.model_validate(GRID)])
    assert result.bottom is not None
    assert result.points[result.bottom].params == {"terms.*.net_days": 60}
    for point in result.points:
        net = point.params["terms.*.net_days"]
        sales_at_1 = point.estimates["credit_sales"].mean / (0.7 + 0.005 * net)
        assert point.estimates["total_cost"].mean == pytest.approx(
            closed_form_cost(net, sales_at_1), rel=1e-9)
    rows = result.rows()
    assert [r["bottom"] for r in rows].count(True) == 1
