"""Writing a run's files: a warning before a ledger of more than a gigabyte, and progress
while a large one is written."""

from __future__ import annotations

import sys
import time

import click

from arsim.reports.export import LEDGER_ROW_BYTES
from arsim.sim.footprint import expected_invoices
from arsim.sim.scenario import Scenario

__all__ = ["WARN_BYTES", "WriteProgress", "ledger_bytes", "warn_large_ledger"]

#: A ledger.csv larger than this is announced before the run starts.
WARN_BYTES = 1_000_000_000
#: A ledger this large gets a line saying it is being written, even off a terminal.
ANNOUNCE_BYTES = 50_000_000


def ledger_bytes(scenario: Scenario, replications: int) -> float:
    """The expected size of ledger.csv (measured bytes a row times the expected rows)."""
    return expected_invoices(scenario) * replications * LEDGER_ROW_BYTES


def _size(size: float) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


def warn_large_ledger(scenario: Scenario, replications: int) -> float:
    """Warn on stderr, before the run, when ledger.csv will pass a gigabyte; return its size."""
    size = ledger_bytes(scenario, replications)
    if size > WARN_BYTES:
        click.echo(f"arsim: warning: ledger.csv will take up to about {_size(size)} "
                   f"({size / LEDGER_ROW_BYTES:,.0f} invoices over {replications} "
                   "replications); fewer replications (-n) or no --ledger make it smaller",
                   err=True)
    return size


class WriteProgress:
    """Rows written, on stderr: a percentage on a terminal, one line elsewhere, and only for
    a large ledger (a small one is written before anyone would wonder)."""

    def __init__(self, expected_bytes: float) -> None:
        self.large = expected_bytes > ANNOUNCE_BYTES
        self.terminal = sys.stderr.isatty()
        self.expected = expected_bytes
        self.shown = -1.0
        if self.large:
            click.echo(f"writing ledger.csv (up to about {_size(expected_bytes)})"
                       + ("" if self.terminal else "..."), err=True)

    def __call__(self, name: str, done: int, total: int) -> None:
        if not (self.large and self.terminal and name == "ledger.csv" and total):
            return
        now = time.perf_counter()
        if now - self.shown < 0.5 and done < total:
            return
        self.shown = now
        end = "\n" if done == total else ""
        click.echo(f"\rwriting ledger.csv: {done:,} of {total:,} rows ({100 * done / total:.0f}%)"
                   f"   {end}", err=True, nl=False)
