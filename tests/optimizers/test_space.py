"""Decision variables by policy path, and the vector -> Policy map."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsim.optimizers.space import Dimension, Space, parse_lever
from arsim.sim.errors import PolicyError
from arsim.sim.optimize_spec import Variable
from arsim.sim.policy import Policy

BASE = Policy.model_validate({
    "accepted_grades": ["A", "B", "C"],
    "terms": {"A": "2/10, N/30", "B": "N/45", "C": "N/30"},
    "ladder": [{"day": 5, "action": "phone", "collector_minutes": 10},
               {"day": 30, "action": "letter"}],
    "collections": {"collectors": 2},
})


def _space(*variables: dict[str, object]) -> Space:
    return Space(BASE, [Variable.model_validate(v) for v in variables])


def test_star_sets_every_accepted_grade_and_keeps_discounts() -> None:
    space = _space({"path": "terms.*.net_days", "low": 15, "high": 120, "step": 5})
    policy = space.to_policy((60.0,))
    assert {g: t.notation for g, t in policy.terms.items()} == {
        "A": "2/10, N/60", "B": "N/60", "C": "N/60"}


def test_star_follows_the_candidates_accepted_grades() -> None:
    space = _space({"path": "terms.*.net_days", "low": 15, "high": 120, "step": 5},
                   {"path": "accepted_grades", "choices": [["A"], ["A", "B"]]})
    policy = space.to_policy((90.0, 0.0))
    assert policy.accepted_grades == ("A",)
    assert policy.terms["A"].net_days == 90 and policy.terms["B"].net_days == 45


def test_discount_parts_build_the_first_tier() -> None:
    space = _space({"path": "terms.B.discount_rate", "low": 0, "high": 0.03, "step": 0.01},
                   {"path": "terms.B.discount_days", "low": 5, "high": 15, "step": 5})
    assert space.to_policy((0.02, 10.0)).terms["B"].notation == "2/10, N/45"
    assert space.to_policy((0.0, 10.0)).terms["B"].notation == "N/45"  # rate 0: no discount
    assert space.to_policy((0.03, 15.0)).terms["B"].notation == "3/15, N/45"


def test_terms_parts_take_choices() -> None:
    space = _space({"path": "terms.B.net_days", "choices": [30, 60]},
                   {"path": "terms.A.discount_rate", "choices": [0.01, 0.03]})
    policy = space.to_policy((1.0, 0.0))
    assert policy.terms["B"].notation == "N/60" and policy.terms["A"].notation == "1/10, N/30"


def test_a_discount_without_a_window_is_refused_with_the_fix() -> None:
    space = _space({"path": "terms.B.discount_rate", "low": 0, "high": 0.03, "step": 0.01})
    with pytest.raises(PolicyError, match=r"add a variable terms\.B\.discount_days"):
        space.to_policy((0.02,))


def test_an_impossible_combination_is_a_policy_error() -> None:
    space = _space({"path": "terms.A.net_days", "low": 5, "high": 60, "step": 5})
    with pytest.raises(PolicyError, match="not shorter than the credit period"):
        space.to_policy((10.0,))  # the 10-day discount window of 2/10 needs more than N/10


def test_integer_fields_get_ints_and_named_choices_their_values() -> None:
    gentle = [{"day": 10, "action": "reminder"}]
    tough = [{"day": 0, "action": "phone"}, {"day": 15, "action": "stop_shipping"}]
    space = _space({"path": "collections.collectors", "low": 1, "high": 4, "step": 1},
                   {"path": "ladder", "choices": {"gentle": gentle, "tough": tough}})
    policy = space.to_policy((3.0, 1.0))
    assert policy.collections.collectors == 3
    assert isinstance(policy.get("collections.collectors"), int)
    assert [s.action.value for s in policy.ladder] == ["phone", "stop_shipping"]
    assert space.params((3.0, 1.0)) == {"collections.collectors": 3, "ladder": "tough"}


def test_ladder_step_day_and_penalty_by_path() -> None:
    space = _space({"path": "ladder.1.day", "low": 10, "high": 60, "step": 10},
                   {"path": "late_penalty.rate_annual", "low": 0, "high": 0.2})
    policy = space.to_policy((40.0, 0.15))
    assert policy.ladder[1].day == 40 and policy.late_penalty.rate_annual == 0.15


def test_unknown_path_names_the_valid_keys() -> None:
    with pytest.raises(PolicyError, match="not one of: collected_share, grace_days, rate_annual"):
        _space({"path": "late_penalty.rate", "low": 0, "high": 1})


def test_grid_size_and_order() -> None:
    space = _space({"path": "terms.B.net_days", "low": 30, "high": 60, "step": 15},
                   {"path": "collections.collectors", "choices": [1, 2]})
    assert space.grid_size() == 6
    assert list(space.grid())[:3] == [(30.0, 0.0), (30.0, 1.0), (45.0, 0.0)]
    continuous = _space({"path": "late_penalty.rate_annual", "low": 0, "high": 0.2})
    assert continuous.grid_size() is None


def test_grid_points_do_not_drift() -> None:
    dim = Dimension("x", 0.0, 0.3, 0.1)
    assert dim.points() == [0.0, 0.1, 0.2, 0.3]  # not 0.30000000000000004


def test_neighbours_move_one_lever_one_step() -> None:
    space = _space({"path": "terms.*.net_days", "low": 15, "high": 100, "step": 10},
                   {"path": "terms.B.discount_rate", "choices": [0, 0.01, 0.02]},
                   {"path": "collections.collectors", "low": 2, "high": 2, "step": 1},
                   {"path": "accepted_grades", "choices": [["A", "B"]]},
                   {"path": "late_penalty.rate_annual", "low": 0, "high": 0.2})
    # at the lower bound only up; every other choice; a fixed value, a single choice and a
    # continuous variable (no grid to step on) do not move
    assert space.neighbours((15.0, 1.0, 2.0, 0.0, 0.1)) == [
        (25.0, 1.0, 2.0, 0.0, 0.1), (15.0, 0.0, 2.0, 0.0, 0.1), (15.0, 2.0, 2.0, 0.0, 0.1)]
    # inside, down then up; at the last grid point (95: 105 is past high) only down
    assert space.neighbours((55.0, 0.0, 2.0, 0.0, 0.0))[:2] == [
        (45.0, 0.0, 2.0, 0.0, 0.0), (65.0, 0.0, 2.0, 0.0, 0.0)]
    assert space.neighbours((95.0, 2.0, 2.0, 0.0, 0.0)) == [
        (85.0, 2.0, 2.0, 0.0, 0.0), (95.0, 0.0, 2.0, 0.0, 0.0), (95.0, 1.0, 2.0, 0.0, 0.0)]
    # grid values stay canonical as they step (15.7 + 0.1 is 15.8, not 15.799999999999999)
    tenths = _space({"path": "late_penalty.rate_annual", "low": 15.0, "high": 16.0,
                     "step": 0.1})
    assert tenths.neighbours((15.7,)) == [(15.6,), (15.8,)]


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-1e3, 1e3, allow_nan=False), low=st.floats(0, 50),
       width=st.floats(0.5, 100), step=st.floats(0.25, 10))
def test_snap_is_admissible_and_idempotent(x: float, low: float, width: float,
                                           step: float) -> None:
    dim = Dimension("x", low, low + width, step)
    snapped = dim.snap(x)
    assert low - 1e-9 <= snapped <= low + width + 1e-9
    assert dim.snap(snapped) == snapped
    assert min(abs(snapped - p) for p in dim.points() or []) < 1e-9


@settings(max_examples=30, deadline=None)
@given(net=st.integers(11, 120), collectors=st.integers(1, 9))
def test_vector_to_policy_reads_back(net: int, collectors: int) -> None:
    space = _space({"path": "terms.*.net_days", "low": 11, "high": 120, "step": 1},
                   {"path": "collections.collectors", "low": 1, "high": 9, "step": 1})
    policy = space.to_policy((float(net), float(collectors)))
    assert all(policy.get(f"terms.{g}.net_days") == net for g in policy.accepted_grades)
    assert policy.get("collections.collectors") == collectors


@pytest.mark.parametrize(("text", "expected"), [
    ("terms.*.net_days=15:120:5", {"low": 15.0, "high": 120.0, "step": 5.0}),
    ("collections.collectors=1,2,3", {"choices": (1, 2, 3)}),
    ("collections.work_order=fifo,largest_first", {"choices": ("fifo", "largest_first")}),
])
def test_parse_lever(text: str, expected: dict[str, object]) -> None:
    variable = parse_lever(text)
    assert {k: getattr(variable, k) for k in expected} == expected


@pytest.mark.parametrize("text", ["terms.B.net_days", "x=1:2", "x=a:b:c", "x=5:1:1", "=1,2"])
def test_parse_lever_refuses_bad_text(text: str) -> None:
    with pytest.raises(PolicyError, match="--vary"):
        parse_lever(text)


@pytest.mark.parametrize(("text", "message"), [
    ("terms.*.net_days=90:30:15", "--vary 'terms.*.net_days=90:30:15': high 30 is below low 90"),
    ("terms.*.net_days=30:90:0", "--vary 'terms.*.net_days=30:90:0': step is 0; it must be "
                                 "above 0"),
    ("x=a:b:c", "--vary 'x=a:b:c': could not convert string to float: 'a'"),
])
def test_parse_lever_keeps_the_rules_words(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_lever(text)
    assert str(caught.value) == message


def test_an_invalid_candidate_names_the_levers_values_not_the_policys_form() -> None:
    space = _space({"path": "terms.*.net_days", "choices": [60]},
                   {"path": "terms.A.discount_rate", "choices": [0.6]})
    with pytest.raises(PolicyError) as caught:
        space.to_policy((0.0, 0.0))
    assert str(caught.value) == ("terms.*.net_days = 60, terms.A.discount_rate = 0.6: "
                                 "terms.A.discounts.0.rate is 0.6 (60%); it must be below 0.5 "
                                 "(50%)")
    ladder = _space({"path": "ladder", "choices": {"backwards": [
        {"day": 30, "action": "letter"}, {"day": 5, "action": "phone"}]}})
    with pytest.raises(PolicyError, match=r"^ladder = backwards: ") as caught:
        ladder.to_policy((0.0,))
    assert "{" not in str(caught.value)
