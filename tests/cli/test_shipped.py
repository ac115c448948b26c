"""Shipped scenarios by name: `arsim scenarios`, and `arsim run NAME` from any folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from arsim import scenarios as shipped
from arsim.cli import main


def test_scenarios_lists_every_shipped_file() -> None:
    result = CliRunner().invoke(main, ["scenarios"])
    assert result.exit_code == 0, result.output
    names = shipped.available()
    assert {"default", "ladder_000", "ladder_003", "ladder_004", "backlog"} <= set(names)
    for name in names:
        assert name in result.output
        assert str(shipped.path(name)) in result.output


def test_a_shipped_scenario_runs_by_name_from_anywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "ladder_003"])
    assert result.exit_code == 0, result.output
    assert "ladder-003" in result.output
    missing = CliRunner().invoke(main, ["validate", "no_such_scenario"])
    assert missing.exit_code == 2
    assert "no_such_scenario" in missing.output
