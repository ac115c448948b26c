"""Reports as one self-contained HTML file and its Markdown twin.

A report is built once as a list of blocks (headings, paragraphs, lists, tables, figures)
and rendered twice. Every number in a table cell is read from result.json (or
comparison.json) and the cell carries the JSON path it came from (``data-key``), so a test
can check each one against the file. Figures are inline SVG with their text kept as text:
the HTML needs no network and no fonts of its own, and Chinese is drawn by the browser.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from arsim.sim.costs import COST_PARTS

from .compare import Comparison
from .export import write_all
from .figures import (
    FIGURES,
    aging_compare,
    ar_over_time,
    cash_forecast,
    cost_breakdown,
    dso_trend,
    to_svg,
)
from .plain import policy_sentences
from .rundata import RunData
from .wording import Wording, cost_components, wording

__all__ = ["Cell", "Report", "comparison_report", "markdown", "page", "run_report",
           "write_comparison_report", "write_pages", "write_report"]


@dataclass(frozen=True)
class Cell:
    """A table cell: its text and, for a number, the JSON path of the value it shows."""

    text: str
    key: str | None = None


@dataclass
class Report:
    """A report as blocks: (kind, content) with kind h1, h2, p, ul, table, figure, note."""

    title: str
    language: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def add(self, kind: str, content: Any) -> None:
        self.blocks.append((kind, content))


# --- content ------------------------------------------------------------------------------


def _sections(summary: dict[str, Any], document: dict[str, Any]) -> dict[str, list[str]]:
    """The metrics of each table, by name: whatever is not placed elsewhere is a KPI."""
    names = list(summary)
    costs = cost_components(names, bool(document["scenario"]["conventions"].get(
        "include_inventory_carrying", True)))
    # each component followed by its parts (the collectors of management cost, ...)
    costs = [m for c in costs for m in (c, *(p for p in COST_PARTS.get(c, ()) if p in names))]
    sections = {
        "costs_heading": [*costs, "total_cost"] if "total_cost" in names else costs,
        "aging_heading": [m for m in names if m.startswith("aging_")],
        "work_heading": [m for m in names if m.startswith(("actions_", "collector_"))
                         and m not in costs],
        "lost_heading": [m for m in names if m.startswith("lost_sales")
                         or m in {"customers_lost", "bankruptcies", "newcomers",
                                   "customers_active", "customers_away"}],
    }
    placed = {m for group in sections.values() for m in group}
    placed |= set(cost_components(names))
    return {"kpis_heading": [m for m in names if m not in placed], **sections}


def _estimate_table(metrics: list[str], summary: dict[str, Any], prefix: str,
                    words: Wording) -> tuple[list[str], list[list[Cell]]]:
    header = [words.word("metric"), words.word("mean"), "± " + words.word("interval")]
    rows = []
    for metric in metrics:
        entry = summary.get(metric) or {}
        rows.append([Cell(words.metric(metric)),
                     Cell(words.value(metric, entry.get("mean")), f"{prefix}.{metric}.mean"),
                     Cell(words.value(metric, entry.get("half_width")),
                          f"{prefix}.{metric}.half_width")])
    return header, rows


def _svg(figure: Any) -> str | None:
    return None if figure is None else to_svg(figure)


def _heading(report: Report, document: dict[str, Any], words: Wording) -> None:
    horizon = document["scenario"]["horizon"]
    report.add("p", words.word("generated", version=document["arsim_version"],
                               engine=document["engine"],
                               replications=len(document["replications"]),
                               seed=document["root_seed"]))
    report.add("p", words.word("window", horizon=f"{horizon['horizon_days']:g}",
                               warmup=f"{horizon['warmup_days']:g}"))


def _scenario(report: Report, document: dict[str, Any], words: Wording) -> None:
    scenario = document["scenario"]
    report.add("h2", words.word("scenario_heading"))
    if scenario.get("description"):
        report.add("p", scenario["description"])
    customers = sum(int(s["customers"]) for s in scenario["segments"])
    report.add("p", words.word("scenario_line", customers=f"{customers:,}",
                               segments=len(scenario["segments"]),
                               currency=scenario["currency"]))


#: The headline: what the policy leaves of the margin, and what it costs in all.
HEADLINE = ("net_margin", "total_cost")


def _headline(report: Report, metrics: Sequence[str], table: tuple[list[str], list[list[Cell]]],
              words: Wording) -> None:
    """The two numbers first, where the result has them: margin after credit costs and total
    cost (results from before net_margin existed show only what they hold)."""
    if not any(m in metrics for m in HEADLINE):
        return
    report.add("h2", words.word("headline_heading"))
    report.add("table", table)
    report.add("p", words.word("headline_note"))


def run_report(run: RunData, language: str = "en") -> Report:
    """The report of one run."""
    words = wording(language)
    document = run.document
    report = Report(words.word("report_title", scenario=document["scenario"]["name"]), language)
    _heading(report, document, words)
    shown = [m for m in HEADLINE if m in run.summary]
    _headline(report, shown, _estimate_table(shown, run.summary, "summary", words), words)
    _scenario(report, document, words)
    report.add("h2", words.word("policy_heading"))
    report.add("p", words.word("policy_named", name=document["policy"]["name"]))
    report.add("ul", policy_sentences(document, words))
    sections = _sections(run.summary, document)
    figures = {key: _svg(make(run, words)) for key, make in FIGURES}
    plan = [("costs_heading", ["costs"]), ("kpis_heading", []),
            ("time_heading", ["ar_time", "dso", "cash"]), ("aging_heading", ["aging"]),
            ("pay_heading", ["days_to_pay"]),
            ("work_heading", ["work"]), ("lost_heading", ["lost"])]
    for heading, keys in plan:
        report.add("h2", words.word(heading))
        if sections.get(heading):
            report.add("table", _estimate_table(sections[heading], run.summary, "summary", words))
        for key in keys:
            _figure_or_note(report, key, figures[key], words)
    report.add("note", words.word("footnote"))
    return report


def _figure_or_note(report: Report, key: str, svg: str | None, words: Wording) -> None:
    if svg is not None:
        report.add("figure", (key, svg))
    elif key == "days_to_pay":
        report.add("note", words.word("no_ledger"))
    else:
        report.add("note", words.word("no_series"))


def comparison_report(comparison: Comparison, runs: Sequence[RunData],
                      language: str = "en") -> Report:
    """The report of a comparison: each metric side by side, the curves overlaid."""
    words = wording(language)
    first = comparison.documents[0]
    report = Report(words.word("comparison_title", scenario=first["scenario"]["name"]), language)
    _heading(report, first, words)
    report.add("p", words.word("paired", n=len(first["replications"])) if comparison.paired
               else words.word("unpaired"))
    if not comparison.same_scenario:
        report.add("p", words.word("scenarios_differ"))
    metrics = [row.metric for row in comparison.rows]
    _headline(report, metrics, _comparison_table(comparison, words, HEADLINE), words)
    _scenario(report, first, words)
    report.add("h2", words.word("policy_heading"))
    for label, document in zip(comparison.labels, comparison.documents, strict=True):
        report.add("p", words.word("policy_named", name=label))
        report.add("ul", policy_sentences(document, words))
    report.add("h2", words.word("comparison_heading"))
    report.add("p", words.word("differences_note", baseline=comparison.labels[0]))
    report.add("table", _comparison_table(comparison, words))
    report.add("h2", words.word("costs_heading"))
    report.add("figure", ("costs", to_svg(cost_breakdown(runs, words))))
    report.add("h2", words.word("time_heading"))
    for key, make in (("aging", aging_compare), ("cash", cash_forecast),
                      ("ar_time", ar_over_time), ("dso", dso_trend)):
        _figure_or_note(report, key, _svg(make(runs, words)), words)
    report.add("note", words.word("footnote_compare"))
    return report


def _comparison_table(comparison: Comparison, words: Wording,
                      only: Sequence[str] | None = None) -> tuple[list[str], list[list[Cell]]]:
    """Columns: metric, each run's mean, then each other run's difference and its ±; the
    metrics named in ``only`` (in that order), else all."""
    labels = comparison.labels
    header = [words.word("metric"), *labels]
    for label in labels[1:]:
        header += [f"{label} − {labels[0]}", "± " + words.word("interval"), ""]
    rows = []
    index = {row.metric: i for i, row in enumerate(comparison.rows)}
    chosen = [index[m] for m in only if m in index] if only is not None else list(index.values())
    for i in chosen:
        row = comparison.rows[i]
        cells = [Cell(words.metric(row.metric))]
        cells += [Cell(words.value(row.metric, e.mean), f"metrics.{i}.runs.{j}.mean")
                  for j, e in enumerate(row.estimates)]
        for j in range(1, len(labels)):
            diff = row.differences[j]
            assert diff is not None
            key = f"metrics.{i}.runs.{j}.difference"
            cells += [Cell(words.value(row.metric, diff.mean), f"{key}.mean"),
                      Cell(words.value(row.metric, diff.half_width), f"{key}.half_width"),
                      Cell("★" if row.significant(j) else "")]
        rows.append(cells)
    return header, rows


# --- rendering ----------------------------------------------------------------------------

_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif; color: #111;
  max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid #999;
  margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
/* a wide table (a sweep's points, many policies) scrolls rather than leaving the page */
table { display: block; max-width: 100%; overflow-x: auto; }
@media print { table { display: table; font-size: 0.75rem; } }
th, td { padding: 0.15rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
li.sub { list-style: none; margin-left: 1rem; }
p.note { color: #444; font-size: 0.9rem; }
@media print { body { max-width: none; } figure { break-inside: avoid; } }
"""


