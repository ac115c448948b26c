"""Which call a free collector takes, worked out on paper for every work order.

One collector, and a book of opening invoices whose calls are all made while it is busy:
a blocker's call (8 days of work) comes up on day 1, then five calls come up together on
day 2, in the order of the book's rows, and wait. From day 9 the collector takes one a day,
the next by the work order, ties first come first served. A call not started within
`max_wait_days` of coming up is dropped, so with a limit of 6.5 + k days exactly the first k
of the five are made (the k-th starts on day 8 + k, before the others are dropped on day
8.5 + k): the invoices that got their call, for k = 1..5, spell out the order. Nobody pays
and no call is answered, so the calls change nothing else.

The five calls (amount; due on day 2, "old" for the quadrant at 0 days' age when the call
comes up, or due on day 3, "young", called a day before due):

    row 1: 50 young   row 2: 200 old   row 3: 300 young   row 4: 300 old   row 5: 100 young

fifo takes them as they came; largest_first takes the 300s (row 3 first: it came first),
then 200, 100, 50; oldest_first the two due on day 2 (rows 2, 4), then those due on day 3
in the order they came; the quadrant (amounts of 150 and up large, calls at or past the
due date old) large and old (rows 2, 4), large and young (row 3), then small and young
(rows 1, 5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from arsim.sim.engine.des import run_des
from arsim.sim.engine.opening import OPENING_INDEX
from arsim.sim.engine.output import EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

BOOK = [("blk", 1.0, -11.0),  # due day 11; its call, on day 1, takes the collector 8 days
        ("young", 50.0, -3.0), ("old", 200.0, -2.0), ("young", 300.0, -3.0),
        ("old", 300.0, -2.0), ("young", 100.0, -3.0)]
EXPECTED = {"fifo": [1, 2, 3, 4, 5], "largest_first": [3, 4, 2, 5, 1],
            "oldest_first": [2, 4, 1, 3, 5], "quadrant": [2, 4, 3, 1, 5]}
ENGINES = {"reference": run_reference, "des": run_des}


def _scenario(tmp_path: Path) -> Scenario:
    path = tmp_path / "book.csv"
    path.write_text("segment,amount,days_overdue\n" + "".join(
        f"{s},{a},{d}\n" for s, a, d in BOOK), encoding="utf-8")
    never = {"lag_days": None, "response": {}}
    segment = {"customers": 1, "orders_per_year": 1e-6, "order_amount": {"mean": 100},
               "payer_mix": {"reminded": 1.0}}
    return Scenario.model_validate({
        "name": "queue", "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": 30},
        "segments": [{"name": "blk", "grade": "D", **segment},
                     {"name": "old", "grade": "A", **segment},
                     {"name": "young", "grade": "B", **segment}],
        "payer_types": {"reminded": never},
        "demand": {"customer_loss": {"after_action": {}}},
        "opening_book": {"ledger_csv": str(path)},
    })


def _policy(work_order: str, max_wait_days: float) -> Policy:
    def call(day: float, minutes: float) -> list[dict[str, Any]]:
        return [{"day": day, "action": "phone", "cost": 1.0, "collector_minutes": minutes}]
    return Policy.model_validate({
        "accepted_grades": [], "terms": {}, "write_off": {"days_overdue": None},
        "ladders_by_grade": {"D": call(-10, 480), "A": call(0, 60), "B": call(-1, 60)},
        "collections": {"collectors": 1, "minutes_per_day": 60, "work_order": work_order,
                        "max_wait_days": max_wait_days, "quadrant_amount": 150,
                        "quadrant_age_days": 0}})


def _called(out: EngineOutput) -> list[int]:
    """The book's rows whose call was made."""
    ledger = out.ledger
    assert sorted(ledger["order_index"] - OPENING_INDEX) == list(range(len(BOOK)))
    rows = ledger["order_index"][ledger["actions"] > 0] - OPENING_INDEX
    assert np.all(ledger["dunning_cost"][ledger["actions"] > 0] == 1.0)
    return sorted(int(r) for r in rows)


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("work_order", sorted(EXPECTED))
@pytest.mark.parametrize("made", [1, 2, 3, 4, 5])
def test_the_first_calls_made_are_the_work_orders_first(
        tmp_path: Path, engine: str, work_order: str, made: int) -> None:
    out = ENGINES[engine](_scenario(tmp_path), _policy(work_order, 6.5 + made), seed=3)
    assert _called(out) == sorted([0, *EXPECTED[work_order][:made]])
    # the blocker never waited; the i-th call taken from the queue (i = 0, 1, ...) waited
    # from day 2 to day 9 + i; the others were dropped
    stats = out.collector
    assert (stats.tasks_served, stats.tasks_dropped) == (1 + made, 5 - made)
    assert stats.wait_days_total == pytest.approx(sum(7 + i for i in range(made)))
    assert stats.busy_days == pytest.approx(8 + made)
