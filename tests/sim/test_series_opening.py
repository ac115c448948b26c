"""Daily series with an opening book: invoices issued before day 0 are in the balance, not
in the day's sales (test_model_series checks the balance of a run without one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arsim.sim.costs import ar_balance_at
from arsim.sim.engine.des import run_des
from arsim.sim.loader import apply_overrides, load
from arsim.sim.series import daily_series

DATA = Path(__file__).parents[1] / "data"


def test_daily_balance_includes_the_opening_book() -> None:
    scenario, policy = apply_overrides(*load(DATA / "tiny.yaml"), [
        f"scenario.opening_book={{ledger_csv: {DATA / 'opening_ledger.csv'}}}"])
    out = run_des(scenario, policy, seed=2)
    start, end = out.window
    daily = daily_series(out.ledger, end, start)
    # a day's end is just before the next day begins
    expected = [ar_balance_at(out.ledger, day - 1e-9).sum() for day in daily["day"]]
    np.testing.assert_allclose(daily["ar_balance"], expected, rtol=1e-9, atol=1e-6)
    assert np.all(daily["ar_balance"] > -1e-6)
    # opening invoices are in the balance, not in the day's credit sales
    fresh = out.ledger["issue_day"] >= 0
    assert daily["credit_sales"].sum() == pytest.approx(out.ledger["amount"][fresh].sum())
    assert daily["in_window"].tolist() == (daily["day"] > start).tolist()


def test_the_cash_of_the_opening_book_is_told_apart() -> None:
    scenario, policy = apply_overrides(*load(DATA / "tiny.yaml"), [
        f"scenario.opening_book={{ledger_csv: {DATA / 'opening_ledger.csv'}}}"])
    out = run_des(scenario, policy, seed=2)
    start, end = out.window
    daily = daily_series(out.ledger, end, start)
    ledger = out.ledger
    settled = (ledger["settle_day"] >= 0) & (ledger["settle_day"] <= np.ceil(end))
    book = ledger["opening"]
    assert book.any() and (~book).any()
    assert daily["cash_from_opening"].sum() == pytest.approx(ledger["paid"][settled & book].sum())
    new = daily["cash_received"] - daily["cash_from_opening"]
    assert new.sum() == pytest.approx(ledger["paid"][settled & ~book].sum())
    assert np.all(new >= -1e-6) and daily["cash_from_opening"].sum() > 0
