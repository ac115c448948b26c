"""numba's on-disk cache, safe for several processes that compile at once.

The compiled engines are cached on disk by numba (`cache=True`). numba writes each cache
file atomically (a temporary file, then a rename), but saving a compiled function's entry
reads the function's index, adds the entry, writes the index back and then the entry's data
file. Two processes that compile different signatures of one function at the same moment
(two `arsim run` started together on a fresh install, a cluster's workers on a cold cache,
the test suite's warm-up) can each read the same index and take the same data file's name
for their own signature: the index then names one signature's machine code for the other,
which numba later loads and calls (numba issue #10128 reports the crashes that follow).

`install` wraps every save, load and flush of a cache index and its data in an exclusive
lock on a file in that cache directory (`LOCK_NAME`): the index and the data files then
always agree. Each module of arsim's that compiles with `cache=True` calls it when it is
imported, before numba reads or writes any cache entry. Where the platform has no `flock`
(Windows) or numba's internals have changed shape, nothing is wrapped and `install` says so;
the cache is then exactly as safe as numba makes it.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "install", "locked"]

#: The lock file, one per cache directory (beside numba's .nbi and .nbc files)
LOCK_NAME = ".arsim-numba-cache.lock"
#: Set on the wrapped methods, so that a second install wraps nothing twice
_MARK = "__arsim_cache_lock__"


@contextlib.contextmanager
def locked(directory: str) -> Iterator[None]:
    """Hold the exclusive lock of the cache directory `directory` (blocking until it is
    free). A directory that cannot hold the lock file (read-only, or not made yet) is one no
    process writes to here, so there is nothing to wait for."""
    if fcntl is None:
        yield
        return
    try:
        handle = open(os.path.join(directory, LOCK_NAME), "a+b")  # noqa: SIM115
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cache_file_class() -> Any:
    """numba's class that reads and writes a function's cache index and data files, if it
    is still there by that name with the methods wrapped here (numba 0.68 checked)."""
    from numba.core import caching  # noqa: PLC0415 - numba loads with the engines

    found = getattr(caching, "IndexDataCacheFile", None)
    if found is None or not all(hasattr(found, name) for name in ("save", "load", "flush")):
        return None
    if not isinstance(getattr(found(".", "probe", None), "_cache_path", None), str):
        return None
    return found


def _under_lock(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapped(self: Any, *args: Any) -> Any:
        with locked(self._cache_path):
            return method(self, *args)

    setattr(wrapped, _MARK, True)
    return wrapped


@functools.cache
def install() -> bool:
    """Serialise numba's cache reads and writes per cache directory in this process (once);
    True if they are (False: no flock here, or numba's internals changed)."""
    cache_file = _cache_file_class()
    if fcntl is None or cache_file is None:
        return False
    for name in ("save", "load", "flush"):
        method = getattr(cache_file, name)
        if not getattr(method, _MARK, False):
            setattr(cache_file, name, _under_lock(method))
    return True
