"""The first run compiles the engines: say so, and show how far it has got.

Compiling takes 30-60 s once per installation (numba caches the result on disk). Rather
than leave the terminal silent, the run announces it and compiles in this process first,
on a few customers over a few days, counting the compiled functions as it goes; the worker
processes then load the engines from the cache instead of each compiling them again.
"""

from __future__ import annotations

import sys
import threading
import time

import click

from arsim.sim.compilation import compiled, is_cold, kernels
from arsim.sim.errors import ArsimError
from arsim.sim.policy import Policy
from arsim.sim.replicate import replicate
from arsim.sim.scenario import Scenario

__all__ = ["compile_first", "small_copy"]

#: Seconds between two progress updates on a terminal.
TICK_S = 1.0


def small_copy(scenario: Scenario) -> Scenario:
    """The scenario on two customers a segment over a few days: the same code paths and
    argument types as the real run (so the same compiled functions), in no time."""
    data = scenario.model_dump(mode="json")
    for segment in data["segments"]:
        segment["customers"] = min(segment["customers"], 2)
    horizon = data["horizon"]
    horizon.update(warmup_days=min(horizon["warmup_days"], 10.0),
                   horizon_days=min(horizon["horizon_days"], 30.0), replications=1)
    return Scenario.model_validate(data)


def _terminal() -> bool:
    """Whether stderr is a terminal (progress is shown only there)."""
    return sys.stderr.isatty()


class _Ticker(threading.Thread):
    """Compiled functions and seconds so far, on one terminal line, until stopped."""

    def __init__(self, engine: str) -> None:
        super().__init__(daemon=True)
        self.functions = kernels(engine)
        self.started = time.perf_counter()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(TICK_S):
            click.echo(f"\rcompiling: {compiled(self.functions)} of {len(self.functions)} "
                       f"functions, {time.perf_counter() - self.started:.0f} s ", err=True,
                       nl=False)


def compile_first(scenario: Scenario, policy: Policy, engine: str) -> None:
    """If this run's engine is not in numba's cache yet, announce it and compile it here,
    with progress on a terminal; otherwise do nothing."""
    if not is_cold(engine):
        return
    click.echo("compiling the engines, first run only (about a minute; later runs start at "
               "once)", err=True)
    ticker = _Ticker(engine) if _terminal() else None
    if ticker is not None:
        ticker.start()
    started = time.perf_counter()
    try:
        replicate(small_copy(scenario), policy, seed=0, engine=engine)
    except ArsimError:
        pass  # the run itself reports what is wrong
    finally:
        if ticker is not None:
            ticker.done.set()
            ticker.join()
    prefix = "\r" if ticker is not None else ""
    click.echo(f"{prefix}compiled the engines in {time.perf_counter() - started:.0f} s   ",
               err=True)
