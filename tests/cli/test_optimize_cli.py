"""`arsim sweep` and `arsim optimize`: what they print and write, and every bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

from arsim.cli import main
from arsim.optimizers import study as study_module
from arsim.sim.loader import load

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
sys.path.insert(0, str(ROOT / "tests" / "optimizers"))
from closed_form import closed_form_text  # noqa: E402

SPACE = {"variables": [{"path": "terms.B.discount_rate", "choices": [0, 0.01, 0.02]}],
         "finalists": 3, "indifference_zone": 5000,
         "replications": {"search": 2, "search_max": 4, "select_first": 4, "select_max": 12,
                          "recheck": 4}}


def _invoke(args: list[str]) -> Result:
    # one process: the pool's start-up would cost more than these tiny runs
    if args[0] in ("sweep", "optimize"):
        args = [*args, "--jobs", "1"]
    return CliRunner().invoke(main, args)


def _ok(args: list[str]) -> Result:
    result = _invoke(args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def _fails(args: list[str]) -> str:
    result = _invoke(args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    return result.stderr


@pytest.fixture
def closed_form(tmp_path: Path) -> Path:
    block = {"variables": [{"path": "terms.*.net_days", "low": 30, "high": 90, "step": 5}]}
    path = tmp_path / "closed.yaml"
    path.write_text(closed_form_text(optimize=block), encoding="utf-8")
    return path


@pytest.fixture
def space(tmp_path: Path) -> Path:
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump({"optimize": SPACE}), encoding="utf-8")
    return path


def test_sweep_one_lever_writes_the_table_and_the_plot(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = _ok(["sweep", str(TINY), "--vary", "terms.*.net_days=30:90:30", "-n", "2",
                  "--out", str(out)])
    assert result.stdout.count("<- lowest total") == 1
    assert {p.name for p in out.iterdir()} == {"sweep.csv", "sweep.json", "sweep.png",
                                                "sweep.svg"}
    table = pd.read_csv(out / "sweep.csv")
    assert list(table["terms.*.net_days"]) == [30, 60, 90]
    assert table["bottom"].sum() == 1
    assert table.loc[table["bottom"], "total_cost"].iloc[0] == table["total_cost"].min()
    for part in ("opportunity_cost", "management_cost", "bad_debt_cost", "shortage_cost",
                 "discount_cost"):
        assert (table[f"{part}_low"] <= table[part]).all()
    document = json.loads((out / "sweep.json").read_text())
    assert document["bottom"] == int(table["total_cost"].idxmin())
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (out / "sweep.svg").read_text()


def test_sweep_two_levers_draws_a_heat_map(tmp_path: Path) -> None:
    out = tmp_path / "heat"
    _ok(["sweep", str(TINY), "--vary", "terms.*.net_days=30:60:30", "--vary",
         "collections.collectors=1,2", "-n", "2", "--out", str(out)])
    assert len(pd.read_csv(out / "sweep.csv")) == 4
    assert (out / "sweep.png").stat().st_size > 0


def test_optimize_prints_and_writes_the_best_policy(closed_form: Path, tmp_path: Path) -> None:
    out = tmp_path / "opt"
    result = _ok(["optimize", str(closed_form), "--out", str(out), "--frontier", "dso"])
    assert "Best policy: terms.*.net_days = 60" in result.stdout
    assert "Saving per year: 1,170 (exact: deterministic mode)" in result.stdout
    assert {"journal.jsonl", "optimize.json", "candidates.csv", "best.yaml", "frontier.csv",
            "frontier.png", "frontier.svg"} <= {p.name for p in out.iterdir()}
    _, best = load(out / "best.yaml")
    assert best.terms["B"].notation == "N/60"
    document = json.loads((out / "optimize.json").read_text())
    assert document["winner"]["engine"] == "des"
    assert document["saving"]["significant"] is True
    frontier = pd.read_csv(out / "frontier.csv")
    assert frontier["dso_mean"].is_monotonic_increasing
    assert frontier["total_cost_mean"].is_monotonic_decreasing


def test_ctrl_c_leaves_a_journal_that_resume_finishes(space: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _ok(["optimize", str(TINY), "--space", str(space), "--out",
                 str(tmp_path / "whole")])
    real, calls = study_module.run, {"n": 0}

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    out = tmp_path / "cut"
    with monkeypatch.context() as patch:
        patch.setattr(study_module, "run", interrupted)
        result = _invoke(["optimize", str(TINY), "--space", str(space), "--out", str(out)])
    assert result.exit_code == 130
    assert "continue with --resume" in result.stderr
    resumed = _ok(["optimize", str(TINY), "--space", str(space), "--out", str(out),
                   "--resume"])
    strip = [line for line in whole.stdout.splitlines() if not line.startswith("Search:")]
    assert [line for line in resumed.stdout.splitlines()
            if not line.startswith("Search:")] == strip
    assert "read back from the journal: " in resumed.stdout


def test_optimize_budget_option_is_respected(space: Path) -> None:
    result = _ok(["optimize", str(TINY), "--space", str(space), "--budget", "5"])
    assert "Note: The search stopped: the replication budget is spent" in result.stdout


def test_optimize_time_limit_option_stops_the_search(space: Path) -> None:
    # a limit spent before the search starts: the search stops, and with no finalist there
    # is nothing to re-check; the note says why, in words
    result = _ok(["optimize", str(TINY), "--space", str(space), "--time-limit", "0.000001"])
    assert "Note: The search stopped: the time limit was reached" in result.stdout
    assert "No policy found that meets the constraints." in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["optimize", str(TINY)], "no optimize: block"),
    (["optimize", str(TINY), "--resume"], "--resume needs --out"),
    (["sweep", str(TINY), "--vary", "terms.B.net_days"], "--vary 'terms.B.net_days'"),
    (["sweep", str(TINY), "--vary", "late_penalty.rat=0:1:1"], "late_penalty.rat"),
    (["sweep", str(TINY), "--vary", "terms.*.net_days=1:1000:0.1"], "at most 2,000"),
    # pydantic's rule in words, not the address of its documentation
    (["sweep", str(TINY), "--vary", "terms.*.net_days=90:30:15"],
     "--vary 'terms.*.net_days=90:30:15': high 30 is below low 90"),
    (["sweep", str(TINY), "--vary", "terms.*.net_days=30:90:0"],
     "--vary 'terms.*.net_days=30:90:0': step is 0; it must be above 0"),
    # every value invalid: refused before anything runs, with the first point's reason
    (["sweep", str(TINY), "--vary", "terms.A.net_days=30,60"],
     "no point of the sweep can run (all 2 failed); the first: terms.A: the policy sets no "
     "terms for grade A"),
    (["sweep", str(TINY), "--vary", "terms.B.discount_rate=0.6,0.7"],
     "the first: terms.B.discount_rate = 0.6: terms.B.discounts.0.rate is 0.6 (60%); it must "
     "be below 0.5 (50%)"),
    (["sweep", str(TINY), "--vary", "name=1,2"], "the first: name = 1: name: give text"),
])
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    stderr = _fails(args)
    assert message in stderr and "errors.pydantic.dev" not in stderr


def _figures(line: str) -> list[float]:
    return [float(cell.replace(",", "")) for cell in line.split(" | ")[2:]]


def test_a_sweeps_cost_parts_add_up_to_its_total(tmp_path: Path) -> None:
    # penalty income is subtracted, as arsim run shows it ("less penalty income")
    out = tmp_path / "sweep"
    result = _ok(["sweep", str(TINY), "--vary", "terms.*.net_days=30:90:15", "-n", "2",
                  "--out", str(out)])
    lines = result.stdout.splitlines()
    head = lines[1].split(" | ")
    assert head[-2:] == ["less penalty income", "total"]
    rows = [line.removesuffix("   <- lowest total") for line in lines[2:]]
    assert len(rows) == 5
    for row in rows:  # each figure rounded to the unit: within one per part
        *parts, penalty, total = _figures(row)
        assert abs(sum(parts) - penalty - total) <= len(parts) + 1, row
    document = json.loads((out / "sweep.json").read_text())
    table = pd.read_csv(out / "sweep.csv")
    assert document["cost_parts"][-2:] == ["penalty_income", "total_cost"]
    added = [p for p in document["cost_parts"][:-1] if p != "penalty_income"]
    for point in [*document["points"], *table.to_dict("records")]:
        assert sum(point[p] for p in added) - point["penalty_income"] == pytest.approx(
            point["total_cost"], rel=1e-9)
        assert point["penalty_income"] > 0


def test_a_failed_point_shows_the_levers_value_not_the_policys_form(tmp_path: Path) -> None:
    result = _ok(["sweep", str(TINY), "--vary", "terms.B.discount_rate=0.02,0.6", "-n", "1"])
    assert ("0.6 | failed: terms.B.discount_rate = 0.6: terms.B.discounts.0.rate is 0.6 "
            "(60%); it must be below 0.5 (50%)") in result.stdout
    assert "{" not in result.stdout and result.stdout.count("<- lowest total") == 1


def _space_file(tmp_path: Path, choices: list[float], **more: Any) -> Path:
    spec = {**SPACE, "variables": [{"path": "terms.B.discount_rate", "choices": choices}],
            **more}
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump({"optimize": spec}), encoding="utf-8")
    return path


def test_an_optimisation_with_no_valid_candidate_is_refused(tmp_path: Path) -> None:
    message = _fails(["optimize", str(TINY), "--space", str(_space_file(tmp_path, [0.6, 0.7]))])
    assert ("none of the 2 candidates of the space is a valid policy; the first: "
            "terms.B.discount_rate = 0.6: terms.B.discounts.0.rate is 0.6 (60%)") in message


def test_an_optimisation_says_how_many_candidates_were_invalid_and_why(tmp_path: Path) -> None:
    out = tmp_path / "opt"
    space = _space_file(tmp_path, [0.01, 0.6])
    result = _ok(["optimize", str(TINY), "--space", str(space), "--out", str(out),
                  "--report", str(out / "report.html"), "--lang", "zh"])
    assert "3 candidates (1 not a valid policy);" in result.stdout
    assert ("Note: Not valid policies, left out: 1 of the 2 candidates the search looked at; "
            "the first: terms.B.discount_rate = 0.6: terms.B.discounts.0.rate is 0.6 (60%)"
            ) in result.stdout
    document = json.loads((out / "optimize.json").read_text())
    assert {"code": "invalid_candidates", "count": 1, "total": 2}.items() <= (
        document["notes"][0].items())
    assert "搜索考察的 2 个候选政策中有 1 个不是有效政策" in (out / "report.md").read_text()


def test_the_printout_states_the_level_and_sets_like_beside_like(tmp_path: Path) -> None:
    space = _space_file(tmp_path, [0, 0.01, 0.02], confidence=0.9)
    lines = _ok(["optimize", str(TINY), "--space", str(space)]).stdout.splitlines()
    assert ("Re-check on fresh seeds: each figure is the mean ± the half-width of its 90% "
            "interval") in lines
    saving = next(line for line in lines if line.startswith("Saving per year"))
    assert "(90% interval" in saving
    # the runner-ups under the best policy's figure from the same stage and seeds
    stage = next(i for i, line in enumerate(lines) if line.startswith("Selection stage"))
    assert "not the re-check's fresh seeds" in lines[stage] and "90% interval" in lines[stage]
    assert lines[stage + 1].startswith("Best policy, same stage: ")
    assert "(selection, des, " in lines[stage + 1]
    assert lines[stage + 2].startswith("Runner-up 1: ")


def test_a_misspelt_key_in_the_block_names_the_nearest(tmp_path: Path) -> None:
    text = TINY.read_text() + "optimize:\n  variables: [{path: terms.B.net_days, low: 30, " \
        "high: 60, step: 15}]\n  finalist: 3\n"
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    line = text.count("\n")
    message = _fails(["validate", str(path)])
    assert f"{path}:{line}: unknown key 'optimize.finalist'; did you mean 'finalists'?" in message


def test_a_misspelt_kpi_names_the_nearest(space: Path, tmp_path: Path) -> None:
    spec = {**SPACE, "constraints": ["dos <= 40"]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert "did you mean 'dso'?" in _fails(["optimize", str(TINY), "--space", str(path)])


def test_a_space_file_error_has_its_line(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text("variables:\n  - path: terms.B.net_days\n    low: 60\n    high: 30\n")
    message = _fails(["optimize", str(TINY), "--space", str(path)])
    assert f"{path}:2:" in message and "high 30 is below low 60" in message


def test_a_sweep_where_no_point_can_run_is_refused(tmp_path: Path) -> None:
    # a deterministic scenario with patterns for N/30 ... N/90 in steps of 10 only
    path = tmp_path / "gaps.yaml"
    path.write_text(closed_form_text(net_days=range(30, 95, 10)), encoding="utf-8")
    out = tmp_path / "sweep"
    message = _fails(["sweep", str(path), "--vary", "terms.*.net_days=35,45", "--out",
                      str(out)])
    assert "no point of the sweep can run (all 2 failed); the first: " in message
    assert not out.exists()
