"""KN ranking and selection, constraint checks and their confidence bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arsim.optimizers.notes import Note
from arsim.optimizers.selection import (
    ConstraintCheck,
    constraint_report,
    kn_constants,
    kn_select,
    wilson_low,
)
from arsim.sim.optimize_spec import Constraint


def _systems(seed: int, means: list[float], own_sd: float, common_sd: float):  # type: ignore[no-untyped-def]
    """Normal systems sharing a common noise term (what common random numbers give)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0.0, common_sd, 5000)
    own = rng.normal(0.0, own_sd, (len(means), 5000))
    names = [f"s{i}" for i in range(len(means))]

    def draw(name: str, first: int, count: int) -> list[float]:
        i = names.index(name)
        return list(means[i] + common[first:first + count] + own[i, first:first + count])

    return names, draw


def test_h2_matches_the_formula_and_grows_with_confidence() -> None:
    # k = 2, n0 = 10, alpha = 0.05: eta = ((0.1)^(-2/9) - 1) / 2, h2 = 2 eta 9
    assert kn_constants(2, 10, 0.05) == pytest.approx(9 * (0.1 ** (-2 / 9) - 1))
    assert kn_constants(5, 10, 0.01) > kn_constants(5, 10, 0.05) > kn_constants(2, 10, 0.05)


def test_probability_of_correct_selection_in_the_slippage_configuration() -> None:
    """Best by exactly delta, all others equal: the least favourable case KN guarantees.

    Over 300 independent selections at 90% confidence the share of correct picks must reach
    90%; the seeds are fixed, so the test is exact, and a share this size has a binomial
    standard error of 1.7 points if the true rate were exactly 90%."""
    picks, used = 0, []
    for seed in range(300):
        names, draw = _systems(seed, [0.0, 1.0, 1.0, 1.0, 1.0], own_sd=3.0, common_sd=5.0)
        selection = kn_select(names, draw, delta=1.0, confidence=0.9, n0=10, n_max=5000)
        assert selection.complete
        picks += selection.winner == "s0"
        used.append(sum(selection.replications.values()))
    assert picks / 300 >= 0.9
    assert np.mean(used) < 5 * 5000  # it stops long before the cap


def test_clear_differences_stop_at_the_first_stage() -> None:
    names, draw = _systems(1, [0.0, 50.0, 100.0], own_sd=1.0, common_sd=10.0)
    selection = kn_select(names, draw, delta=1.0, confidence=0.95, n0=10, n_max=100)
    assert selection.winner == "s0" and selection.order == ("s0", "s1", "s2")
    assert set(selection.replications.values()) == {10}


def test_a_cap_stops_without_the_guarantee() -> None:
    names, draw = _systems(2, [0.0, 0.01], own_sd=5.0, common_sd=0.0)
    selection = kn_select(names, draw, delta=0.01, confidence=0.95, n0=10, n_max=30)
    assert not selection.complete and max(selection.replications.values()) == 30


def test_budget_end_stops_without_the_guarantee() -> None:
    names, draw = _systems(3, [0.0, 0.01], own_sd=5.0, common_sd=0.0)

    def limited(name: str, first: int, count: int) -> list[float]:
        if first >= 20:
            raise StopIteration
        return draw(name, first, count)

    selection = kn_select(names, limited, delta=0.01, confidence=0.95, n0=10, n_max=1000)
    assert not selection.complete


def test_wilson_lower_bound() -> None:
    # 30 of 30: (1 + z^2/60 - z sqrt(z^2/3600)) / (1 + z^2/30) with z = 1.6449 -> 0.917
    assert wilson_low(30, 30, 0.95) == pytest.approx(0.91730, abs=1e-4)
    assert wilson_low(0, 10, 0.95) == 0.0
    assert wilson_low(5, 10, 0.95) < 0.5


def test_constraint_report_mean_and_chance() -> None:
    rows = [{"dso": v, "bad_debt_ratio": 0.01 * i} for i, v in enumerate([40.0, 42.0, 44.0, 46.0])]
    mean = Constraint.model_validate("dso <= 44")
    chance = Constraint(kpi="bad_debt_ratio", max=0.025, probability=0.5)
    by_mean, by_chance = constraint_report(rows, [mean, chance], None)
    assert by_mean == ConstraintCheck("dso", "max", 44.0, None, None, True, 43.0, runs=4)
    assert by_chance == ConstraintCheck("bad_debt_ratio", "max", 0.025, 0.5, None, True, 0.75,
                                        inside=3, runs=4)  # 3 of 4 inside
    # at 95% confidence the upper bound of the mean (43 + 2.353 x 2.58 / 2) is above 44
    bounded, shared = constraint_report(rows, [mean, chance], 0.95)
    assert not bounded.met and bounded.confidence == 0.95
    assert bounded.value == pytest.approx(43 + 2.3534 * math.sqrt(20 / 3) / 2, rel=1e-3)
    assert shared.confidence == 0.95 and shared.value == pytest.approx(wilson_low(3, 4, 0.95))
    # without spread the bounds are the plain mean and share (no confidence stated)
    flat = [{"dso": 40.0, "bad_debt_ratio": 0.0}] * 3
    assert [c.confidence for c in constraint_report(flat, [mean, chance], 0.95)] == [None, None]
    # a KPI no replication measured breaks its constraint
    missing, = constraint_report(rows, [Constraint(kpi="cei", min=90)], 0.95)
    assert not missing.met and missing.value is None and missing.sense == "min"
    assert missing.to_dict()["kpi"] == "cei"


def test_constraint_text_forms() -> None:
    assert Constraint.model_validate("recovery_rate >= 0.95").min == 0.95
    with pytest.raises(ValueError, match="kpi <= value"):
        Constraint.model_validate("dso < 45")
    with pytest.raises(ValueError, match="exactly one of max or min"):
        Constraint(kpi="dso")


def test_a_note_holds_the_values_its_code_names() -> None:
    note = Note("finalist_failed", {"params": {"terms.B.net_days": 35}, "error": "no pattern"})
    assert note.to_dict() == {"code": "finalist_failed", "params": {"terms.B.net_days": 35},
                              "error": "no pattern"}
    with pytest.raises(ValueError, match="finalist_failed"):
        Note("finalist_failed", {"params": {}})  # its error is missing
    with pytest.raises(ValueError, match="stopped"):
        Note("stopped")  # no such code: a report could not word it
