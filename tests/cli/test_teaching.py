"""The teaching pack: listed, shown, commented for a trainer, and every policy runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from report_support import assert_numbers_agree, report_files

from arsim import scenarios as shipped
from arsim.cli import main
from arsim.sim.loader import load_policies
from arsim.sim.policy import check_compatible

ROOT = Path(__file__).resolve().parents[2]
PACK = ["collectors", "credit_standards", "credit_terms", "ladders", "policy_types",
        "rectification"]


def _ok(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_the_pack_is_shipped_and_listed_with_one_line_each() -> None:
    assert shipped.teaching() == PACK
    listing = _ok(["scenarios"]).stdout.splitlines()
    for name in PACK:
        line = next(li for li in listing if li.startswith(f"{name} "))
        scenario, _, _ = load_policies(shipped.path(name))
        assert scenario.description.strip() in line and len(line) < 100


@pytest.mark.parametrize("name", PACK)
def test_each_scenario_is_commented_for_a_trainer(name: str) -> None:
    text = _ok(["scenarios", "show", name]).stdout
    assert text == shipped.path(name).read_text(encoding="utf-8")
    assert text.startswith("# TEACHING PACK") and "For the trainer" in text
    assert f"arsim compare {name}" in text and "# Ask:" in text
    scenario, policy, named = load_policies(shipped.path(name))
    assert len(named) >= 2
    for candidate in (policy, *named.values()):
        check_compatible(scenario, candidate)


@pytest.mark.parametrize("name", PACK)
def test_each_comparison_runs_and_reports_in_both_languages(name: str, tmp_path: Path) -> None:
    """Short and small: one replication, 100 customers a segment, 45 days."""
    scenario, _, named = load_policies(shipped.path(name))
    small = [f"scenario.segments.{i}.customers=100" for i in range(len(scenario.segments))]
    sets = [arg for s in [*small, "scenario.horizon.horizon_days=45",
                          "scenario.horizon.warmup_days=0"] for arg in ("--set", s)]
    result = _ok(["compare", name, "-n", "1", "-j", "1", *sets, "--out", str(tmp_path),
                  "--report", str(tmp_path / "en.html")])
    assert "Paired comparison" in result.stdout and "total cost" in result.stdout
    _ok(["report", str(tmp_path / "comparison.json"), "--lang", "zh"])
    document = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    assert len(document["runs"]) == 1 + len(named)
    for page in (tmp_path / "en.html", tmp_path / "report.zh.html"):
        text, _ = report_files(page)
        assert_numbers_agree(text, document)
        for figure in ("costs", "aging", "cash", "ar_time", "dso"):
            assert f'data-figure="{figure}"' in text, (page, figure)
        if name == "rectification":  # its opening book's cash, apart from new sales'
            cash = text[text.index('data-figure="cash"'):]
            cash = cash[:cash.index("</figure>")]
            label = "opening book, " if page.name == "en.html" else "期初应收账款收回"
            assert label in cash, page


def test_show_refuses_an_unknown_name() -> None:
    result = CliRunner().invoke(main, ["scenarios", "show", "nope"])
    assert result.exit_code == 2 and "no shipped scenario 'nope'" in result.stderr
    assert "rectification" in result.stderr


def test_a_teaching_scenario_runs_by_name() -> None:
    result = _ok(["validate", "ladders"])
    assert "scenario 'ladders'" in result.stdout and "policy 'no ladder'" in result.stdout
