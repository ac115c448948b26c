"""`make run` installs only what running needs; `make test` adds the developer extras; both
work from nothing (issue 16: the first `make run` installed mypy, ruff, Hypothesis, Dask)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _plan(tmp_path: Path, target: str) -> list[str]:
    """The commands `make TARGET` would run in a fresh clone (no .venv yet), not run."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "sim").mkdir()
    done = subprocess.run(["make", "--no-print-directory", "-n", target], cwd=tmp_path,
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.splitlines()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed here")
def test_make_run_installs_only_what_running_needs(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "run")
    installs = [line for line in plan if "pip install" in line]
    assert plan[0].endswith("-m venv .venv")
    assert installs == [".venv/bin/python -m pip install --quiet -e ."]
    assert plan[-1] == ".venv/bin/arsim run scenarios/default.yaml"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed here")
def test_make_test_installs_the_developer_extras_from_nothing(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "test")
    installs = [line for line in plan if "pip install" in line]
    assert plan[0].endswith("-m venv .venv")
    assert installs == [".venv/bin/python -m pip install --quiet -e .",
                        ".venv/bin/python -m pip install --quiet -e '.[dev]'"]
    assert any("pytest" in line for line in plan)


def test_the_dev_extras_are_not_needed_to_run() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    dependencies = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    for tool in ("pytest", "hypothesis", "ruff", "mypy", "dask"):
        assert tool not in dependencies.lower()
