"""A credit policy in a file of its own, as `arsim compare --policy FILE` reads it."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import ScenarioError
from .loader import Loc, _compose, _line_map, _merge, _read, _validate
from .policy import Policy

__all__ = ["load_policy"]


def load_policy(path: str | Path, base: Policy) -> Policy:
    """Read a policy file: the policy's keys at the top level, or a scenario file's ``policy:``.

    Like an entry of a scenario's ``policies:``, the file states what differs from ``base``
    (normally the scenario's policy), merged the way ``extends`` merges; a file that states
    every key is a whole policy. Errors name the file and line, as for scenario files.

    Raises:
        ScenarioError: The file is missing, malformed or not a valid policy.
    """
    file = Path(path)
    text = _read(file)
    root = _compose(text, str(file))
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ScenarioError(f"{file}: a policy file must be a mapping of keys to values")
    lines = _line_map(root, str(file))
    prefix: Loc = ()
    if "policy" in data and isinstance(data["policy"], dict):
        data, prefix = data["policy"], ("policy",)
    merged = _merge(base.model_dump(mode="json"), data)
    return _validate(Policy, merged, prefix, lines, str(file))
