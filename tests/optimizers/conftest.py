"""Fixtures of the optimiser's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from arsim.sim.loader import load
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def tiny_open() -> tuple[Scenario, Policy]:
    """The tiny scenario with an unlimited collector team (the fast engine is exact) and
    terms of 90 days, so the choice of grade B's discount decides."""
    scenario, policy = load(DATA / "tiny.yaml")
    policy = policy.with_value("collections.collectors", None)
    return scenario, policy.with_value("terms.B", "2/10, N/90").with_value("terms.C", "N/90")


@pytest.fixture
def tiny() -> tuple[Scenario, Policy]:
    """The tiny scenario as it is: one collector, so the fast engine can only screen."""
    return load(DATA / "tiny.yaml")
