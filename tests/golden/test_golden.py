"""Seeded golden results of every scenario that ships, as readable JSON.

Each scenario in scenarios/ runs one replication on its own seed; every metric must match
the stored figure within the tolerance stated in the file. The engine is deterministic, so
on one platform the figures repeat bit for bit; the tolerance (relative 1e-6) only allows for
floating-point summation order in other NumPy builds. A deliberate model change regenerates
the files:  ARSIM_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/golden
and the diff shows what the change did to every figure. Regeneration is refused where the
CI variable is set: a run that rewrites its own expectations and then passes checks nothing,
so goldens change only on a developer's machine, in a commit whose message says which
figures moved and why (docs/design.md, "Golden results").
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from arsim.sim.loader import load
from arsim.sim.replicate import replicate, replication_seed

ROOT = Path(__file__).parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
HERE = Path(__file__).parent
RELATIVE, ABSOLUTE = 1e-6, 1e-6


def regeneration_requested(environ: Mapping[str, str]) -> bool:
    """Whether ARSIM_REGEN_GOLDEN asks for the files to be written again; refused (the
    test fails) under CI, where nobody reviews what the rewrite changed."""
    if not environ.get("ARSIM_REGEN_GOLDEN"):
        return False
    if environ.get("CI"):
        pytest.fail("ARSIM_REGEN_GOLDEN is set while CI is set: golden results are never "
                    "regenerated in CI. Regenerate them locally and explain every changed "
                    "figure in the commit message (docs/design.md, 'Golden results').",
                    pytrace=False)
    return True


def test_regeneration_is_refused_under_ci() -> None:
    assert not regeneration_requested({})
    assert not regeneration_requested({"CI": "true"})
    assert regeneration_requested({"ARSIM_REGEN_GOLDEN": "1"})
    with pytest.raises(pytest.fail.Exception, match="never regenerated in CI"):
        regeneration_requested({"ARSIM_REGEN_GOLDEN": "1", "CI": "true"})


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_matches_its_golden_result(path: Path) -> None:
    regenerate = regeneration_requested(os.environ)  # (refused under CI before any work)
    scenario, policy = load(path)
    seed = replication_seed(scenario.horizon.seed, 0)
    metrics = replicate(scenario, policy, seed).metrics
    # sanity that holds whatever the figures: the cost split adds up, DSO is not below
    # the best possible, and the window saw sales
    parts = ("opportunity_cost", "management_cost", "bad_debt_cost", "shortage_cost",
             "discount_cost", "inventory_carrying_cost")
    total = sum(metrics[p] for p in parts) - metrics["penalty_income"]
    assert math.isclose(metrics["total_cost"], total, rel_tol=1e-9)
    assert metrics["credit_sales"] > 0
    assert metrics["dso"] >= metrics["best_possible_dso"] - 1e-9
    golden = HERE / f"{path.stem}.json"
    if regenerate:
        doc = {"scenario": path.name, "replication": 0, "seed": seed,
               "tolerance": {"relative": RELATIVE, "absolute": ABSOLUTE},
               "metrics": {k: (v if math.isfinite(v) else None)
                           for k, v in sorted(metrics.items())}}
        golden.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert expected["seed"] == seed
    tol = expected["tolerance"]
    assert set(expected["metrics"]) == set(metrics), "metrics added or removed: regenerate"
    for name, want in expected["metrics"].items():
        got = metrics[name]
        if want is None:
            assert not math.isfinite(got), name
        else:
            assert math.isclose(got, want, rel_tol=tol["relative"], abs_tol=tol["absolute"]), (
                f"{path.stem}: {name} = {got!r}, golden {want!r}")
