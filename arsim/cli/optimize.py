"""`arsim sweep` and `arsim optimize`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from arsim.optimizers.journal import Journal
from arsim.optimizers.optimize import optimize
from arsim.optimizers.space import parse_lever
from arsim.optimizers.sweep import sweep
from arsim.reports.fonts import no_cjk_font_warning
from arsim.reports.optimization import (
    optimize_document,
    render_optimize,
    render_sweep,
    sweep_document,
    write_optimize,
    write_sweep,
)
from arsim.reports.studies import StudyKind
from arsim.sim.errors import ArsimError, PolicyError, ScenarioError
from arsim.sim.loader import apply_overrides, load_optimize, load_space
from arsim.sim.policy import check_compatible

from .options import run_options
from .run import _Progress, resolve

__all__ = ["optimize_command", "sweep_command"]

ENGINES = ["auto", "des", "fast", "screen", "reference"]


def _check_out(out_dir: str | None) -> None:
    if out_dir is not None and Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ArsimError(f"--out {out_dir}: is a file, not a folder")


@click.command("sweep")
@click.argument("scenario_file", metavar="SCENARIO.yaml")
@click.option("--vary", "levers", multiple=True, required=True, metavar="PATH=LOW:HIGH:STEP",
              help="A lever and its values: path=low:high:step or path=a,b,c. Any numeric "
                   "policy path, the parts of a terms string (terms.B.net_days, "
                   "terms.B.discount_rate, terms.B.discount_days) and * for every accepted "
                   "grade (terms.*.net_days). Once for a curve, twice for a heat map.")
@run_options
@click.option("--out", "out_dir", metavar="DIR", default=None,
              help="Write sweep.csv, sweep.json, sweep.png and sweep.svg to DIR.")
@click.option("--report", "report_file", metavar="FILE.html", default=None,
              help="Also write the sweep's report (HTML and its Markdown twin, as arsim "
                   "report sweep.json does).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report and of sweep.png/svg.")
def sweep_command(scenario_file: str, levers: tuple[str, ...], seed: int | None,
                  replications: int | None, jobs: int, engine: str, scheduler: str | None,
                  overrides: tuple[str, ...], out_dir: str | None, report_file: str | None,
                  lang: str) -> None:
    """Draw the cost curve: every cost and the total against one or two levers.

    Every point runs the same replications (common random numbers), each cost with its 95%
    confidence band; the bottom of the total-cost curve is marked.

    Example: arsim sweep scenarios/default.yaml --vary 'terms.*.net_days=15:120:5' --out sweep/
    """
    _check_out(out_dir)
    scenario, policy, _ = load_optimize(resolve(scenario_file))
    scenario, policy = apply_overrides(scenario, policy, overrides)
    variables = [parse_lever(text) for text in levers]
    progress = _Progress() if sys.stderr.isatty() else None
    result = sweep(scenario, policy, variables, replications=replications, seed=seed,
                   jobs=jobs, scheduler=scheduler, engine=engine, progress=progress)
    click.echo(render_sweep(result))
    if out_dir is not None:
        _font_warning(lang)
        for path in write_sweep(result, out_dir, scenario, lang):
            click.echo(f"wrote {path}", err=True)
    if report_file is not None:
        _report(sweep_document(result, scenario), "sweep", report_file, lang)


def _font_warning(language: str) -> None:
    """One line where the PNG figures' Chinese cannot be drawn on this machine."""
    message = no_cjk_font_warning(language)
    if message is not None:
        click.echo(f"arsim: {message}", err=True)


def _report(document: dict[str, Any], kind: StudyKind, report_file: str, lang: str) -> None:
    from arsim.reports.studies import write_study_report  # noqa: PLC0415  (matplotlib)

    for path in write_study_report(document, kind, report_file, lang):
        click.echo(f"wrote {path}", err=True)


def _tell(message: str) -> None:
    click.echo(message, err=True)


@click.command("optimize")
@click.argument("scenario_file", metavar="SCENARIO.yaml")
@click.option("--space", "space_file", metavar="FILE", default=None,
              help="Read the decision variables, objective and constraints from FILE instead "
                   "of the scenario's optimize: block.")
