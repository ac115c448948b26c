"""One replication as a pure function of (scenario, policy, seed); many of them in parallel.

Replication r of a run with root seed s uses the seed derived from (s, r) by NumPy's
SeedSequence, so replication r is the same whether it runs alone, serially or in a pool,
and two policies run with the same root seed see the same customers and draws.
"""

from __future__ import annotations

import importlib
import os
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .costs import cost_breakdown
from .engine.des import run_des
from .engine.fast import exact_for, run_fast, screening_for
from .engine.reference import run_reference
from .errors import EngineError
from .kpis import kpis
from .kpis import warnings as kpi_warnings
from .ledger import Ledger, check_conservation
from .policy import Policy, check_compatible
from .scenario import Scenario
from .stats import Estimate, summarise
from .terms import TierCost, tier_costs
from .totals import LedgerTotals, blocks

__all__ = ["Replication", "RunResult", "check_scheduler_address", "interrupts_held", "kill_pools",
           "replicate",
           "replication_seed", "run", "shutdown_pools"]

Progress = Callable[[int, int], None]

#: How long to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = "20s"


#: A Dask scheduler address: protocol://host:port (host a name, an IPv4 or a bracketed IPv6).
_ADDRESS = re.compile(r"(?:tcp|tls|ucx|ws|wss)://(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):"
                      r"(\d{1,5})")


def check_scheduler_address(address: str) -> None:
    """Refuse an address that is not of the form tcp://host:port, before any work.

    Raises:
        EngineError: The address has no protocol, no host or no port.
    """
    match = _ADDRESS.fullmatch(address.strip())
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise EngineError(f"--scheduler {address!r}: give the Dask scheduler's address as "
                          "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")


def replication_seed(root_seed: int, replication: int) -> int:
    """The 63-bit seed of replication r of a run (stable across versions and machines)."""
    words = np.random.SeedSequence(root_seed, spawn_key=(replication,)).generate_state(
        2, dtype=np.uint32)
    return (int(words[1]) << 31 | int(words[0]) >> 1) & (2**63 - 1)


@dataclass(frozen=True)
class Replication:
    """The result of one replication."""

    index: int
    seed: int
    metrics: dict[str, float]
    daily: dict[str, np.ndarray]
    aging: dict[str, np.ndarray]
    ledger: Ledger | None = None


ENGINES = ("auto", "des", "fast", "screen", "reference")


def choose_engine(scenario: Scenario, policy: Policy, engine: str = "auto") -> str:
    """The engine that runs: `auto` takes the fast one whenever it is exact for the scenario.

    Raises:
        EngineError: `fast` was asked for where it is not exact, or an unknown engine.
    """
    if engine not in ENGINES:
        raise EngineError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if engine == "screen":
        why = screening_for(scenario)
        if why is not None:
            raise EngineError(f"the fast engine cannot screen this scenario: {why}")
        return engine
    reason = exact_for(scenario, policy)
    if engine == "auto":
        return "des" if reason is not None else "fast"
    if engine == "fast" and reason is not None:
        raise EngineError(f"the fast engine is not exact here: {reason}; use --engine des "
                          "or auto")
    return engine


