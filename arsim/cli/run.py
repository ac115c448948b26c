"""`arsim run` and `arsim validate`."""

from __future__ import annotations

import difflib
import json
import sys
import time
from pathlib import Path

import click

from arsim import scenarios as shipped
from arsim.reports.export import result_document, write_run
from arsim.reports.text import render_summary
from arsim.sim.errors import ArsimError, PolicyError, ScenarioError
from arsim.sim.loader import apply_overrides, load
from arsim.sim.loader import scenario_file as find_scenario
from arsim.sim.policy import Policy, check_compatible
from arsim.sim.replicate import choose_engine, run
from arsim.sim.scenario import Scenario
from arsim.sim.whatif import unaffected

from .compiling import compile_first
from .memory import fit_jobs
from .options import report_options, run_options
from .preflight import check_output_folder
from .provenance import provenance
from .writing import WriteProgress, warn_large_ledger

__all__ = ["Progress", "resolve", "run_command", "scenarios_command", "validate_command"]


class _Progress:
    """Replications done and time left, on stderr, only when stderr is a terminal.

    Nothing is shown until ``delay`` seconds have passed, so quick runs stay quiet.
    """

    def __init__(self, delay: float = 2.0, label: str = "") -> None:
        self.started = time.perf_counter()
        self.delay = delay
        self.label = f"{label}: " if label else ""

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        if elapsed < self.delay:
            return
        left = elapsed / done * (total - done)
        end = "\n" if done == total else ""
        click.echo(f"\r{self.label}replication {done}/{total}, {elapsed:.0f} s elapsed, about "
                   f"{left:.0f} s "
                   f"left   {end}", err=True, nl=False)


#: The progress line, for the other simulating commands.
Progress = _Progress


@click.command("run")
@click.argument("scenario_file", metavar="SCENARIO.yaml")
@run_options
@click.option("--out", "out_dir", metavar="DIR", default=None,
              help="Write result.json, replications.csv, daily.csv and aging.csv to DIR.")
@click.option("--ledger", is_flag=True, help="With --out: also write the per-invoice ledger.csv.")
@click.option("--json", "as_json", is_flag=True, help="Print result.json to stdout instead of "
              "the text summary.")
@report_options
def run_command(scenario_file: str, seed: int | None, replications: int | None, jobs: int,
                engine: str, scheduler: str | None, overrides: tuple[str, ...],
                out_dir: str | None, ledger: bool, as_json: bool, report_file: str | None,
                lang: str) -> None:
    """Simulate a scenario's policy and print its yearly costs and KPIs.

    Each figure is the mean over replications with the half-width of its 95% confidence
    interval.

    With --ledger the invoices are kept (for ledger.csv with --out, and for the report's
    days-to-pay plot).

    Example: arsim run scenarios/default.yaml --set terms.B=N/60 --out results/n60
    """
    check_output_folder(out_dir, ledger)
    scenario, policy = _load(scenario_file, overrides)
    origin = provenance(resolve(scenario_file), overrides, scenario, policy)
    count = replications or scenario.horizon.replications
    size = warn_large_ledger(scenario, count) if ledger else 0.0
    if scheduler is None:  # (on a cluster, the workers compile, in their own memory)
        chosen = choose_engine(scenario, policy, engine)
        jobs = fit_jobs(scenario, chosen, count, jobs, ledger)
        compile_first(scenario, policy, chosen)
    progress = _Progress() if sys.stderr.isatty() else None
    result = run(scenario, policy, replications=replications, seed=seed, jobs=jobs,
                 keep_ledgers=ledger, progress=progress, scheduler=scheduler, engine=engine)
    if as_json:
        click.echo(json.dumps(result_document(result, origin), indent=2, ensure_ascii=False))
    else:
        click.echo(render_summary(result, origin))
    if out_dir is not None:
        written = write_run(result, out_dir, ledger=ledger, provenance=origin,
                            progress=WriteProgress(size) if ledger else None)
        for path in written:
            click.echo(f"wrote {path}", err=True)
    if report_file is not None:
        from arsim.reports.html import write_report  # noqa: PLC0415  (matplotlib: only here)
        from arsim.reports.rundata import from_result  # noqa: PLC0415

        for path in write_report(from_result(result), report_file, lang):
            click.echo(f"wrote {path}", err=True)


