"""The SimPy engine: the reference engine's events, in its order, from compiled day batches."""

from __future__ import annotations

import json
import weakref
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import assert_same_figures

from arsim.cli import main
from arsim.sim.engine import des
from arsim.sim.engine.des import run_des
from arsim.sim.engine.events import EventRun
from arsim.sim.engine.gcpause import gc_paused
from arsim.sim.engine.output import EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import run

ROOT = Path(__file__).parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TINY = ROOT / "tests" / "data" / "tiny.yaml"
TEXTBOOK = ROOT / "tests" / "theory" / "scenarios" / "cpa_2010.yaml"


def _same(a: EngineOutput, b: EngineOutput) -> None:
    assert a.ledger.tobytes() == b.ledger.tobytes()
    assert a.actions == b.actions and a.collector == b.collector
    assert (a.lost_sales, a.lost_orders, a.cash_sales, a.potential_sales, a.rebates) == (
        b.lost_sales, b.lost_orders, b.cash_sales, b.potential_sales, b.rebates)
    assert (a.customers_lost, a.bankruptcies) == (b.customers_lost, b.bankruptcies)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_with_its_own_collector_team(path: Path) -> None:
    # a year, to keep the plain-Python reference quick; the team as the scenario has it
    scenario, policy = apply_overrides(*load(path), ["scenario.horizon.horizon_days=365"])
    assert policy.collections.collectors is not None
    reference, des = run_reference(scenario, policy, 23), run_des(scenario, policy, 23)
    assert des.engine == "des" and reference.engine == "reference"
    assert len(des.ledger) > 50_000
    # the queue mattered: calls waited for a collector
    assert des.collector.tasks_served > 1000 and des.collector.wait_days_total > 0
    _same(reference, des)


def test_pools_that_start_too_small_grow_without_changing_a_bit() -> None:
    scenario, policy = apply_overrides(*load(TINY), ["collections.collectors=1",
                                                     "collections.minutes_per_day=10",
                                                     "collections.max_wait_days=2"])
    whole = run_des(scenario, policy, 5)
    assert whole.collector.tasks_dropped > 0  # a team this small drops calls
    # room for one invoice, listing and event at first, and the whole run in one call
    small = EventRun(scenario, policy, 5, engine="des", room=1)
    small.advance(small.end)
    _same(whole, small.finish())


def test_textbook_mode_runs_on_the_reference_engine() -> None:
    scenario, policy = load(TEXTBOOK)
    out = run_des(scenario, policy, 1)
    assert out.engine == "des"
    assert out.ledger.tobytes() == run_reference(scenario, policy, 1).ledger.tobytes()


def test_the_reference_engine_from_the_cli_and_the_api() -> None:
    scenario, policy = load(TINY)
    des = run(scenario, policy, replications=2, seed=9, engine="des", jobs=1)
    ref = run(scenario, policy, replications=2, seed=9, engine="reference", jobs=1)
    assert (des.engine, ref.engine) == ("des", "reference")
    assert_same_figures(des, ref)
    out = CliRunner().invoke(main, ["run", str(TINY), "-n", "1", "-j", "1", "--json",
                                    "--engine", "reference"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["engine"] == "reference"


def test_a_finished_run_is_freed_without_the_cyclic_collector(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The SimPy process waiting on its next day held the run's pools in a reference cycle
    # with the environment: each replication kept ~90 MB until a full collection, so a
    # process running replications one after another grew by that much each time.
    runs: list[weakref.ref[EventRun]] = []

    def recorded(*args: object, **kwargs: object) -> EventRun:
        made = EventRun(*args, **kwargs)  # type: ignore[arg-type]
        runs.append(weakref.ref(made))
        return made

    scenario, policy = load(TINY)
    # compiled first: numba's first compilation raises and catches exceptions whose
    # tracebacks hold the caller's frames, a cycle of its own, once per process
    des.run_des(scenario, policy, 5)
    monkeypatch.setattr(des, "EventRun", recorded)
    with gc_paused():  # (reference counting alone must free it)
        out = des.run_des(scenario, policy, 5)
        assert len(out.ledger) > 0 and len(runs) == 1
        assert runs[0]() is None
