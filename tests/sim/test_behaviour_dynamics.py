"""docs/model.md §2, §5.4: behaviour that moves over a customer's life. New customers pay
late while they learn the seller's terms, and old customers' payer types sour [002]
(segments[].learning, segments[].souring_per_year).

Each case is small enough to follow on paper, and runs on every engine, which must agree to
the last bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import one_segment, same_on_every_engine

from arsim.sim.behaviour import Outcome, learning_days, payer_at
from arsim.sim.draws import draw_customers
from arsim.sim.policy import Policy

MONTH = 365.0 / 12.0


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
    out = same_on_every_engine(scenario, policy, seed=4)
    ledger = out.ledger[np.isfinite(out.ledger["settle_day"])]
    joined = draw_customers(scenario, 4).joined[ledger["customer"]]
    newcomer = ledger["customer"] >= 20
    age = ledger["issue_day"] - joined
    extra = np.where(newcomer, np.maximum(0.0, 20.0 * (1.0 - age / (2.0 * MONTH))), 0.0)
    np.testing.assert_allclose(ledger["settle_day"] - ledger["due_day"], 5.0 + extra)
    assert (extra > 10.0).sum() >= 5 and (newcomer & (extra == 0.0)).any()


# ---- payer types sour ----------------------------------------------------------------------


def test_payer_at_counts_the_souring_days_passed() -> None:
    assert payer_at(0, 10.0, 30.0, 5.0) == 0
    assert payer_at(0, 10.0, 30.0, 10.0) == 1
    assert payer_at(0, 10.0, 30.0, 40.0) == 2
    assert payer_at(1, 10.0, math.inf, 1e9) == 2
    assert payer_at(3, math.inf, math.inf, 1e9) == 3


def test_the_share_soured_by_a_day_follows_the_exponential_law() -> None:
    # 20,000 on-time customers at a hazard of 0.5 a year: by day t a share 1 - exp(-0.5 t/Y)
    # has soured at least once, and (two exponential steps: Erlang 2) a share
    # 1 - exp(-x)(1 + x), x = 0.5 t / Y, twice; reminded payers sour once at most, and
    # customers under pressure or who never pay never sour.
    scenario = one_segment("sour", 730.0, customers=20_000, orders_per_year=1, amount_cv=0.5,
                           mix={"on_time": 0.5, "reminded": 0.2, "pressure": 0.2,
                                "defaulter": 0.1},
                           segment={"souring_per_year": 0.5})
    c = draw_customers(scenario, 11)
    on_time = c.payer == 0
    n = int(on_time.sum())
    for day in (90.0, 365.0, 1000.0):
        x = 0.5 * day / 365.0
        for column, theory in ((0, 1 - math.exp(-x)), (1, 1 - math.exp(-x) * (1 + x))):
            share = float(np.mean(c.soured[on_time, column] <= day))
            assert abs(share - theory) < 4 * math.sqrt(theory * (1 - theory) / n)
    reminded = c.payer == 1
    assert np.all(np.isfinite(c.soured[reminded, 0])) and np.all(np.isinf(c.soured[reminded, 1]))
    assert np.all(np.isinf(c.soured[c.payer >= 2]))
    # no souring without a hazard
    calm = one_segment("calm", 730.0, customers=50, orders_per_year=1, amount_cv=0.5,
                       mix={"on_time": 1.0})
    assert np.all(np.isinf(draw_customers(calm, 11).soured))


@pytest.mark.parametrize("ladder", [[], [{"day": 3, "action": "phone", "cost": 5.0},
                                         {"day": 40, "action": "agency"}]])
def test_an_invoice_takes_its_customers_type_on_the_day_of_the_order_on_every_engine(
        ladder: list[dict[str, object]]) -> None:
    # Customers sour fast (a hazard of 2 a year) and, on 2/10 N/30, an on-time payer takes
    # the discount that a late payer forgoes: every engine gives each invoice its customer's
    # type on its order day (no limits: an order ships the day it is placed), and the
    # soured invoices pay as their new type.
    scenario = one_segment("sour", 500.0, customers=60, orders_per_year=24, amount_cv=0.5,
                           mix={"on_time": 0.6, "reminded": 0.4},
                           segment={"souring_per_year": 2.0, "newcomers_per_year": 30,
                                    "funding_cost_annual": {"mean": 0.05, "cv": 0.0}})
    policy = Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "2/10, N/30"},
                                    "ladder": ladder})
    out = same_on_every_engine(scenario, policy, seed=6)
    ledger = out.ledger[~out.ledger["opening"]]
    c = draw_customers(scenario, 6)
    cust = ledger["customer"]
    expected = (c.payer[cust] + (ledger["issue_day"] >= c.soured[cust, 0])
                + (ledger["issue_day"] >= c.soured[cust, 1]))
    assert np.array_equal(ledger["payer"], expected)
    soured = ledger["payer"] != c.payer[cust]
    assert soured.sum() > 100 and (~soured).sum() > 100
    took = ledger["outcome"] == int(Outcome.DISCOUNT)
    # on-time payers take the discount more often than the reminded and pressure payers
    assert took[ledger["payer"] == 0].mean() > took[ledger["payer"] == 2].mean()
