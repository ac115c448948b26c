"""YAML scenario files -> validated (Scenario, Policy), with errors a CFO can act on.

A scenario file holds the scenario's keys at the top level and the credit policy under
``policy:``. ``extends: other.yaml`` starts from another file and changes only what this one
states (mappings merge key by key; lists and values replace). Every problem becomes one
:class:`ScenarioError` whose message names the file, the
line, the key path and, for a misspelt key, the nearest valid key.

An optional ``policies:`` mapping names alternative policies for ``arsim compare``
(:func:`load_policies`); sim/policy_file.py reads a policy given in a file of its own.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ScenarioError
from .opening_ledger import check_opening_ledger
from .optimize_spec import OptimizeSpec
from .overrides import apply_overrides, dump_yaml, parse_overrides
from .policy import Policy
from .scenario import LocatedValueError, Scenario
from .wording import describe

__all__ = ["SHIPPED_DIR", "apply_overrides", "dump_yaml", "load", "load_optimize",
           "load_policies", "load_space", "load_text", "parse_overrides", "scenario_file",
           "shipped_names", "standalone_data"]

Loc = tuple[str | int, ...]


def scenario_file(path: str | Path) -> Path:
    """The file to load: `path` itself, or, where no such file exists and it is a bare name,
    the scenario of that name that ships with arsim (``"default"``, ``"ladder_004"``, a
    teaching-pack name such as ``"ladders"``), as `arsim run NAME` finds it: so that a
    notebook outside the repository loads them too."""
    file = Path(path)
    if file.exists() or len(file.parts) != 1:
        return file
    name = file.name.removesuffix(".yaml")
    for folder in (SHIPPED_DIR, SHIPPED_DIR / "teaching"):
        if (folder / f"{name}.yaml").is_file():
            return folder / f"{name}.yaml"
    return file


def load(path: str | Path) -> tuple[Scenario, Policy]:
    """Load and validate a scenario file.

    Args:
        path: The YAML file, or the name of a scenario that ships with arsim (scenario_file).

    Returns:
        The scenario and its policy.

    Raises:
        ScenarioError: The file is missing, malformed or describes an impossible scenario.
    """
    loaded = _load_file(scenario_file(path), ())
    return loaded.scenario, loaded.policy


def load_optimize(path: str | Path) -> tuple[Scenario, Policy, OptimizeSpec | None]:
    """Load a scenario file with its optional `optimize:` block (see `arsim optimize`)."""
    loaded = _load_file(scenario_file(path), ())
    return loaded.scenario, loaded.policy, loaded.optimize


def load_space(path: str | Path) -> OptimizeSpec:
    """Load an optimisation space file: an `optimize:` block, or its keys at the top level."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{file}: cannot read the space file ({exc})") from exc
    lines = _line_map(_compose(text, str(file)), str(file))
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ScenarioError(f"{file}: a space file must be a mapping with 'variables'")
    if "optimize" in data:
        return _validate(OptimizeSpec, data["optimize"], ("optimize",), lines, str(file))
    return _validate(OptimizeSpec, data, (), lines, str(file))


def load_policies(path: str | Path) -> tuple[Scenario, Policy, dict[str, Policy]]:
    """A scenario file with its named alternative policies (``policies:``), in file order.

    Each entry states what differs from ``policy:``, merged as ``extends`` merges, and is
    validated like ``policy:`` (errors raise ScenarioError with the file and line).
    """
    loaded = _load_file(scenario_file(path), ())
    return loaded.scenario, loaded.policy, loaded.policies


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{file}: cannot read the file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"{file}:{line}: the file is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8"
        ) from exc


class Loaded(NamedTuple):
    """A scenario file's contents: the scenario, its policy, its optional `optimize:` block
    and its named alternative policies (`policies:`)."""

    scenario: Scenario
    policy: Policy
    optimize: OptimizeSpec | None
    policies: dict[str, Policy]


def _load_file(file: Path, seen: tuple[Path, ...]) -> Loaded:
    return _load_text(_read(file), str(file), file.parent, (*seen, file.resolve()))


def load_text(
    text: str, source: str = "<scenario>", base_dir: Path | None = None
) -> tuple[Scenario, Policy]:
    """Validate a scenario given as YAML text (see :func:`load`)."""
    loaded = _load_text(text, source, base_dir, ())
    return loaded.scenario, loaded.policy


