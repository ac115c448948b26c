"""docs/model.md §4, §5.6, §7, §9: the account, not the invoice; capacity never free; shortage
against the market; held orders wait as long as their customer's patience.

Each scenario is small and chosen so that the answer follows on paper; every mechanism is also
run on the three engines, which must agree to the last bit.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from support import customer_book, one_segment, same_on_every_engine

from arsim.sim.engine.des import run_des
from arsim.sim.engine.output import EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.kpis import warnings
from arsim.sim.loader import apply_overrides, load
from arsim.sim.policy import Policy
from arsim.sim.replicate import replicate

SCENARIOS = Path(__file__).parents[2] / "scenarios"
NEVER_RESPONDS = {"lag_days": None, "response": {}}


def _policy(ladder: list[dict[str, Any]], **extra: Any) -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                  "ladder": ladder, **extra})


# ---- the account, not the invoice -------------------------------------------------------


def test_a_customer_leaves_once_per_kind_of_step_not_once_per_invoice() -> None:
    # 400 customers who never pay, 12 orders a year for a year: each has about a dozen
    # invoices handed to an agency. Drawn per invoice, a loss chance of 0.5 would lose
    # 1 - 0.5**12 of them (all but none); drawn per account, half of them.
    scenario = one_segment("loss", 365.0, customers=400, orders_per_year=12, amount_cv=0.5,
                           mix={"defaulter": 1.0},
                           demand={"customer_loss": {"after_action": {"agency": 0.5}}})
    policy = _policy([{"day": 0, "action": "agency"}])
    out = same_on_every_engine(scenario, policy, seed=3)
    escalated = np.unique(out.ledger["customer"][out.ledger["due_day"] < 365.0]).size
    share = out.customers_lost / escalated
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / escalated)


def test_a_lawsuit_closes_the_account_from_its_filing() -> None:
    scenario = one_segment("sue", 300.0, customers=60, orders_per_year=24, amount_cv=0.5,
                           mix={"reminded": 1.0}, payer_types={"reminded": NEVER_RESPONDS})
    policy = _policy([{"day": 10, "action": "lawsuit"}], write_off={"days_overdue": None})
    out = same_on_every_engine(scenario, policy, seed=2)
    for c in np.unique(out.ledger["customer"]):
        rows = out.ledger[out.ledger["customer"] == c]
        filed = rows["due_day"].min() + 10.0  # the first invoice's lawsuit is the first filed
        assert rows["issue_day"].max() < filed
    # the orders after the filing: paid in cash within the cash-only share, the rest lost
    assert out.lost_sales["credit_cancelled"] > 0
    assert out.cash_sales > 0


def _lost_each_due(days: float | None, mix: dict[str, float], loss: float = 1.0,
                   seed: int = 4) -> EngineOutput:
    # pays 200 days late unprompted; an agency at the due date drives it away (`loss`)
    scenario = one_segment(
        "horizon", 720.0, customers=200, orders_per_year=24, amount_cv=0.5, mix=mix,
        payer_types={"reminded": {"lag_days": {"mean": 200, "cv": 0.2}, "response": {}}},
        demand={"customer_loss": {"after_action": {"agency": loss}, "valued_days": days}})
    return same_on_every_engine(scenario, _policy([{"day": 0, "action": "agency"}]),
                                seed=seed)


def test_a_lost_customer_is_away_for_its_horizon_then_buys_again() -> None:
    """docs/model.md §4, "Customers lost and won back": away `valued_days` after each loss,
    then back on a fresh account, which the next hand-over loses again."""
    never, year, month = (_lost_each_due(d, {"reminded": 1.0}) for d in (None, 365.0, 30.0))
    # never back: each customer is lost once, at its first invoice's due date, and stays away
    assert 150 < never.customers_lost <= 200
    assert never.lost_sales["customer_lost"] > year.lost_sales["customer_lost"]
    assert year.lost_sales["customer_lost"] > month.lost_sales["customer_lost"] > 0
    # back after 30 days: about 15 days to its next order, 30 to that invoice's due date
    # (N/30), 30 away: a loss every 75 days or so, some 9 in 720 days per customer
    assert month.customers_lost > 5 * 200
    # every day of a customer's life is either with the company or away
    for out in (never, year, month):
        assert out.customer_days + out.customer_days_away == pytest.approx(200 * 720.0)
    # 30 days away after each loss, but the last, which the window's end may cut short
    assert ((month.customers_lost - 200) * 30.0 < month.customer_days_away
            <= month.customers_lost * 30.0)
    # and each customer's invoices: none issued while it was away
    ledger = month.ledger
    for c in np.unique(ledger["customer"])[:20]:
        issued = np.sort(ledger["issue_day"][ledger["customer"] == c])
        lost = issued[0] + 30.0  # its first invoice's due date (N/30), handed over then
        assert not np.any((issued > lost) & (issued < lost + 30.0))
        assert np.any(issued >= lost + 30.0)


def test_losing_a_customer_who_never_pays_saves_more_than_it_costs() -> None:
    # its orders while away are lost margin (shortage), but each would have been written off
    kept, lost = (replicate(*_defaulters(loss), seed=4).metrics for loss in (0.0, 1.0))
    assert lost["shortage_customers_lost_cost"] > 0.0 == kept["shortage_customers_lost_cost"]
    assert lost["bad_debt_cost"] < kept["bad_debt_cost"]
    assert lost["total_cost"] < kept["total_cost"]


def _defaulters(loss: float) -> tuple[Any, Policy]:
    scenario = one_segment(
        "defaulters", 720.0, customers=200, orders_per_year=24, amount_cv=0.5,
        mix={"defaulter": 1.0},
        demand={"customer_loss": {"after_action": {"agency": loss}, "valued_days": 365.0}})
    return scenario, _policy([{"day": 0, "action": "agency"}])


def test_an_old_accounts_stop_and_closing_do_not_follow_a_customer_won_back() -> None:
    """A stop at the due date on debts that are never paid nor written off would hold a
    customer's orders for ever; won back after a loss, its fresh account ships again."""
    scenario = one_segment(
        "fresh", 720.0, customers=100, orders_per_year=24, amount_cv=0.5,
        mix={"reminded": 1.0}, payer_types={"reminded": NEVER_RESPONDS},
        demand={"customer_loss": {"after_action": {"stop_shipping": 1.0}, "valued_days": 60}})
    policy = _policy([{"day": 0, "action": "stop_shipping"}], write_off={"days_overdue": None})
    out = same_on_every_engine(scenario, policy, seed=9)
    ledger = out.ledger
    for c in np.unique(ledger["customer"])[:20]:
        issued = np.sort(ledger["issue_day"][ledger["customer"] == c])
        back = issued[0] + 30.0 + 60.0  # lost at its first due date (N/30), back 60 days on
        assert np.any(issued >= back)  # its old debt open and stopped, yet it buys on credit
    assert out.customers_lost > 2 * 100
    # a write-off closes the account for good only until the customer is won back
    closed = one_segment(
        "closed", 720.0, customers=100, orders_per_year=24, amount_cv=0.5,
        mix={"defaulter": 1.0}, demand={"customer_loss": {"valued_days": 60}})
    out = same_on_every_engine(closed, _policy([], write_off={"days_overdue": 10}), seed=9)
    ledger = out.ledger
    for c in np.unique(ledger["customer"])[:20]:
        issued = np.sort(ledger["issue_day"][ledger["customer"] == c])
        written_off = issued[0] + 30.0 + 10.0  # booked by the next day
        assert not np.any((issued > written_off + 1.0) & (issued < written_off + 60.0))
        assert np.any(issued >= written_off + 60.0)