def page(report: Report) -> str:
    """The report as one self-contained HTML page (no script, no link, no network)."""
    # zh-CN, not zh: browsers pick simplified-Chinese glyphs and fonts by the region
    lang = {"zh": "zh-CN"}.get(report.language, report.language)
    out = [f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">',
           f"<title>{html.escape(report.title)}</title>",
           f"<style>{_CSS}</style>\n</head>\n<body>",
           f"<h1>{html.escape(report.title)}</h1>"]
    for kind, content in report.blocks:
        out.append(_HTML[kind](content))
    out.append("</body>\n</html>\n")
    return "\n".join(out)


def _html_list(items: list[str]) -> str:
    lines = [f'<li class="sub">{html.escape(i.strip())}</li>' if i.startswith("    ")
             else f"<li>{html.escape(i)}</li>" for i in items]
    return "<ul>\n" + "\n".join(lines) + "\n</ul>"


def _html_table(content: tuple[list[str], list[list[Cell]]]) -> str:
    header, rows = content
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header)
           + "</tr></thead>", "<tbody>"]
    for row in rows:
        cells = []
        for cell in row:
            if cell.key is None:
                cells.append(f"<td>{html.escape(cell.text)}</td>")
            else:
                cells.append(f'<td class="num" data-key="{html.escape(cell.key)}">'
                             f"{html.escape(cell.text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody>\n</table>")
    return "\n".join(out)


