"""`arsim report` of a sweep and of an optimisation: every number from the saved JSON, both
languages, the figures present, and a headless browser opening the pages.

The studies are of the tiny scenario with one or two replications a point: what is tested is
the report, not the model.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from matplotlib.figure import Figure
from report_support import assert_grey, assert_numbers_agree, report_files
from test_shipped_reports import BROWSER, _open

from arsim.cli import main
from arsim.optimizers.notes import NOTE_CODES, Note
from arsim.reports.html import page as page_of
from arsim.reports.studies import optimization_report, study_kind
from arsim.reports.study_figures import frontier_chart, search_trace, sweep_curves
from arsim.reports.study_notes import check_words
from arsim.reports.wording import wording

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
SPACE = {"variables": [{"path": "terms.B.discount_rate", "choices": [0, 0.01]}],
         "constraints": ["dso <= 200"], "finalists": 2, "indifference_zone": 5000,
         "replications": {"search": 2, "search_max": 2, "select_first": 2, "select_max": 4,
                          "recheck": 2}}


def _ok(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A one-lever sweep, a two-lever sweep and an optimisation, each reported in en and zh."""
    root = tmp_path_factory.mktemp("studies")
    space = root / "space.yaml"
    space.write_text(yaml.safe_dump({"optimize": SPACE}), encoding="utf-8")
    runs = {
        "curve": ["sweep", str(TINY), "--vary", "terms.*.net_days=30:60:30", "-n", "2"],
        "heat": ["sweep", str(TINY), "--vary", "terms.*.net_days=30,60", "--vary",
                 "terms.B.discount_rate=0,0.02", "-n", "1"],
        "optimize": ["optimize", str(TINY), "--space", str(space), "--frontier", "dso"],
    }
    files = {}
    for name, args in runs.items():
        out = root / name
        # the report written by the command itself, to be matched by `arsim report`'s
        _ok([*args, "--jobs", "1", "--out", str(out), "--report", str(out / "direct.html"),
             "--lang", "zh"])
        saved = out / ("optimize.json" if name == "optimize" else "sweep.json")
        written = _ok(["report", str(saved)])
        assert f"wrote {out / 'report.html'}" in written.stderr
        _ok(["report", str(saved), "--lang", "zh"])
        files[name] = saved
    return files


def test_the_commands_report_is_the_saved_files_report(studies: dict[str, Path]) -> None:
    for saved in studies.values():
        direct, twin = report_files(saved.parent / "direct.html")
        page, md = report_files(saved.parent / "report.zh.html")
        assert direct == page and twin == md, saved


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_sweep_report_shows_the_curves_and_every_point(studies: dict[str, Path],
                                                         language: str) -> None:
    saved = studies["curve"]
    document = _document(saved)
    assert study_kind(document) == "sweep" and document["scenario"]["name"] == "tiny"
    page, md = report_files(saved.parent / ("report.html" if language == "en"
                                            else "report.zh.html"))
    checked = assert_numbers_agree(page, document)
    # the lowest point's eight figures (with intervals), then ten for every point
    assert checked == 8 * 3 + 10 * len(document["points"])
    for i in range(len(document["points"])):
        for part in ("opportunity_cost", "management_cost", "bad_debt_cost", "shortage_cost",
                     "discount_cost", "penalty_income", "total_cost", "total_cost_low",
                     "total_cost_high"):
            assert f'data-key="points.{i}.{part}"' in page, (i, part)
    # the bottom is starred on its row, and named in the figure's legend
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    starred = [r for r in rows if "<td>★</td>" in r]
    assert len(starred) == 1 and f'data-key="points.{document["bottom"]}.' in starred[0]
    lowest = "lowest total at" if language == "en" else "总成本最低点"
    assert re.search(rf"<text[^>]*>[^<]*{lowest}", page)
    assert page.count('data-figure="sweep"') == 1 and "<svg" in page
    assert md.count("data:image/svg+xml;base64,") == 1
    if language == "zh":
        assert "成本曲线" in page and "机会成本" in page and '<html lang="zh-CN">' in page


