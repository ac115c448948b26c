"""Reports of a sweep (sweep.json) and an optimisation (optimize.json), HTML and Markdown.

Built from the saved documents only, as the run report is from result.json: each number in a
table cell carries the JSON path it came from (``data-key``), and a report of a fresh study
is the report of the file `arsim sweep/optimize --out` wrote. An optimize.json written
before it held the candidates is completed from the candidates.csv beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from arsim.sim.costs import COST_PARTS

from .figures import cost_breakdown, to_svg
from .html import Cell, Report, write_pages
from .optimization import with_best_so_far
from .rundata import RunData
from .study_figures import (
    frontier_chart,
    frontier_kpi,
    objective_metric,
    search_trace,
    sweep_curves,
    sweep_heatmap,
    sweep_parts,
)
from .study_notes import check_words, note_words, params_text
from .wording import COST_COMPONENTS, Wording, wording

__all__ = ["StudyKind", "complete_optimization", "optimization_report", "study_kind",
           "sweep_report", "write_study_report"]

StudyKind = Literal["sweep", "optimization"]

#: KPIs shown under the costs when the best policy meets the incumbent.
_KPIS = ("net_margin", "credit_sales", "average_receivables", "dso", "bad_debt_ratio",
         "recovery_rate", "customers_lost")


def study_kind(document: Mapping[str, Any]) -> StudyKind | None:
    """Whether a document is a sweep's or an optimisation's (files written before they said
    so are told by their keys), else None."""
    kind = document.get("kind")
    if kind in ("sweep", "optimization"):
        return "sweep" if kind == "sweep" else "optimization"
    if {"levers", "points", "bottom"} <= set(document):
        return "sweep"
    if {"method", "spec", "winner", "saving"} <= set(document):
        return "optimization"
    return None


def complete_optimization(document: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The document with its candidates: its own, else candidates.csv's rows from ``folder``
    (each with the best objective so far)."""
    if document.get("candidates") or not (folder / "candidates.csv").is_file():
        return document
    frame = pd.read_csv(folder / "candidates.csv")
    rows = [{str(k): (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in row.items()} for row in frame.to_dict("records")]
    objective = str(document["spec"].get("objective", "min_total_cost"))
    return {**document, "candidates": with_best_so_far(rows, objective)}


def _scenario_name(document: Mapping[str, Any]) -> str:
    return str((document.get("scenario") or {}).get("name") or "")


def _interval(words: Wording, level: Any) -> str:
    """"90% interval": the level stored with the figures. (The run reports' fixed 95% is not
    theirs to claim: an optimisation states its own confidence, a sweep its own.)"""
    if not isinstance(level, int | float):
        return words.word("interval")
    return words.word("interval_level", level=f"{float(level):.0%}")


def _level(document: Mapping[str, Any], finding: Mapping[str, Any] | None,
           metric: str = "total_cost") -> Any:
    """The confidence level stored with a finding's estimate of ``metric``, else the
    study's (an estimate written without its level)."""
    entry = ((finding or {}).get("estimates") or {}).get(metric) or {}
    level = entry.get("level")
    return level if level is not None else document["spec"].get("confidence")


def _num(words: Wording, metric: str, value: Any, key: str) -> Cell:
    """A numeric cell showing ``value`` in ``metric``'s unit, keyed by its JSON path."""
    return Cell(words.value(metric, value if isinstance(value, int | float) else None), key)


# --- the sweep ----------------------------------------------------------------------------


def sweep_report(document: dict[str, Any], language: str = "en") -> Report:
    """The report of sweep.json: the cost curves (or the heat map) and every point."""
    words = wording(language)
    report = Report(words.word("sweep_title", scenario=_scenario_name(document)), language)
    levers = list(document["levers"])
    points = document["points"]
    report.add("p", words.word("sweep_generated", version=document["arsim_version"],
                               points=len(points), replications=document["replications"],
                               seed=document["seed"]))
    report.add("p", words.word("sweep_levers", levers=" × ".join(levers),
                               confidence=f"{document['confidence']:.0%}"))
    report.add("h2", words.word("sweep_heading"))
    bottom = document.get("bottom")
    if bottom is None:
        report.add("p", words.word("sweep_no_bottom"))
    else:
        best = points[bottom]
        report.add("p", words.word(
            "sweep_bottom", where=", ".join(f"{k} = {best[k]}" for k in levers),
            total=words.value("total_cost", best["total_cost"]),
            low=words.value("total_cost", best["total_cost_low"]),
            high=words.value("total_cost", best["total_cost_high"])))
        report.add("table", _bottom_table(document, words))
    draw = sweep_curves if len(levers) == 1 else sweep_heatmap
    figure = draw(document, words)
    if figure is not None:
        report.add("figure", ("sweep", to_svg(figure)))
    report.add("h2", words.word("sweep_table_heading"))
    report.add("table", _points_table(document, words))
    report.add("note", words.word("footnote_sweep"))
    return report


def _bottom_table(document: dict[str, Any], words: Wording
                  ) -> tuple[list[str], list[list[Cell]]]:
    """The lowest point's costs, each with its interval."""
    i = document["bottom"]
    point = document["points"][i]
    interval = _interval(words, document.get("confidence"))
    header = [words.word("metric"), words.word("mean"), f"{interval} −", f"{interval} +"]
    rows = []
    for part in (*sweep_parts(document), "net_margin"):
        if part in point:
            rows.append([Cell(words.metric(part)),
                         _num(words, part, point[part], f"points.{i}.{part}"),
                         _num(words, part, point.get(f"{part}_low"), f"points.{i}.{part}_low"),
                         _num(words, part, point.get(f"{part}_high"),
                              f"points.{i}.{part}_high")])
    return header, rows


def _points_table(document: dict[str, Any], words: Wording
                  ) -> tuple[list[str], list[list[Cell]]]:
    """One row per point: the lever values, the engine, each cost's mean (the parts add up
    to the total), the total's interval and the margin less costs; the lowest total
    starred."""
    levers = list(document["levers"])
    parts = [*sweep_parts(document), "net_margin"]
    header = [*levers, words.word("engine"), *(words.metric(p) for p in parts[:-1]),
              f"{words.metric('total_cost')} −", f"{words.metric('total_cost')} +",
              words.metric("net_margin"), ""]
    rows = []
    for i, point in enumerate(document["points"]):
        cells = [Cell(str(point[k])) for k in levers]
        if point.get("error"):
            rows.append([*cells, Cell(words.word("sweep_failed", error=point["error"]))])
            continue
        cells.append(Cell(str(point.get("engine", ""))))
        cells += [_num(words, p, point.get(p), f"points.{i}.{p}") for p in parts[:-1]]
        cells += [_num(words, "total_cost", point.get("total_cost_low"),
                       f"points.{i}.total_cost_low"),
                  _num(words, "total_cost", point.get("total_cost_high"),
                       f"points.{i}.total_cost_high"),
                  _num(words, "net_margin", point.get("net_margin"), f"points.{i}.net_margin"),
                  Cell("★" if i == document.get("bottom") else "")]
        rows.append(cells)
    return header, rows


# --- the optimisation ---------------------------------------------------------------------


def optimization_report(document: dict[str, Any], language: str = "en") -> Report:
    """The report of optimize.json: the search trace, the best policy against the
    incumbent (costs side by side, the saving and whether it is significant), the
    constraints, the runner-ups, and the engine behind each figure."""
    words = wording(language)
    objective = str(document["spec"].get("objective", "min_total_cost"))
    report = Report(words.word("optimize_title", scenario=_scenario_name(document)), language)
    report.add("p", words.word("optimize_generated", version=document["arsim_version"],
                               method=_method(document, words), seed=document["seed"],
                               objective=words.word(f"objective_{objective}")))
    report.add("p", _engines_line(document, words))
    _winner_section(report, document, words)
    _trace_section(report, document, words)
    _constraints_section(report, document, words)
    _frontier_section(report, document, words)
    _runner_ups_section(report, document, words)
    notes = list(document.get("notes") or [])
    if notes:
        report.add("h2", words.word("notes_heading"))
        report.add("ul", [note_words(n, words) for n in notes])
    report.add("note", words.word("footnote_optimize"))
    return report


def _method(document: Mapping[str, Any], words: Wording) -> str:
    """The search method in words (grid, differential evolution), else as optimize.json
    names it."""
    method = str(document["method"])
    key = f"method_{method}"
    return words.word(key) if key in words.words else method


def _engines_line(document: dict[str, Any], words: Wording) -> str:
    search = sorted({str(r.get("engine")) for r in document.get("candidates") or []
                     if r.get("engine")})
    final = sorted({str(f["engine"]) for f in (document.get("winner"), document.get(
        "incumbent"), *(document.get("runner_ups") or [])) if f})
    spent = ", ".join(f"{words.word('stage_' + k) if 'stage_' + k in words.words else k} {v}"
                      for k, v in (document.get("replications") or {}).items())
    return words.word("engines_line", search=", ".join(search) or "n/a",
                      final=", ".join(final) or "n/a", replications=spent or "n/a")


def _winner_section(report: Report, document: dict[str, Any], words: Wording) -> None:
    report.add("h2", words.word("winner_heading"))
    win, home = document.get("winner"), document.get("incumbent")
    if win is None:
        report.add("p", words.word("no_winner"))
        return
    n = _replications(win)
    report.add("p", words.word("winner_line", params=params_text(win["params"], words),
                               engine=win["engine"], n=n,
                               home_engine=home["engine"] if home else "n/a",
                               home_n=_replications(home) if home else "n/a"))
    _saving(report, document, words)
    report.add("table", _side_by_side(document, words))
    if home is not None:
        # an optimize.json from before it held the scenario's head: no inventory convention
        scenario = {"currency": "", "conventions": {}, **(document.get("scenario") or {})}
        runs = [RunData(words.word("best_column", engine=win["engine"]),
                        {"summary": win["estimates"], "scenario": scenario}),
                RunData(words.word("incumbent_column", engine=home["engine"]),
                        {"summary": home["estimates"], "scenario": scenario})]
        report.add("figure", ("winner_costs", to_svg(cost_breakdown(runs, words))))


def _replications(finding: Mapping[str, Any] | None) -> int | str:
    if not finding:
        return "n/a"
    total = finding["estimates"].get("total_cost") or {}
    return int(total.get("n", 0))


def _saving(report: Report, document: dict[str, Any], words: Wording) -> None:
    saving = document.get("saving")
    win = document["winner"]
    objective = str(document["spec"].get("objective", "min_total_cost"))
    what = words.word(f"saving_what_{objective}")
    if saving is None:
        return
    # the incumbent's params name it ({"policy": name}); a candidate's are its levers
    if win["params"] == (document.get("incumbent") or {}).get("params"):
        report.add("p", words.word("incumbent_best"))
        return
    money = "total_cost"
    exact = saving.get("half_width") is None or not math.isfinite(float(saving["half_width"]))
    if exact:
        report.add("p", words.word("saving_exact", what=what,
                                   mean=words.value(money, saving["mean"])))
    else:
        report.add("p", words.word(
            "saving_line", what=what, mean=words.value(money, saving["mean"]),
            half=words.value(money, saving["half_width"]),
            level=f"{float(saving.get('level', 0.95)):.0%}",
            low=words.value(money, saving["low"]), high=words.value(money, saving["high"]),
            n=saving.get("n", "n/a")))
    significant = bool(saving.get("significant"))
    report.add("p", words.word("significant_yes" if significant else "significant_no"))
    interval = _interval(words, saving.get("level", document["spec"].get("confidence")))
    header = [words.word("metric"), words.word("mean"), f"± {interval}", f"{interval} −",
              f"{interval} +"]
    report.add("table", (header, [[Cell(what), _num(words, money, saving["mean"], "saving.mean"),
                                   _num(words, money, saving.get("half_width"),
                                        "saving.half_width"),
                                   _num(words, money, saving.get("low"), "saving.low"),
                                   _num(words, money, saving.get("high"), "saving.high")]]))


def _side_by_side(document: dict[str, Any], words: Wording
                  ) -> tuple[list[str], list[list[Cell]]]:
    """Each cost (with its parts), the total and the KPIs: best and incumbent, mean ± CI."""
    win, home = document["winner"], document.get("incumbent")
    names = list(win["estimates"])
    costs = [m for m in COST_COMPONENTS if m in names]
    inventory = ((document.get("scenario") or {}).get("conventions") or {}).get(
        "include_inventory_carrying", True)
    if not inventory:
        costs = [m for m in costs if m != "inventory_carrying_cost"]
    costs = [m for c in costs for m in (c, *(p for p in COST_PARTS.get(c, ()) if p in names))]
    constrained = [str(c["kpi"]) for c in document["spec"].get("constraints") or []]
    metrics = [*costs, "total_cost", *dict.fromkeys(
        m for m in (*_KPIS, *constrained) if m in names)]
    header = [words.word("metric"), words.word("best_column", engine=win["engine"]),
              "± " + _interval(words, _level(document, win))]
    if home is not None:
        header += [words.word("incumbent_column", engine=home["engine"]),
                   "± " + _interval(words, _level(document, home))]
    rows = []
    for m in metrics:
        cells = [Cell(words.metric(m))]
        for who, finding in (("winner", win), ("incumbent", home)):
            if finding is None:
                continue
            entry = finding["estimates"].get(m) or {}
            key = f"{who}.estimates.{m}"
            cells += [_num(words, m, entry.get("mean"), f"{key}.mean"),
                      _num(words, m, entry.get("half_width"), f"{key}.half_width")]
        rows.append(cells)
    return header, rows


def _trace_section(report: Report, document: dict[str, Any], words: Wording) -> None:
    report.add("h2", words.word("trace_heading"))
    rows = document.get("candidates") or []
    if not rows:
        report.add("note", words.word("no_candidates"))
        return
    metric = objective_metric(document)
    feasible = sum(1 for r in rows if r.get("feasible") in (True, "True", "true", 1))
    report.add("p", words.word("trace_line", count=len(rows), feasible=feasible))
    figure = search_trace(document, words, words.metric(metric))
    if figure is not None:
        report.add("figure", ("trace", to_svg(figure)))
    header = [words.word("candidate"), words.word("policy_params"), words.word("engine"),
              words.word("replications_word"),
              words.word("objective_value", metric=words.metric(metric)),
              words.word("best_so_far")]
    table = []
    previous: Any = None
    for i, row in enumerate(rows):
        best = row.get("best_so_far")
        if best is None or best == previous:
            continue  # only the candidates that improved the best so far
        previous = best
        params = {k: v for k, v in row.items() if k not in _CANDIDATE_COLUMNS}
        shown = ({"policy": row["policy"]} if row.get("policy") else
                 {k: v for k, v in params.items() if v is not None})
        table.append([Cell(str(i + 1)), Cell(params_text(shown, words)),
                      Cell(str(row.get("engine"))),
                      Cell(str(row.get("replications"))),
                      _num(words, metric, row.get("objective_mean"),
                           f"candidates.{i}.objective_mean"),
                      _num(words, metric, best, f"candidates.{i}.best_so_far")])
    report.add("table", (header, table))


#: The columns of a candidate row that are not its decision variables.
_CANDIDATE_COLUMNS = frozenset({
    "policy", "engine", "replications", "objective", "objective_mean", "feasible", "error",
    "best_so_far", "total_cost", "opportunity_cost", "management_cost", "bad_debt_cost",
    "shortage_cost", "discount_cost", "net_margin", "dso", "bad_debt_ratio", "recovery_rate"})


def _constraints_section(report: Report, document: dict[str, Any], words: Wording) -> None:
    report.add("h2", words.word("constraints_heading"))
    findings = [(words.word("best_column", engine=f["engine"]) if who == "winner" else
                 words.word("incumbent_column", engine=f["engine"]), f)
                for who in ("winner", "incumbent") if (f := document.get(who))]
    rows = [[Cell(label), Cell(text), Cell(words.word("met") if c["met"]
                                          else words.word("not_met")), Cell(measured)]
            for label, f in findings for c in f.get("constraints") or []
            for text, measured in [check_words(c, words)]]
    if not rows:
        report.add("p", words.word("no_constraints"))
        return
    report.add("table", ([words.word("policy_column"), words.word("constraint"),
                          words.word("met"), words.word("measured")], rows))


def _frontier_section(report: Report, document: dict[str, Any], words: Wording) -> None:
    """The trade-off frontier (``--frontier KPI``): the figure, and each point's policy,
    engine, objective and KPI with their intervals, in the KPI's order."""
    kpi = frontier_kpi(document)
    points = document.get("frontier") or []
    if kpi is None or not points:
        return
    metric = objective_metric(document)
    report.add("h2", words.word("frontier_heading", kpi=words.metric(kpi)))
    report.add("p", words.word("frontier_line", count=len(points), kpi=words.metric(kpi),
                               objective=words.metric(metric)))
    figure = frontier_chart(document, words)
    if figure is not None:
        report.add("figure", ("frontier", to_svg(figure)))
    # the frontier's points are re-run at the study's confidence
    interval = "± " + _interval(words, document["spec"].get("confidence"))
    header = [words.word("policy_params"), words.word("engine"),
              words.metric(kpi), interval, words.metric(metric), interval]
    order = sorted(range(len(points)), key=lambda i: _sort_key(points[i].get(f"{kpi}_mean")))
    rows = []
    for i in order:
        point = points[i]
        params = {k: v for k, v in point.items() if k != "engine"
                  and not k.endswith(("_mean", "_half_width"))}
        cells = [Cell(params_text(params, words)), Cell(str(point.get("engine", "")))]
        for name in (kpi, metric):
            cells += [_num(words, name, point.get(f"{name}_mean"), f"frontier.{i}.{name}_mean"),
                      _num(words, name, point.get(f"{name}_half_width"),
                           f"frontier.{i}.{name}_half_width")]
        rows.append(cells)
    report.add("table", (header, rows))


def _sort_key(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else math.inf


def _runner_ups_section(report: Report, document: dict[str, Any], words: Wording) -> None:
    """The selection's line, then the finalists on the selection stage's replications: the
    best policy's row first (where optimize.json keeps it), so that each runner-up is set
    beside the best's figures from the same seeds, not beside the re-check's fresh ones."""
    runner_ups = document.get("runner_ups") or []
    selection = document.get("selection")
    if not runner_ups and selection is None:
        return
    report.add("h2", words.word("runner_ups_heading"))
    if selection is not None:
        state = words.word("selection_complete" if selection.get("complete")
                           else "selection_early")
        report.add("p", words.word(
            "selection_line", finalists=len(selection.get("order") or []),
            delta=words.value("total_cost", selection.get("indifference_zone")),
            confidence=f"{float(selection.get('confidence', 0.95)):.0%}", state=state))
    if not runner_ups:
        return
    metric = objective_metric(document)
    best = document.get("winner_selection")
    report.add("p", words.word("runner_ups_stage"))
    header = [words.word("rank"), words.word("policy_params"), words.word("engine"),
              words.word("stage"), words.word("replications_word"),
              words.word("objective_value", metric=words.metric(metric)),
              "± " + _interval(words, _level(document, best or runner_ups[0], metric))]
    rows = []
    if best is not None:
        rows.append(_finalist_row(best, "winner_selection", 1, metric, words,
                                  words.word("best_in_selection",
                                             params=params_text(best["params"], words))))
    for i, f in enumerate(runner_ups):
        rows.append(_finalist_row(f, f"runner_ups.{i}", i + 2, metric, words,
                                  params_text(f["params"], words)))
    report.add("table", (header, rows))


def _finalist_row(finding: Mapping[str, Any], key: str, rank: int, metric: str,
                  words: Wording, policy: str) -> list[Cell]:
    """A finalist's row of the runner-ups' table: rank, policy, engine, stage, its
    replications and the objective's mean and half-width."""
    entry = finding["estimates"].get(metric) or {}
    stage = f"stage_{finding.get('stage')}"
    key = f"{key}.estimates.{metric}"
    return [Cell(str(rank)), Cell(policy), Cell(str(finding["engine"])),
            Cell(words.word(stage) if stage in words.words else str(finding.get("stage"))),
            Cell(str(entry.get("n", "n/a"))),
            _num(words, metric, entry.get("mean"), f"{key}.mean"),
            _num(words, metric, entry.get("half_width"), f"{key}.half_width")]


# --- writing ------------------------------------------------------------------------------


def write_study_report(document: dict[str, Any], kind: StudyKind, html_path: str | Path,
                       language: str = "en") -> list[Path]:
    """Write a sweep's or an optimisation's report and its Markdown twin."""
    make = sweep_report if kind == "sweep" else optimization_report
    return write_pages(make(document, language), html_path)