def replicate(scenario: Scenario, policy: Policy, seed: int, index: int = 0,
              keep_ledger: bool = False, engine: str = "auto",
              series: bool = True) -> Replication:
    """Run one replication and price it: a pure function of its arguments.

    Every engine gives the same invoices, bit for bit, where it is exact (the SimPy and
    reference engines always, the fast one without a finite collector team, see
    `choose_engine`); `auto` picks the fast one where it is exact, else the SimPy one.
    `series=False` leaves out the daily series and the month-end aging (empty), which an
    optimiser that reads only the metrics does not need (a sixth of a fast replication).
    """
    check_compatible(scenario, policy)
    chosen = choose_engine(scenario, policy, engine)
    start = scenario.horizon.warmup_days
    totals = LedgerTotals(scenario, (start, start + scenario.horizon.horizon_days), series)

    def priced(ledger: Ledger) -> None:
        for block in blocks(ledger):
            check_conservation(block, first=totals.rows)
            totals.add(block)

    if chosen == "des":
        out = run_des(scenario, policy, seed)
    elif chosen == "reference":
        out = run_reference(scenario, policy, seed)
    else:
        # without a ledger to keep, the fast engine hands its rows over chunk by chunk and
        # lets each go once it is summed: a run's memory no longer grows with its invoices
        out = run_fast(scenario, policy, seed, screening=chosen == "screen",
                       chunks=None if keep_ledger else priced)
    if keep_ledger or chosen not in {"fast", "screen"}:
        priced(out.ledger)
    if out.window != totals.window:
        raise EngineError(f"the engine's window {out.window} is not the scenario's "
                          f"{totals.window}")
    values = cost_breakdown(scenario, policy, out, totals)
    values.update(kpis(scenario, policy, out, totals))
    daily, aging = totals.series()
    return Replication(index=index, seed=seed, metrics=values, daily=daily, aging=aging,
                       ledger=out.ledger if keep_ledger else None)


