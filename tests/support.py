"""Small scenarios for the unit tests, built in one place."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from click.testing import CliRunner, Result

from arsim.cli import main
from arsim.sim.behaviour import Outcome, RuleBook
from arsim.sim.draws import draw_customers
from arsim.sim.engine.book import CustomerBook
from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.output import CollectorStats, EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.ledger import LEDGER_DTYPE
from arsim.sim.policy import Policy
from arsim.sim.replicate import RunResult
from arsim.sim.scenario import Scenario
from arsim.sim.series import daily_series


def assert_same_figures(a: RunResult, b: RunResult) -> None:
    """Two runs priced every replication alike: the same metrics, equal to the last bit
    (NaN where either has NaN)."""
    for one, two in zip(a.replications, b.replications, strict=True):
        assert one.metrics.keys() == two.metrics.keys()
        for name, x in one.metrics.items():
            y = two.metrics[name]
            assert x == y or (math.isnan(x) and math.isnan(y)), name


def same_on_every_engine(scenario: Scenario, policy: Policy, seed: int) -> EngineOutput:
    """One replication on the fast, SimPy and reference engines; they must agree to the bit
    on the ledger and on every count beside it (sales lost, cash and reference sales,
    customers lost, the days customers were with the company and away, the action tally,
    the collectors' busy days). Returns the fast run's."""
    fast = run_fast(scenario, policy, seed)
    for other in (run_des(scenario, policy, seed), run_reference(scenario, policy, seed)):
        assert other.ledger.tobytes() == fast.ledger.tobytes(), other.engine
        assert (other.lost_sales, other.cash_sales, other.reference_sales,
                other.customers_lost) == (fast.lost_sales, fast.cash_sales,
                                          fast.reference_sales, fast.customers_lost)
        assert (other.customer_days, other.customer_days_away) == (
            fast.customer_days, fast.customer_days_away), other.engine
        assert other.actions == fast.actions, other.engine
        assert other.collector.busy_days == fast.collector.busy_days, other.engine
    return fast


def cli_ok(args: list[str]) -> Result:
    """`arsim ARGS` in-process; it must succeed."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def cli_fails(args: list[str], *words: str) -> str:
    """`arsim ARGS` in-process; it must fail as a user error: one line on stderr naming
    every word given, exit code 2, no traceback. Returns the line."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert message.startswith("arsim: error:") and len(message.splitlines()) == 1, message
    for word in words:
        assert word in message
    return message


def customer_book(scenario: Scenario, policy: Policy, seed: int) -> CustomerBook:
    """A replication's customer book, its window the scenario's, before any order is drawn:
    the terms, tiers and limits each customer starts with."""
    start = scenario.horizon.warmup_days
    out = EngineOutput(engine="reference", window=(start, start + scenario.horizon.horizon_days),
                       ledger=np.empty(0, dtype=LEDGER_DTYPE), actions={},
                       collector=CollectorStats())
    rules = RuleBook(scenario, policy, collectors_finite=False, seed=seed)
    return CustomerBook(scenario, policy, seed, draw_customers(scenario, seed), rules, out)


def one_segment(name: str, days: float, *, customers: int, orders_per_year: float,
                amount_cv: float, mix: dict[str, float], segment: dict[str, Any] | None = None,
                **top: Any) -> Scenario:
    """One grade-B segment of customers ordering 1,000 on average, measured from day 0 for
    `days`, nobody lost after a dunning step; `segment` and `top` add or replace keys."""
    seg = {"name": "s", "customers": customers, "grade": "B",
           "orders_per_year": orders_per_year, "order_amount": {"mean": 1000, "cv": amount_cv},
           "payer_mix": mix, **(segment or {})}
    demand = {"customer_loss": {"after_action": {}}, **top.pop("demand", {})}
    return Scenario.model_validate({
        "name": name,
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": days},
        "segments": [seg], "demand": demand, **top,
    })


def assert_money_balances(ledger: Any, end: float) -> None:
    """Money conservation, checked against sums the `open` column plays no part in.

    An engine writes each invoice's open amount as what is left of the amount after the
    other parts, so `amount == paid + discount + credited + written_off + open` holds by
    construction. Instead: each outcome must split what the customer owed (the amount less
    a credit) as its own rule says; and over the book, everything invoiced must be the cash
    received by day (the daily series) plus the discounts, credits and write-offs, plus
    the receivables balance at the end as the daily series carries it forward from flows
    (issued less credited less settled), which must also equal the open amounts.
    """
    outcome = ledger["outcome"]
    amount, credited = ledger["amount"], ledger["credited"]
    paid, discount, written = ledger["paid"], ledger["discount"], ledger["written_off"]
    owed = amount - credited
    ok = np.isclose
    assert np.all(credited >= 0) and np.all(credited <= amount)
    assert np.all(ledger["credited_day"][credited > 0] <= np.minimum(ledger["settle_day"],
                                                                     end)[credited > 0])
    still_open = outcome == int(Outcome.OPEN)
    assert np.all(paid[still_open] == 0) and np.all(written[still_open] == 0)
    assert np.all(discount[still_open] == 0)
    assert np.all(np.isinf(ledger["settle_day"][still_open]))
    assert np.all(ledger["settle_day"][~still_open] <= end)
    payment = np.isin(outcome, [int(Outcome.PAID), int(Outcome.PAID_DUNNED),
                                int(Outcome.AGENCY)])
    assert np.all(ok(paid[payment], owed[payment])) and np.all(written[payment] == 0)
    took = outcome == int(Outcome.DISCOUNT)
    assert np.all(credited[took] == 0) and np.all(discount[took] > 0)
    assert np.all(ok(paid[took] + discount[took], amount[took]))
    shared = np.isin(outcome, [int(Outcome.LAWSUIT), int(Outcome.BANKRUPT)])
    assert np.all(ok(paid[shared] + written[shared], owed[shared]))
    lost = outcome == int(Outcome.WRITTEN_OFF)
    assert np.all(ok(written[lost], owed[lost])) and np.all(paid[lost] == 0)
    assert np.all(discount[~took] == 0)
    series = daily_series(ledger, end)
    balance = float(series["ar_balance"][-1])
    parts = (float(series["cash_received"].sum()) + float(discount.sum())
             + float(credited.sum()) + float(written.sum()) + balance)
    scale = max(1.0, float(amount.sum()))
    assert math.isclose(float(amount.sum()), parts, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(balance, float(ledger["open"].sum()), rel_tol=1e-9,
                        abs_tol=1e-9 * scale)
