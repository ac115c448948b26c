"""Peak memory and time of one replication at scale (issue 16: 1,000,000 customers x 2 years
in one process under 3 GiB).

    python benchmarks/bench_memory.py [SCENARIO] [--customers N [N ...]] [--days DAYS]
                                      [--ledger] [--engine fast|des]

For each number of customers (default 1,000,000; every segment scaled in proportion), one
replication of the scenario (default: the default one, collectors unlimited so that the
fast engine is exact) over its warm-up and DAYS measured days (default 730: two years), run
the way `arsim run` runs it (`replicate`, pricing included), in a fresh process of its own
so that its peak is its own. Before that, a warm-up process fills numba's cache: compiling
has a peak of its own (over a gigabyte), which a run with a warm cache never pays. Prints,
per size: customers, invoices issued in the window, wall seconds, peak resident memory
(VmHWM) and sim/footprint.py's estimate for the same run, and whether the peak stays under
3 GiB. `--ledger` keeps the ledger (as `arsim run --ledger` does, the whole ledger held).
Measured here, never asserted in the test suite (tests/test_benchmarks.py only checks that
the script runs and reports every figure, on a tiny scenario).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from arsim.sim import footprint
from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import replicate, replication_seed

DEFAULT = Path(__file__).resolve().parent.parent / "scenarios" / "default.yaml"
#: The limit the issue sets for 1,000,000 customers over two years
LIMIT_MIB = 3 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--days", type=float, default=730.0)
    parser.add_argument("--ledger", action="store_true", help="keep the whole ledger")
    parser.add_argument("--engine", default="fast", choices=("fast", "des"))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a size, in a subprocess
    args = parser.parse_args()
    if args.one is not None:
        _one(args.scenario, args.one, args.days, args.ledger, args.engine)
        return
    _child(args, 0)  # warm-up: numba's cache filled before anything is measured
    print(f"one replication of {Path(args.scenario).name}, {args.days:g} measured days after "
          f"the warm-up, engine {args.engine}, ledger {'kept' if args.ledger else 'not kept'}"
          f"; each size in a fresh process")
    print(f"{'customers':>10} {'invoices':>11} {'seconds':>8} {'peak MiB':>9} "
          f"{'estimate MiB':>13}  under 3 GiB")
    for customers in args.customers:
        figures = _child(args, customers)
        print(f"{customers:>10,} {figures['invoices']:>11,.0f} {figures['seconds']:>8.1f} "
              f"{figures['peak_mib']:>9,.0f} {figures['estimate_mib']:>13,.0f}  "
              f"{'yes' if figures['peak_mib'] < LIMIT_MIB else 'NO'}", flush=True)


def _child(args: argparse.Namespace, customers: int) -> dict[str, float]:
    command = [sys.executable, __file__, args.scenario, "--one", str(customers),
               "--days", str(args.days), "--engine", args.engine]
    done = subprocess.run(command + (["--ledger"] if args.ledger else []),
                          capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures


def _one(path: str, customers: int, days: float, ledger: bool, engine: str) -> None:
    """One replication at `customers` (0: a tiny warm-up run); prints its figures as JSON."""
    scenario, policy = load(path)
    total = sum(s.customers for s in scenario.segments)
    sizes = ([2] * len(scenario.segments) if customers == 0 else
             _shares(customers, [s.customers for s in scenario.segments], total))
    # (the two years: `days` measured after a 180-day warm-up, whatever the file's)
    changes = ["collections.collectors=null", "scenario.horizon.warmup_days=180",
               f"scenario.horizon.horizon_days={30.0 if customers == 0 else days:g}"]
    changes += [f"scenario.segments.{k}.customers={n}" for k, n in enumerate(sizes)]
    # newcomers in proportion to the opening population (a bigger company wins more)
    changes += [f"scenario.segments.{k}.newcomers_per_year="
                f"{s.newcomers_per_year * n / s.customers:g}"
                for k, (s, n) in enumerate(zip(scenario.segments, sizes, strict=True))]
    scenario, policy = apply_overrides(scenario, policy, changes)
    wall = time.perf_counter()
    done = replicate(scenario, policy, replication_seed(scenario.horizon.seed, 0),
                     keep_ledger=ledger, engine=engine)
    seconds = time.perf_counter() - wall
    plan = footprint.plan_jobs(scenario, engine, 1, 1, ledger, None)
    print(json.dumps({"invoices": done.metrics["invoices"], "seconds": seconds,
                      "peak_mib": _peak_mib(), "estimate_mib": plan.single_bytes / 2**20}))


def _shares(customers: int, sizes: list[int], total: int) -> list[int]:
    """`customers` split over the segments in proportion to their sizes (one at least)."""
    split = [max(1, customers * n // total) for n in sizes]
    split[-1] += customers - sum(split)
    return split


def _peak_mib() -> float:
    """This process's own peak resident memory (VmHWM: ru_maxrss would include the size of
    the process that forked it)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


if __name__ == "__main__":
    main()
