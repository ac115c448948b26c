"""A run's peak memory is estimated before it starts (issue 16): --jobs is lowered, or the
run refused in one line, when the machine cannot hold it; the estimate is checked against
peaks measured in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from arsim.cli import main
from arsim.sim import footprint
from arsim.sim.errors import EngineError
from arsim.sim.loader import apply_overrides, load

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"
ROOT = Path(__file__).resolve().parents[2]
MIB = 2**20


def _run(monkeypatch: pytest.MonkeyPatch, free: float, *args: str) -> Result:
    monkeypatch.setattr(footprint, "available_bytes", lambda: free)
    return CliRunner().invoke(main, ["run", str(TINY), "-n", "2", *args])


def test_a_run_that_cannot_fit_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, 100 * MIB, "--jobs", "2")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("arsim: error: this run needs about 0.3 GB of memory")
    assert "50 customers over 150 days" in lines[0]
    assert "0.1 GB is free" in lines[0]


def test_jobs_are_lowered_to_what_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario, _ = load(TINY)
    worker = footprint.replication_bytes(scenario, "des")
    assert worker is not None
    result = _run(monkeypatch, footprint.BASE_BYTES + 1.5 * worker, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "arsim: note: --jobs lowered from 2 to 1: each worker needs about 0.3 GB" \
        in result.stderr
    assert "TOTAL COST" in result.stdout


def test_a_run_that_fits_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, 64 * 2**30, "--jobs", "2")
    assert result.exit_code == 0
    assert "lowered" not in result.stderr


def test_a_kept_ledger_counts_in_the_parent() -> None:
    scenario, _ = load(ROOT / "scenarios" / "default.yaml")
    light = footprint.plan_jobs(scenario, "fast", 40, 2, False, None)
    heavy = footprint.plan_jobs(scenario, "fast", 40, 2, True, None)
    assert heavy.parent_bytes - light.parent_bytes == pytest.approx(
        40 * footprint.LEDGER_BYTES_PER_INVOICE * footprint.expected_invoices(scenario))
    with pytest.raises(EngineError, match="or no --ledger"):
        footprint.plan_jobs(scenario, "fast", 40, 2, True, heavy.parent_bytes)


def test_no_estimate_is_enforced_where_memory_cannot_be_read() -> None:
    scenario, _ = load(TINY)
    assert footprint.plan_jobs(scenario, "des", 4, 2, True, None).jobs == 2
    assert footprint.plan_jobs(scenario, "reference", 4, 2, True, 1.0).jobs == 2


def test_meminfo_is_read_as_kibibytes() -> None:
    text = "MemTotal:  4000 kB\nMemFree:  100 kB\nMemAvailable:   2048 kB\n"
    assert footprint._meminfo_available(text) == 2048 * 1024
    assert footprint.available_bytes() is None or footprint.available_bytes() > 0


# Measured in a fresh process, as a worker starts, after another process has filled numba's
# cache (the suite clears it when an engine changes, and compiling has a peak of its own).
PEAK = """
import json, sys
from arsim.cli.compiling import small_copy
from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import replicate
from arsim.sim import footprint
scenario, policy = load(sys.argv[1])
scenario, policy = apply_overrides(scenario, policy, sys.argv[5:])
keep = sys.argv[4] == "keep"
if sys.argv[3] == "warm-up":
    replicate(small_copy(scenario), policy, seed=1, engine=sys.argv[2])
else:
    replicate(scenario, policy, seed=1, keep_ledger=keep, engine=sys.argv[2])
# VmHWM, the peak of this process's own memory: ru_maxrss would start from the size of the
# process that forked it (the test runner, a gigabyte or more at this point of the suite)
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) * 1024
print(json.dumps({"peak": peak,
                  "estimate": footprint.replication_bytes(scenario, sys.argv[2], keep)}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(),
                    reason="the peak is read from Linux's /proc/self/status (VmHWM)")
@pytest.mark.parametrize(("engine", "keep", "sets"), [
    ("fast", "keep", ["collections.collectors=null"]),
    ("fast", "chunks", ["collections.collectors=null"]),  # no ledger: priced in chunks
    ("des", "keep", []),
])
def test_the_estimate_holds_the_measured_peak(engine: str, keep: str, sets: list[str]) -> None:
    for stage in ("warm-up", "measure"):
        done = subprocess.run([sys.executable, "-c", PEAK,
                               str(ROOT / "scenarios" / "default.yaml"), engine, stage, keep,
                               *sets],
                              capture_output=True, text=True, check=True, timeout=300)
    figures = json.loads(done.stdout)
    assert figures["peak"] <= figures["estimate"] <= 1.5 * figures["peak"], figures


def test_a_run_without_a_ledger_is_estimated_in_chunks() -> None:
    """The fast engine prices its rows in chunks when no ledger is kept: a million customers
    fit in about a gigabyte, the SimPy engine (which holds its ledger) needs several."""
    scenario, policy = load(ROOT / "scenarios" / "default.yaml")
    # (the two years: 730 days after a 180-day warm-up; newcomers scaled alike)
    changes = [f"scenario.segments.{k}.customers={100 * s.customers}"
               for k, s in enumerate(scenario.segments)]
    changes += [f"scenario.segments.{k}.newcomers_per_year={100 * s.newcomers_per_year}"
                for k, s in enumerate(scenario.segments)]
    changes += ["scenario.horizon.warmup_days=180"]
    scenario, _ = apply_overrides(scenario, policy, changes)
    chunked = footprint.plan_jobs(scenario, "fast", 1, 1, False, None).single_bytes
    kept = footprint.plan_jobs(scenario, "fast", 1, 1, True, None).single_bytes
    assert chunked < 1.0 * 2**30 < 3 * 2**30 < kept
    assert footprint.replication_bytes(scenario, "des", False) == footprint.replication_bytes(
        scenario, "des", True) > 5 * 2**30