def _load_text(text: str, source: str, base_dir: Path | None, seen: tuple[Path, ...]) -> Loaded:
    root = _compose(text, source)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario file must be a mapping of keys to values")
    lines = _line_map(root, source)
    if "extends" in data:
        data = _extend(data, source, base_dir, lines, seen)
    policy_data = data.pop("policy", None)
    if policy_data is None:
        raise ScenarioError(f"{source}: missing key 'policy' (the credit policy to simulate)")
    optimize_data = data.pop("optimize", None)
    named = data.pop("policies", None) or {}
    scenario = _validate(Scenario, data, (), lines, source)
    policy = _validate(Policy, policy_data, ("policy",), lines, source)
    # validated whenever the file is read, so that `arsim validate` catches its mistakes too
    spec = (None if optimize_data is None
            else _validate(OptimizeSpec, optimize_data, ("optimize",), lines, source))
    policies = _named_policies(named, policy_data, lines, source)
    if scenario.opening_book and scenario.opening_book.ledger_csv and base_dir is not None:
        book_path = (base_dir / scenario.opening_book.ledger_csv).resolve()
        if not book_path.is_file():
            loc = ("opening_book", "ledger_csv")
            raise ScenarioError(f"{source}:{_nearest_line(loc, lines)}: opening_book.ledger_csv: "
                                f"no such file {str(book_path)!r}")
        check_opening_ledger(book_path, [segment.name for segment in scenario.segments])
        book = scenario.opening_book.model_copy(update={"ledger_csv": str(book_path)})
        scenario = scenario.model_copy(update={"opening_book": book})
    return Loaded(scenario, policy, spec, policies)


def _named_policies(named: Any, base: dict[str, Any], lines: dict[Loc, int],
                    source: str) -> dict[str, Policy]:
    """The ``policies:`` entries, each merged over the file's ``policy:`` and validated."""
    if not isinstance(named, dict) or not all(isinstance(v, dict) for v in named.values()):
        line = lines.get(("policies",), "?")
        raise ScenarioError(f"{source}:{line}: policies: give a mapping of names to policies "
                            "(what differs from policy:), e.g. {n60: {terms: {B: N/60}}}")
    # a named policy is called by its key unless it states a name of its own
    return {str(key): _validate(Policy, _merge({**base, "name": str(key)}, changes),
                                ("policies", str(key)), lines, source)
            for key, changes in named.items()}


def _extend(data: dict[str, Any], source: str, base_dir: Path | None, lines: dict[Loc, int],
            seen: tuple[Path, ...]) -> dict[str, Any]:
    """Merge a file's keys over the file it extends (which must itself be valid)."""
    name = data.pop("extends")
    line = lines.get(("extends",), "?")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{source}:{line}: extends: give the file to start from, "
                            "e.g. extends: default.yaml")
    path = _extended_file(name, base_dir)
    if path is None:
        tried = ((base_dir or Path.cwd()) / name).resolve()
        raise ScenarioError(f"{source}:{line}: extends: no such file {str(tried)!r}, nor a "
                            f"shipped scenario of that name ({', '.join(shipped_names())})")
    if path in seen:
        raise ScenarioError(f"{source}:{line}: extends: {name} extends itself in a loop")
    # the base must stand on its own: its errors are reported in its own file
    _load_file(path, seen)
    base_text = path.read_text(encoding="utf-8")
    base = yaml.safe_load(base_text)
    if "extends" in base:
        base_lines = _line_map(_compose(base_text, str(path)), str(path))
        base = _extend(base, str(path), path.parent, base_lines, (*seen, path))
    return _merge(base, data)


#: The scenarios that ship with arsim. The loader finds them by place, not by import (sim/
#: imports nothing else from arsim): sim/ and scenarios/ are siblings both in the source
#: tree and once installed (arsim/sim, arsim/scenarios); a test checks that this is the
#: folder arsim.scenarios names.
SHIPPED_DIR = Path(__file__).resolve().parents[1] / "scenarios"


