"""Options shared by several commands, defined once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from arsim.sim.errors import EngineError
from arsim.sim.replicate import check_scheduler_address

F = TypeVar("F", bound=Callable[..., Any])


class WholeNumber(click.ParamType):
    """A whole number in a range, refused in words ("--seed: give a whole number ...")."""

    name = "integer"

    def __init__(self, low: int, high: int, what: str) -> None:
        self.low, self.high, self.what = low, high, what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip().replace("_", ""))
            except ValueError:
                self.fail(f"{value!r}: give {self.what} as a whole number from {self.low:,} to "
                          f"{self.high:,}", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{value!r}: {self.what} must be a whole number from {self.low:,} to "
                      f"{self.high:,}", param, ctx)
        return number


def _address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The scheduler's address, its form checked before anything is loaded or run."""
    if value is not None:
        try:
            check_scheduler_address(value)
        except EngineError as exc:
            rule = str(exc).removeprefix(f"--scheduler {value!r}: ")
            raise click.BadParameter(f"{value!r}: {rule}", ctx, param) from exc
    return value


def run_options(func: F) -> F:
    """--seed, --replications, --jobs and --set, as every simulating command takes them."""
    decorators = [
        click.option("--seed", type=WholeNumber(0, 2**63 - 1, "the seed"), default=None,
                     help="Root seed (default: the scenario's horizon.seed)."),
        click.option("--replications", "-n",
                     type=WholeNumber(1, 100000, "the number of replications"), default=None,
                     help="Replications (default: the scenario's horizon.replications)."),
        click.option("--jobs", "-j", type=WholeNumber(0, 512, "the number of worker processes"),
                     default=0,
                     help="Worker processes for the replications (default 0: one per core). "
                          "Results are bit-identical to one process."),
        click.option("--engine", type=click.Choice(["auto", "des", "fast", "screen", "reference"]),
                     default="auto", show_default=True,
                     help="des: the SimPy event simulation (a daily scheduler, each day's "
                          "events compiled), exact everywhere; fast: the compiled "
                          "per-customer loop, exact (the same invoices) where collectors are "
                          "unlimited; auto: fast wherever it is exact, else des; screen: the "
                          "fast loop with a finite team treated as never making calls wait "
                          "(an approximation for screening: confirm with des); reference: "
                          "the plain-Python SimPy engine the others are tested against "
                          "(the same invoices, 15-35x slower on the default scenario). The "
                          "output names the engine."),
        click.option("--scheduler", metavar="ADDRESS", default=None, callback=_address,
                     help="Run the replications on a Dask cluster, e.g. tcp://host:8786 "
                          "(needs arsim[dask] on every worker). Results are identical."),
        click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
                     help="Change one field before running, e.g. --set terms.B=N/60 or "
                          "--set scenario.horizon.horizon_days=365 (repeatable)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def check_report(report_file: str | None, lang: str) -> None:
    """Refuse, before the run, a report that would not be what was asked for: an HTML page
    written into a file named .pdf, or a language chosen for no report at all.

    Raises:
        click.UsageError: One line saying what to give instead.
    """
    if report_file is None:
        if lang != "en":
            raise click.UsageError(f"--lang {lang} is the report's language: add "
                                   "--report FILE.html (the printout is in English)")
        return
    if not report_file.lower().endswith((".html", ".htm")):
        raise click.UsageError(f"--report {report_file}: the report is an HTML page (with a "
                               "Markdown twin beside it): give a file ending in .html")


def report_options(func: F) -> F:
    """--report and --lang, as every command that can write a report takes them, checked
    before the command runs (check_report)."""

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        check_report(kwargs["report_file"], kwargs["lang"])
        return func(*args, **kwargs)

    decorators = [
        click.option("--report", "report_file", metavar="FILE.html", default=None,
                     help="Also write a self-contained HTML report to FILE.html and its "
                          "Markdown twin to FILE.md."),
        click.option("--lang", type=click.Choice(["en", "zh"]), default="en",
                     show_default=True, help="Language of the report: en or zh (Chinese)."),
    ]
    for decorator in reversed(decorators):
        checked = decorator(checked)
    return cast(F, checked)
