"""Whether the compiled engines are in numba's on-disk cache, and how far compiling has got.

The first run after installing compiles the engines (30-60 s); later runs load them from
the cache in a fraction of a second. The command line asks here whether this run will
compile, to say so ("compiling the engines, first run only") rather than sit silent.
The look-up reads numba's cache index of each compiled function, the way numba itself does
before deciding to compile; if numba's internals change shape, the answer is "not cold" and
the run is merely quiet, as it was before.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["cold_kernels", "compiled", "is_cold", "kernels"]

#: The modules whose compiled functions each engine calls.
_SHARED = ("arsim.sim.rng", "arsim.sim.draws", "arsim.sim.engine.orders")
_MODULES = {
    "fast": ("arsim.sim.engine.fast", *_SHARED),
    "screen": ("arsim.sim.engine.fast", *_SHARED),
    "des": ("arsim.sim.engine.events", "arsim.sim.engine.fast", *_SHARED),
}


def kernels(engine: str) -> list[Any]:
    """The compiled functions (numba dispatchers) an engine's run calls from Python or from
    other compiled code; functions inlined into their callers are never compiled alone."""
    from numba.core.registry import CPUDispatcher  # noqa: PLC0415 - numba loads with the engines

    found: list[Any] = []
    for name in _MODULES.get(engine, ()):
        module = importlib.import_module(name)
        found.extend(obj for obj in vars(module).values()
                     if isinstance(obj, CPUDispatcher) and obj.__module__ == name
                     and obj.targetoptions.get("inline") != "always")
    return found


def _cached(dispatcher: Any) -> bool:
    try:
        return bool(dispatcher._cache._cache_file._load_index())
    except Exception:  # numba's internals changed: assume cached, stay quiet
        return True


def cold_kernels(engine: str) -> list[Any]:
    """The compiled functions of an engine that this run would have to compile."""
    return [d for d in kernels(engine) if not _cached(d)]


#: The compiled function each engine's run enters first, and compiles all its own helpers
#: with: whether it is cached says whether this run compiles (a helper that this engine
#: never calls may stay uncached for good, so "any helper uncached" would cry wolf).
_ENTRY = {"fast": ("arsim.sim.engine.fast", "_customers"),
          "screen": ("arsim.sim.engine.fast", "_customers"),
          "des": ("arsim.sim.engine.events", "_kernel")}


def is_cold(engine: str) -> bool:
    """Whether a run of this engine will compile it first (numba's cache lacks its entry)."""
    if engine not in _ENTRY:
        return False
    module, name = _ENTRY[engine]
    return not _cached(getattr(importlib.import_module(module), name))


def compiled(dispatchers: list[Any]) -> int:
    """How many of these functions this process has compiled (or loaded) so far."""
    return sum(1 for d in dispatchers if d.signatures)
