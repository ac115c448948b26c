"""The search space the default scenario ships, and what a study of it does.

Its figures are never pinned here (the default scenario's model moves): the block's shape,
every point of it a valid policy, and - on evaluations replaced by a cheap synthetic model,
so that it runs in seconds - the shape of a whole study: at least 200 candidate policies
screened, KN among the finalists, the re-check on fresh seeds. How long the real study takes
is measured by benchmarks/bench_optimize.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsim import scenarios
from arsim.optimizers import study as study_module
from arsim.optimizers.optimize import optimize
from arsim.optimizers.space import Space
from arsim.sim.loader import load_optimize
from arsim.sim.policy import Policy, check_compatible

SCENARIO, INCUMBENT, SPEC = load_optimize(scenarios.path("default"))


def test_the_block_asks_what_a_credit_manager_would() -> None:
    assert SPEC is not None
    paths = [v.path for v in SPEC.variables]
    assert paths == ["terms.A.net_days", "terms.B.net_days", "terms.C.net_days",
                     "terms.A.discount_rate", "terms.B.discount_rate",
                     "terms.*.discount_days", "accepted_grades", "ladder",
                     "collections.collectors"]
    assert SPEC.objective == "min_total_cost"
    assert {c.kpi for c in SPEC.constraints} == {"dso", "bad_debt_ratio"}
    assert any(c.probability is not None for c in SPEC.constraints)  # a chance constraint
    space = Space(INCUMBENT, SPEC.variables)
    assert space.grid_size() == 5 * 5 * 4 * 4 * 4 * 2 * 2 * 3 * 4
    assert space.grid_size() > SPEC.grid_limit  # so the search is differential evolution
    # scipy's population is popsize x dimensions, popsize = ceil(population / dimensions),
    # and it evaluates the first population and one more per generation
    per_generation = math.ceil(SPEC.population / len(paths)) * len(paths)
    assert per_generation * (SPEC.generations + 1) >= 200


def test_the_ladders_to_choose_from_differ_only_in_when_shipping_stops() -> None:
    assert SPEC is not None
    (ladders,) = [v.choices for v in SPEC.variables if v.path == "ladder"]
    assert isinstance(ladders, dict)
    ours = [step for step in ladders["stop at +30 (ours)"]]
    assert Policy.model_validate({**INCUMBENT.model_dump(), "ladder": ours}) == INCUMBENT
    for name, steps in ladders.items():
        stop = [s["day"] for s in steps if s["action"] == "stop_shipping"]
        assert f"+{stop[0]}" in name
        rest = [s for s in steps if s["action"] != "stop_shipping"]
        assert rest == [s for s in ours if s["action"] != "stop_shipping"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_point_of_the_space_is_a_policy_the_scenario_accepts(data: st.DataObject) -> None:
    assert SPEC is not None
    space = Space(INCUMBENT, SPEC.variables)
    vector = space.snap([data.draw(st.floats(lo, hi)) for lo, hi in space.bounds()])
    policy = space.to_policy(vector)
    check_compatible(SCENARIO, policy)
    params = space.params(vector)
    for grade in policy.accepted_grades:
        assert policy.terms[grade].net_days == params[f"terms.{grade}.net_days"]
    assert policy.collections.collectors == params["collections.collectors"]


@pytest.mark.parametrize("name", [n for n in scenarios.available() if n != "default"])
def test_scenarios_that_extend_the_default_inherit_a_usable_block(name: str) -> None:
    _, policy, spec = load_optimize(scenarios.path(name))
    if spec is not None:
        Space(policy, spec.variables)  # every path names a field of their policy


@dataclass(frozen=True)
class _Replication:
    metrics: Mapping[str, float]


@dataclass(frozen=True)
class _Result:
    engine: str
    replications: tuple[_Replication, ...]


def _synthetic(policy: Policy, replication: int) -> dict[str, float]:
    """A cheap stand-in for a replication: a smooth cost of the policy, plus noise that
    depends only on the replication (common random numbers)."""
    terms = policy.terms
    nets = sum(terms[g].net_days for g in policy.accepted_grades)
    discount = sum(t.discounts[0].rate for t in terms.values() if t.discounts)
    cost = 3e7 + 2e3 * (nets - 150) ** 2 + 1e8 * (discount - 0.02) ** 2
    cost += 5e5 * abs((policy.collections.collectors or 2) - 3)
    cost += 1e5 * math.sin(replication)
    return {"total_cost": cost, "dso": 10 + nets / 10, "bad_debt_ratio": 0.004,
            "net_margin": 1.6e8 - cost}


def test_a_study_of_the_block_screens_200_policies_then_selects_and_rechecks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(scenario: Any, policy: Policy, replications: int, first: int = 0,
                 engine: str = "auto", **_: Any) -> _Result:
        rows = tuple(_Replication(_synthetic(policy, r))
                     for r in range(first, first + replications))
        return _Result(engine, rows)

    monkeypatch.setattr(study_module, "run", fake_run)
    assert SPEC is not None
    result = optimize(SCENARIO, INCUMBENT, SPEC, seed=1)
    assert result.method == "evolution"
    assert len(result.candidates) >= 200
    assert {row["engine"] for row in result.candidates} == {"screen"}
    # the search's budget grows on promising candidates only, up to its cap
    reps = SPEC.replications
    looks = [int(row["replications"]) for row in result.candidates]
    assert min(looks) == reps.search and max(looks) == reps.search_max
    assert sum(n == reps.search for n in looks) > len(looks) / 2
    assert set(result.replications) == {"search", "select", "recheck"}
    assert result.selection is not None and len(result.selection.order) == SPEC.finalists
    assert result.replications["recheck"] == 2 * SPEC.replications.recheck
    assert result.winner is not None and result.winner.engine == "des"
    assert result.winner.feasible and result.significant
