"""The opening book: a run that starts from the open invoices a company already has."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arsim.sim.draws import draw_customers
from arsim.sim.engine.des import run_des
from arsim.sim.engine.opening import OPENING_INDEX, opening_invoices
from arsim.sim.errors import ScenarioError
from arsim.sim.ledger import check_conservation
from arsim.sim.loader import apply_overrides, load
from arsim.sim.scenario import PAYER_TYPES, PayerType

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"


def test_profile_book_has_the_stated_total_buckets_and_segments() -> None:
    scenario, _ = load(ROOT / "scenarios" / "backlog.yaml")
    book = scenario.opening_book
    assert book is not None
    opening = opening_invoices(scenario, seed=5, steps=0,
                               payer=draw_customers(scenario, 5).payer)
    assert opening is not None
    assert opening.amount.sum() == pytest.approx(book.total_amount, rel=1e-9)
    for bucket in book.buckets:
        inside = ((opening.days_overdue >= bucket.days_overdue_from)
                  & (opening.days_overdue < bucket.days_overdue_to))
        assert opening.amount[inside].sum() / book.total_amount == pytest.approx(
            bucket.share, rel=1e-9)
    overdue = opening.amount[opening.days_overdue > 0].sum() / book.total_amount
    assert overdue == pytest.approx(0.40, rel=1e-9)  # "40% of it overdue"
    # by segment, in proportion to each segment's sales (no segment_shares given)
    sales = np.array([s.customers * s.orders_per_year * s.order_amount.mean
                      for s in scenario.segments])
    bounds = np.cumsum([0] + [s.customers for s in scenario.segments])
    for k in range(len(scenario.segments)):
        mine = (opening.customer >= bounds[k]) & (opening.customer < bounds[k + 1])
        assert opening.amount[mine].sum() / book.total_amount == pytest.approx(
            sales[k] / sales.sum(), rel=1e-9)
    assert np.all(opening.index >= OPENING_INDEX)


def test_ledger_csv_book_is_read_and_worked_off() -> None:
    scenario, policy = load(DATA / "tiny.yaml")
    scenario, policy = apply_overrides(scenario, policy, [
        f"scenario.opening_book={{ledger_csv: {DATA / 'opening_ledger.csv'}}}",
        "scenario.horizon.warmup_days=0"])
    out = run_des(scenario, policy, seed=9)
    check_conservation(out.ledger)
    old = out.ledger[out.ledger["opening"]]
    assert sorted(old["amount"].tolist()) == [1800.0, 2500.0, 8000.0, 12000.0, 30000.0]
    # an invoice 75 days overdue at the start was issued 75 + 30 days before day 0
    row = old[old["amount"] == 30000.0][0]
    assert row["due_day"] == pytest.approx(-75.0)
    assert row["issue_day"] == pytest.approx(-105.0)
    # and it does not get the ladder's early steps again (reminder -3, phone +7, letter +30)
    assert row["actions"] <= len(policy.ladder) - 3


def test_a_bad_ledger_csv_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("segment,amount\ntrade,100\n", encoding="utf-8")
    scenario, policy = load(DATA / "tiny.yaml")
    scenario, policy = apply_overrides(scenario, policy, [
        f"scenario.opening_book={{ledger_csv: {bad}}}"])
    with pytest.raises(ScenarioError, match=r"bad.csv:2: needs columns segment, amount"):
        run_des(scenario, policy, seed=1)


def test_overdue_opening_invoices_go_to_customers_whose_behaviour_explains_their_age() -> None:
    # the backlog: 40% overdue. An invoice far past its due date belongs to a customer who
    # pays late or never, not to one who pays on time (who settles a day after the due date)
    scenario, _ = load(ROOT / "scenarios" / "backlog.yaml")
    payer = draw_customers(scenario, 5).payer
    opening = opening_invoices(scenario, seed=5, steps=0, payer=payer)
    assert opening is not None
    kind = payer[opening.customer]
    on_time = PAYER_TYPES.index(PayerType.ON_TIME)
    late = opening.days_overdue > 30
    assert late.sum() > 100
    assert np.all(kind[late] != on_time)
    # invoices not yet due go to every kind of customer, on-time payers included
    current = opening.days_overdue <= 0
    assert np.any(kind[current] == on_time)
    # a 120-day-old debt sits mostly with those who pay only under pressure or never
    old = opening.days_overdue > 90
    slow = np.isin(kind[old], [PAYER_TYPES.index(PayerType.PRESSURE),
                               PAYER_TYPES.index(PayerType.DEFAULTER)])
    assert slow.mean() > 0.6
