"""Every command is documented: named in README.md or docs/, with help that has an example."""

from __future__ import annotations

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


@pytest.mark.parametrize("name", ["compare", "report", "sweep"])
def test_new_commands_and_their_options_are_documented(name: str) -> None:
    docs = _docs()
    command = main.commands[name]
    assert "Example: arsim " in (command.help or "")
    for option in _options(command):
        if option not in {"--help"}:
            assert option in docs, f"arsim {name} {option} is not documented"
    assert "--report" in docs and "--lang" in docs
