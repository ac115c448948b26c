"""Fill numba's on-disk cache with both compiled engines before the test suite, in parallel.

    python tests/warm_engines.py          # `make test` runs this before pytest

A cold cache costs the suite about three minutes of compiling, one engine after the other
(the fast engine's `_customers` and the SimPy engine's event `_kernel`, some 90 s each), in
whichever tests happen to come first. Here each engine compiles in its own process, at the
same time, on the default scenario's small copy (the one the command line compiles with on a
first run: the same code paths and argument types as a real run). With the cache warm
already (`arsim.sim.compilation.is_cold`) nothing is started.

Both processes compile the helpers the two engines share (sim/rng.py, sim/draws.py,
sim/engine/orders.py, fast.py's helpers the event kernel calls). numba writes each cache
file atomically (a temporary file, then a rename), but saving an entry reads the function's
index, adds the entry and writes the index back, then the entry's data file: two processes
adding different signatures of one function at once could each pick the same data file name
for their own signature. So each process here holds one exclusive lock over every cache
save and load, and the index and the data files always agree.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ENGINES = ("fast", "des")
#: The environment variable that carries the lock file's path to the two processes.
LOCK = "ARSIM_WARM_LOCK"


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cache_file() -> Any:
    """numba's class that reads and writes a function's cache index and data files, if it is
    still there by that name with `save` and `load` (numba's internals, checked on 0.68)."""
    from numba.core import caching

    found = getattr(caching, "IndexDataCacheFile", None)
    return found if hasattr(found, "save") and hasattr(found, "load") else None


def _serialise_cache_io(path: str) -> None:
    """Every save and load of numba's cache in this process under the lock at `path`."""
    cache_file = _cache_file()

    def under_lock(method: Callable[..., Any]) -> Callable[..., Any]:
        def locked(self: Any, *args: Any) -> Any:
            with _locked(path):
                return method(self, *args)
        return locked

    cache_file.save = under_lock(cache_file.save)
    cache_file.load = under_lock(cache_file.load)


def _warm(engine: str) -> None:
    """Compile (or load) one engine: one replication of the default scenario's small copy;
    collectors unlimited for the fast engine (where it is exact)."""
    if _cache_file() is not None:
        _serialise_cache_io(os.environ[LOCK])
    from arsim.cli.compiling import small_copy  # (after the lock is in place)
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
    from arsim.sim.compilation import is_cold  # (here only, not in the workers)

    cold = [engine for engine in ENGINES if is_cold(engine)]
    if not cold:
        print("engines already in numba's cache")  # noqa: T201
        return 0
    # without the class to lock (numba changed), one engine after the other, as safe as ever
    together = _cache_file() is not None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, LOCK: str(Path(scratch) / "numba-cache.lock")}
        workers: dict[str, subprocess.Popen[bytes]] = {}
        took: dict[str, float] = {}
        for engine in cold:
            workers[engine] = subprocess.Popen([sys.executable, __file__, engine], env=env)
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
