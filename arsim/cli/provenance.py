"""What makes two printouts distinguishable: the command, the what-ifs, the file's hash and
arsim's version, in the header of every run and in its result.json."""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path
from typing import Any

import click

from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

__all__ = ["command_line", "provenance"]


def command_line() -> str:
    """The command as typed (the root group keeps its arguments in ``ctx.obj``)."""
    root = click.get_current_context().find_root()
    argv = root.obj.get("argv", []) if isinstance(root.obj, dict) else []
    return shlex.join(["arsim", *argv])


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def provenance(scenario_file: str, overrides: tuple[str, ...], scenario: Scenario,
               policy: Policy) -> dict[str, Any]:
    """Where a run's inputs came from: enough to tell any two runs apart.

    ``resolved_sha256`` hashes the scenario and policy as run (after ``extends`` and the
    what-ifs), so two runs with equal hashes ran on the same inputs even when their files
    differ in comments or layout.
    """
    resolved = json.dumps({"scenario": scenario.model_dump(mode="json"),
                           "policy": policy.model_dump(mode="json")}, sort_keys=True)
    return {
        "command": command_line(),
        "scenario_file": scenario_file,
        "scenario_file_sha256": _sha256(Path(scenario_file)),
        "overrides": list(overrides),
        "resolved_sha256": hashlib.sha256(resolved.encode()).hexdigest(),
    }
