"""``--set path=value`` what-ifs: parsed as YAML scalars, applied to the scenario or policy.

A misspelt path gets the nearest valid one; a scenario field given without its ``scenario.``
prefix is pointed at it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml

from .errors import ArsimError, PolicyError, ScenarioError
from .paths import OPEN_MAPPINGS, replace_path
from .policy import Policy
from .scenario import Scenario

__all__ = ["apply_overrides", "dump_yaml", "parse_overrides"]


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> list[tuple[str, Any]]:
    """Parse ``path=value`` pairs from the command line; values are YAML scalars or lists."""
    parsed: list[tuple[str, Any]] = []
    for pair in pairs:
        path, sep, raw = pair.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(f"--set '{pair}': write it as path=value, e.g. terms.B='N/45'")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"--set '{pair}': the value is not valid YAML") from exc
        parsed.append((path.strip(), value))
    return parsed


def dump_yaml(data: Any) -> str:
    """Dump plain data as readable YAML (keys in their given order)."""
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def apply_overrides(scenario: Scenario, policy: Policy, pairs: tuple[str, ...] | list[str]
                    ) -> tuple[Scenario, Policy]:
    """Apply ``path=value`` what-ifs: ``scenario.<path>`` changes the scenario, any other
    path (optionally prefixed ``policy.``) changes the policy."""
    for pair, (path, value) in zip(pairs, parse_overrides(pairs), strict=True):
        try:
            if path.startswith("scenario."):
                scenario = replace_path(scenario, path.removeprefix("scenario."), value,
                                        ScenarioError)
            else:
                policy = replace_path(policy, path.removeprefix("policy."), value, PolicyError)
        except ArsimError as exc:
            raise type(exc)(_override_problem(pair, path, value, exc, scenario, policy)) from exc
    return scenario, policy


def _override_problem(pair: str, path: str, value: Any, exc: ArsimError, scenario: Scenario,
                      policy: Policy) -> str:
    """One line for a --set that failed, with the nearest valid path for a misspelt one."""
    is_scenario = path.startswith("scenario.")
    prefix = "scenario." if is_scenario else "policy." if path.startswith("policy.") else ""
    inner = path.removeprefix(prefix)
    message = str(exc).removeprefix(f"{inner} = {value!r}: ")
    model: Scenario | Policy = scenario if is_scenario else policy
    head = inner.split(".")[0]
    if not prefix and head in Scenario.model_fields and head not in Policy.model_fields:
        # a scenario field written as if it were the policy's
        scenario_path = _nearest_path(scenario.model_dump(mode="json"), inner.split("."))
        return (f"--set {pair}: '{head}' is part of the scenario, not the policy; did you "
                f"mean 'scenario.{scenario_path or inner}'?")
    nearest = _nearest_path(model.model_dump(mode="json"), inner.split("."),
                            extra=() if prefix else ("scenario",))
    if not nearest or nearest == inner:
        return f"--set {pair}: {message}"
    message = re.sub(r" \('[^']*' is not one of: [^)]*\)", "", message)
    return f"--set {pair}: {message}; did you mean '{prefix}{nearest}'?"


def _nearest_path(data: Any, parts: list[str], extra: tuple[str, ...] = ()) -> str | None:
    """The valid dotted path nearest to ``parts`` (each misspelt key replaced), or None."""
    fixed: list[str] = []
    for depth, part in enumerate(parts):
        if isinstance(data, list) and part.lstrip("-").isdigit():
            fixed.append(part)
            data = data[int(part)] if -len(data) <= int(part) < len(data) else None
            continue
        if not isinstance(data, dict):
            return None
        keys = [str(k) for k in data] + list(extra if depth == 0 else ())
        if part not in keys and fixed and fixed[-1] in OPEN_MAPPINGS and depth == len(parts) - 1:
            keys.append(part)  # a new grade in terms, a new payer in payer_mix, ...
        match = [part] if part in keys else difflib.get_close_matches(part, keys, n=1, cutoff=0.5)
        if not match:
            return None
        fixed.append(match[0])
        if match[0] == "scenario" and depth == 0 and "scenario" not in data:
            return ".".join([*fixed, *parts[1:]])
        data = data.get(match[0])
    return ".".join(fixed)
