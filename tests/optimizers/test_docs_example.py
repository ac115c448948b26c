"""The optimize: block that docs/optimizer.md shows is valid for the default scenario."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from arsim import scenarios
from arsim.optimizers.space import Space
from arsim.sim.loader import load
from arsim.sim.optimize_spec import OptimizeSpec

DOC = Path(__file__).parents[2] / "docs" / "optimizer.md"


def test_the_documented_block_fits_the_default_scenario() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    spec = OptimizeSpec.model_validate(yaml.safe_load(blocks[0])["optimize"])
    _, policy = load(scenarios.path("default"))
    space = Space(policy, spec.variables)
    assert space.grid_size() == 5 * 3 * 4 * 5
    policy = space.to_policy((45.0, 1.0, 3.0, 40.0))
    assert policy.terms["B"].notation == "1/10, N/45" and policy.ladder[4].day == 40
