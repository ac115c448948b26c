"""Invoices simulated per second by each engine on a scenario (default: the default one).

    python benchmarks/bench_engine.py [SCENARIO] [--replications N]

Runs single-threaded, one replication at a time, and prints wall time, CPU time, invoices
per second and the process's peak resident memory: the SimPy engine on the scenario as it
is, then both engines side by side with collectors unlimited (where the fast engine is
exact: the two give the same invoices). Speed is measured here, never asserted in the test
suite.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.output import EngineOutput
from arsim.sim.loader import apply_overrides, load
from arsim.sim.policy import Policy
from arsim.sim.replicate import replication_seed
from arsim.sim.scenario import Scenario

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
    des = _measure("SimPy engine", run_des, scenario, policy, args.replications)
    unlimited = apply_overrides(scenario, policy, ["collections.collectors=null"])
    run_fast(*unlimited, replication_seed(scenario.horizon.seed, 0))  # compile (or load) once
    print("collectors unlimited:")
    des_u = _measure("SimPy engine", run_des, *unlimited, args.replications)
    fast_u = _measure("fast engine", run_fast, *unlimited, args.replications)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"SimPy engine, single-threaded: median {des:,.0f} invoices/s on the scenario; "
          f"with collectors unlimited {des_u:,.0f} (SimPy) and {fast_u:,.0f} (fast), "
          f"{fast_u / des_u:.1f}x; peak memory {peak_mib:,.0f} MiB")
    sys.stdout.flush()


Engine = Callable[[Scenario, Policy, int], EngineOutput]


def _measure(label: str, engine: Engine, scenario: Scenario, policy: Policy,
             replications: int) -> float:
    """Run replications one by one; print each; return the median invoices per second."""
    rates = []
    for r in range(replications):
        seed = replication_seed(scenario.horizon.seed, r)
        wall, cpu = time.perf_counter(), time.process_time()
        out = engine(scenario, policy, seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rates.append(len(out.ledger) / wall)
        print(f"  {label}, replication {r}: {len(out.ledger):,} invoices in {wall:.2f} s wall, "
              f"{cpu:.2f} s CPU: {len(out.ledger) / wall:,.0f} invoices/s")
    return sorted(rates)[len(rates) // 2]


if __name__ == "__main__":
    main()
