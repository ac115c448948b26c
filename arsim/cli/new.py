"""`arsim new`: a standalone, commented copy of a scenario to edit.

A trainer copies a shipped file and edits it. Four of the five shipped files extend
default.yaml, so a plain copy depends on a file beside it; ``arsim new`` writes one file that
stands alone: a file that extends nothing is copied as it is (its own comments kept), and
one that extends another is written out merged, each key commented with what it means.
"""

from __future__ import annotations

import textwrap
import typing
from pathlib import Path
from typing import Any, TextIO

import click
import yaml
from pydantic import BaseModel

from arsim import scenarios as shipped
from arsim.reports.export import write_atomic
from arsim.sim.errors import ArsimError
from arsim.sim.loader import load, standalone_data
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

from .run import resolve

__all__ = ["new_command"]

_WIDTH = 100


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation (Optional/Annotated unwrapped), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _dump(value: Any, width: int, flow: bool | None) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=width,
                          default_flow_style=flow).rstrip("\n").removesuffix("\n...")


def _value_lines(key: str, value: Any, indent: str) -> list[str]:
    """``key: value`` as YAML, collections of plain values in flow style ({mean: 1, cv: 0})."""
    width = _WIDTH - len(indent)
    if not isinstance(value, dict | list) or not value:
        text = _dump({key: value}, width, False)
    else:
        inner = _dump(value, width - 2, None)
        if "\n" not in inner and inner[:1] in "{[":
            text = f"{key}: {inner}"
        else:
            text = f"{key}:\n" + "\n".join(f"  {line}" for line in inner.splitlines())
    return [indent + line for line in text.splitlines()]


def _commented(data: dict[str, Any], model: type[BaseModel] | None, indent: str = ""
               ) -> list[str]:
    """YAML lines for a mapping, each key of a known model preceded by its description."""
    lines: list[str] = []
    for key, value in data.items():
        field = model.model_fields.get(key) if model is not None else None
        if field is not None and field.description:
            lines.extend(textwrap.wrap(field.description, _WIDTH, initial_indent=f"{indent}# ",
                                       subsequent_indent=f"{indent}# "))
        inner = _model_of(field.annotation) if field is not None else None
        if key == "policy":
            inner = Policy
        if isinstance(value, dict) and inner is not None:
            lines.append(f"{indent}{key}:")
            lines.extend(_commented(value, inner, indent + "  "))
        else:
            lines.extend(_value_lines(key, value, indent))
    return lines


def _leading_comments(path: Path) -> list[str]:
    """The comment block a file opens with (what it is for, where it comes from)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def standalone_text(source: Path) -> str:
    """The text of a standalone copy of a scenario file."""
    text = source.read_text(encoding="utf-8")
    data = standalone_data(source)
    header = [f"# Made by `arsim new` from {source.name}: edit it, then  arsim run THIS_FILE",
              "#"]
    if "extends" not in yaml.safe_load(text):
        return "\n".join(header) + "\n" + text
    body = _commented(data, Scenario)
    return "\n".join([*header, *_leading_comments(source), "", *body]) + "\n"


@click.command("new")
@click.argument("name")
@click.option("--from", "source", metavar="SCENARIO", default="default", show_default=True,
              help="The scenario to start from: a shipped name or a file.")
def new_command(name: str, source: str) -> None:
    """Write NAME.yaml: a standalone, commented copy of a scenario to edit.

    The copy extends no other file, so it runs from any folder.

    Example: arsim new mine --from ladder_003 && arsim run mine.yaml
    """
    target = Path(name if name.endswith((".yaml", ".yml")) else f"{name}.yaml")
    if target.exists():
        raise ArsimError(f"{target}: already exists; choose another name or remove it first")
    origin = Path(resolve(source))
    if not origin.is_file():
        raise ArsimError(f"--from {source}: no such file or shipped scenario; arsim scenarios "
                         f"lists the shipped ones ({', '.join(shipped.available())})")
    text = standalone_text(origin)
    def write(stream: TextIO) -> None:
        stream.write(text)

    write_atomic(target, write)
    try:
        load(target)
    except ArsimError:
        target.unlink()
        raise
    click.echo(f"wrote {target} (from {origin}); run it with: arsim run {target}", err=True)
