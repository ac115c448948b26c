"""--frontier on a noisy scenario: the cheapest policy at each level of a KPI, each point
re-run on fresh seeds with its own confidence intervals."""

from __future__ import annotations

import math

from arsim.optimizers.frontier import pareto
from arsim.optimizers.optimize import optimize
from arsim.optimizers.search import Scored
from arsim.optimizers.study import Candidate
from arsim.sim.optimize_spec import OptimizeSpec
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

SPEC = OptimizeSpec.model_validate({
    "variables": [{"path": "terms.*.net_days", "choices": [30, 45, 60, 75, 90]}],
    "finalists": 2, "indifference_zone": 5000,
    "replications": {"search": 3, "search_max": 3, "select_first": 4, "select_max": 8,
                     "recheck": 5}})


def test_the_frontier_trades_dso_for_cost_with_intervals(
        tiny_open: tuple[Scenario, Policy]) -> None:
    scenario, policy = tiny_open
    result = optimize(scenario, policy, SPEC, seed=5, frontier_kpi="dso")
    rows = list(result.frontier)
    assert len(rows) >= 2 and result.frontier_kpi == "dso"
    assert result.replications["frontier"] > 0
    for row in rows:
        assert row["engine"] == "fast"
        for name in ("total_cost", "dso"):
            assert math.isfinite(row[f"{name}_half_width"]) and row[f"{name}_half_width"] > 0
    # from the fastest cash to the cheapest: each point buys a lower cost with a higher DSO
    # (the search's means decide the front; the fresh-seed figures keep its order here,
    # where the levels are far apart)
    dso = [row["dso_mean"] for row in rows]
    cost = [row["total_cost_mean"] for row in rows]
    assert dso == sorted(dso) and cost == sorted(cost, reverse=True)


def _scored(key: str, objective: float, dso: float, feasible: bool = True) -> Scored:
    return Scored(Candidate(key, {}, None), "fast", 3, objective, {"dso": dso}, feasible)


def test_pareto_keeps_only_the_undominated_feasible_points() -> None:
    points = [_scored("a", 10.0, 20.0), _scored("b", 8.0, 25.0), _scored("c", 9.0, 30.0),
              _scored("d", 5.0, 40.0), _scored("e", 1.0, 10.0, feasible=False),
              _scored("f", 8.0, 25.0)]
    assert [s.key for s in pareto(points, "dso", higher_better=False)] == ["a", "b", "d"]
    # where more is better (recovery), the front runs from the highest level down
    high = [_scored("x", 5.0, 0.9), _scored("y", 7.0, 0.99), _scored("z", 6.0, 0.95)]
    assert [s.key for s in pareto(high, "dso", higher_better=True)] == ["y", "z", "x"]