@dataclass(frozen=True)
class RunResult:
    """Every replication of a run, with the summary over them."""

    scenario: Scenario
    policy: Policy
    root_seed: int
    engine: str
    replications: tuple[Replication, ...]
    summary: dict[str, Estimate] = field(default_factory=dict)
    discount_costs: dict[str, list[TierCost]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """What a reader must know before trusting the figures (e.g. a saturated team)."""
        return kpi_warnings(self.summary)


Task = tuple[Scenario, Policy, int, int, bool, str, bool]


def _one(args: Task) -> Replication:
    scenario, policy, root, index, keep, engine, series = args
    return replicate(scenario, policy, replication_seed(root, index), index, keep, engine,
                     series)


def _local(tasks: list[Task], jobs: int, progress: Progress | None) -> list[Replication]:
    """Run tasks here (one job) or in a pool of local processes, in task order.

    Ctrl-C (KeyboardInterrupt) in the middle stops the pool's workers at once (see
    `_kill_pool`) and is raised again for the caller.
    """
    count = len(tasks)
    results: list[Replication] = []
    workers = max(1, min(jobs if jobs > 0 else (os.cpu_count() or 1), count))
    if workers == 1:
        for task in tasks:
            results.append(_one(task))
            if progress:
                progress(len(results), count)
        return results
    try:
        pool = _pool(workers)
        with interrupts_held():  # the workers are forked here, on the first submit
            futures = [pool.submit(_one, task) for task in tasks]
        # in order, never cancelling a future: the pool's own thread fails the ones left if
        # its workers are stopped (a cancelled one made it raise on Python 3.11, gh-107219)
        for future in futures:
            results.append(future.result())
            if progress:
                progress(len(results), count)
    except KeyboardInterrupt:
        _kill_pool(workers)
        raise
    except BrokenProcessPool as exc:
        _drop_pool(workers)
        raise EngineError(f"a worker process died ({exc}); was it out of memory?") from exc
    except OSError as exc:
        _drop_pool(workers)
        raise EngineError(f"cannot start {workers} worker processes: {exc}") from exc
    return results


def _ignore_interrupts() -> None:
    """In each worker: Ctrl-C is the parent's to handle (it stops the workers itself), so a
    worker neither dies with a traceback of its own nor leaves the pool half broken."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) held back for a moment, where POSIX can hold it; one that came
    meanwhile is raised at the end. Workers are forked under it (a worker forked before its
    initializer ran would die of a Ctrl-C with a traceback), and a run's files renamed into
    place (the set is replaced whole)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


#: Seconds to wait for stopped workers and the pool's thread before killing outright.
STOP_WAIT = 0.5


#: Worker pools by size, kept for the next run of this process. A sweep or an optimiser
#: runs many policies one after another; a new pool for each would fork its workers again,
#: and each new worker's first replication pays for mapping fresh memory (on this project's
#: test machine, a virtual machine, a fifth of that replication). The workers are forked
#: from the process as it was when the pool was made, but every task brings its scenario,
#: policy and seed with it, so what a worker computes does not depend on when it was made.
_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """The kept pool of `workers` processes (made on first use; remade if it broke)."""
    if getattr(_POOLS.get(workers), "_broken", False):  # (a worker died while it was idle)
        _drop_pool(workers)
    if workers not in _POOLS:
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers,
                                              initializer=_ignore_interrupts)
    return _POOLS[workers]


def _kill_pool(workers: int) -> None:
    """Stop the kept pool of `workers` processes now, mid-replication: each worker is
    terminated, then the pool's own thread (which fails the futures left) is waited for,
    so that no process nor thread outlives the run."""
    pool = _POOLS.pop(workers, None)
    if pool is None:
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    thread = getattr(pool, "_executor_manager_thread", None)
    if thread is not None:
        thread.join(timeout=STOP_WAIT)
    for process in processes:
        process.join(timeout=STOP_WAIT)
        if process.is_alive():
            process.kill()
            process.join(timeout=STOP_WAIT)


def kill_pools() -> None:
    """Stop every kept worker process now (after Ctrl-C: quickly, whatever they are doing)."""
    for workers in list(_POOLS):
        _kill_pool(workers)


def _drop_pool(workers: int) -> None:
    """Forget the kept pool of `workers` processes, stopping whatever is left of it."""
    pool = _POOLS.pop(workers, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pools() -> None:
    """Stop the kept worker processes (they also stop when this process exits)."""
    for pool in _POOLS.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOLS.clear()


def _on_cluster(scheduler: str, tasks: list[Task], progress: Progress | None
                ) -> list[Replication]:
    """Run tasks on a Dask distributed cluster; its workers need arsim installed."""
    try:
        dist: Any = importlib.import_module("distributed")  # an optional dependency
    except ImportError as exc:
        raise EngineError("--scheduler needs Dask: pip install 'arsim[dask]'") from exc
    try:
        client = dist.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        futures = client.map(_one, tasks, pure=False)
        try:
            for done, _ in enumerate(dist.as_completed(futures), start=1):
                if progress:
                    progress(done, len(tasks))
        except KeyboardInterrupt:
            # the cluster's workers are not ours to stop, but its work for this run is
            client.cancel(futures, force=True)
            raise
        results: list[Replication] = client.gather(futures)
    return results


def run(scenario: Scenario, policy: Policy, replications: int | None = None,
        seed: int | None = None, jobs: int = 1, keep_ledgers: bool = False,
        progress: Progress | None = None, scheduler: str | None = None,
        engine: str = "auto", first: int = 0, series: bool = True) -> RunResult:
    """Run replications and summarise them with 95% intervals.

    Replications run in this process (`jobs=1`), in `jobs` local processes (0 = one per
    core), or on a Dask distributed cluster (`scheduler="tcp://host:8786"`). Each replication
    is a pure function of (scenario, policy, its seed), so results come back in replication
    order and bit for bit the same whichever way they ran. `first` starts at a later
    replication number (an optimiser tops up a candidate, or re-checks on fresh seeds);
    `series=False` keeps only each replication's metrics (see `replicate`).
    """
    check_compatible(scenario, policy)
    count = replications or scenario.horizon.replications
    root = scenario.horizon.seed if seed is None else seed
    chosen = choose_engine(scenario, policy, engine)
    tasks = [(scenario, policy, root, r, keep_ledgers, chosen, series)
             for r in range(first, first + count)]
    if scheduler is not None:
        check_scheduler_address(scheduler)
        results = _on_cluster(scheduler, tasks, progress)
    else:
        results = _local(tasks, jobs, progress)
    year = scenario.conventions.days_in_year
    costs: dict[str, list[TierCost]] = {g: tier_costs(t, year) for g, t in policy.terms.items()
             if g in policy.accepted_grades and t.discounts}
    return RunResult(scenario=scenario, policy=policy, root_seed=root, engine=chosen,
                     replications=tuple(results),
                     summary=summarise([r.metrics for r in results]),
                     discount_costs=costs)


def as_jsonable(value: Any) -> Any:
    """Floats that JSON can hold (nan/inf become None)."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
