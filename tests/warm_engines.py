"""Fill numba's on-disk cache with both compiled engines before the test suite, in parallel.

    python tests/warm_engines.py          # `make test` runs this before pytest

A cold cache costs the suite about three minutes of compiling, one engine after the other
(the fast engine's `_customers` and the SimPy engine's event `_kernel`, some 90 s each), in
whichever tests happen to come first. Here each engine compiles in its own process, at the
same time, on the default scenario's small copy (the one the command line compiles with on a
first run: the same code paths and argument types as a real run). With the cache warm
already (`arsim.sim.compilation.is_cold`) nothing is started.

Both processes compile the helpers the two engines share (sim/rng.py, sim/draws.py,
sim/engine/orders.py, fast.py's helpers the event kernel calls) and save them to the same
cache files: arsim's own lock over numba's cache (sim/cachelock.py, in place in every process
that imports the engines) keeps the index and the data files in agreement.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ENGINES = ("fast", "des")


def _warm(engine: str) -> None:
    """Compile (or load) one engine: one replication of the default scenario's small copy;
    collectors unlimited for the fast engine (where it is exact)."""
    from arsim.cli.compiling import small_copy
    from arsim.sim.loader import apply_overrides, load
    from arsim.sim.replicate import replicate

    root = Path(__file__).resolve().parents[1]
    scenario, policy = load(root / "scenarios" / "default.yaml")
    if engine == "fast":
        scenario, policy = apply_overrides(scenario, policy, ["collections.collectors=null"])
    replicate(small_copy(scenario), policy, seed=0, engine=engine)


def main() -> int:
    if len(sys.argv) == 2 and sys.argv[1] in ENGINES:
        _warm(sys.argv[1])
        return 0
    from arsim.sim import cachelock
    from arsim.sim.compilation import is_cold  # (here only, not in the workers)

    cold = [engine for engine in ENGINES if is_cold(engine)]
    if not cold:
        print("engines already in numba's cache")  # noqa: T201
        return 0
    # without the class to lock (numba changed), one engine after the other, as safe as ever
    together = cachelock.install()
    started = time.perf_counter()
    workers: dict[str, subprocess.Popen[bytes]] = {}
    took: dict[str, float] = {}
    for engine in cold:
        workers[engine] = subprocess.Popen([sys.executable, __file__, engine])
        if not together:
            workers[engine].wait()
            took[engine] = time.perf_counter() - started
    while len(took) < len(workers):
        for engine, worker in workers.items():
            if engine not in took and worker.poll() is not None:
                took[engine] = time.perf_counter() - started
        time.sleep(0.1)
    failed = [engine for engine, worker in workers.items() if worker.returncode != 0]
    times = ", ".join(f"{engine} {took[engine]:.0f} s" for engine in cold)
    print(f"compiled the engines into numba's cache ({times})", flush=True)  # noqa: T201
    if failed:
        print(f"warming the {' and '.join(failed)} engine failed", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
