"""How big a run will be, known before it starts: invoices, ledger rows, memory.

Used to warn before writing a ledger of more than a gigabyte and to fit the worker
processes into the machine's memory (see ``docs/design.md``, "Memory").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import EngineError
from .scenario import Scenario

__all__ = ["CHUNKED_BYTES_PER_INVOICE", "MemoryPlan", "available_bytes", "expected_invoices",
           "gib", "plan_jobs", "replication_bytes"]


def expected_invoices(scenario: Scenario) -> float:
    """Invoices one replication issues, at market demand (an upper estimate: a policy that
    loses sales issues fewer), plus the opening book's invoices when it is generated."""
    horizon = scenario.horizon
    years = (horizon.warmup_days + horizon.horizon_days) / scenario.conventions.days_in_year
    # (newcomers arriving evenly over the run order, on average, for half of it)
    orders = sum((s.customers + s.newcomers_per_year * years / 2.0) * s.orders_per_year
                 for s in scenario.segments) * years
    book = scenario.opening_book
    if book is not None and book.ledger_csv is None:
        mean = sum(s.order_amount.mean for s in scenario.segments) / len(scenario.segments)
        orders += book.total_amount / mean
    return float(orders)


#: Peak memory of a process with no customers: the interpreter and libraries (NumPy, pandas,
#: SciPy, numba, and matplotlib, which the command line's reports bring in) and the engines'
#: fixed tables; the intercept of the measured peaks (fast 300, SimPy engine 302 MiB, measured
#: again after the model-fidelity and report changes), rounded up by about a tenth; raised to
#: 350 MiB when the study reports and the living population came in (a chunked run of the
#: default peaked at 340 MiB against 330 estimated). The model and its measurements:
#: docs/design.md, "Memory".
BASE_BYTES = 350 * 2**20
#: Bytes of peak memory per expected invoice of one replication whose ledger is held whole
#: (the SimPy engine always; the fast one when the ledger is kept), by engine: the slopes of
#: the peaks measured at 10,000, 100,000 and 300,000 customers of the default scenario
#: (benchmarks/bench_memory.py; fast, ledger kept: 287, 550 and 1,212 MiB, 111 and then
#: 125 B; SimPy engine at 10,000 and 100,000: 297 and 846 MiB, 231 B), rounded up by a
#: tenth. Pricing no longer copies the whole ledger's columns (sim/totals.py prices it a
#: block at a time), which took the slopes down from 271 and 313 B.
BYTES_PER_INVOICE = {"fast": 140, "screen": 140, "des": 255}
#: The same for the fast engine when no ledger is kept: its rows are priced in chunks and
#: let go, so what grows is the customers' and orders' tables (order times, tallies): the
#: peaks at 10,000, 100,000 and 1,000,000 customers were 272, 316 and 760 MiB, 18.5 and
#: 18.7 B an expected invoice, rounded up by a tenth.
CHUNKED_BYTES_PER_INVOICE = 21
#: Engines that price a replication in chunks when its ledger is not kept
CHUNKED_ENGINES = ("fast", "screen")
#: Bytes the parent process holds per expected invoice kept for ledger.csv (the ledgers
#: returned by the workers, the table made of them and the rows being written), measured
#: 366 B between 10,000 and 50,000 customers and rounded up.
LEDGER_BYTES_PER_INVOICE = 400


@dataclass(frozen=True)
class MemoryPlan:
    """How many processes a run can use in the memory there is, and why."""

    jobs: int
    wanted: int
    worker_bytes: float
    parent_bytes: float
    available_bytes: float | None

    @property
    def single_bytes(self) -> float:
        """Peak of the run in one process (the parent runs the replications itself)."""
        return self.parent_bytes + self.worker_bytes - BASE_BYTES


def replication_bytes(scenario: Scenario, engine: str, keep_ledger: bool = True
                      ) -> float | None:
    """Peak memory of a process running one replication (its ledger kept or not), or None
    where not measured (the plain-Python reference engine)."""
    per_invoice = (CHUNKED_BYTES_PER_INVOICE if engine in CHUNKED_ENGINES and not keep_ledger
                   else BYTES_PER_INVOICE.get(engine))
    if per_invoice is None:
        return None
    return BASE_BYTES + per_invoice * expected_invoices(scenario)


def _meminfo_available(text: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return float(line.split()[1]) * 1024
    return None


def _cgroup_room() -> float | None:
    """What the process's control group (a container's limit) still lets it take."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text(encoding="ascii").strip()
            usage = float(Path(usage_file).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:
            return max(0.0, float(limit) - usage)
    return None


def available_bytes() -> float | None:
    """Memory a run can still take: the smaller of the machine's available memory and its
    control group's room; None where neither can be read (no estimate is then enforced)."""
    try:
        machine = _meminfo_available(Path("/proc/meminfo").read_text(encoding="ascii"))
    except OSError:
        machine = None
    room = [v for v in (machine, _cgroup_room()) if v is not None]
    return min(room) if room else None


def plan_jobs(scenario: Scenario, engine: str, replications: int, jobs: int,
              keep_ledgers: bool, available: float | None) -> MemoryPlan:
    """The number of worker processes that fit in `available` bytes (at most `jobs`;
    0 = one per core), with the estimates it rests on.

    Raises:
        EngineError: Not even one process running one replication fits.
    """
    worker = replication_bytes(scenario, engine, keep_ledgers)
    ledger = LEDGER_BYTES_PER_INVOICE * expected_invoices(scenario) * replications
    parent = BASE_BYTES + (ledger if keep_ledgers else 0.0)
    wanted = max(1, min(jobs if jobs > 0 else (os.cpu_count() or 1), replications))
    if worker is None or available is None:
        return MemoryPlan(wanted, wanted, worker or 0.0, parent, available)
    plan = MemoryPlan(wanted, wanted, worker, parent, available)
    if plan.single_bytes > available:
        raise EngineError(_too_big(scenario, plan, keep_ledgers))
    fitting = wanted
    while fitting > 1 and parent + fitting * worker > available:
        fitting -= 1
    return MemoryPlan(fitting, wanted, worker, parent, available)


def gib(size: float) -> str:
    """Bytes as GB for a reader (1 GB = 2**30 bytes, as memory is sold)."""
    return f"{size / 2**30:.1f} GB"


def _too_big(scenario: Scenario, plan: MemoryPlan, keep_ledgers: bool) -> str:
    customers = sum(s.customers for s in scenario.segments)
    days = scenario.horizon.warmup_days + scenario.horizon.horizon_days
    ways = "fewer customers or a shorter horizon" + (", fewer replications or no --ledger"
                                                      if keep_ledgers else "")
    return (f"this run needs about {gib(plan.single_bytes)} of memory ({customers:,} "
            f"customers over {days:g} days, about {expected_invoices(scenario):,.0f} invoices "
            f"a replication) and {gib(plan.available_bytes or 0.0)} is free; try {ways}")