def shipped_names() -> list[str]:
    """The names of the shipped scenarios (``default``, ``ladder_003``, ...)."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def _extended_file(name: str, base_dir: Path | None) -> Path | None:
    """The file ``extends: name`` means: beside the extending file first, else the shipped
    scenario of that name (so that a copy of a shipped file works from any folder)."""
    near = (base_dir or Path.cwd()) / name
    for candidate in (near, near.with_name(near.name + ".yaml")):
        if candidate.is_file():
            return candidate.resolve()
    stem = name.removesuffix(".yaml")
    if "/" not in stem and "\\" not in stem and stem in shipped_names():
        return (SHIPPED_DIR / f"{stem}.yaml").resolve()
    return None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in `over` replaces what `base` had."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


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
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start is not None and (mark is None or start.line != mark.line):
            problem += f" ({context} that starts on line {start.line + 1})"
        raise ScenarioError(f"{source}{where}: malformed YAML: {problem}") from exc


def _line_map(node: yaml.Node | None, source: str, loc: Loc = ()) -> dict[Loc, int]:
    """Map every key path in the document to its 1-based line; refuse a key given twice."""
    lines: dict[Loc, int] = {}
    if node is None:
        return lines
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if (*loc, key) in lines:
                path = ".".join(str(p) for p in (*loc, key))
                raise ScenarioError(
                    f"{source}:{line}: key '{path}' is given twice (first on line "
                    f"{lines[(*loc, key)]}); keep one"
                )
            lines[(*loc, key)] = line
            lines.update({k: v for k, v in _line_map(value_node, source, (*loc, key)).items()
                          if k != (*loc, key)})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, source, (*loc, index)))
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
    error = next((e for e in errors if e["type"] == "extra_forbidden"
                  or "[key]" in e["loc"]), errors[0])
    loc = _document_loc(error["loc"], prefix, lines)
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, LocatedValueError):
        loc = (*loc, *cause.where)
    full = (*prefix, *loc)
    line = _nearest_line(full, lines)
    where = f"{source}:{line}" if line else source
    path = ".".join(str(p) for p in full) or "(top level)"
    if error["type"] == "extra_forbidden":
        valid = _fields_at(model, loc[:-1])
        return f"{where}: unknown key '{path}'{_hint(str(loc[-1]), valid)}"
    choices = _expected(error)
    if "[key]" in error["loc"]:
        return f"{where}: unknown key '{path}'{_hint(str(loc[-1]), choices)}"
    if error["type"] == "missing":
        return f"{where}: missing key '{path}'"
    value = error.get("input")
    suggestion = _hint(str(value), choices, listing=False) if isinstance(value, str) else ""
    if error["type"] != "value_error":
        return f"{where}: {describe(path, error)}{suggestion}"
    message = str(error["msg"]).removeprefix("Value error, ")
    shown = ("" if isinstance(value, dict | list) or value is None or repr(value) in message
             or f"'{value}'" in message else f" (got {value!r})")
    return f"{where}: {path}: {message}{shown}{suggestion}"


def _hint(word: str, valid: list[str], listing: bool = True) -> str:
    """'; did you mean X?' for the nearest valid name, else the list of valid names."""
    hint = difflib.get_close_matches(word, valid, n=1, cutoff=0.5)
    if hint:
        return f"; did you mean '{hint[0]}'?"
    return f" (valid keys: {', '.join(valid)})" if listing and valid else ""


def _expected(error: Any) -> list[str]:
    """The allowed words of an enum or literal error, e.g. ['on_time', 'reminded', ...]."""
    if error["type"] not in {"enum", "literal_error"}:
        return []
    return re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))


def _document_loc(raw: tuple[str | int, ...], prefix: Loc, lines: dict[Loc, int]) -> Loc:
    """The error location as the user wrote it: pydantic's union and key tags removed.

    A part that names a key of the document is kept even if it looks like a tag (the grade
    keys 'A'..'D' of ``terms`` do).
    """
    kept: list[str | int] = []
    for part in raw:
        if _is_union_tag(part) and (*prefix, *kept, part) not in lines:
            continue
        kept.append(part)
    return tuple(kept)


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type's name to the location inside unions, and '[key]' to
    # errors in a mapping's key
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


def standalone_data(path: str | Path) -> dict[str, Any]:
    """A scenario file's keys with whatever it extends merged in: one file's worth of data.

    Raises:
        ScenarioError: As :func:`load` does (the data is validated first).
    """
    file = Path(path)
    load(file)
    text = file.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    if "extends" in data:
        lines = _line_map(_compose(text, str(file)), str(file))
        data = _extend(data, str(file), file.parent, lines, (file.resolve(),))
    return data
