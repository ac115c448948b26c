"""Invoices simulated per second by the SimPy engine on a scenario (default: the default one).

    python benchmarks/bench_engine.py [SCENARIO] [--replications N]

Runs single-threaded, one replication at a time, and prints wall time, CPU time, invoices
per second and the process's peak resident memory. Speed is measured here, never asserted
in the test suite.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

from arsim.sim.engine.des import run_des
from arsim.sim.loader import load
from arsim.sim.replicate import replication_seed

DEFAULT = Path(__file__).resolve().parent.parent / "scenarios" / "default.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--replications", "-n", type=int, default=3)
    args = parser.parse_args()
    scenario, policy = load(args.scenario)
    print(f"scenario {scenario.name!r}: {scenario.customers:,} customers, "
          f"{scenario.horizon.warmup_days:g} + {scenario.horizon.horizon_days:g} days; "
          f"Python {platform.python_version()} on {platform.machine()}")
    rates = []
    for r in range(args.replications):
        seed = replication_seed(scenario.horizon.seed, r)
        wall, cpu = time.perf_counter(), time.process_time()
        out = run_des(scenario, policy, seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        invoices = len(out.ledger)
        rates.append(invoices / wall)
        print(f"replication {r}: {invoices:,} invoices in {wall:.2f} s wall, {cpu:.2f} s CPU: "
              f"{invoices / wall:,.0f} invoices/s")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    best = max(rates)
    print(f"SimPy engine, single-threaded: best {best:,.0f} invoices/s, "
          f"median {sorted(rates)[len(rates) // 2]:,.0f}; peak memory {peak_mib:,.0f} MiB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
