"""`arsim compare`: policies on common random numbers, saved runs, files written, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from report_support import assert_numbers_agree, report_files
from support import cli_fails, cli_ok

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
NAMED = ROOT / "tests" / "data" / "tiny_policies.yaml"

_ok, _fails = cli_ok, cli_fails


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """The tiny scenario's policy against its two named ones, with --out and --report."""
    out = tmp_path_factory.mktemp("compare") / "out"
    # (four replications: with two, the t interval on one degree of freedom marks only
    # differences far beyond the replications' spread)
    result = _ok(["compare", str(NAMED), "-n", "4", "--out", str(out), "--report",
                  str(out / "report.html"), "--lang", "zh"])
    return out, result


def test_named_policies_are_compared_on_common_seeds(compared: tuple[Path, Result]) -> None:
    out, result = compared
    text = result.stdout
    assert "Paired comparison" in text and "3 policies" in text
    assert "n60 − tiny policy" in text and "no ladder − tiny policy" in text
    assert "total cost" in text and "DSO, average method" in text
    document = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert document["paired"] and [r["label"] for r in document["runs"]] == [
        "tiny policy", "n60", "no ladder"]
    seeds = [r["seeds"] for r in document["runs"]]
    assert seeds[0] == seeds[1] == seeds[2] and len(seeds[0]) == 4
    # each run's files are kept for its plots, and each run's summary is its result.json's
    for i, run in enumerate(document["runs"]):
        saved = json.loads((out / run["source"]).read_text(encoding="utf-8"))
        assert saved["summary"] == document["documents"][i]["summary"]
        assert (out / run["source"]).with_name("aging.csv").is_file()
    assert (out / "comparison.csv").is_file()
    # a significant difference is marked in the console and in the files alike
    marked = {m["metric"] for m in document["metrics"] if m["runs"][2]["significant"]}
    assert "actions_reminder" in marked  # no ladder sends no reminders
    line = next(li for li in text.splitlines() if li.strip().startswith("reminders"))
    assert line.rstrip().endswith("*")


def test_the_comparison_report_shows_comparison_json(compared: tuple[Path, Result]) -> None:
    out, _ = compared
    page, md = report_files(out / "report.html")
    document = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    checked = assert_numbers_agree(page, document)
    assert checked >= len(document["metrics"]) * 7  # 3 means, 2 differences with their ±
    assert "配对比较" in page and "机会成本" in page and "月末逾期应收账款" in page
    for figure in ("costs", "aging", "cash", "ar_time", "dso"):
        assert f'data-figure="{figure}"' in page
    assert "data:image/svg+xml;base64," in md and "| 机会成本 |" in md


def test_report_renders_a_saved_comparison(compared: tuple[Path, Result], tmp_path: Path) -> None:
    out, _ = compared
    target = tmp_path / "again.html"
    _ok(["report", str(out / "comparison.json"), "--out", str(target)])
    page, _ = report_files(target)
    assert "Policy comparison: tiny" in page and 'data-figure="aging"' in page
    assert "Every number here is in comparison.json and the files of the runs" in page
    assert "Every number here is in result.json" not in page
    document = json.loads((out / "comparison.json").read_text("utf-8"))
    assert_numbers_agree(page, document)
    # the headline first: margin after credit costs and total cost, each run and difference
    headline = page[page.index("<h2>Margin after credit costs"):page.index("<h2>The scenario")]
    metrics = [m["metric"] for m in document["metrics"]]
    for metric in ("net_margin", "total_cost"):
        i = metrics.index(metric)
        assert f'data-key="metrics.{i}.runs.0.mean"' in headline
        assert f'data-key="metrics.{i}.runs.1.difference.half_width"' in headline


