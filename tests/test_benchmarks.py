"""The benchmark script runs (on a tiny scenario): speed is measured there, never asserted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_benchmark_script_runs_and_reports_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_engine.py"),
         str(ROOT / "tests" / "data" / "tiny.yaml"), "-n", "1"],
        capture_output=True, text=True, check=True, timeout=300)
    out = done.stdout
    for needle in ("SimPy engine, single-threaded", "reference engine", "fast engine", "floor",
                   "rounds of one fast-engine replication and one floor pass",
                   "naive SimPy model",
                   "replications per second", "two processes side by side",
                   "of what this machine gives two processes", "peak memory"):
        assert needle in out, out
    # the side-by-side figures printed in their places: the median, then the lowest and highest
    found = re.search(r"at ([\d.]+)x the floor's time \(median of the rounds; ([\d.]+)-([\d.]+)\)",
                      out)
    assert found, out
    median, low, high = (float(x) for x in found.groups())
    assert 0 < low <= median <= high


def test_one_scaling_configuration_reports_invoices_best_time_and_peak_memory() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_engine.py"),
         str(ROOT / "tests" / "data" / "tiny.yaml"), "--one", "des+team", "0.5", "60"],
        capture_output=True, text=True, check=True, timeout=300)
    invoices, best, peak = done.stdout.split()[-3:]
    assert int(invoices) > 0 and 0.0 < float(best) < 60.0 and float(peak) > 50.0


def test_memory_benchmark_reports_invoices_time_peak_and_estimate() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_memory.py"),
         str(ROOT / "tests" / "data" / "tiny.yaml"), "--customers", "60", "--days", "60"],
        capture_output=True, text=True, check=True, timeout=300)
    header, row = done.stdout.splitlines()[-2:]
    assert "peak MiB" in header and "estimate MiB" in header and "under 3 GiB" in header
    customers, invoices, seconds, peak, estimate, under = row.split()
    assert customers == "60" and int(invoices.replace(",", "")) > 0
    assert 0.0 < float(seconds) < 60.0 and float(peak.replace(",", "")) > 50.0
    assert float(estimate.replace(",", "")) > 50.0 and under == "yes"


def test_optimiser_benchmark_reports_time_candidates_stages_and_agreement() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_optimize.py"),
         str(ROOT / "tests" / "data" / "tiny.yaml"),
         "--space", str(ROOT / "tests" / "data" / "tiny_space.yaml"),
         "--repeats", "2", "--jobs", "1"],
        capture_output=True, text=True, check=True, timeout=300)
    out = done.stdout
    for needle in ("seed 1: ", "seed 2: ", "s end to end", "s of CPU", "load average",
                   "19 candidates evaluated (0 failed), search by grid",
                   "search ", "select ", "recheck ", "replications on screen",
                   "replications on des", "KN: 3 finalists", "winner: terms.*.net_days=",
                   "target (200+ candidates in under 180 s): not met",
                   "agreement: ", "of 2 studies picked the most frequent winner",
                   "collections.collectors: ",
                   # the winners on common seeds: against the incumbent, then each other
                   "winners on common seeds (8 replications, root seed 1000001)",
                   "  incumbent ", "winner_seed1: ", "winner_seed2: ",
                   " against the incumbent", "the one that saves most:",
                   # with the levels of the KPIs the constraints bound
                   "; bad_debt_ratio "):
        assert needle in out, out
