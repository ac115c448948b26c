"""numba's cache under arsim's lock (sim/cachelock.py): a save waits while another process
holds the cache directory, and processes compiling one function at once keep its cache whole."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from numba.core import caching

from arsim.sim import cachelock

pytestmark = pytest.mark.skipif(cachelock.fcntl is None, reason="no flock on this platform")


def test_importing_the_engines_puts_numbas_cache_under_the_lock() -> None:
    import arsim.sim.engine.fast  # noqa: F401

    for name in ("save", "load", "flush"):
        assert getattr(getattr(caching.IndexDataCacheFile, name), "__arsim_cache_lock__", False)
    assert cachelock.install()  # (and a second install wraps nothing twice)
    assert not hasattr(caching.IndexDataCacheFile.save.__wrapped__, "__arsim_cache_lock__")


def test_a_save_waits_while_the_cache_directory_is_held(tmp_path: Path) -> None:
    """Another holder of the directory's lock (here on its own open file, as another
    process's would be) keeps a save from touching the index until it lets go."""
    cache = caching.IndexDataCacheFile(str(tmp_path), "f-1.py311", ("stamp", 1))
    saved = threading.Event()

    def save() -> None:
        cache.save(("signature", "int64"), b"machine code")
        saved.set()

    with cachelock.locked(str(tmp_path)):
        worker = threading.Thread(target=save)
        worker.start()
        assert not saved.wait(0.5)
        assert not (tmp_path / "f-1.py311.nbi").exists()
    worker.join(10)
    assert saved.is_set()
    assert cache.load(("signature", "int64")) == b"machine code"


SOURCE = '''
import numba
import arsim.sim.elementary  # arsim's lock over numba's cache, as in every engine module

@numba.njit(cache=True)
def twice(x):
    total = x
    for _ in range(3):
        total = total + x
    return total - x - x
'''


def test_processes_compiling_one_function_at_once_keep_its_cache_whole(tmp_path: Path) -> None:
    """Three processes add three signatures of one function to its cache at the same moment;
    a fourth then loads all three from the cache, each its own machine code."""
    (tmp_path / "twice.py").write_text(SOURCE)
    compile_one = "import sys; import twice; print(twice.twice({}))"
    args = ("3", "3.5", "True")
    started = [subprocess.Popen([sys.executable, "-c", compile_one.format(a)], cwd=tmp_path,
                                stdout=subprocess.PIPE, text=True) for a in args]
    outputs = [p.communicate(timeout=300)[0].strip() for p in started]
    assert outputs == ["6", "7.0", "2"]
    check = textwrap.dedent("""
        import twice
        print(twice.twice(3), twice.twice(3.5), twice.twice(True),
              twice.twice.stats.cache_hits and sum(twice.twice.stats.cache_hits.values()),
              len(twice.twice.stats.cache_misses))
    """)
    done = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=True)
    assert done.stdout.split() == ["6", "7.0", "2", "3", "0"]
