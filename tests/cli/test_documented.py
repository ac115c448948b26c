"""Every command is documented (named in README.md or docs/, with help that has an example,
and every option named there), and every option is used by some test."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from arsim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _docs() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def _options(command: click.Command) -> list[str]:
    return [name for p in command.params if isinstance(p, click.Option)
            for name in p.opts if name.startswith("--")]


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_documented(name: str) -> None:
    assert f"arsim {name}" in _docs(), f"arsim {name} is in neither README.md nor docs/"
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0 and "arsim " in result.output


def _leaves(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every command that runs (``calc switch``, not ``calc``), by its full name."""
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found += _leaves(command, f"{full} ")
            if command.invoke_without_command:  # `arsim scenarios` lists, on its own
                found.append((full, command))
        else:
            found.append((full, command))
    return found


LEAVES = dict(_leaves(main))


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_every_command_and_its_options_are_documented(name: str) -> None:
    command = LEAVES[name]
    docs = _docs()
    assert f"arsim {name}" in docs, f"arsim {name} is in neither README.md nor docs/"
    assert "Example: arsim " in (command.help or ""), f"arsim {name}: no example in its help"
    for option in _options(command):
        if option != "--help":
            assert option in docs, f"arsim {name} {option} is not documented"


@cache
def _test_words() -> frozenset[str]:
    """Every word of every string literal in the tests: the arguments they invoke with."""
    words: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words.update(re.split(r"[\s=]+", node.value))
    return frozenset(words)


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_every_option_is_used_by_a_test(name: str) -> None:
    """A guard, not a proof: each option (by any of its names) appears as an argument in some
    test, so an option added without a test fails here."""
    used = _test_words()
    for param in LEAVES[name].params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            names = [*param.opts, *param.secondary_opts]
            assert any(n in used for n in names), f"arsim {name} {names[0]}: no test uses it"