def test_a_two_lever_sweep_is_a_heat_map(studies: dict[str, Path]) -> None:
    saved = studies["heat"]
    document = _document(saved)
    assert document["axes"] == [[30, 60], [0, 0.02]]
    page, _ = report_files(saved.parent / "report.html")
    assert assert_numbers_agree(page, document) == 8 * 3 + 10 * 4
    assert 'data-figure="sweep"' in page and "Total cost a year over two levers" in page
    # the image is there (a heat map), and the bottom's star with its two lever values
    assert "<image" in page
    best = document["points"][document["bottom"]]
    assert (f"lowest total at {best['terms.*.net_days']}, "
            f"{best['terms.B.discount_rate']}") in page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_optimisation_report_shows_the_search_and_the_winner(studies: dict[str, Path],
                                                                language: str) -> None:
    saved = studies["optimize"]
    document = _document(saved)
    assert study_kind(document) == "optimization"
    page, md = report_files(saved.parent / ("report.html" if language == "en"
                                            else "report.zh.html"))
    assert assert_numbers_agree(page, document) > 40
    # the winner and the incumbent side by side, each cost with its interval
    for who in ("winner", "incumbent"):
        for metric in ("opportunity_cost", "management_cost", "bad_debt_cost",
                       "shortage_cost", "shortage_terms_cost", "discount_cost", "total_cost",
                       "net_margin", "dso"):
            assert f'data-key="{who}.estimates.{metric}.mean"' in page, (who, metric)
    if document["winner"]["params"] == document["incumbent"]["params"]:
        pytest.fail("the space was chosen so that a candidate beats the incumbent")
    for part in ("mean", "half_width", "low", "high"):
        assert f'data-key="saving.{part}"' in page
    significant = document["saving"]["significant"]
    verdict = {("en", True): "Significant", ("en", False): "Not significant",
               ("zh", True): "显著：", ("zh", False): "不显著"}[(language, significant)]
    assert verdict in page
    # the search trace: the figure, and the candidates that improved the best so far
    candidates = document["candidates"]
    assert len(candidates) >= 2 and all("best_so_far" in c for c in candidates)
    assert 'data-key="candidates.0.best_so_far"' in page
    for figure in ("winner_costs", "trace", "frontier"):
        assert f'data-figure="{figure}"' in page
    assert md.count("data:image/svg+xml;base64,") == 3
    # the engine behind each figure, the constraints and whether they hold
    assert re.search(rf"[(（]{document['winner']['engine']}[)）]", page)
    assert "screen" in page  # the search's engine
    # the constraint as data, worded in the report's language
    words = wording(language)
    constraint = document["winner"]["constraints"][0]
    assert document["format"] == 2
    assert {k: constraint[k] for k in ("kpi", "sense", "bound", "probability")} == {
        "kpi": "dso", "sense": "max", "bound": 200.0, "probability": None}
    text, measured = check_words(constraint, words)
    assert html.escape(text) in page and html.escape(measured) in page
    assert words.value("dso", constraint["value"]) in measured
    for i, _ in enumerate(document["runner_ups"]):
        assert f'data-key="runner_ups.{i}.estimates.total_cost.mean"' in page
    # the method and the incumbent in words, not as optimize.json names them
    assert "policy = " not in page
    if language == "zh":
        assert "最优政策与现行政策对比" in page and "搜索过程" in page
        assert "搜索方法 网格搜索" in page and "现行政策（tiny policy）" in page
    else:
        assert "search by grid" in page and "the incumbent (tiny policy)" in page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_optimisation_report_draws_the_frontier(studies: dict[str, Path],
                                                    language: str) -> None:
    saved = studies["optimize"]
    document = _document(saved)
    assert document["frontier_kpi"] == "dso" and document["frontier"]
    page, _ = report_files(saved.parent / ("report.html" if language == "en"
                                            else "report.zh.html"))
    words = wording(language)
    section = page[page.index(html.escape(words.word("frontier_heading",
                                                      kpi=words.metric("dso")))):]
    section = section[:section.index("<h2>", 5)] if "<h2>" in section[5:] else section
    # every point's objective and KPI with their intervals, as optimize.json holds them
    for i, _ in enumerate(document["frontier"]):
        for column in ("dso_mean", "dso_half_width", "total_cost_mean",
                       "total_cost_half_width"):
            assert f'data-key="frontier.{i}.{column}"' in section, (i, column)
    assert assert_numbers_agree(section, document) == 4 * len(document["frontier"])
    figure = section[section.index('data-figure="frontier"'):section.index("</figure>")]
    title = words.figure("frontier", objective=words.metric("total_cost"),
                         kpi=words.metric("dso"))
    assert html.escape(title) in figure
    for key in ("frontier_points", "frontier_winner", "frontier_incumbent"):
        assert html.escape(words.figure(key)) in figure, key
    if language == "zh":
        assert "权衡前沿" in page and "应收账款周转天数" in figure and "Trade-off" not in page
    # the frontier.svg that optimize --lang zh wrote is the zh report's figure
    if language == "zh":
        svg = (saved.parent / "frontier.svg").read_text(encoding="utf-8")
        assert html.escape(title) in svg and "最优政策" in svg
        assert (saved.parent / "frontier.png").read_bytes().startswith(b"\x89PNG")


