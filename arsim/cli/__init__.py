"""The `arsim` command line: a thin layer over the library.

Errors are turned into one line on stderr and exit code 2 here, once, for every command.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, NoReturn

import click
import yaml

from arsim import __version__
from arsim.sim.errors import ArsimError
from arsim.sim.replicate import kill_pools

from .calc import calc_group, kpis_command
from .calibrate import calibrate_command
from .compare import compare_command
from .new import new_command
from .optimize import optimize_command, sweep_command
from .report import report_command
from .run import run_command, scenarios_command, validate_command

__all__ = ["main"]


class _Group(click.Group):
    """A click group that reports expected failures as one line and exit code 2."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Usage errors (a bad option value, a missing argument) as one line, exit code 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        # the command as typed, for the header of a run (arsim.cli.provenance)
        argv = list(args) if args is not None else sys.argv[1:]
        obj = {"argv": argv, **(extra.pop("obj", None) or {})}
        sys.unraisablehook = _quiet_interrupts(sys.unraisablehook)
        try:
            code = super().main(args, prog_name, complete_var, False, obj=obj, **extra)
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            click.echo(f"arsim: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            _interrupted("arsim: interrupted", bool(obj.get("exiting_process")))
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ArsimError, yaml.YAMLError, OSError) as exc:
            if ctx.meta.get("arsim_debug"):
                raise
            click.echo(f"arsim: error: {_one_line(exc)}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            exiting = isinstance(ctx.obj, dict) and bool(ctx.obj.get("exiting_process"))
            _interrupted("arsim: interrupted; no output file was left half-written", exiting)
        except SystemError as exc:
            # a Ctrl-C while numba loads a compiled function from its cache reaches us
            # wrapped in SystemErrors ("returned a result with an exception set")
            if not _caused_by_interrupt(exc):
                raise
            exiting = isinstance(ctx.obj, dict) and bool(ctx.obj.get("exiting_process"))
            _interrupted("arsim: interrupted; no output file was left half-written", exiting)


def _one_line(exc: BaseException) -> str:
    """An error as one line; a file that cannot be read named first, in words ("x.csv: no
    such file or directory", not "[Errno 2] No such file or directory: 'x.csv'")."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror[0].lower()}{exc.strerror[1:]}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _quiet_interrupts(hook: Any) -> Any:
    """The unraisable-exception hook, silent about a Ctrl-C: one that lands inside a
    callback (numba's compiler calls back from C while it compiles the engines on a first
    run) cannot propagate, so Python would print it as "Exception ignored" with a traceback.
    Instead the interrupt is raised again, to land outside the callback and reach the
    command, which reports it in one line."""
    if getattr(hook, "arsim_quiet", False):
        return hook

    def quiet(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            hook(unraisable)
        else:
            signal.raise_signal(signal.SIGINT)

    quiet.arsim_quiet = True  # type: ignore[attr-defined]
    return quiet


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt lies anywhere in the exception's chain of causes."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


def _interrupted(message: str, exiting_process: bool) -> NoReturn:
    """After Ctrl-C: stop every worker process now, say so in one line, exit with 130.

    Output files need no care here: they are written to temporary files that are removed
    on the way out (reports/export.py). A second Ctrl-C meanwhile is ignored.

    In the console script (`exiting_process`) the process then ends at once: the workers
    are stopped and the files cleaned up, and what is left of Python's exit (the pools'
    clean-up hooks of concurrent.futures and multiprocessing) is exactly what a stopped pool
    can trip over on Python 3.11 (a closed pipe, a traceback, a hang: gh-107219).
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        kill_pools()
        click.echo(message, err=True)
    finally:
        if not exiting_process:
            signal.signal(signal.SIGINT, previous)
    if exiting_process:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             invoke_without_command=True)
@click.version_option(__version__, prog_name="arsim")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """arsim: what does a credit policy cost?

    Simulates a company's receivables under a credit policy (terms, discounts, penalties,
    limits, the dunning ladder, collectors) and prices it as opportunity, management,
    bad-debt and shortage cost.

    Example: arsim run scenarios/default.yaml --out results/

    Start your own: arsim new mine --from default, then arsim run mine.yaml
    """
    ctx.meta["arsim_debug"] = debug
    if ctx.invoked_subcommand is None:  # bare `arsim`: its help, as a success
        click.echo(ctx.get_help())


main.add_command(run_command)
main.add_command(validate_command)
main.add_command(scenarios_command)
main.add_command(calc_group)
main.add_command(kpis_command)
main.add_command(sweep_command)
main.add_command(optimize_command)
main.add_command(compare_command)
main.add_command(report_command)
main.add_command(new_command)
main.add_command(calibrate_command)
