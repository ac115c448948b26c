"""An invoice's life: bankruptcy, lawsuits and the write-off rule, small debts and the ladder."""

from __future__ import annotations

from typing import Any

import numpy as np

from arsim.sim.behaviour import Outcome
from arsim.sim.engine.des import run_des
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario


def _defaulters(hazard: float) -> dict[str, Any]:
    return {
        "name": "defaulters",
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": 900},
        "segments": [{"name": "bad", "customers": 200, "grade": "B", "orders_per_year": 4,
                      "order_amount": {"mean": 30_000, "cv": 1.0},
                      "payer_mix": {"defaulter": 1.0},
                      "bankruptcy_hazard_annual": hazard}],
        "payer_types": {"defaulter": {"response": {"lawsuit": 0.9, "phone": 0.0}}},
        "demand": {"customer_loss": {"after_action": {}}},
    }


def _policy(**changes: Any) -> Policy:
    base: dict[str, Any] = {
        "accepted_grades": ["B"], "terms": {"B": "N/30"},
        "ladder": [{"day": 10, "action": "phone", "cost": 5},
                   {"day": 180, "action": "lawsuit", "min_amount": 20_000}],
        "write_off": {"days_overdue": 365, "after_failed_lawsuit": True},
    }
    return Policy.model_validate({**base, **changes})


def test_a_distant_bankruptcy_does_not_stop_dunning_or_write_offs() -> None:
    ledger = run_des(Scenario.model_validate(_defaulters(0.05)), _policy(), seed=3).ledger
    done = ledger[ledger["outcome"] != int(Outcome.OPEN)]
    # defaulters never pay unprompted, yet the ladder runs and some are written off or sued
    assert (ledger["actions"] > 0).mean() > 0.9
    outcomes = set(done["outcome"].tolist())
    assert int(Outcome.LAWSUIT) in outcomes
    assert int(Outcome.BANKRUPT) in outcomes  # and bankruptcy still ends some of them


def test_a_lawsuit_outlives_the_write_off_age_and_small_debts_are_not_sued() -> None:
    # filed at +180, decided at +450: after the +365 write-off age, which waits for it
    ledger = run_des(Scenario.model_validate(_defaulters(0.0)), _policy(), seed=4).ledger
    sued = ledger["outcome"] == int(Outcome.LAWSUIT)
    assert sued.sum() > 0
    assert np.all(ledger["amount"][sued] >= 20_000)
    small = ledger[(ledger["amount"] < 20_000) & (ledger["outcome"] != int(Outcome.OPEN))]
    assert len(small) > 0
    assert np.all(small["outcome"] == int(Outcome.WRITTEN_OFF))
    # small ones were written off at the age limit, without a lawsuit's cost
    assert np.allclose(small["settle_day"] - small["effective_due_day"], 365.0)
    assert np.all(small["dunning_cost"] == 5.0)
