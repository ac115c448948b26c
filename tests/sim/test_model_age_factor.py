"""docs/model.md §5.7: the age factor, a Weibull value curve of days past the effective due date.

The material's anchors [004 p.99]: 100 owed for 6 months is worth about 67, for 5 years about
4. The factor is 1 for an invoice not yet overdue, decreases with age, scales with the day-count
year, and multiplies every dunning response probability (checked through the engine).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from arsim.sim.behaviour import Outcome, RuleBook
from arsim.sim.engine.des import run_des
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario


def _scenario(days_in_year: int = 365, **payer: Any) -> Scenario:
    return Scenario.model_validate({
        "name": "age",
        "conventions": {"days_in_year": days_in_year},
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": 1200},
        "segments": [{"name": "s", "customers": 300, "grade": "B", "orders_per_year": 6,
                      "order_amount": {"mean": 1000, "cv": 0.5},
                      "payer_mix": {"reminded": 1.0}}],
        "payer_types": {"reminded": {"lag_days": None, **payer}},
        "demand": {"customer_loss": {"after_action": {}}},
    })


def _policy(**changes: Any) -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                  "write_off": {"days_overdue": None}, **changes})


def _rules(days_in_year: int = 365) -> RuleBook:
    return RuleBook(_scenario(days_in_year), _policy(), collectors_finite=False)


@pytest.mark.parametrize(("years", "worth"), [
    (0.25, 80.7), (0.5, 67.0), (1.0, 47.2), (2.0, 24.5), (3.0, 13.2), (5.0, 4.0)])
def test_the_materials_anchors(years: float, worth: float) -> None:
    rules = _rules()
    assert 100 * rules.age_factor(years * 365) == pytest.approx(worth, abs=0.3)


def test_the_anchors_within_a_tenth_for_six_months_and_five_years() -> None:
    rules = _rules()
    assert 100 * rules.age_factor(182.5) == pytest.approx(67.0, abs=0.1)
    assert 100 * rules.age_factor(5 * 365) == pytest.approx(4.0, abs=0.1)


def test_the_day_figures_of_the_model_reference() -> None:
    rules = _rules()
    for days, value in [(30, 0.925), (60, 0.864), (90, 0.810), (180, 0.673), (365, 0.472)]:
        assert rules.age_factor(days) == pytest.approx(value, abs=5e-4)


def test_one_when_not_yet_overdue() -> None:
    rules = _rules()
    for days in (-400.0, -30.0, -1e-9, 0.0):
        assert rules.age_factor(days) == 1.0
    assert rules.age_factor(1e-6) < 1.0


def test_strictly_decreasing_and_bounded() -> None:
    rules = _rules()
    days = np.linspace(0.01, 20 * 365, 2000)
    values = np.array([rules.age_factor(float(d)) for d in days])
    assert np.all(np.diff(values) < 0)
    assert np.all((values > 0) & (values < 1))
    assert values[-1] < 1e-3  # twenty years: next to worthless


def test_age_is_measured_in_years_of_the_convention() -> None:
    r360, r365 = _rules(360), _rules(365)
    for years in (0.1, 0.5, 1.0, 3.0):
        assert r360.age_factor(years * 360) == pytest.approx(r365.age_factor(years * 365),
                                                             rel=1e-12)
    assert r360.age_factor(180) < r365.age_factor(180)  # 180 days is an older debt at 360


@pytest.mark.parametrize("day", [90, 365])
def test_the_factor_scales_the_response_in_the_engine(day: int) -> None:
    # response 1, promises always kept: the share paid after a single phone call at `day`
    # days overdue is the age factor itself
    scenario = _scenario(response={"phone": 1.0}, promise_break_share=0.0)
    policy = _policy(ladder=[{"day": day, "action": "phone"}])
    ledger = run_des(scenario, policy, seed=11).ledger
    reached = ledger[ledger["effective_due_day"] + day + 3 < 1200]  # promise kept in the run
    assert len(reached) > 1500
    dunned = reached["outcome"] == int(Outcome.PAID_DUNNED)
    expected = RuleBook(scenario, policy, collectors_finite=False).age_factor(day)
    share = float(dunned.mean())
    sd = np.sqrt(expected * (1 - expected) / len(reached))
    assert abs(share - expected) < 5 * sd + 0.01
    # and the others were never paid: nothing else can settle them
    assert np.all(reached["outcome"][~dunned] == int(Outcome.OPEN))


def test_the_factor_is_the_same_bits_in_every_engine_and_close_to_the_c_library() -> None:
    # computed with arsim's own exp and log (sim/elementary.py), so that machines with other
    # C libraries agree to the bit; within a few units in the last place of the C library's
    import math

    from arsim.sim.draws import draw_customers
    from arsim.sim.engine.book import CustomerBook
    from arsim.sim.engine.fast import _age_factor, _policy_arrays
    from arsim.sim.engine.output import EngineOutput
    from arsim.sim.ledger import LEDGER_DTYPE

    scenario, policy = _scenario(), _policy()
    rules = RuleBook(scenario, policy, collectors_finite=False)
    out = EngineOutput(engine="fast", window=(0.0, 1200.0), ledger=np.empty(0, LEDGER_DTYPE),
                       actions={})
    book = CustomerBook(scenario, policy, 1, draw_customers(scenario, 1), rules, out)
    p = _policy_arrays(scenario, policy, rules, book, 0.0, 1200.0)["p"]
    for days in (0.5, 7.0, 45.3, 182.5, 365.0, 1000.0, 4000.0):
        assert rules.age_factor(days) == _age_factor(days, p)
        c_library = math.exp(-((days / 365 / 1.374) ** 0.905))
        assert rules.age_factor(days) == pytest.approx(c_library, rel=1e-14)


def test_the_curve_is_a_scenario_setting() -> None:
    scenario = Scenario.model_validate({**_scenario().model_dump(),
                                        "age_factor": {"scale_years": 0.5, "shape": 1.0}})
    rules = RuleBook(scenario, _policy(), collectors_finite=False)
    # shape 1: a plain exponential, exp(-t / 0.5 years)
    assert rules.age_factor(365.0) == pytest.approx(math.exp(-2.0), rel=1e-14)
    with pytest.raises(ValueError, match="scale_years"):
        Scenario.model_validate({**_scenario().model_dump(), "age_factor": {"scale_years": 0}})
