"""`arsim calibrate`: the shipped scenarios (or yours) against the targets of docs/model.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click

from arsim.reports.export import write_atomic
from arsim.sim.calibrate import Calibration, calibrate, render, replace_block
from arsim.sim.errors import ArsimError
from arsim.sim.loader import load
from arsim.sim.policy import Policy, check_compatible
from arsim.sim.scenario import Scenario

from .options import WholeNumber
from .run import resolve

__all__ = ["SHIPPED", "calibrate_command"]

#: What `arsim calibrate` checks when no scenario is named: the default and the material's
#: three ladders on the same company
SHIPPED = ("default", "ladder_003", "ladder_004", "ladder_000")


@click.command("calibrate")
@click.argument("scenarios", nargs=-1, metavar="[SCENARIO...]")
@click.option("--replications", "-n", type=WholeNumber(1, 10000, "the number of replications"),
              default=8, show_default=True, help="Replications of each run.")
@click.option("--seed", type=WholeNumber(0, 2**63 - 1, "the seed"), default=None,
              help="Root seed of every run (default: each scenario's horizon.seed).")
@click.option("--jobs", "-j", type=WholeNumber(0, 512, "the number of worker processes"),
              default=0, help="Worker processes (default 0: one per core).")
@click.option("--engine", type=click.Choice(["auto", "des", "reference"]), default="auto",
              show_default=True, help="The engine (see arsim run --help).")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--out", "out_file", metavar="FILE", default=None,
              help="Also write the table to FILE (Markdown if FILE ends in .md).")
@click.option("--update", "update_file", metavar="FILE.md", default=None,
              help="Write the Markdown table into FILE.md between its calibration markers "
                   "(docs/model.md's Calibration section), leaving the rest of it as it is.")
def calibrate_command(scenarios: tuple[str, ...], replications: int, seed: int | None,
                      jobs: int, engine: str, markdown: bool, out_file: str | None,
                      update_file: str | None) -> None:
    """Check scenarios against the targets the material and the UK payment data set.

    Each target is a KPI in a band with its source; an effect compares the scenario's policy
    with a variant of it (no ladder, no limits, ...) on common random numbers. A verdict
    reads the whole 95% interval: meets, misses, or edge (it straddles the band).
    Without SCENARIO: the shipped default, ladder_003, ladder_004 and ladder_000.

    Example: arsim calibrate --update docs/model.md
    """
    update = Path(update_file) if update_file is not None else None
    before = update.read_text(encoding="utf-8") if update is not None else ""
    if update is not None:
        replace_block(before, "")  # refuse a file without its markers before running
    cases = [_load(name) for name in scenarios or SHIPPED]
    progress = _progress if sys.stderr.isatty() else None
    result = calibrate(cases, replications=replications, seed=seed, jobs=jobs, engine=engine,
                       progress=progress)
    click.echo(render(result, markdown=markdown), nl=False)
    if out_file is not None:
        _write(Path(out_file), render(result, markdown=out_file.endswith(".md")))
    if update is not None:
        _write(update, replace_block(before, _block(result)))


def _load(name: str) -> tuple[Scenario, Policy]:
    scenario, policy = load(resolve(name))
    try:
        check_compatible(scenario, policy)
    except ArsimError as exc:
        raise ArsimError(f"{name}: {exc}") from exc
    return scenario, policy


def _block(result: Calibration) -> str:
    return render(result, markdown=True)


def _progress(label: str) -> None:
    click.echo(f"running {label}", err=True)


def _write(path: Path, text: str) -> None:
    def write(handle: TextIO) -> None:
        handle.write(text)

    write_atomic(path, write)
    click.echo(f"wrote {path}", err=True)
