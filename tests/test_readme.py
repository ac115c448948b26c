"""Every example in the README runs, and what the README says it prints, it prints.

- ```console blocks: each `$ arsim ...` line runs (in a scratch copy of the project's
  scenarios); the lines after it, up to the next `$`, must appear in its output, and a
  command shown printing `arsim: error:` must exit with code 2, any other with 0.
- a ```text block right after a console block with one command lists lines of that
  command's output (`...` marks omitted lines): each must appear in it, figures included.
  The engine is deterministic, so the figures in the README are the figures a user gets.
  A ```text figures-vary block is checked the same way with every figure masked: its
  labels, units and layout must be printed, its figures are an example's, taken when it was
  written (for output whose figures move with every change to the model, such as the
  optimiser's on the default scenario, which no test pins).
- ```python blocks run in order in one namespace; their own asserts must hold.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from arsim.cli import main

ROOT = Path(__file__).parents[1]
BLOCK = re.compile(r"```(\w+)( figures-vary)?\n(.*?)```", re.S)
#: A figure: digits with thousands commas, a decimal part, a sign, a unit of percent.
FIGURE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?%?")


def _blocks() -> list[tuple[str, str]]:
    """(kind, body) of every fenced block; a figures-vary text block's kind is 'vary'."""
    found = BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    return [("vary" if vary and kind == "text" else kind, body) for kind, vary, body in found]


def _masked(line: str) -> str:
    """The line with every figure a '#' and every run of spaces one space (a column's
    padding depends on the width of its figures)."""
    return " ".join(FIGURE.sub("#", line).split())


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "tests" / "data", tmp_path / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _commands(block: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each `$ ` line of a console block."""
    found: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found and line.strip():
            found[-1][1].append(line.strip())
    return found


def _run(command: str) -> tuple[int, str]:
    args = shlex.split(command)
    assert args[0] == "arsim", f"README console examples run arsim only: {command}"
    result = CliRunner().invoke(main, args[1:])
    return result.exit_code, result.stdout + result.stderr


def test_readme_has_examples() -> None:
    kinds = [kind for kind, _ in _blocks()]
    assert kinds.count("console") >= 3 and kinds.count("python") >= 1


def test_readme_console_examples_run_and_print_what_the_readme_shows(project: Path) -> None:
    blocks = _blocks()
    ran = 0
    for i, (kind, body) in enumerate(blocks):
        if kind != "console":
            continue
        commands = _commands(body)
        outputs = []
        for command, expected in commands:
            if not command.startswith("arsim"):
                continue  # `make run` and friends: the set-up the suite itself runs under
            code, output = _run(command)
            wants_error = any(line.startswith("arsim: error:") for line in expected)
            assert code == (2 if wants_error else 0), f"{command}\n{output}"
            for line in expected:
                assert line in output, f"{command}: README shows {line!r}, got:\n{output}"
            outputs.append(output)
            ran += 1
        follow = blocks[i + 1] if i + 1 < len(blocks) else None
        if follow and follow[0] in ("text", "vary") and len(outputs) == 1:
            shown = str.strip if follow[0] == "text" else _masked
            printed = {shown(line) for line in outputs[0].splitlines()}
            for line in follow[1].splitlines():
                if line.strip() and line.strip() != "...":
                    assert shown(line) in printed, f"README shows {line!r}, not printed"
    assert ran >= 6
    assert any(kind == "vary" for kind, _ in blocks)
    assert (project / "results" / "ladder_004" / "ledger.csv").is_file()


def test_masking_keeps_the_words_and_hides_every_figure() -> None:
    assert _masked("  saving per year: 1,234,567 ± 8.5% (-3 .. +4)") == (
        "saving per year: # ± # (# .. #)")
    assert _masked("  cost     1,234,567 ± 5") == _masked("  cost  34,567 ± 51,000")
    assert _masked("terms.A.net_days = 45") == _masked("terms.A.net_days = 90")
    assert _masked("KN among 5 finalists") != _masked("KN among 5 candidates")


def test_readme_python_examples_run(project: Path) -> None:
    namespace: dict[str, object] = {}
    code = [body for kind, body in _blocks() if kind == "python"]
    assert code
    for body in code:
        exec(compile(body, "README.md", "exec"), namespace)