_HTML: dict[str, Callable[[Any], str]] = {
    "h1": lambda t: f"<h1>{html.escape(t)}</h1>",
    "h2": lambda t: f"<h2>{html.escape(t)}</h2>",
    "p": lambda t: f"<p>{html.escape(t)}</p>",
    "note": lambda t: f'<p class="note">{html.escape(t)}</p>',
    "ul": _html_list,
    "table": _html_table,
    "figure": lambda c: f'<figure data-figure="{c[0]}">\n{c[1]}\n</figure>',
}


def markdown(report: Report) -> str:
    """The report as Markdown; figures are SVG data URIs, so the file stands alone too."""
    out = [f"# {report.title}", ""]
    for kind, content in report.blocks:
        out += [_MARKDOWN[kind](content), ""]
    return "\n".join(out)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(content: tuple[list[str], list[list[Cell]]]) -> str:
    header, rows = content
    lines = ["| " + " | ".join(_md_escape(h) for h in header) + " |",
             "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(_md_escape(c.text) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _md_figure(content: tuple[str, str]) -> str:
    key, svg = content
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"![{key}](data:image/svg+xml;base64,{data})"


_MARKDOWN: dict[str, Callable[[Any], str]] = {
    "h1": lambda t: f"# {t}",
    "h2": lambda t: f"## {t}",
    "p": lambda t: t,
    "note": lambda t: f"*{t}*",
    "ul": lambda items: "\n".join(f"  - {i.strip()}" if i.startswith("    ") else f"- {i}"
                                  for i in items),
    "table": _md_table,
    "figure": _md_figure,
}


def _put(text: str, stream: TextIO) -> None:
    stream.write(text)


def _twin(path: Path) -> Path:
    return path.with_suffix(".md")


def _write(report: Report, html_path: str | Path) -> list[Path]:
    """Write the HTML file and its Markdown twin (same name, .md) together, atomically."""
    path = Path(html_path)
    text, md = page(report), markdown(report)
    files: dict[Path, Callable[[TextIO], None]] = {path: partial(_put, text),
                                                  _twin(path): partial(_put, md)}
    write_all(files)
    return list(files)


def write_pages(report: Report, html_path: str | Path) -> list[Path]:
    """Write any report: ``html_path`` and its Markdown twin beside it."""
    return _write(report, html_path)


def write_report(run: RunData, html_path: str | Path, language: str = "en") -> list[Path]:
    """Write a run's report: ``html_path`` and its Markdown twin beside it."""
    return _write(run_report(run, language), html_path)


def write_comparison_report(comparison: Comparison, runs: Sequence[RunData],
                            html_path: str | Path, language: str = "en") -> list[Path]:
    """Write a comparison's report: ``html_path`` and its Markdown twin beside it."""
    return _write(comparison_report(comparison, runs, language), html_path)

