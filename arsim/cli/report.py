"""`arsim report`: a saved run, comparison, sweep or optimisation as an HTML report and its
Markdown twin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from arsim.reports.compare import compare
from arsim.reports.export import default_report
from arsim.reports.rundata import RunData, read_document, read_json, read_run
from arsim.reports.studies import complete_optimization, study_kind

__all__ = ["report_command"]


@click.command("report")
@click.argument("result_file", metavar="RESULT.json")
@click.option("--out", "out_file", metavar="FILE.html", default=None,
              help="Where to write the report (default: report.html, or report.zh.html for "
                   "--lang zh, beside RESULT.json); the Markdown twin goes beside it as .md.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report: en or zh (Chinese).")
def report_command(result_file: str, out_file: str | None, lang: str) -> None:
    """Write the report of a saved run (result.json), comparison (comparison.json), sweep
    (sweep.json) or optimisation (optimize.json).

    The plots use the daily.csv and aging.csv written beside result.json, and ledger.csv for
    the days to pay where the run kept it (arsim run --ledger). A sweep's report draws the
    cost curves (the heat map for two levers); an optimisation's, the search trace and the
    best policy against the incumbent.

    Example: arsim report results/result.json --lang zh
    """
    from arsim.reports.html import (  # noqa: PLC0415  (matplotlib: only when reporting)
        write_comparison_report,
        write_report,
    )
    from arsim.reports.studies import write_study_report  # noqa: PLC0415

    path = Path(result_file)
    raw = read_json(path)
    kind = study_kind(raw) if isinstance(raw, dict) else None
    target = Path(out_file) if out_file else path.parent / default_report(lang)
    if kind is not None:
        study = complete_optimization(raw, path.parent) if kind == "optimization" else raw
        for file in write_study_report(study, kind, target, lang):
            click.echo(f"wrote {file}", err=True)
        return
    document = read_document(path, "a result.json, comparison.json, sweep.json or "
                                   "optimize.json")
    if document.get("kind") == "comparison":
        runs = [_run_of(path, entry, doc) for entry, doc in zip(
            document["runs"], document["documents"], strict=True)]
        comparison = compare([r.document for r in runs], [r.label for r in runs])
        written = write_comparison_report(comparison, runs, target, lang)
    else:
        written = write_report(read_run(path, document=document), target, lang)
    for file in written:
        click.echo(f"wrote {file}", err=True)


def _run_of(comparison_file: Path, entry: dict[str, Any], document: dict[str, Any]) -> RunData:
    """A compared run, with its series where its result.json is still where it was written."""
    source = entry.get("source")
    if source:
        where = Path(source)
        where = where if where.is_absolute() else comparison_file.parent / where
        if where.is_file():
            return read_run(where, entry["label"], document)
    return RunData(entry["label"], document)