# ---- capacity is never free --------------------------------------------------------------


def test_an_unlimited_team_is_paid_for_the_collector_days_it_worked() -> None:
    # every invoice gets one call of 42 minutes (a tenth of a 420-minute day), nobody answers
    scenario = one_segment("calls", 365.0, customers=50, orders_per_year=12, amount_cv=0.5,
                           mix={"reminded": 1.0}, payer_types={"reminded": NEVER_RESPONDS},
                           company={"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1,
                                    "collector_salary_annual": 100_000,
                                    "fixed_credit_department_cost_annual": 0})
    policy = _policy([{"day": 5, "action": "phone", "collector_minutes": 42}],
                     write_off={"days_overdue": None})
    out = same_on_every_engine(scenario, policy, seed=5)
    calls = out.actions["phone"][0]
    assert out.collector.tasks_served == calls
    # each call a tenth of a day; the last ones may run past the end of the window
    assert calls * 0.1 - 0.1 <= out.collector.busy_days <= calls * 0.1 + 1e-9
    m = replicate(scenario, policy, seed=5).metrics
    assert m["collectors_busy"] == pytest.approx(out.collector.busy_days / 365.0)
    assert m["collector_team_cost"] == pytest.approx(100_000 * out.collector.busy_days / 365.0)
    assert m["management_cost"] == pytest.approx(m["collector_team_cost"])