def test_saved_runs_on_the_same_seeds_are_paired(compared: tuple[Path, Result],
                                                 tmp_path: Path) -> None:
    out, _ = compared
    files = sorted(str(p) for p in (out / "runs").glob("*/result.json"))
    result = _ok(["compare", *files[:2], "--out", str(tmp_path / "c"),
                  "--report", str(tmp_path / "c.html")])
    assert "Paired comparison" in result.stdout
    document = json.loads((tmp_path / "c" / "comparison.json").read_text("utf-8"))
    assert document["runs"][0]["source"] == str(Path(files[0]).resolve())
    assert 'data-figure="aging"' in (tmp_path / "c.html").read_text("utf-8")


def test_saved_runs_on_other_seeds_are_unpaired(tmp_path: Path) -> None:
    _ok(["run", str(TINY), "--out", str(tmp_path / "a")])
    _ok(["run", str(TINY), "--seed", "99", "--set", "terms.B=N/60", "--out", str(tmp_path / "b")])
    result = _ok(["compare", str(tmp_path / "a" / "result.json"),
                  str(tmp_path / "b" / "result.json")])
    assert "Unpaired comparison" in result.stdout and "Welch" in result.stdout


def test_policy_files_and_one_policy_against_the_scenario(tmp_path: Path) -> None:
    policy = tmp_path / "long.yaml"
    policy.write_text("name: long terms\nterms: {B: N/90}\n", encoding="utf-8")
    result = _ok(["compare", str(TINY), "--policy", str(policy), "-n", "2", "--engine", "des"])
    assert "long − tiny policy" in result.stdout  # the scenario's own policy comes first
    both = _ok(["compare", str(NAMED), "--policy", "n60", "--policy", str(policy)])
    assert "long − n60" in both.stdout and "tiny policy" not in both.stdout.splitlines()[3]


def test_compare_errors_are_one_line(tmp_path: Path) -> None:
    _fails(["compare", str(TINY)], "nothing to compare")
    _fails(["compare", str(NAMED), "--policy", "n90"], "--policy n90", "n60, no ladder")
    _fails(["compare", str(TINY), str(NAMED)], "one scenario")
    bad = tmp_path / "bad.yaml"
    bad.write_text("terms: {B: N/-5}\n", encoding="utf-8")
    _fails(["compare", str(TINY), "--policy", str(bad)], "bad.yaml")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    _fails(["compare", str(tmp_path / "x.json"), str(tmp_path / "x.json")], "not a result")
    _fails(["compare", str(tmp_path / "x.json")], "at least two")
    _fails(["compare", str(tmp_path / "nope.json"), str(tmp_path / "x.json")], "cannot read")
    (tmp_path / "file").write_text("", encoding="utf-8")
    _fails(["compare", str(NAMED), "--out", str(tmp_path / "file")], "is a file")
    _fails(["compare", str(tmp_path / "x.json"), str(tmp_path / "x.json"), "--policy", "a"],
           "--policy")


def test_the_comparison_report_splits_the_cash_of_an_opening_book(tmp_path: Path) -> None:
    book = ROOT / "tests" / "data" / "opening_ledger.csv"
    policy = tmp_path / "n60.yaml"
    policy.write_text("terms: {B: N/60}\n", encoding="utf-8")
    out = tmp_path / "out"
    _ok(["compare", str(TINY), "--policy", str(policy), "-n", "2", "--set",
         f"scenario.opening_book={{ledger_csv: {book}}}", "--set",
         "scenario.horizon.warmup_days=0", "--out", str(out), "--report",
         str(out / "report.html"), "--lang", "zh"])
    _ok(["report", str(out / "comparison.json"), "--out", str(tmp_path / "again.html")])
    for target, words in ((out / "report.html", ("期初应收账款收回", "新增销售收款")),
                          (tmp_path / "again.html", ("opening book, CNY", "new sales, CNY"))):
        page, _ = report_files(target)
        figure = page[page.index('data-figure="cash"'):]
        figure = figure[:figure.index("</figure>")]
        assert all(w in figure for w in words), target
        assert figure.count("n60") == 1  # one legend, over the three panels
