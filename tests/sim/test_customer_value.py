"""docs/model.md §9, "A lost customer's value": its margin net of its own credit costs.

A customer driven away by a collection step is valued at its contribution less the credit
costs its business would have carried (the days its payments take at the cost of capital on
the opportunity-cost base, and its expected bad debt from bankruptcy), in closed form per
segment and payer type; its lost orders count over the valued horizon times that share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import customer_book, one_segment, same_on_every_engine

from arsim.sim.customer_value import net_value_share
from arsim.sim.engine.output import EngineOutput
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

LATE = {"lag_days": {"mean": 150, "cv": 0.3}, "early_days": 0, "response": {}}


def _book_scenario(**company: Any) -> Scenario:
    return one_segment(
        "value", 365.0, customers=40, orders_per_year=12, amount_cv=0.5,
        mix={"on_time": 0.25, "reminded": 0.25, "pressure": 0.25, "defaulter": 0.25},
        payer_types={"pressure": LATE},
        segment={"bankruptcy_hazard_annual": 0.02,
                 "bankruptcy_recovery_share": {"mean": 0.1, "cv": 0.0}},
        company={"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1, **company})


def _policy(terms: str = "N/45", ladder: list[dict[str, Any]] | None = None) -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": terms},
                                  "ladder": ladder or []})


def test_the_net_value_share_by_hand() -> None:
    # margin 0.2; 45 + 150 = 195 days at 10% on the variable cost (0.8): 0.8 x 0.1 x 195/365
    # = 0.042740; bankrupt with chance 1 - exp(-0.02 x 195/365) = 0.010628, 90% lost: 0.009565
    share = net_value_share(0.2, 0.8, 0.1, 365.0, 195.0, 0.02, 0.1)
    assert share == pytest.approx((0.2 - 0.042740 - 0.009565) / 0.2, abs=3e-6)
    assert share == pytest.approx(0.738475, abs=3e-6)
    # nothing to pay for: the whole margin; a customer that never pays: nothing
    assert net_value_share(0.2, 0.8, 0.0, 365.0, 195.0, 0.0, 0.1) == 1.0
    assert net_value_share(0.2, 0.8, 0.1, 365.0, math.inf, 0.0, 1.0) == 0.0
    # costs above the margin: nothing to lose, never a negative value
    assert net_value_share(0.05, 1.0, 0.3, 360.0, 360.0, 0.0, 0.0) == 0.0


def test_each_customer_gets_its_segment_and_payer_types_share() -> None:
    book = customer_book(_book_scenario(), _policy(), seed=1)
    payer = book.customers.payer
    # lateness past due: on_time 1 - 1 early = 0, reminded 45, pressure 150, defaulter never
    by_type = [net_value_share(0.19999999999999996, 0.8, 0.1, 365.0, 45.0 + late, 0.02, 0.1)
               for late in (0.0, 45.0, 150.0)]
    for k, share in enumerate(by_type):
        assert np.all(book.lost_value_share[payer == k] == share)
    assert np.all(book.lost_value_share[payer == 3] == 0.0)
    assert by_type[0] > by_type[1] > by_type[2] > 0.7
    assert np.array_equal(book.valued_days(), 365.0 * book.lost_value_share)
    # end-of-month terms give half a month more credit, and cost it
    eom = customer_book(_book_scenario(), _policy("N/45 EOM"), seed=1)
    on_time = payer == 0
    assert np.all(eom.lost_value_share[on_time] == net_value_share(
        0.19999999999999996, 0.8, 0.1, 365.0, 45.0 + 365.0 / 24.0, 0.02, 0.1))
    # a grade that buys for cash carries no credit cost: the whole margin
    cash = customer_book(_book_scenario(), _policy("cash"), seed=1)
    assert np.all(cash.lost_value_share == 1.0)


def test_the_base_follows_the_opportunity_cost_convention() -> None:
    at_sales = one_segment("base", 365.0, customers=10, orders_per_year=12, amount_cv=0.5,
                           mix={"pressure": 1.0}, payer_types={"pressure": LATE},
                           conventions={"opportunity_cost_base": "sales_value"})
    book = customer_book(at_sales, _policy(), seed=1)
    # 1.0 x 0.1 x 195/365 on a margin of 0.2; no bankruptcy in one_segment
    assert np.all(book.lost_value_share == pytest.approx(1.0 - 0.1 * 195 / 365 / 0.2,
                                                         rel=1e-12))


@given(st.floats(0.01, 0.99), st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0),
       st.sampled_from([360.0, 365.0]), st.floats(0.0, 2000.0), st.floats(0.0, 5.0),
       st.floats(0.0, 1.0))
def test_the_net_value_never_exceeds_the_gross_one(
        margin: float, base: float, capital: float, year: float, days: float, hazard: float,
        recovery: float) -> None:
    share = net_value_share(margin, base, capital, year, days, hazard, recovery)
    assert 0.0 <= share <= 1.0
    # and it is the gross one exactly where the business carries no credit cost
    free = net_value_share(margin, base, 0.0, year, days, 0.0, recovery)
    assert free == 1.0
    # longer credit costs more
    assert net_value_share(margin, base, capital, year, days + 30.0, hazard, recovery) <= share


# ---- the engines -------------------------------------------------------------------------


def _lost(capital: float, valued_days: float = 365.0) -> EngineOutput:
    # late payers, every one lost at its first agency hand-over, no bankruptcy; 360-day year
    scenario = one_segment(
        "lost", 720.0, customers=150, orders_per_year=24, amount_cv=0.5,
        mix={"pressure": 1.0}, payer_types={"pressure": LATE},
        conventions={"days_in_year": 360, "opportunity_cost_base": "sales_value"},
        company={"variable_cost_ratio": 0.8, "cost_of_capital_annual": capital},
        demand={"customer_loss": {"after_action": {"agency": 1.0},
                                  "valued_days": valued_days}})
    return same_on_every_engine(scenario, _policy("N/30", [{"day": 0, "action": "agency"}]),
                                 seed=4)


def test_a_lost_late_payer_counts_over_its_net_share_of_the_horizon() -> None:
    gross, net = _lost(0.0), _lost(0.2)
    assert gross.customers_lost > 100
    # the cost of capital moves no invoice: the same run, priced differently
    assert gross.ledger.tobytes() == net.ledger.tobytes()
    # 30 + 150 days at 20% on the sales value: 0.1 of a margin of 0.2, half of it left, so
    # the lost orders are those of half the horizon
    half = _lost(0.0, valued_days=182.5)
    assert net.lost_sales["customer_lost"] == pytest.approx(half.lost_sales["customer_lost"],
                                                            rel=1e-9)
    assert 0.3 < net.lost_sales["customer_lost"] / gross.lost_sales["customer_lost"] < 0.7