def test_a_saturated_team_is_flagged() -> None:
    def summary(util: float, dropped: float) -> dict[str, SimpleNamespace]:
        return {"collector_utilisation": SimpleNamespace(mean=util),
                "collector_tasks_dropped_share": SimpleNamespace(mean=dropped)}

    assert warnings(summary(0.90, 0.01)) == []
    assert "saturated" in warnings(summary(0.95, 0.0))[0]
    assert "saturated" in warnings(summary(0.60, 0.05))[0]
    assert warnings({"collector_utilisation": SimpleNamespace(mean=math.nan)}) == []


# ---- shortage against the market ---------------------------------------------------------


def _market(terms: str, **extra: Any) -> dict[str, float]:
    scenario = one_segment("market", 365.0, customers=300, orders_per_year=12, amount_cv=0.8,
                           mix={"on_time": 1.0}, demand={"market_terms": "N/30"})
    policy = Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": terms},
                                    **extra})
    return replicate(scenario, policy, seed=6).metrics


def test_a_policy_on_the_market_terms_that_turns_nothing_away_has_no_shortage() -> None:
    m = _market("N/30")
    assert m["reference_sales"] > 0
    assert abs(m["shortage_cost"]) < 1e-9 * m["reference_sales"]
    assert m["shortage_held_cost"] == m["shortage_customers_lost_cost"] == 0.0


def test_shortage_parts_add_up_and_take_their_sign_from_the_terms() -> None:
    longer, shorter = _market("N/60"), _market("N/15")
    # N/60 wins 10% more demand than the market's N/30 (the built-in table): a negative part
    assert longer["shortage_terms_cost"] < 0 < shorter["shortage_terms_cost"]
    assert longer["shortage_terms_cost"] == pytest.approx(
        -0.2 * 0.1 * longer["reference_sales"], rel=0.1)
    limited = _market("N/30", credit_limit={"method": "sales", "grade_factors": {"B": 0.3}})
    assert limited["shortage_held_cost"] > 0
    for m in (longer, shorter, limited):
        parts = (m["shortage_terms_cost"] + m["shortage_held_cost"]
                 + m["shortage_customers_lost_cost"])
        assert m["shortage_cost"] == pytest.approx(parts)
        # and the whole is the margin between the reference and what was sold
        sold = m["credit_sales"] + m["cash_sales"]
        assert m["shortage_cost"] == pytest.approx(0.2 * (m["reference_sales"] - sold),
                                                   rel=0.02, abs=1e-6 * sold)


# ---- held orders wait as long as their customer's patience -------------------------------


def _stopped(patience: dict[str, Any] | None, hold: float = 7.0) -> EngineOutput:
    # pays 40 days after due unprompted; a stop from the due date holds later orders
    scenario = one_segment("patience", 400.0, customers=80, orders_per_year=24, amount_cv=0.5,
                           mix={"reminded": 1.0},
                           payer_types={"reminded": {"lag_days": {"mean": 40, "cv": 0.5},
                                                     "response": {}}},
                           segment={"order_patience_days": patience},
                           demand={"blocked_hold_days": hold})
    return same_on_every_engine(scenario, _policy([{"day": 0, "action": "stop_shipping"}]),
                                 seed=7)


def test_a_constant_patience_equal_to_the_hold_changes_nothing() -> None:
    legacy, constant = _stopped(None, hold=9.0), _stopped({"mean": 9.0, "cv": 0.0})
    assert legacy.ledger.tobytes() == constant.ledger.tobytes()
    assert legacy.lost_sales == constant.lost_sales


def test_more_patient_customers_lose_fewer_held_orders() -> None:
    impatient = _stopped({"mean": 3.0, "cv": 0.5})
    patient = _stopped({"mean": 60.0, "cv": 0.5})
    assert patient.lost_sales["stop_shipping"] < 0.5 * impatient.lost_sales["stop_shipping"]
    assert len(patient.ledger) > len(impatient.ledger)


# ---- by grade and segment ----------------------------------------------------------------


def test_grade_kpis_weigh_back_to_the_whole() -> None:
    scenario, policy = load(SCENARIOS / "default.yaml")
    rep = replicate(scenario, policy, seed=8, keep_ledger=True)
    m, ledger = rep.metrics, rep.ledger
    assert ledger is not None
    start = scenario.horizon.warmup_days
    issued = (ledger["issue_day"] >= start) & (ledger["issue_day"] < start + 730)
    sales = {g: float(ledger["amount"][issued & (ledger["grade"] == g)].sum()) for g in "ABC"}
    # DSO is receivables over daily sales: the grades' DSOs weighted by their sales add up
    weighted = sum(m[f"dso_grade_{g}"] * sales[g] for g in "ABC") / sum(sales.values())
    assert weighted == pytest.approx(m["dso"], rel=1e-9)
    # each grade is one segment in the default scenario: the same figures
    for i, g in enumerate("ABC"):
        assert m[f"dso_segment_{i}"] == m[f"dso_grade_{g}"]
    assert math.isnan(m["dso_grade_D"])  # grade D is refused credit
    # riskier grades are slower and lose more
    assert m["dso_grade_A"] < m["dso_grade_B"] < m["dso_grade_C"]
    assert m["bad_debt_ratio_grade_A"] < m["bad_debt_ratio_grade_C"]
    assert 0 < m["dso_disputed"] < m["dso"]


