"""`arsim compare`: policies side by side on common random numbers, or saved runs."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from arsim.reports.compare import compare, unique_labels, write_comparison
from arsim.reports.export import write_run
from arsim.reports.rundata import from_result, read_document, read_run
from arsim.reports.text import render_comparison
from arsim.sim.errors import ArsimError, PolicyError
from arsim.sim.loader import apply_overrides, load_policies
from arsim.sim.policy import Policy, check_compatible
from arsim.sim.policy_file import load_policy
from arsim.sim.replicate import RunResult, run
from arsim.sim.scenario import Scenario

from .options import report_options, run_options
from .run import Progress, resolve

__all__ = ["compare_command"]


@click.command("compare")
@click.argument("files", nargs=-1, required=True, metavar="SCENARIO.yaml | RESULT.json...")
@click.option("--policy", "policies", multiple=True, metavar="FILE|NAME",
              help="A policy to compare: a policy file (what differs from the scenario's "
                   "policy) or a name under the scenario's policies: (repeatable). With one "
                   "--policy the scenario's own policy comes first; with none, the scenario's "
                   "policy and every named one.")
@run_options
@click.option("--out", "out_dir", metavar="DIR", default=None,
              help="Write comparison.json and comparison.csv to DIR (and each run's files to "
                   "DIR/runs/LABEL/ when policies are run).")
@report_options
def compare_command(files: tuple[str, ...], policies: tuple[str, ...], seed: int | None,
                    replications: int | None, jobs: int, engine: str, scheduler: str | None,
                    overrides: tuple[str, ...], out_dir: str | None, report_file: str | None,
                    lang: str) -> None:
    """Compare policies metric by metric, each against the first, with 95% intervals.

    Given a scenario, every policy runs on the same seeds (common random numbers) and each
    difference is paired. Given saved result.json files, the runs are paired when their seeds
    match; otherwise the comparison says it is unpaired and uses Welch's interval.

    Example: arsim compare scenarios/default.yaml --policy n60.yaml -n 5
    """
    if out_dir is not None and Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ArsimError(f"--out {out_dir}: is a file, not a folder")
    if all(f.endswith(".json") for f in files):
        if policies or overrides:
            raise ArsimError("--policy and --set apply to a scenario, not to saved results")
        if len(files) < 2:
            raise ArsimError("compare needs at least two result.json files (or a scenario)")
        documents = [_run_document(f) for f in files]
        labels = unique_labels([d["policy"]["name"] for d in documents])
        sources: list[str] | None = [str(Path(f).resolve()) for f in files]
        runs = [read_run(f, label, d) for f, label, d in zip(files, labels, documents,
                                                                 strict=True)]
    elif len(files) == 1:
        scenario, chosen = _policies(files[0], policies, overrides)
        results = _run_all(scenario, chosen, replications, seed, jobs, engine, scheduler)
        labels = list(chosen)
        runs = [from_result(r, label) for r, label in zip(results, labels, strict=True)]
        documents = [run.document for run in runs]
        sources = _write_runs(results, labels, out_dir)
    else:
        raise ArsimError("give one scenario (with --policy) or two or more result.json files")
    comparison = compare(documents, labels)
    click.echo(render_comparison(comparison))
    if out_dir is not None:
        for path in write_comparison(comparison, out_dir, sources):
            click.echo(f"wrote {path}", err=True)
    if report_file is not None:
        from arsim.reports.html import write_comparison_report  # noqa: PLC0415  (matplotlib)

        for path in write_comparison_report(comparison, runs, report_file, lang):
            click.echo(f"wrote {path}", err=True)


def _run_document(path: str) -> dict[str, Any]:
    """A saved run's result.json (a comparison.json cannot be compared again)."""
    document = read_document(path)
    if document.get("kind") == "comparison":
        raise ArsimError(f"{path}: is a comparison; compare the runs' result.json files")
    return document


def _policies(scenario_file: str, names: tuple[str, ...], overrides: tuple[str, ...]
              ) -> tuple[Scenario, dict[str, Policy]]:
    """The scenario and the policies to compare, by label, in order."""
    scenario, base, named = load_policies(resolve(scenario_file))
    chosen: dict[str, Policy] = {}
    for name in names:
        if name in named:
            chosen[name] = named[name]
        elif Path(name).is_file():
            chosen[Path(name).stem] = load_policy(name, base)
        else:
            known = ", ".join(named) or "none in this scenario"
            raise PolicyError(f"--policy {name}: no such file, and no policy of that name "
                              f"under policies: ({known})")
    if len(chosen) < 2:
        chosen = {base.name: base, **{k: v for k, v in (chosen or named).items()
                                      if v != base}}
    if len(chosen) < 2:
        raise ArsimError(f"{scenario_file}: nothing to compare: give --policy (a file or a name "
                         "under the scenario's policies:)")
    out: dict[str, Policy] = {}
    for label, policy in chosen.items():
        scenario_now, changed = apply_overrides(scenario, policy, overrides)
        try:
            check_compatible(scenario_now, changed)
        except PolicyError as exc:
            raise PolicyError(f"policy '{label}': {exc}") from exc
        out[label] = changed
    return apply_overrides(scenario, base, overrides)[0], out


def _run_all(scenario: Scenario, policies: dict[str, Policy], replications: int | None,
             seed: int | None, jobs: int, engine: str, scheduler: str | None
             ) -> list[RunResult]:
    """Every policy on the same seeds: replication r of each uses the same derived seed."""
    results = []
    for label, policy in policies.items():
        progress = Progress(label=label) if sys.stderr.isatty() else None
        results.append(run(scenario, policy, replications=replications, seed=seed, jobs=jobs,
                           progress=progress, scheduler=scheduler, engine=engine))
    return results


def _write_runs(results: list[RunResult], labels: list[str], out_dir: str | None
                ) -> list[str] | None:
    """Each run's files under DIR/runs/LABEL/ (for the report's plots); their result.json."""
    if out_dir is None:
        return None
    sources = []
    for number, (label, result) in enumerate(zip(labels, results, strict=True), start=1):
        name = f"{number}-{_slug(label)}"  # numbered: two labels may make the same slug
        for path in write_run(result, Path(out_dir) / "runs" / name):
            click.echo(f"wrote {path}", err=True)
        sources.append(str(Path("runs") / name / "result.json"))
    return sources


def _slug(label: str) -> str:
    """A folder name for a label: letters, digits, dashes (other text becomes '-')."""
    return re.sub(r"[^\w.-]+", "-", label, flags=re.UNICODE).strip("-.") or "policy"
