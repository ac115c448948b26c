"""docs/model.md §3, deterministic (textbook) mode: which payment pattern an invoice follows,
when its bad debts are written off, end-of-month dating, and the exact discount take-up.

One order a day in steady state, so each figure follows on paper: the average receivables
are daily sales x the days each share of an invoice stays open.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from arsim.sim.engine.des import run_des
from arsim.sim.engine.determ import planned_discounts
from arsim.sim.errors import PolicyError
from arsim.sim.policy import Policy, check_compatible
from arsim.sim.replicate import run
from arsim.sim.scenario import Scenario

DAILY = 100.0  # each grade's credit sales a day


def _scenario(patterns: dict[str, Any], *, grades: str = "B",
              conventions: dict[str, Any] | None = None) -> Scenario:
    # per grade 10 customers x 36 orders a year of 100: 100 a day on a 360-day year
    segments = [{"name": g, "customers": 10, "grade": g, "orders_per_year": 36,
                 "order_amount": {"mean": DAILY}, "payer_mix": {"on_time": 1.0}}
                for g in grades]
    return Scenario.model_validate({
        "name": "determ", "conventions": {"days_in_year": 360, **(conventions or {})},
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 180, "horizon_days": 360, "replications": 1},
        "segments": segments,
        "demand": {"credit_period_multiplier": [[0, 1.0]], "discount_multiplier": [[0, 1.0]]},
        "deterministic": {"patterns": patterns},
    })


def _policy(terms: str = "N/30", grades: str = "B", name: str = "policy") -> Policy:
    return Policy.model_validate({"name": name, "accepted_grades": list(grades),
                                  "terms": {g: terms for g in grades},
                                  "write_off": {"days_overdue": None}})


def _metrics(scenario: Scenario, policy: Policy) -> dict[str, float]:
    return {k: v.mean for k, v in run(scenario, policy, jobs=1).summary.items()}


AT_DUE = {"classes": [{"share": 1.0, "pays": "due"}]}
LATE = {"classes": [{"share": 0.8, "pays": "due"},
                    {"share": 0.2, "pays": "due", "days_after_due": 30}]}


# ---- when bad debts are written off -------------------------------------------------------


@pytest.mark.parametrize(("written_off", "dso"), [
    # the bad 5% of each class lives as long as its class: 0.8 x 30 + 0.2 x 60 = 36 days
    ("collection_day", 36.0),
    # the bad 5% lives the credit period: 0.95 x 36 + 0.05 x 30
    ("due_date", 0.95 * 36.0 + 0.05 * 30.0),
])
def test_bad_debts_written_off_on_their_class_collection_day_or_the_due_date(
        written_off: str, dso: float) -> None:
    pattern = {**LATE, "bad_debt_share": 0.05, "bad_debt_written_off": written_off}
    figures = _metrics(_scenario({"N/30": pattern},
                                 conventions={"bad_debt_recognition": "write_off"}), _policy())
    assert figures["dso"] == pytest.approx(dso, rel=1e-9)
    assert figures["average_receivables"] == pytest.approx(DAILY * dso, rel=1e-9)
    # the bad-debt cost is the same 5% of sales either way: only its timing moves
    assert figures["bad_debt_cost"] == pytest.approx(0.05 * DAILY * 360, rel=1e-9)
    assert figures["bad_debt_ratio"] == pytest.approx(0.05, rel=1e-9)


def test_bad_debts_spared_to_discount_takers_fall_on_each_other_class() -> None:
    pattern = {"classes": [{"share": 0.5, "pays": "discount"}, {"share": 0.2, "pays": "due"},
                           {"share": 0.3, "pays": "due", "days_after_due": 30}],
               "bad_debt_share": 0.1, "bad_debt_written_off": "collection_day"}
    scenario = _scenario({"2/10, N/30": pattern},
                         conventions={"bad_debt_basis": "non_discount_takers",
                                      "bad_debt_recognition": "write_off"})
    figures = _metrics(scenario, _policy("2/10, N/30"))
    # 10% of the 50% who pay at or after net: 5% of sales, each part dated as its class
    assert figures["bad_debt_ratio"] == pytest.approx(0.05, rel=1e-9)
    assert figures["dso"] == pytest.approx(0.5 * 10 + 0.2 * 30 + 0.3 * 60, rel=1e-9)
    assert figures["discount_take_up"] == pytest.approx(0.5, rel=1e-12)


# ---- which pattern -------------------------------------------------------------------------


def _standards() -> Scenario:
    return _scenario({
        "N/30": {**AT_DUE, "bad_debt_share": 0.01},
        # a looser standard on the same terms: the customers it adds pay later, default more
        "new customers": {**LATE, "bad_debt_share": 0.1, "terms": "N/30",
                          "credit_standard": ["B", "C"], "grades": ["C"]},
        "slow policy": {**LATE, "policies": ["slow"]},
    }, grades="BC", conventions={"bad_debt_recognition": "write_off"})


def test_a_looser_credit_standard_on_the_same_terms_carries_its_own_pattern() -> None:
    tight = _metrics(_standards(), _policy("N/30", grades="B"))
    loose = _metrics(_standards(), _policy("N/30", grades="BC"))
    assert tight["credit_sales"] == pytest.approx(DAILY * 360, rel=1e-9)
    assert loose["credit_sales"] == pytest.approx(2 * DAILY * 360, rel=1e-9)
    assert tight["dso_grade_B"] == loose["dso_grade_B"] == pytest.approx(30.0, rel=1e-9)
    assert loose["dso_grade_C"] == pytest.approx(0.9 * 36 + 0.1 * 30, rel=1e-9)
    assert loose["bad_debt_ratio_grade_B"] == pytest.approx(0.01, rel=1e-9)
    assert loose["bad_debt_ratio_grade_C"] == pytest.approx(0.10, rel=1e-9)


def test_a_policy_named_by_a_pattern_takes_it() -> None:
    slow = _metrics(_standards(), _policy("N/30", grades="B", name="slow"))
    assert slow["dso"] == pytest.approx(36.0, rel=1e-9)
    assert slow["bad_debt_ratio"] == 0.0


def test_the_most_telling_selector_wins() -> None:
    # a pattern naming the policy beats one stating standard, grades and terms together
    determ = _standards().deterministic
    assert determ is not None
    terms = _policy().terms["B"]
    assert determ.matches(terms, "C", "slow", ("B", "C")) == ["slow policy"]
    assert determ.matches(terms, "C", "other", ("B", "C")) == ["new customers"]
    assert determ.matches(terms, "B", "other", ("B", "C")) == ["N/30"]
    assert determ.matches(terms, "C", "other", ("C", "B", "C")) == ["new customers"]
    assert determ.matches(_policy("N/45").terms["B"], "B", "other", ("B",)) == []


def test_equally_specific_patterns_are_refused_by_name() -> None:
    scenario = _scenario({"one": {**AT_DUE, "terms": "N/30"}, "two": {**LATE, "terms": "N/30"}})
    with pytest.raises(PolicyError, match="one, two equally specific"):
        check_compatible(scenario, _policy())


def test_a_credit_grade_without_a_pattern_is_refused() -> None:
    scenario = _scenario({"N/45": AT_DUE})
    with pytest.raises(PolicyError, match="no payment pattern for terms 'N/30'"):
        check_compatible(scenario, _policy())


def test_re_rating_is_refused_rather_than_ignored() -> None:
    # invoices paid by fixed shares leave no payment record to re-rate a customer on
    scenario = _scenario({"N/30": AT_DUE})
    check_compatible(scenario, _policy())
    with pytest.raises(PolicyError, match=r"re-rates customers .*\(rerating.late_payments\)"):
        check_compatible(scenario, _policy().with_value("rerating.late_payments", 3))


def test_a_pattern_keyed_by_terms_cannot_state_other_terms() -> None:
    with pytest.raises(ValidationError, match="keyed by terms 'N/30' but states terms 'N/60'"):
        _scenario({"N/30": {**AT_DUE, "terms": "N/60"}})


def test_a_pattern_has_at_most_seven_classes() -> None:
    classes = [{"share": 1 / 8, "pays": "due"}] * 8
    with pytest.raises(ValidationError, match="at most 7"):
        _scenario({"N/30": {"classes": classes}})


# ---- dating and take-up ----------------------------------------------------------------------


def test_end_of_month_terms_hold_receivables_half_a_month_longer() -> None:
    # orders at day k + 0.5: counted from the month's end, 30 - 0.5, 29 - 0.5, ..., 0.5 days
    # more, 15 on average, before the 30 days of credit
    figures = _metrics(_scenario({"N/30 EOM": AT_DUE}), _policy("N/30 EOM"))
    assert figures["dso"] == pytest.approx(45.0, rel=1e-9)
    assert figures["average_collection_period"] == pytest.approx(45.0, rel=1e-9)


def test_the_take_up_counts_discounts_still_due_after_the_run_by_their_pattern() -> None:
    pattern = {"classes": [{"share": 0.6, "pays": "discount"}, {"share": 0.4, "pays": "due"}]}
    scenario = _scenario({"2/10, N/30": pattern})
    policy = _policy("2/10, N/30")
    out = run_des(scenario, policy, seed=0)
    planned = planned_discounts(scenario, policy, out.ledger)
    still_open = np.isinf(out.ledger["settle_day"])
    assert (planned & still_open).any()  # orders of the last ten days
    assert _metrics(scenario, policy)["discount_take_up"] == pytest.approx(0.6, rel=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 0.9), st.lists(st.tuples(st.floats(0.05, 1.0), st.integers(-10, 60)),
                                     min_size=1, max_size=5),
       st.floats(0.0, 0.3), st.sampled_from(["all_customers", "non_discount_takers"]))
def test_a_pattern_sets_receivables_take_up_and_bad_debts_exactly(
        discount: float, late: list[tuple[float, int]], bad: float, basis: str) -> None:
    # classes: `discount` of sales in the 2/10 window, the rest spread over days after due;
    # with bad debts written off on each class's collection day, every share of an invoice
    # lives as long as its class, bad or not
    weight = sum(w for w, _days in late)
    shares = [(1.0 - discount) * w / weight for w, _days in late]
    classes = [{"share": s, "pays": "due", "days_after_due": d}
               for s, (_w, d) in zip(shares, late, strict=True)]
    if discount > 0:
        classes.insert(0, {"share": discount, "pays": "discount"})
    pattern = {"classes": classes, "bad_debt_share": bad,
               "bad_debt_written_off": "collection_day"}
    scenario = _scenario({"2/10, N/30": pattern},
                         conventions={"bad_debt_basis": basis,
                                      "bad_debt_recognition": "write_off"})
    figures = _metrics(scenario, _policy("2/10, N/30"))
    life = discount * 10 + sum(s * (30 + d) for s, (_w, d) in zip(shares, late, strict=True))
    assert figures["dso"] == pytest.approx(life, rel=1e-9)
    spared = basis == "non_discount_takers"
    assert figures["discount_take_up"] == pytest.approx(
        discount if spared else discount * (1 - bad), rel=1e-9, abs=1e-12)
    assert figures["bad_debt_ratio"] == pytest.approx(
        bad * (1 - discount) if spared else bad, rel=1e-9, abs=1e-12)
