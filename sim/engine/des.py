"""The SimPy engine (`--engine des`): a scheduler process that wakes once a day.

Each day the process has the event kernel (`events.py`) run everything due before the next
day: the day's tick (settlements booked, limits, the rebate, held and new orders invoiced and
planned) and every collector event of the day (a call coming up, a collector taking it,
finishing it, or the call dropped), in the order SimPy itself would process them. This is the
design the issue's measurements pointed to, a daily scheduler settling the day in a batch;
the batch is compiled, and it keeps the event order, so every invoice comes out exactly as
from the reference engine (`reference.py`, plain SimPy), which the tests hold it to.

Textbook (deterministic) mode runs on the reference engine.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from ..policy import Policy
from ..scenario import Scenario
from .events import EventRun
from .gcpause import gc_paused
from .output import EngineOutput
from .reference import run_reference

__all__ = ["run_des"]


def run_des(scenario: Scenario, policy: Policy, seed: int) -> EngineOutput:
    """Simulate one replication with the SimPy engine."""
    if scenario.deterministic is not None:
        out = run_reference(scenario, policy, seed)
        out.engine = "des"
        return out
    with gc_paused():
        run = EventRun(scenario, policy, seed, engine="des")
        env = simpy.Environment()
        days = _days(env, run)
        env.process(days)
        env.run(until=run.end)
        # The process is left waiting on its next day's timeout, and the environment and the
        # process refer to each other: only the cyclic collector would free that loop, and
        # with it the run's pools (~90 MB on the default scenario) that the generator holds.
        # Closing the generator lets them go when this function returns.
        days.close()
        run.advance(run.end)  # (the part of the last day before the end, if it is not whole)
        return run.finish()


def _days(env: simpy.Environment, run: EventRun) -> Generator[simpy.Event, Any, None]:
    """Wake at the start of each day and run the day's events."""
    for day in range(math.ceil(run.end)):
        run.advance(day + 1.0)
        yield env.timeout(1.0)
