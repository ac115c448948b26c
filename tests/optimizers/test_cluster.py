"""A study whose replications run on a Dask cluster gives the result of one run in one
process, bit for bit (every replication is a pure function of its policy and seed)."""

from __future__ import annotations

import pytest

from arsim.optimizers.optimize import optimize
from arsim.sim.optimize_spec import OptimizeSpec
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

distributed = pytest.importorskip("distributed")

SPEC = OptimizeSpec.model_validate({
    "variables": [{"path": "terms.*.net_days", "choices": [45, 90]}],
    "finalists": 2, "indifference_zone": 5000,
    "replications": {"search": 2, "search_max": 4, "select_first": 3, "select_max": 9,
                     "recheck": 3}})


def test_a_study_on_a_cluster_is_the_study_in_one_process(
        tiny: tuple[Scenario, Policy]) -> None:
    scenario, policy = tiny  # one collector: screened on `screen`, decided on the SimPy engine
    here = optimize(scenario, policy, SPEC, seed=8, jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        there = optimize(scenario, policy, SPEC, seed=8, scheduler=cluster.scheduler_address)
    assert here.candidates == there.candidates
    assert here.selection == there.selection
    assert here.winner is not None and there.winner is not None
    assert here.winner.estimates == there.winner.estimates and here.saving == there.saving