@click.option("--out", "out_dir", metavar="DIR", default=None,
              help="Keep the journal (journal.jsonl) in DIR and write optimize.json, "
                   "candidates.csv and best.yaml (the best policy as a ready scenario) there.")
@click.option("--budget", type=click.IntRange(1), default=None,
              help="Most replications in all (default: the block's budget, else none).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Wall-time limit (the search stops at 60% of it, the "
                                      "selection at 85% or sooner, so that the re-check of "
                                      "the winner, which always finishes, fits in the rest).")
@click.option("--resume", is_flag=True,
              help="Continue the study in --out DIR from its journal: nothing evaluated is run "
                   "again.")
@click.option("--frontier", "frontier_kpi", metavar="KPI", default=None,
              help="Also trace the trade-off: the best policy at each level of KPI "
                   "(e.g. dso), written as frontier.csv/png/svg.")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="One engine for every stage (default: screen on the fast engine, decide "
                   "and re-check on the exact one, auto).")
@click.option("--jobs", "-j", type=click.IntRange(0, 512), default=0,
              help="Worker processes (default 0: one per core); results are identical.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run replications on a Dask cluster, e.g. tcp://host:8786.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
              help="Root seed of the study (default: the scenario's horizon.seed).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Change one field of the scenario or incumbent first (as for run).")
@click.option("--report", "report_file", metavar="FILE.html", default=None,
              help="Also write the optimisation's report (HTML and its Markdown twin, as "
                   "arsim report optimize.json does).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report and of frontier.png/svg.")
def optimize_command(scenario_file: str, space_file: str | None, out_dir: str | None,
                     budget: int | None, time_limit: float | None, resume: bool,
                     frontier_kpi: str | None, engine: str | None, jobs: int,
                     scheduler: str | None, seed: int | None,
                     overrides: tuple[str, ...], report_file: str | None, lang: str) -> None:
    """Find the cheapest policy (or the most profitable) in the scenario's optimize: block.

    Screens candidates on common random numbers, selects among the best few with a
    ranking-and-selection procedure (KN) on the exact engine, and re-checks the winner against
    the scenario's own policy on fresh seeds, with a confidence interval on the saving.
    Ctrl-C leaves a usable journal; continue with --resume.

    Example: arsim optimize scenarios/default.yaml --space space.yaml --out opt/ --budget 2000
    """
    _check_out(out_dir)
    if resume and out_dir is None:
        raise ArsimError("--resume needs --out DIR (the folder holding journal.jsonl)")
    path = resolve(scenario_file)
    scenario, policy, spec = load_optimize(path)
    scenario, policy = apply_overrides(scenario, policy, overrides)
    try:
        check_compatible(scenario, policy)
    except PolicyError as exc:
        raise PolicyError(f"{scenario_file}: {exc}") from exc
    if space_file is not None:
        spec = load_space(space_file)
    if spec is None:
        raise ScenarioError(f"{scenario_file}: no optimize: block; add one or pass --space FILE "
                            "(see docs/optimizer.md)")
    changes = {k: v for k, v in (("budget", budget), ("time_limit_seconds", time_limit))
               if v is not None}
    spec = spec.model_copy(update=changes)
    journal = Journal(Path(out_dir) / "journal.jsonl") if out_dir is not None else None
    try:
        result = optimize(scenario, policy, spec, scenario.horizon.seed if seed is None else seed,
                          journal, resume, jobs, scheduler, engine,
                          _tell if sys.stderr.isatty() else None, frontier_kpi)
    except KeyboardInterrupt:
        where = f"; continue with --resume --out {out_dir}" if out_dir else ""
        click.echo(f"arsim: interrupted: every finished evaluation is in the journal{where}",
                   err=True)
        sys.exit(130)
    click.echo(render_optimize(result))
    if out_dir is not None:
        if result.frontier:
            _font_warning(lang)
        for written in write_optimize(result, scenario, out_dir, lang):
            click.echo(f"wrote {written}", err=True)
    if report_file is not None:
        _report(optimize_document(result, scenario), "optimization", report_file, lang)
