"""docs/model.md §5.7: behaviour that moves over a customer's life. New customers pay late
while they learn the seller's terms [002] (segments[].learning).

Each case is small enough to follow on paper, and runs on every engine, which must agree to
the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from support import one_segment

from arsim.sim.behaviour import learning_days
from arsim.sim.draws import draw_customers
from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.output import EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

MONTH = 365.0 / 12.0


def _same_on_every_engine(scenario: Scenario, policy: Policy, seed: int) -> EngineOutput:
    fast = run_fast(scenario, policy, seed)
    for other in (run_des(scenario, policy, seed), run_reference(scenario, policy, seed)):
        assert other.ledger.tobytes() == fast.ledger.tobytes()
    return fast


def test_learning_days_fall_linearly_from_the_first_day_to_nothing() -> None:
    assert learning_days(20.0, 60.0, 0.0) == 20.0
    assert learning_days(20.0, 60.0, 15.0) == 15.0
    assert learning_days(20.0, 60.0, 45.0) == 5.0
    assert learning_days(20.0, 60.0, 60.0) == 0.0
    assert learning_days(20.0, 60.0, 400.0) == 0.0
    assert learning_days(0.0, 60.0, 0.0) == 0.0


@pytest.mark.parametrize("ladder", [[], [{"day": 3, "action": "reminder"}]])
def test_a_newcomer_pays_later_while_it_learns_the_terms_on_every_engine(
        ladder: list[dict[str, object]]) -> None:
    # Every customer pays 5 days after due of its own accord (a fixed lag); a newcomer adds
    # 20 days on the day it arrives, falling to nothing two months later. The opening
    # population knows the terms. With a reminder 3 days after due that nobody answers
    # (response 0), the dates are the same.
    payer = {"lag_days": {"mean": 5.0, "cv": 0.0}, "early_days": 0.0, "response": {}}
    scenario = one_segment("learn", 400.0, customers=20, orders_per_year=24, amount_cv=0.5,
                           mix={"on_time": 1.0}, payer_types={"on_time": payer},
                           segment={"newcomers_per_year": 40,
                                    "learning": {"extra_days": 20.0, "months": 2.0}})
    policy = Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                    "ladder": ladder})
    out = _same_on_every_engine(scenario, policy, seed=4)
    ledger = out.ledger[np.isfinite(out.ledger["settle_day"])]
    joined = draw_customers(scenario, 4).joined[ledger["customer"]]
    newcomer = ledger["customer"] >= 20
    age = ledger["issue_day"] - joined
    extra = np.where(newcomer, np.maximum(0.0, 20.0 * (1.0 - age / (2.0 * MONTH))), 0.0)
    np.testing.assert_allclose(ledger["settle_day"] - ledger["due_day"], 5.0 + extra)
    assert (extra > 10.0).sum() >= 5 and (newcomer & (extra == 0.0)).any()