def test_the_frontier_figure_draws_the_points_of_optimize_json(
        studies: dict[str, Path]) -> None:
    document = _document(studies["optimize"])
    figure = frontier_chart(document, wording("en"))
    assert isinstance(figure, Figure)
    points = sorted(document["frontier"], key=lambda p: p["dso_mean"])
    words = wording("en")
    ax = figure.axes[0]
    line = ax.containers[0].lines[0]  # the error bars' points, joined
    assert list(line.get_xdata()) == [p["dso_mean"] for p in points]
    assert list(line.get_ydata()) == [p["total_cost_mean"] for p in points]
    # the incumbent and the best policy where their re-check put them
    for who in ("incumbent", "winner"):
        mark, = (m for m in ax.lines if m.get_label() == words.figure(f"frontier_{who}"))
        estimates = document[who]["estimates"]
        assert list(mark.get_xdata()) == [estimates["dso"]["mean"]]
        assert list(mark.get_ydata()) == [estimates["total_cost"]["mean"]]
    assert frontier_chart({**document, "frontier": []}, wording("en")) is None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_study_figures_are_grey(studies: dict[str, Path], language: str) -> None:
    words = wording(language)
    optimisation = _document(studies["optimize"])
    for figure in (sweep_curves(_document(studies["curve"]), words),
                   search_trace(optimisation, words, words.metric("total_cost")),
                   frontier_chart(optimisation, words)):
        assert isinstance(figure, Figure) and figure.axes[0].get_title()
        assert_grey(figure)


def test_an_older_optimize_json_names_its_frontier_by_its_columns(
        studies: dict[str, Path], tmp_path: Path) -> None:
    document = _document(studies["optimize"])
    del document["frontier_kpi"]
    (tmp_path / "optimize.json").write_text(json.dumps(document), encoding="utf-8")
    _ok(["report", str(tmp_path / "optimize.json")])
    page, _ = report_files(tmp_path / "report.html")
    assert "The trade-off frontier: DSO" in page and 'data-figure="frontier"' in page


def _all_notes() -> list[dict[str, Any]]:
    """One note of every code, as optimize.json keeps them."""
    check = {"kpi": "bad_debt_ratio", "sense": "max", "bound": 0.005, "probability": 0.9,
             "confidence": 0.95, "met": False, "value": 0.8, "inside": 27, "runs": 30}
    values = {"why": {"limit": "time_near", "seconds": 12.5, "pace": 0.25},
              "params": {"terms.B.net_days": 60}, "error": "no payment pattern",
              "broken": [check], "count": 2, "total": 5}
    return [Note(code, {k: values[k] for k in keys}).to_dict()
            for code, keys in NOTE_CODES.items()]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_notes_and_constraints_are_worded_in_the_reports_language(
        studies: dict[str, Path], language: str) -> None:
    document = {**_document(studies["optimize"]), "notes": _all_notes()}
    page = html.unescape(page_of(optimization_report(document, language)))
    words = wording(language)
    notes = page[page.index(words.word("notes_heading")):]
    items = re.findall(r"<li>(.*?)</li>", notes)
    assert len(items) == len(NOTE_CODES)
    assert all("{" not in item and "code" not in item for item in items)  # all worded
    if language == "zh":
        # no English left in the notes but the names of the variables and the engine's error
        for item in items:
            rest = re.sub(r"terms\.B\.net_days|no payment pattern|KN|select_max", "", item)
            assert not re.search(r"[A-Za-z]{3,}", rest), item
        assert "即将达到时间限制（12.5 秒" in page and "坏账率 ≤ 0.50%（至少 90% 的运行）" in page
    else:
        assert "the time limit is near (12.5 s" in page
        assert "bad-debt ratio ≤ 0.50% in at least 90% of runs" in page


def test_an_older_optimize_jsons_english_notes_are_shown_as_they_are(
        studies: dict[str, Path]) -> None:
    document = _document(studies["optimize"])
    del document["format"]
    document["notes"] = ["search stopped: replication budget spent (40 run)"]
    document["winner"]["constraints"] = [
        {"constraint": "dso <= 200 (mean)", "met": True, "measured": "95% bound of the mean 30"}]
    page = html.unescape(page_of(optimization_report(document, "zh")))
    assert "search stopped: replication budget spent (40 run)" in page
    assert "dso <= 200 (mean)" in page and "95% bound of the mean 30" in page


def test_best_so_far_is_the_running_best_of_the_feasible(studies: dict[str, Path]) -> None:
    candidates = _document(studies["optimize"])["candidates"]
    best = None
    for row in candidates:
        if row["feasible"]:
            best = row["objective_mean"] if best is None else min(best, row["objective_mean"])
        assert row["best_so_far"] == best


