"""Scenarios a trainer copies (issue 16): copies that run from any folder, ``arsim new``,
a shipped name misspelt, and bare ``arsim``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from arsim import scenarios as shipped
from arsim.cli import main
from arsim.sim.loader import SHIPPED_DIR, load

EXTENDING = [n for n in shipped.available()
             if "extends" in yaml.safe_load(shipped.path(n).read_text(encoding="utf-8"))]


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def test_the_loader_finds_the_shipped_folder_arsim_ships() -> None:
    assert shipped.path("default").parent.resolve() == SHIPPED_DIR


def test_four_shipped_files_extend_another() -> None:
    assert len(EXTENDING) >= 4  # what made a plain copy fail


@pytest.mark.parametrize("name", EXTENDING)
def test_a_copied_shipped_file_runs_from_any_folder(tmp_path: Path, name: str) -> None:
    copy = tmp_path / "mine.yaml"
    shutil.copy(shipped.path(name), copy)
    assert load(copy) == load(shipped.path(name))


@pytest.mark.parametrize("written", ["default", "default.yaml"])
def test_extends_a_shipped_name(tmp_path: Path, written: str) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(f"extends: {written}\nname: mine\n", encoding="utf-8")
    scenario, policy = load(mine)
    default_scenario, default_policy = load(shipped.path("default"))
    assert scenario.name == "mine"
    assert policy == default_policy
    assert scenario.segments == default_scenario.segments


def test_a_file_beside_comes_before_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "default.yaml").write_text(
        shipped.path("default").read_text(encoding="utf-8").replace("name: default",
                                                                     "name: local"),
        encoding="utf-8")
    (tmp_path / "mine.yaml").write_text("extends: default.yaml\n", encoding="utf-8")
    assert load(tmp_path / "mine.yaml")[0].name == "local"


def test_extends_nothing_known_lists_the_shipped_names(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("extends: defalt\n", encoding="utf-8")
    result = _invoke(["validate", str(tmp_path / "mine.yaml")])
    assert result.exit_code == 2
    assert "nor a shipped scenario of that name (backlog, default," in result.stderr


@pytest.mark.parametrize("origin", shipped.available())
def test_new_writes_a_standalone_commented_copy(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                origin: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke(["new", "mine", "--from", origin])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "mine.yaml").read_text(encoding="utf-8")
    assert "extends" not in yaml.safe_load(text)
    assert text.count("\n#") >= 5  # commented
    assert load(tmp_path / "mine.yaml") == load(shipped.path(origin))


def test_new_copy_runs_like_its_origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _invoke(["new", "trainer", "--from", "ladder_003"]).exit_code == 0
    args = ["-n", "1", "--json", "--set", "scenario.horizon.horizon_days=60",
            "--set", "scenario.horizon.warmup_days=0"]
    copy = _invoke(["run", "trainer.yaml", *args])
    origin = _invoke(["run", "ladder_003", *args])
    assert json.loads(copy.stdout)["summary"] == json.loads(origin.stdout)["summary"]


def test_new_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("mine", encoding="utf-8")
    result = _invoke(["new", "mine"])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert (tmp_path / "mine.yaml").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(("typed", "meant"), [("ladder003", "ladder_003"),
                                              ("defualt", "default")])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_misspelt_shipped_name_suggests_the_name(command: str, typed: str,
                                                   meant: str) -> None:
    result = _invoke([command, typed])
    assert result.exit_code == 2
    assert f"did you mean the shipped scenario '{meant}'?" in result.stderr


def test_bare_arsim_prints_its_help() -> None:
    result = _invoke([])
    assert result.exit_code == 0
    assert "Commands:" in result.stdout
    assert "new" in result.stdout
    assert result.stderr == ""