@click.command("validate")
@click.argument("scenario_file", metavar="SCENARIO.yaml")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Check the file with these changes applied (as for run).")
def validate_command(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Check a scenario file without running it.

    Example: arsim validate my.yaml
    """
    scenario, policy = _load(scenario_file, overrides)
    click.echo(f"{scenario_file}: ok: scenario '{scenario.name}', {scenario.customers:,} "
               f"customers in {len(scenario.segments)} segments, policy '{policy.name}'")


def resolve(scenario_file: str) -> str:
    """A file path, or the name of a scenario that ships with arsim (e.g. ``ladder_004``)."""
    if Path(scenario_file).exists():
        return scenario_file
    shipped_file = find_scenario(scenario_file)  # (the loader's lookup of a shipped name)
    if shipped_file.exists():
        return str(shipped_file)
    name = scenario_file.removesuffix(".yaml")
    nearest = difflib.get_close_matches(name, shipped.available(), n=1, cutoff=0.6)
    if "/" not in name and nearest:
        raise ScenarioError(f"{scenario_file}: no such file; did you mean the shipped scenario "
                            f"'{nearest[0]}'? (arsim scenarios lists them)")
    return scenario_file  # load() reports the missing file


def _load(scenario_file: str, overrides: tuple[str, ...]) -> tuple[Scenario, Policy]:
    """Load a file, apply --set what-ifs and check that the policy fits the scenario."""
    scenario, policy = load(resolve(scenario_file))
    for note in unaffected(scenario, policy, overrides):
        click.echo(f"arsim: note: {note}", err=True)
    scenario, policy = apply_overrides(scenario, policy, overrides)
    try:
        check_compatible(scenario, policy)
    except PolicyError as exc:
        raise PolicyError(f"{scenario_file}: {exc}") from exc
    return scenario, policy


@click.group("scenarios", invoke_without_command=True)
@click.pass_context
def scenarios_command(ctx: click.Context) -> None:
    """List the scenarios that ship with arsim (run one by name: arsim run ladder_004).

    Copy one to start your own: arsim scenarios shows where each file is, and
    arsim scenarios show NAME prints it with its comments.

    Example: arsim scenarios show ladders
    """
    if ctx.invoked_subcommand is not None:
        return
    for name in shipped.available():
        scenario, policy = load(shipped.path(name))
        click.echo(f"{name:<12} {scenario.description or scenario.name}")
        click.echo(f"{'':<12} policy '{policy.name}'; file {shipped.path(name)}")
    click.echo("\nTeaching pack: compare each one's policies with arsim compare NAME "
               "(docs/teaching.md)")
    for name in shipped.teaching():
        scenario, _ = load(shipped.path(name))
        click.echo(f"{name:<17} {' '.join(scenario.description.split())}")


@scenarios_command.command("show")
@click.argument("name")
def show_command(name: str) -> None:
    """Print a shipped scenario's file, comments included.

    Example: arsim scenarios show rectification
    """
    known = [*shipped.available(), *shipped.teaching()]
    if name.removesuffix(".yaml") not in known:
        nearest = difflib.get_close_matches(name.removesuffix(".yaml"), known, n=1, cutoff=0.6)
        hint = f" (did you mean '{nearest[0]}'?)" if nearest else ""
        raise ArsimError(f"no shipped scenario '{name}'{hint}; arsim scenarios lists them "
                         f"({', '.join(known)})")
    click.echo(shipped.path(name.removesuffix(".yaml")).read_text(encoding="utf-8"), nl=False)
