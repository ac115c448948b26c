"""YAML scenario files -> validated (Scenario, Policy), with errors a CFO can act on.

A scenario file holds the scenario's keys at the top level and the credit policy under
``policy:``. Every problem becomes one :class:`ScenarioError` whose message names the file, the
line, the key path and, for a misspelt key, the nearest valid key.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import PolicyError, ScenarioError
from .paths import replace_path
from .policy import Policy
from .scenario import Scenario

__all__ = ["apply_overrides", "dump_yaml", "load", "load_text", "parse_overrides"]

Loc = tuple[str | int, ...]


def load(path: str | Path) -> tuple[Scenario, Policy]:
    """Load and validate a scenario file.

    Args:
        path: The YAML file.

    Returns:
        The scenario and its policy.

    Raises:
        ScenarioError: The file is missing, malformed or describes an impossible scenario.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{file}: cannot read the scenario file ({exc.strerror})") from exc
    return load_text(text, source=str(file), base_dir=file.parent)


def load_text(
    text: str, source: str = "<scenario>", base_dir: Path | None = None
) -> tuple[Scenario, Policy]:
    """Validate a scenario given as YAML text (see :func:`load`)."""
    root = _compose(text, source)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario file must be a mapping of keys to values")
    lines = _line_map(root)
    policy_data = data.pop("policy", None)
    if policy_data is None:
        raise ScenarioError(f"{source}: missing key 'policy' (the credit policy to simulate)")
    scenario = _validate(Scenario, data, (), lines, source)
    policy = _validate(Policy, policy_data, ("policy",), lines, source)
    if scenario.opening_book and scenario.opening_book.ledger_csv and base_dir is not None:
        book_path = (base_dir / scenario.opening_book.ledger_csv).resolve()
        book = scenario.opening_book.model_copy(update={"ledger_csv": str(book_path)})
        scenario = scenario.model_copy(update={"opening_book": book})
    return scenario, policy


def _compose(text: str, source: str) -> yaml.Node | None:
    """Parse to a node tree (for line numbers), refusing aliases before building anything."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise ScenarioError(
                    f"{source}:{line}: YAML aliases (*{event.anchor}) are not allowed; "
                    "write the values out"
                )
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{source}{where}: malformed YAML: {problem}") from exc


def _line_map(node: yaml.Node | None, loc: Loc = ()) -> dict[Loc, int]:
    """Map every key path in the document to its 1-based line."""
    lines: dict[Loc, int] = {}
    if node is None:
        return lines
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            lines.update({k: v for k, v in _line_map(value_node, (*loc, key)).items()
                          if k != (*loc, key)})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, (*loc, index)))
    return lines


M = typing.TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: Any, prefix: Loc, lines: dict[Loc, int], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc, model, prefix, lines, source)) from exc


def _describe(
    exc: ValidationError, model: type[BaseModel], prefix: Loc, lines: dict[Loc, int], source: str
) -> str:
    """Turn the most telling validation error into one line: file:line: path: message.

    A misspelt key shows as an unknown key and a missing one; the unknown key, with its
    nearest valid name, is the one that tells the user what to fix.
    """
    errors = exc.errors()
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
    full = (*prefix, *loc)
    line = _nearest_line(full, lines)
    where = f"{source}:{line}" if line else source
    path = ".".join(str(p) for p in full) or "(top level)"
    if error["type"] == "extra_forbidden":
        valid = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.5)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        listing = f" (valid keys: {', '.join(valid)})" if not hint and valid else ""
        return f"{where}: unknown key '{path}'{suggestion}{listing}"
    if error["type"] == "missing":
        return f"{where}: missing key '{path}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = "" if isinstance(value, dict | list) or value is None else f" (got {value!r})"
    return f"{where}: {path}: {message}{shown}"


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type's name to the location inside unions
    return isinstance(part, str) and (part[:1].isupper() or "[" in part or part in {
        "float", "int", "str", "none", "bool", "function-after", "tuple"})


def _nearest_line(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names of the model found at a location (for 'did you mean')."""
    current: Any = model
    for part in loc:
        current = _inner_model(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return None if field is None else _unwrap(field.annotation)
    # containers: a dict value, a tuple/list item
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return _unwrap(args[-1]) if args else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated so the model class underneath shows."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


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
    for path, value in parse_overrides(pairs):
        if path.startswith("scenario."):
            scenario = replace_path(scenario, path.removeprefix("scenario."), value,
                                    ScenarioError)
        else:
            policy = replace_path(policy, path.removeprefix("policy."), value, PolicyError)
    return scenario, policy
