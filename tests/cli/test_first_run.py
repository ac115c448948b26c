"""The first run says it is compiling the engines and shows how far it has got (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from arsim import scenarios as shipped
from arsim.cli import compiling, main
from arsim.sim.compilation import is_cold, kernels
from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import replicate

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"


def test_an_empty_cache_is_cold(tmp_path: Path) -> None:
    code = ("from arsim.sim.compilation import is_cold; "
            "print(is_cold('fast'), is_cold('des'), is_cold('reference'))")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=120)
    assert out.stdout.split() == ["True", "True", "False"]


def test_a_cache_filled_by_a_run_is_warm() -> None:
    scenario, policy = load(TINY)
    scenario, policy = apply_overrides(scenario, policy, ["collections.collectors=null"])
    replicate(scenario, policy, seed=1, engine="fast")  # compiles, or loads, and caches
    assert not is_cold("fast")
    assert len(kernels("fast")) > 10


@pytest.mark.parametrize("name", shipped.available())
def test_the_small_copy_runs_the_same_engine_quickly(name: str) -> None:
    scenario, policy = load(shipped.path(name))
    small = compiling.small_copy(scenario)
    assert sum(s.customers for s in small.segments) <= 2 * len(small.segments)
    started = time.perf_counter()
    replicate(small, policy, seed=0)
    assert time.perf_counter() - started < 30  # (compiling included, when cold)


def test_a_cold_start_is_announced_with_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiling, "is_cold", lambda engine: True)
    monkeypatch.setattr(compiling, "TICK_S", 0.05)
    monkeypatch.setattr(compiling, "_terminal", lambda: True)
    real = compiling.replicate

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.4)  # as long as compiling takes, for the ticker to tick
        return real(*args, **kwargs)

    monkeypatch.setattr(compiling, "replicate", slow)
    result = CliRunner().invoke(main, ["run", str(TINY), "-n", "1"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("compiling the engines, first run only")
    assert "\rcompiling: " in result.stderr
    assert " functions, " in result.stderr
    assert "compiled the engines in " in result.stderr


def test_a_warm_start_is_quiet() -> None:
    result = CliRunner().invoke(main, ["run", str(TINY), "-n", "1"])
    assert result.exit_code == 0
    assert "compil" not in result.stderr