def test_approval_by_rule_ships_up_to_the_ceiling_and_holds_above_it() -> None:
    scenario = one_segment("approve", 85.0, customers=100, orders_per_year=24, amount_cv=0.8,
                           mix={"reminded": 1.0},
                           payer_types={"reminded": {"lag_days": {"mean": 60, "cv": 0.5},
                                                     "response": {}}},
                           demand={"blocked_approval_share": 0.0})
    rule = {"method": "sales", "standard_credit_period_days": 30, "smoothing": None,
            "grade_factors": {"B": 1.0}}
    strict = same_on_every_engine(scenario, _policy([], credit_limit=rule), seed=9)
    lenient = same_on_every_engine(
        scenario, _policy([], credit_limit={**rule, "approval_over_share": {"B": 0.5}}), seed=9)
    assert lenient.lost_sales["credit_limit"] < strict.lost_sales["credit_limit"]
    # the limit (85 days: before month 3, 24 x 1,000 / 12 x 30 / 30 = 2,000) x 1.5 never passed
    ledger = lenient.ledger
    for i, row in enumerate(ledger):
        earlier = ledger[:i]
        same = earlier[(earlier["customer"] == row["customer"])
                       & (earlier["settle_day"] > row["issue_day"])]
        assert row["amount"] + same["amount"].sum() <= 2000 * 1.5 + 1e-9


# ---- a living population ------------------------------------------------------------------


@pytest.mark.parametrize("limit", [{"method": "sales"}, {"method": "sales", "smoothing": None},
                                   {"method": "receipts"}])
def test_newcomers_arrive_and_leave_alike_on_every_engine(limit: dict[str, Any]) -> None:
    # newcomers who stay only at terms the market would give, credit limits that start from
    # the rating, customers lost after an agency hand-over, bankruptcies: every engine agrees
    scenario = one_segment(
        "pop", 600.0, customers=40, orders_per_year=12, amount_cv=0.6,
        mix={"on_time": 0.4, "reminded": 0.3, "pressure": 0.2, "defaulter": 0.1},
        segment={"newcomers_per_year": 60, "bankruptcy_hazard_annual": 0.3,
                 "order_patience_days": {"mean": 10.0, "cv": 0.5}},
        demand={"customer_loss": {"after_action": {"agency": 0.5}},
                "credit_period_multiplier": [[10, 0.8], [30, 1.0], [60, 1.2]],
                "market_terms": "N/30"})
    for terms in ("N/10", "N/60"):
        policy = _policy([{"day": 5, "action": "reminder"}, {"day": 60, "action": "agency"}],
                         credit_limit={**limit, "standard_credit_period_days": 30})
        policy = policy.with_value("terms.B", terms)
        out = same_on_every_engine(scenario, policy, seed=8)
        newcomer = out.ledger["customer"] >= 40
        assert newcomer.any() and (~newcomer).any()
        # a newcomer is never invoiced before it arrived
        from arsim.sim.draws import draw_customers
        joined = draw_customers(scenario, 8).joined
        assert np.all(out.ledger["issue_day"] >= joined[out.ledger["customer"]])


def test_a_newcomer_starts_at_its_ratings_limit_and_keeps_it_for_the_months_of_history() -> None:
    scenario = one_segment("limits", 400.0, customers=3, orders_per_year=12, amount_cv=0.5,
                           mix={"on_time": 1.0}, segment={"newcomers_per_year": 20})
    policy = _policy([], credit_limit={"method": "sales", "smoothing": None,
                                       "standard_credit_period_days": 30})
    book = customer_book(scenario, policy, 1)
    customers = book.customers
    month = 365.0 / 12.0
    first = book.limit_months
    assert list(first[:3]) == [3, 3, 3]  # the opening population: from month 3
    joined = customers.joined[3:]
    assert np.array_equal(first[3:], 3 + np.ceil(joined / month))
    initial = np.asarray(book.limit)
    book.month_end(3, np.zeros((customers.count, book.months)))  # nothing ordered yet
    after = np.asarray(book.limit)
    assert np.all(after[:3] == 0.0)  # no history: the plain sales method gives 0
    waiting = first > 3
    assert waiting[3:].any() and np.all(after[waiting] == initial[waiting])


