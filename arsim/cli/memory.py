"""Fit a run into the machine's memory before it starts (see sim/footprint.py)."""

from __future__ import annotations

import click

from arsim.sim import footprint
from arsim.sim.scenario import Scenario

__all__ = ["fit_jobs"]


def fit_jobs(scenario: Scenario, engine: str, replications: int, jobs: int,
             keep_ledgers: bool) -> int:
    """The --jobs the machine can hold: lowered, with a note saying why, when each worker's
    estimated peak does not fit as many times as asked.

    Raises:
        EngineError: Not even one replication in one process fits (one line, exit 2).
    """
    plan = footprint.plan_jobs(scenario, engine, replications, jobs, keep_ledgers,
                               footprint.available_bytes())
    if plan.jobs < plan.wanted:
        click.echo(f"arsim: note: --jobs lowered from {plan.wanted} to {plan.jobs}: each worker "
                   f"needs about {footprint.gib(plan.worker_bytes)} and "
                   f"{footprint.gib(plan.available_bytes or 0.0)} is free", err=True)
    return plan.jobs
