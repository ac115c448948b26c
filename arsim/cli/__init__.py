"""The `arsim` command line: a thin layer over the library.

Errors are turned into one line on stderr and exit code 2 here, once, for every command.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import yaml

from arsim import __version__
from arsim.sim.errors import ArsimError

from .new import new_command
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
        try:
            code = super().main(args, prog_name, complete_var, False,
                                **{"obj": {"argv": argv}, **extra})
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            click.echo(f"arsim: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("arsim: interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ArsimError, yaml.YAMLError, OSError) as exc:
            if ctx.meta.get("arsim_debug"):
                raise
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            click.echo(f"arsim: error: {message}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("arsim: interrupted; no output file was left half-written", err=True)
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
main.add_command(new_command)
