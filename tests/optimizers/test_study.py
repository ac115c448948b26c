"""The study: common random numbers, nothing run twice, budgets, resume from the journal."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from interrupt import evaluations, interrupt_after

from arsim.optimizers import study as study_module
from arsim.optimizers.journal import Journal, JournalError
from arsim.optimizers.notes import Note
from arsim.optimizers.optimize import optimize
from arsim.optimizers.study import FRESH, Budget, Candidate, Study
from arsim.sim.optimize_spec import OptimizeSpec
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

SPEC = OptimizeSpec.model_validate({
    "variables": [{"path": "terms.B.discount_rate", "choices": [0, 0.01, 0.02]},
                  {"path": "terms.*.net_days", "choices": [75, 90]}],
    "finalists": 3, "indifference_zone": 3000, "confidence": 0.9,
    "replications": {"search": 3, "search_max": 6, "select_first": 5, "select_max": 40,
                     "recheck": 6}})

Pair = tuple[Scenario, Policy]
# the module, not the function the package exports under the same name
optimize_module = importlib.import_module("arsim.optimizers.optimize")


def test_candidates_share_seeds_and_the_recheck_does_not(tiny_open: Pair) -> None:
    scenario, policy = tiny_open
    study = Study(scenario, policy, seed=5)
    a, b = Candidate("a", {}, policy), Candidate("b", {}, policy)
    rows_a = study.evaluate(a, "fast", 3)
    rows_b = study.evaluate(b, "fast", 3)
    fresh = study.evaluate(a, "fast", 3, FRESH)
    assert not isinstance(rows_a, str) and not isinstance(fresh, str)
    assert rows_a == rows_b  # the same policy on the same seeds: the same numbers
    assert all(x["total_cost"] != y["total_cost"] for x, y in zip(rows_a[1], fresh[1],
                                                                  strict=True))
    assert study.budget.spent == 9


def test_nothing_is_run_twice(tiny_open: Pair) -> None:
    scenario, policy = tiny_open
    study = Study(scenario, policy, seed=5)
    c = Candidate("c", {}, policy)
    study.evaluate(c, "fast", 2)
    study.evaluate(c, "fast", 4)  # only 2 and 3 are new
    study.evaluate(c, "fast", 4)
    assert study.budget.spent == 4


def test_a_failed_candidate_is_recorded_with_its_reason(tiny_open: Pair,
                                                       tmp_path: Path) -> None:
    scenario, policy = tiny_open
    journal = Journal(tmp_path / "j.jsonl")
    study = Study(scenario, policy, seed=5, journal=journal)
    bad = Candidate("bad", {"x": 1}, policy.with_value("collections.collectors", 1))
    reason = study.evaluate(bad, "fast", 2)  # a finite team: the fast engine is not exact
    assert isinstance(reason, str) and "not exact" in reason
    assert study.evaluate(bad, "fast", 2) == reason  # told once, remembered
    failed = [r for r in journal.read() if r["kind"] == "failed"]
    assert failed == [{"kind": "failed", "candidate": "bad", "params": {"x": 1},
                       "stage": "search", "reason": reason}]


@pytest.mark.parametrize("method", ["grid", "evolution"])
def test_the_replication_budget_is_respected(tiny_open: Pair, method: str) -> None:
    scenario, policy = tiny_open
    spec = SPEC.model_copy(update={"budget": 45, "method": method, "population": 4})
    result = optimize(scenario, policy, spec, seed=3)
    assert sum(result.replications.values()) <= 45
    assert any(n.code == "search_stopped" and n.values["why"]["limit"] == "replications"
               for n in result.notes)
    assert result.winner is not None  # the budget kept what the selection and re-check need


def test_a_time_limit_stops_the_search(tiny_open: Pair) -> None:
    scenario, policy = tiny_open
    spec = SPEC.model_copy(update={"time_limit_seconds": 1e-3})
    result = optimize(scenario, policy, spec, seed=3)
    assert any(n.code == "search_stopped" and n.values["why"]["limit"] == "time"
               for n in result.notes)
    assert result.replications.get("search", 0) <= 3  # the incumbent's first look at most


class _Clock:
    """A wall clock that moves only when replications run: one second each."""

    def __init__(self) -> None:
        self.now = study_module.time.monotonic()  # Budget's own start reads the real clock

    def monotonic(self) -> float:
        return self.now

    perf_counter = monotonic


def _slow_clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock()
    real = study_module.run

    def timed(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        clock.now += float(kwargs["replications"])
        return result

    monkeypatch.setattr(study_module, "run", timed)
    monkeypatch.setattr(study_module, "time", clock)
    return clock


def test_the_selection_leaves_the_recheck_its_time_and_the_study_ends_in_time(
        tiny_open: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second a replication, 100 s in all: KN (with a zone too small to finish) must stop
    while the re-check's 40 replications, at the pace it measured, still fit; the re-check
    then runs whole, and the study ends within the limit."""
    clock = _slow_clock(monkeypatch)
    start = clock.now
    spec = SPEC.model_copy(update={
        "time_limit_seconds": 100.0, "indifference_zone": 1e-6,
        "replications": SPEC.replications.model_copy(update={"select_max": 1000,
                                                             "recheck": 20})})
    result = optimize(*tiny_open, spec, seed=3)
    assert result.winner is not None and result.saving is not None
    assert result.replications["recheck"] == 40
    assert Note("selection_incomplete") in result.notes
    assert clock.now - start <= 100.0


