"""arsim.sim: the model (scenario, policy) and the engines that turn it into results."""

from __future__ import annotations

from .errors import ArsimError, EngineError, PolicyError, ScenarioError
from .loader import load, load_text
from .policy import Policy
from .replicate import Replication, RunResult, replicate, run
from .scenario import Scenario
from .terms import Terms

__all__ = [
    "ArsimError",
    "EngineError",
    "Policy",
    "PolicyError",
    "Replication",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Terms",
    "load",
    "load_text",
    "replicate",
    "run",
]