def test_an_older_optimize_json_takes_its_candidates_from_the_csv(
        studies: dict[str, Path], tmp_path: Path) -> None:
    source = studies["optimize"].parent
    document = _document(studies["optimize"])
    old = {k: v for k, v in document.items() if k not in ("kind", "scenario", "candidates")}
    (tmp_path / "optimize.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "candidates.csv").write_bytes((source / "candidates.csv").read_bytes())
    _ok(["report", str(tmp_path / "optimize.json")])
    page, _ = report_files(tmp_path / "report.html")
    assert 'data-figure="trace"' in page
    # without the csv either, the report says the candidates are missing
    (tmp_path / "candidates.csv").unlink()
    _ok(["report", str(tmp_path / "optimize.json"), "--out", str(tmp_path / "x.html")])
    page, _ = report_files(tmp_path / "x.html")
    assert "candidates were not found" in page and 'data-figure="winner_costs"' in page


def test_a_profit_objective_is_reported_as_margin(studies: dict[str, Path],
                                                  tmp_path: Path) -> None:
    document = _document(studies["optimize"])
    document["spec"]["objective"] = "max_profit"
    (tmp_path / "optimize.json").write_text(json.dumps(document), encoding="utf-8")
    for language, words in (("en", ("the highest margin less costs",
                                     "Gain in margin less costs")),
                            ("zh", ("边际贡献减成本最高", "边际贡献减成本的增加"))):
        target = tmp_path / f"{language}.html"
        _ok(["report", str(tmp_path / "optimize.json"), "--lang", language, "--out",
             str(target)])
        page, _ = report_files(target)
        assert all(w in page for w in words), language
        assert 'data-key="runner_ups.0.estimates.net_margin.mean"' in page
        assert_numbers_agree(page, document)


def test_json_of_another_kind_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"levers": []}', encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "not a result.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


needs_browser = pytest.mark.skipif(
    BROWSER is None, reason="no chromium on this machine and `make test` could not install it "
                            "(apt-get install chromium)")


@needs_browser
@pytest.mark.parametrize(("study", "name", "figures"), [
    ("curve", "report.zh.html", 1), ("heat", "report.html", 1),
    ("optimize", "report.html", 3), ("optimize", "report.zh.html", 3)])
def test_a_browser_opens_the_study_reports(studies: dict[str, Path], tmp_path: Path,
                                           study: str, name: str, figures: int) -> None:
    dom, console, shot = _open(studies[study].parent / name, tmp_path)
    assert console == []
    assert dom.count("<figure") == figures and dom.count("<svg") == figures
    grey = shot[..., :3].mean(axis=2)
    assert grey.std() > 0.05 and (grey < 0.5).mean() > 0.005


def _at_level(value: Any, level: float) -> Any:
    """A document with every confidence level it stores replaced by ``level``."""
    if isinstance(value, dict):
        return {k: level if k in ("level", "confidence") and isinstance(v, float)
                else _at_level(v, level) for k, v in value.items()}
    if isinstance(value, list):
        return [_at_level(v, level) for v in value]
    return value


@pytest.mark.parametrize(("language", "shown", "fixed"), [
    ("en", "± 90% interval", "95% interval"), ("zh", "± 90% 置信区间", "95% 置信区间")])
def test_every_interval_is_labelled_with_the_level_stored_with_it(
        studies: dict[str, Path], language: str, shown: str, fixed: str) -> None:
    # the optimiser's intervals are at the block's confidence, not the run reports' 95%
    document = _at_level(_document(studies["optimize"]), 0.9)
    page = html.unescape(page_of(optimization_report(document, language)))
    headers = re.findall(r"<th[^>]*>(.*?)</th>", page)
    # the saving, best and incumbent, the frontier (both columns) and the runner-ups
    assert sum(shown in h for h in headers) >= 6
    assert fixed not in page


def test_the_runner_ups_are_set_beside_the_best_policys_figures_of_the_same_stage(
        studies: dict[str, Path]) -> None:
    document = _document(studies["optimize"])
    best = document["winner_selection"]
    assert best["stage"] == "select" and best["params"] == document["winner"]["params"]
    page, _ = report_files(studies["optimize"].parent / "report.html")
    table = page[page.index("Runner-ups"):]
    # the best policy's selection-stage row comes first, then the runner-ups
    first = table.index('data-key="winner_selection.estimates.total_cost.mean"')
    assert first < table.index('data-key="runner_ups.0.estimates.total_cost.mean"')
    assert "(the best policy)" in table and "fresh seeds" in table
