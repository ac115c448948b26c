"""`arsim run --report` and `arsim report`: one self-contained page, its twin, the numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from report_support import assert_numbers_agree, report_files

from arsim.cli import main

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
RUN_FIGURES = ("costs", "ar_time", "dso", "cash", "aging", "days_to_pay", "work", "lost")


def _ok(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the tiny scenario with --out, --ledger and --report."""
    out = tmp_path_factory.mktemp("report") / "out"
    result = _ok(["run", str(TINY), "--out", str(out), "--ledger", "--report",
                  str(out / "report.html")])
    assert f"wrote {out / 'report.html'}" in result.stderr
    assert f"wrote {out / 'report.md'}" in result.stderr
    return out


def test_the_run_report_shows_every_metric_of_result_json(reported: Path) -> None:
    page, md = report_files(reported / "report.html")
    document = json.loads((reported / "result.json").read_text(encoding="utf-8"))
    checked = assert_numbers_agree(page, document)
    shown = set(re.findall(r'data-key="summary\.([^."]+)\.mean"', page))
    hidden = {"inventory_carrying_cost"}  # the tiny scenario does not count it
    assert shown == set(document["summary"]) - hidden
    assert checked == 2 * len(shown) + 4  # the headline repeats two metrics
    # the headline first: margin after credit costs beside total cost
    headline = page[page.index("<h2>Margin after credit costs"):page.index("<h2>The scenario")]
    assert re.findall(r'data-key="summary\.([^."]+)\.mean"', headline) == ["net_margin",
                                                                            "total_cost"]
    for figure in RUN_FIGURES:
        assert f'<figure data-figure="{figure}">' in page, figure
    assert md.count("data:image/svg+xml;base64,") == len(RUN_FIGURES)
    # the policy in plain words, with the discount cost result.json holds
    simple = document["discount_costs"]["B"][0]["simple_annual"]
    assert (f"Grade B: 2/10, N/30: 2% off if paid within 10 days, otherwise due at 30 days; "
            f"forgoing that discount costs your customer {100 * simple:.2f}% a year") in page


def test_the_page_is_self_contained(reported: Path) -> None:
    page, _ = report_files(reported / "report.html")
    assert "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert page.count("<svg") == len(RUN_FIGURES)
    # the SVG keeps its text as text (searchable, drawn by the browser's fonts)
    assert "<text" in page and "Yearly cost by component" in page


def test_report_renders_a_saved_run_in_chinese(reported: Path) -> None:
    result = _ok(["report", str(reported / "result.json"), "--lang", "zh"])
    target = reported / "report.zh.html"
    assert f"wrote {target}" in result.stderr
    page, md = report_files(target)
    document = json.loads((reported / "result.json").read_text(encoding="utf-8"))
    assert_numbers_agree(page, document)
    for term in ("机会成本", "管理成本", "坏账成本", "短缺成本", "现金折扣成本",
                 "应收账款周转天数", "账龄分析"):
        assert term in page and term in md, term
    assert '<html lang="zh-CN">' in page
    # Chinese in the figures is SVG text, not paths or boxes
    assert re.search(r"<text[^>]*>[^<]*各项年成本", page)
    for figure in RUN_FIGURES:
        assert f'data-figure="{figure}"' in page


def test_without_the_ledger_the_report_says_how_to_get_days_to_pay(tmp_path: Path) -> None:
    _ok(["run", str(TINY), "-n", "1", "--out", str(tmp_path / "r")])
    _ok(["report", str(tmp_path / "r" / "result.json"), "--out", str(tmp_path / "x.html")])
    page, _ = report_files(tmp_path / "x.html")
    assert "run with --ledger" in page and 'data-figure="days_to_pay"' not in page
    assert 'data-figure="aging"' in page
    # a result.json moved away from its series still reports, and says what is missing
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "result.json").write_bytes((tmp_path / "r" / "result.json").read_bytes())
    _ok(["report", str(alone / "result.json")])
    page, _ = report_files(alone / "report.html")
    assert "daily series were not found" in page and 'data-figure="costs"' in page


def test_run_report_without_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _ok(["run", str(TINY), "-n", "1", "--report", "r.html", "--lang", "zh"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.md"]


def test_report_errors_are_one_line(tmp_path: Path) -> None:
    for args, words in (
        (["report", str(tmp_path / "none.json")], "cannot read"),
        (["report", str(TINY)], "not a result file"),
        (["report", str(TINY), "--lang", "fr"], "'fr' is not one of"),
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "other.json").write_text('{"a": 1}', encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "other.json")])
    assert result.exit_code == 2 and "not a result.json" in result.stderr
