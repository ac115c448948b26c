"""Daily series agree with the ledger, opening book included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arsim.sim.costs import ar_balance_at
from arsim.sim.engine.des import run_des
from arsim.sim.loader import apply_overrides, load
from arsim.sim.series import daily_series

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize("opening", [False, True])
def test_daily_balance_is_the_ledger_balance_at_each_day_end(opening: bool) -> None:
    scenario, policy = load(DATA / "tiny.yaml")
    if opening:
        scenario, policy = apply_overrides(scenario, policy, [
            f"scenario.opening_book={{ledger_csv: {DATA / 'opening_ledger.csv'}}}"])
    out = run_des(scenario, policy, seed=2)
    start, end = out.window
    daily = daily_series(out.ledger, end, start)
    for k in (0, 1, 10, 40, len(daily["day"]) - 1):
        day = daily["day"][k]
        # a day's end is just before the next day begins
        expected = ar_balance_at(out.ledger, day - 1e-9).sum()
        assert daily["ar_balance"][k] == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert np.all(daily["ar_balance"] > -1e-6)
    # opening invoices are in the balance, not in the day's credit sales
    fresh = out.ledger["issue_day"] >= 0
    assert daily["credit_sales"].sum() == pytest.approx(out.ledger["amount"][fresh].sum())
    assert daily["in_window"].tolist() == (daily["day"] > start).tolist()
