"""docs/model.md §4 step 4: stop shipping.

While one of a customer's invoices that had a stop_shipping step done at or before t is still
unsettled at t, the customer's orders are held; a held order ships on the first day after the
blocking invoice is booked as settled, or is lost (cause stop_shipping) once it waited longer
than demand.blocked_hold_days.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from support import one_segment

from arsim.sim.behaviour import INF, Invoice, RuleBook
from arsim.sim.draws import draw_customers
from arsim.sim.engine.book import CustomerBook
from arsim.sim.engine.des import run_des
from arsim.sim.engine.output import EngineOutput
from arsim.sim.kpis import kpis
from arsim.sim.ledger import LEDGER_DTYPE
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

END = 400.0
STOP = [{"day": 0, "action": "stop_shipping"}]


def _scenario(lag: dict[str, float] | None, hold: float = 7.0) -> Scenario:
    # no response to any step: only the lag (or nothing) settles an invoice
    return one_segment("stop", END, customers=40, orders_per_year=24, amount_cv=0.5,
                       mix={"reminded": 1.0},
                       payer_types={"reminded": {"lag_days": lag, "response": {}}},
                       demand={"blocked_hold_days": hold})


def _policy(ladder: list[dict[str, Any]], write_off: float | None = None) -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                  "ladder": ladder, "write_off": {"days_overdue": write_off}})


def _by_customer(ledger: np.ndarray) -> dict[int, np.ndarray]:
    return {int(c): ledger[ledger["customer"] == c] for c in np.unique(ledger["customer"])}


def test_an_unpaid_stopped_invoice_blocks_the_customer_for_good() -> None:
    scenario, policy = _scenario(None), _policy(STOP)
    out = run_des(scenario, policy, seed=1)
    for rows in _by_customer(out.ledger).values():
        # the first stop is on the first invoice's due date; nothing ships after it
        assert rows["issue_day"].max() <= rows["due_day"].min()
    assert out.lost_sales.get("stop_shipping", 0.0) > 0
    assert kpis(scenario, policy, out)["lost_sales_stop_shipping"] > 0
    # the same orders without the stop: shipped all along, nothing lost to a stop
    free = run_des(scenario, _policy([]), seed=1)
    assert "stop_shipping" not in free.lost_sales
    assert len(free.ledger) > 3 * len(out.ledger)
    shipped = {(int(c), int(k)) for c, k in zip(out.ledger["customer"],
                                               out.ledger["order_index"], strict=True)}
    missing = np.array([(int(c), int(k)) not in shipped for c, k in zip(
        free.ledger["customer"], free.ledger["order_index"], strict=True)])
    assert len(shipped) + missing.sum() == len(free.ledger)  # the stop only removes orders
    # every order it removed is lost to the stop, except those still held at the end
    # (ordered within the last hold days)
    early = missing & (free.ledger["issue_day"] < END - 8.0)
    assert early.sum() <= out.lost_orders["stop_shipping"] <= missing.sum()
    lost = out.lost_sales["stop_shipping"]
    assert free.ledger["amount"][early].sum() - 1e-6 <= lost
    assert lost <= free.ledger["amount"][missing].sum() + 1e-6


def test_no_stop_before_the_step_is_done() -> None:
    # a stop 60 days after due: orders in the first 60 days past due still ship
    out = run_des(_scenario(None), _policy([{"day": 60, "action": "stop_shipping"}]), seed=2)
    for rows in _by_customer(out.ledger).values():
        first_stop = rows["due_day"].min() + 60.0
        assert rows["issue_day"].max() <= first_stop
    late_ones = [rows for rows in _by_customer(out.ledger).values()
                 if rows["issue_day"].max() > rows["due_day"].min()]
    assert len(late_ones) > 20  # shipped while overdue, before the stop


def test_held_orders_ship_once_the_blocking_invoice_is_paid() -> None:
    # every invoice is paid 20 days after due; orders wait up to 60 days: none is lost
    out = run_des(_scenario({"mean": 20.0, "cv": 0.0}, hold=60.0), _policy(STOP), seed=3)
    assert out.lost_sales.get("stop_shipping", 0.0) == 0.0
    ledger = out.ledger
    released = ledger["issue_day"] == np.floor(ledger["issue_day"])
    assert released.sum() > 50  # order times are continuous: integer days are releases
    for row in ledger[released]:
        same = ledger[ledger["customer"] == row["customer"]]
        # shipped on the first whole day at or after an earlier invoice's payment
        assert np.any((same["settle_day"] <= row["issue_day"])
                      & (same["settle_day"] > row["issue_day"] - 1.0))


def test_a_short_hold_loses_the_order() -> None:
    # paid 20 days after due but orders wait only 7 days
    out = run_des(_scenario({"mean": 20.0, "cv": 0.0}, hold=7.0), _policy(STOP), seed=3)
    assert out.lost_sales["stop_shipping"] > 0


def test_a_write_off_ends_the_stop_and_closes_the_account() -> None:
    # nobody pays: each first invoice is written off 10 days after its due date, which ends
    # its stop; but a write-off closes the account from the day it is booked, so the held
    # orders are lost to the closed line and nothing ships on credit after the write-off
    out = run_des(_scenario(None, hold=60.0), _policy(STOP, write_off=10.0), seed=4)
    assert out.lost_sales.get("stop_shipping", 0.0) == 0.0
    assert out.lost_sales["credit_cancelled"] > 0
    for rows in _by_customer(out.ledger).values():
        written_off = rows["settle_day"][rows["written_off"] > 0]
        booked = np.ceil(written_off.min())  # the first write-off's booking day
        assert rows["issue_day"].max() < booked


def test_blocked_reports_the_stop_of_an_unsettled_invoice() -> None:
    scenario, policy = _scenario(None), _policy(STOP)
    out = EngineOutput(engine="des", window=(0.0, END), ledger=np.empty(0, LEDGER_DTYPE),
                       actions={})
    book = CustomerBook(scenario, policy, 1, draw_customers(scenario, 1),
                        RuleBook(scenario, policy, collectors_finite=False), out)
    inv = Invoice(0, 0, 0.0, 500.0)
    inv.settle, inv.stop_from = 100.0, 40.0
    book.open[0] = [inv]
    assert book.blocked(0, 39.9, 10.0, book.grade_index[0]) is None
    assert book.blocked(0, 40.0, 10.0, book.grade_index[0]) == "stop_shipping"
    assert book.blocked(0, 99.9, 10.0, book.grade_index[0]) == "stop_shipping"
    assert book.blocked(0, 100.0, 10.0, book.grade_index[0]) is None  # settled: the stop is over
    other = Invoice(0, 1, 0.0, 500.0)
    other.settle, other.stop_from = INF, INF
    book.open[0] = [other]
    assert book.blocked(0, 1000.0, 10.0, book.grade_index[0]) is None