def test_the_recheck_is_not_cut_short_by_the_time_limit(
        tiny_open: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the selection is over the re-check runs to its end, even past the limit: a study
    that stopped there would have spent its time and have no answer."""
    real = optimize_module._recheck

    def late(study: Study, *args: Any) -> Any:
        study.budget.seconds = study.budget.elapsed() / 2  # the limit passed meanwhile
        return real(study, *args)

    monkeypatch.setattr(optimize_module, "_recheck", late)
    result = optimize(*tiny_open, SPEC.model_copy(update={"time_limit_seconds": 1e6}), seed=3)
    assert result.winner is not None and result.saving is not None
    assert result.replications["recheck"] == 2 * SPEC.replications.recheck


def test_budget_pace_keeps_what_is_reserved_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _slow_clock(monkeypatch)
    budget = Budget(seconds=100.0)
    clock.now = budget.started + 50.0
    budget.check(10, reserve=30, pace=1.0)  # 50 + 40 s fits
    with pytest.raises(study_module.BudgetSpentError, match="time limit near"):
        budget.check(10, reserve=30, pace=1.5)  # 50 + 60 s does not
    with pytest.raises(study_module.BudgetSpentError, match="time limit reached"):
        budget.check(1, time_share=0.5)
    budget.check(1000, time_share=math.inf, pace=1.0)  # a stage the time limit does not stop


@pytest.mark.parametrize("budget", [None, 50])
def test_resume_after_ctrl_c_and_a_torn_line_loses_and_repeats_nothing(
        tiny_open: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        budget: int | None) -> None:
    scenario, policy = tiny_open
    spec = SPEC.model_copy(update={"budget": budget})
    whole = optimize(scenario, policy, spec, seed=3, journal=Journal(tmp_path / "a.jsonl"))

    path = tmp_path / "b.jsonl"
    with monkeypatch.context() as patch:
        interrupt_after(patch, 5)
        with pytest.raises(KeyboardInterrupt):
            optimize(scenario, policy, spec, seed=3, journal=Journal(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the last record torn mid-write
    before = evaluations(path)
    resumed = optimize(scenario, policy, spec, seed=3, journal=Journal(path), resume=True)

    assert resumed.replayed == len(before)
    assert resumed.winner is not None and whole.winner is not None
    assert resumed.winner.key == whole.winner.key
    assert resumed.saving == whole.saving  # bit for bit
    assert resumed.candidates == whole.candidates
    assert resumed.notes == whole.notes  # a budget stops both at the same place
    done = evaluations(path)
    assert len(done) == len(set(done))  # nothing evaluated twice
    assert sorted(done) == sorted(evaluations(tmp_path / "a.jsonl"))  # nothing lost
    assert sum(resumed.replications.values()) == len(done) - len(before)


def test_a_journal_is_not_overwritten_or_mixed(tiny_open: Pair, tmp_path: Path) -> None:
    scenario, policy = tiny_open
    journal = Journal(tmp_path / "j.jsonl")
    small = SPEC.model_copy(update={"budget": 30})  # the incumbent's first look, no more
    optimize(scenario, policy, small, seed=3, journal=journal)
    with pytest.raises(JournalError, match="pass --resume"):
        optimize(scenario, policy, small, seed=3, journal=journal)
    with pytest.raises(JournalError, match="belongs to another study"):
        optimize(scenario, policy, small, seed=4, journal=journal, resume=True)
    # a larger budget continues the same study
    more = optimize(scenario, policy, SPEC.model_copy(update={"budget": 40}), seed=3,
                    journal=journal, resume=True)
    assert more.replayed > 0
    assert more.replayed + sum(more.replications.values()) <= 40  # the study's total
    header = json.loads((tmp_path / "j.jsonl").read_text().splitlines()[0])
    assert header["kind"] == "study" and header["seed"] == 3


def test_budget_accounting() -> None:
    budget = Budget(replications=10)
    budget.spent = 8
    budget.check(2)
    with pytest.raises(study_module.BudgetSpentError):
        budget.check(3)


def test_progress_and_engines_of_each_stage(tiny: Pair) -> None:
    """On the tiny scenario (one collector) the search screens on the `screen` engine and
    the later stages run the exact SimPy engine; `engine` puts every stage on one."""
    scenario, policy = tiny
    lines: list[str] = []
    spec = SPEC.model_copy(update={"budget": 60})
    result = optimize(scenario, policy, spec, seed=3, progress=lines.append)
    assert lines[0].startswith("search 1: policy=tiny policy: ")
    assert {row["engine"] for row in result.candidates} == {"screen"}
    assert result.winner is not None and result.winner.engine == "des"
    assert any(line.startswith("recheck: ") and line.endswith("on des") for line in lines)
    screened = optimize(scenario, policy, spec, seed=3, engine="screen")
    assert screened.winner is not None and screened.winner.engine == "screen"
