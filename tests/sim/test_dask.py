"""Replications on a Dask distributed cluster are bit-identical to a serial run."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from arsim.cli import main
from arsim.sim.errors import EngineError
from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import run

distributed = pytest.importorskip("distributed")

SMALL = Path(__file__).parents[1] / "data" / "tiny.yaml"


def test_dask_cluster_gives_the_serial_result() -> None:
    scenario, policy = apply_overrides(*load(SMALL), ["collections.collectors=1"])
    serial = run(scenario, policy, replications=4, seed=21, jobs=1, keep_ledgers=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        seen: list[int] = []
        on_cluster = run(scenario, policy, replications=4, seed=21, keep_ledgers=True,
                         scheduler=cluster.scheduler_address,
                         progress=lambda done, total: seen.append(done))
        cli = CliRunner().invoke(main, ["run", str(SMALL), "-n", "2", "--seed", "21", "--json",
                                        "--set", "collections.collectors=1",
                                        "--scheduler", cluster.scheduler_address])
    assert cli.exit_code == 0, cli.output
    document = json.loads(cli.stdout)
    assert [r["metrics"]["total_cost"] for r in document["replications"]] == [
        r.metrics["total_cost"] for r in serial.replications[:2]]
    assert seen == [1, 2, 3, 4]
    for a, b in zip(serial.replications, on_cluster.replications, strict=True):
        assert (a.index, a.seed) == (b.index, b.seed)
        assert a.ledger is not None and b.ledger is not None
        assert a.ledger.tobytes() == b.ledger.tobytes()
        assert a.metrics.keys() == b.metrics.keys()
        assert all(x == b.metrics[k] or (math.isnan(x) and math.isnan(b.metrics[k]))
                   for k, x in a.metrics.items())


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("arsim.sim.replicate")  # not the function of that name
    monkeypatch.setattr(module, "CONNECT_TIMEOUT", "1s")
    scenario, policy = load(SMALL)
    with pytest.raises(EngineError, match="cannot reach the Dask scheduler"):
        run(scenario, policy, replications=1, scheduler="tcp://127.0.0.1:1")


def test_ctrl_c_cancels_the_runs_work_on_the_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cluster's workers belong to the cluster; what Ctrl-C stops is this run's work."""
    cancelled: list[object] = []

    class Client:
        def __init__(self, address: str, timeout: str) -> None:
            self.address = address

        def __enter__(self) -> Client:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def map(self, func: object, tasks: list[object], pure: bool) -> list[str]:
            return [f"future {i}" for i in range(len(tasks))]

        def cancel(self, futures: list[str], force: bool) -> None:
            cancelled.extend(futures)

    def as_completed(futures: list[str]) -> object:
        yield futures[0]
        raise KeyboardInterrupt

    fake = type("distributed", (), {"Client": Client, "as_completed": staticmethod(as_completed)})
    real_import = importlib.import_module
    monkeypatch.setattr(importlib, "import_module",
                        lambda name: fake if name == "distributed" else real_import(name))
    scenario, policy = load(SMALL)
    with pytest.raises(KeyboardInterrupt):
        run(scenario, policy, replications=3, scheduler="tcp://127.0.0.1:8786")
    assert cancelled == ["future 0", "future 1", "future 2"]