def test_newcomers_take_their_own_payer_mix_and_the_opening_population_its_own() -> None:
    from arsim.sim.draws import draw_customers

    scenario = one_segment("mix", 3650.0, customers=4000, orders_per_year=1, amount_cv=0.5,
                           mix={"on_time": 1.0},
                           segment={"newcomers_per_year": 400,
                                    "newcomer_payer_mix": {"pressure": 0.25,
                                                           "defaulter": 0.75}})
    c = draw_customers(scenario, 2)
    assert np.all(c.payer[:c.initial] == 0)  # on_time
    newcomers = c.payer[c.initial:]
    assert newcomers.size > 3000 and set(np.unique(newcomers)) == {2, 3}
    share = float(np.mean(newcomers == 3))
    assert abs(share - 0.75) < 4 * math.sqrt(0.75 * 0.25 / newcomers.size)


# ---- the two headline rows --------------------------------------------------------------


def test_total_cost_and_margin_less_costs_rank_policies_alike() -> None:
    """docs/model.md §9: total_cost + net_margin = contribution margin + shortage, the margin
    of the market's reference sales, the same for every policy on the same seeds: customers
    lost after hard steps come back after their horizon, so the reference counts their
    orders whatever the policy. Four policies that move every part of the total: the
    default, no ladder, longer terms for grade B, half the grade-C limit; with customers
    lost (the default's chances) and without. What is left of the sum's spread is orders
    placed in the window and shipped after it, and orders refused credit but paid in cash."""
    scenario, policy = load(SCENARIOS / "default.yaml")
    small = [f"scenario.segments.{i}.customers={n // 5}"
             for i, n in enumerate(s.customers for s in scenario.segments)]
    base = [*small, "scenario.horizon.warmup_days=365", "scenario.horizon.horizon_days=365"]
    variants = ([], ["ladder=[]"], ["terms.B=N/90"], ["credit_limit.grade_factors.C=0.5"])

    def run(loss: list[str]) -> list[dict[str, float]]:
        return [replicate(*apply_overrides(scenario, policy, [*base, *loss, *v]), seed=5).metrics
                for v in variants]

    for runs in (run([]), run(["scenario.demand.customer_loss.after_action={}"])):
        assert len({m["reference_sales"] for m in runs}) == 1
        sums = [m["total_cost"] + m["net_margin"] for m in runs]
        totals = [m["total_cost"] for m in runs]
        assert max(sums) - min(sums) < 0.01 * min(sums)
        assert max(totals) - min(totals) > 10 * (max(sums) - min(sums))
        assert (sorted(range(4), key=lambda i: totals[i])
                == sorted(range(4), key=lambda i: -runs[i]["net_margin"]))
    lost = run([])
    assert lost[0]["customers_lost"] > 0 == lost[1]["customers_lost"]


@pytest.mark.parametrize("collectors", ["null", "1"])
def test_every_engine_wins_customers_back_alike(collectors: str) -> None:
    """A tenth of the default, customers back a month after a loss or a closing, its ladder
    and write-offs: with an unlimited team all three engines, with one collector the SimPy
    and the reference engines (a finite team's steps come late, after a return: the old
    invoices' steps then act on nothing), give the same invoices, losses and days away."""
    scenario, policy = load(SCENARIOS / "default.yaml")
    small = [f"scenario.segments.{i}.customers={n // 10}"
             for i, n in enumerate(s.customers for s in scenario.segments)]
    s, p = apply_overrides(scenario, policy, [
        *small, "scenario.horizon.warmup_days=180", "scenario.horizon.horizon_days=540",
        "scenario.demand.customer_loss.valued_days=30", "write_off.days_overdue=120",
        f"collections.collectors={collectors}"])
    if collectors == "null":
        out = same_on_every_engine(s, p, seed=11)
    else:
        out = run_des(s, p, seed=11)
        other = run_reference(s, p, seed=11)
        assert other.ledger.tobytes() == out.ledger.tobytes()
        assert (other.lost_sales, other.cash_sales, other.reference_sales) == (
            out.lost_sales, out.cash_sales, out.reference_sales)
        assert (other.customers_lost, other.customer_days, other.customer_days_away) == (
            out.customers_lost, out.customer_days, out.customer_days_away)
    # customers are lost, come back and are lost again
    assert out.customers_lost > 0 and out.customer_days_away > 0
