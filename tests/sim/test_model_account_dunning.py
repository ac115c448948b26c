"""docs/model.md §5.6 "Dunning acts on the account": a ladder step done on one invoice at T (an
escalation) covers the account's other invoices reaching the same step at w, T <= w < T + D
(`collections.covers_account_days`): they answer it but pay no fixed cost (nor a lawsuit's),
are not counted in the action tally and take no collector time; the ledger still counts the
step on each of them.

The book is chosen so that the rule can be replayed on paper: every invoice is on N/30, its
customer never pays and answers no step, nothing is written off, and the ladder's one step
is done 10 days after the due date. So every candidate order ships (no limit, nothing stops
shipping), invoice i issued at t_i reaches the step at w_i = t_i + 40, walked in issue order,
and a customer's escalations are the w_i that fall outside [T, T + D) of its last
escalation T. The engines' tallies and ledgers must be that replay, to the last bit on every
engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from support import customer_book, one_segment, same_on_every_engine

from arsim.sim.behaviour import Outcome
from arsim.sim.engine.des import run_des
from arsim.sim.engine.output import EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

WARMUP, DAYS = 60.0, 340.0
END = WARMUP + DAYS
DUE, STEP, COST = 30.0, 10.0, 300.0  # N/30; the step at +10; its fixed cost
LAWSUIT_COST = 2000.0
NEVER_PAYS = {"reminded": {"lag_days": None, "response": {}}}
SEED = 5


def _scenario(customers: int = 30, payer_types: dict[str, Any] | None = None,
              **top: Any) -> Scenario:
    return one_segment("account", DAYS, customers=customers, orders_per_year=24,
                       amount_cv=0.5, mix={"reminded": 1.0}, payer_types=payer_types or NEVER_PAYS,
                       horizon={"warmup_days": WARMUP, "horizon_days": DAYS}, **top)


def _policy(covers: float, action: str = "visit", minutes: float = 0.0,
            **collections: Any) -> Policy:
    return Policy.model_validate({
        "accepted_grades": ["B"], "terms": {"B": "N/30"},
        "ladder": [{"day": STEP, "action": action, "cost": COST,
                    "collector_minutes": minutes}],
        "write_off": {"days_overdue": None},
        "collections": {"covers_account_days": covers, **collections}})


def _orders(scenario: Scenario, policy: Policy, seed: int) -> dict[int, list[tuple[int, float]]]:
    """The candidate orders by customer, each (order number, time) in order."""
    book = customer_book(scenario, policy, seed)
    book.draw_candidates(END)
    time, cust = np.frombuffer(book.o_time), np.frombuffer(book.o_cust, dtype=np.int64)
    number = np.frombuffer(book.o_index, dtype=np.int64)
    orders: dict[int, list[tuple[int, float]]] = {}
    for r in np.lexsort((number, cust)):
        orders.setdefault(int(cust[r]), []).append((int(number[r]), float(time[r])))
    return orders


def _escalations(times: list[float], covers: float) -> list[bool]:
    """Whether each step time, in the order they are walked, escalates the account."""
    last = -np.inf
    leads = []
    for w in times:
        if last <= w < last + covers:
            leads.append(False)
        else:
            last = w
            leads.append(True)
    return leads


def _rows(out: EngineOutput) -> dict[tuple[int, int], Any]:
    return {(int(r["customer"]), int(r["order_index"])): r for r in out.ledger}


@pytest.mark.parametrize("covers", [0.0, 5.0, 30.0, 120.0])
def test_a_visit_covers_the_accounts_invoices_reaching_it_within_d_days(covers: float) -> None:
    scenario, policy = _scenario(), _policy(covers)
    out = same_on_every_engine(scenario, policy, SEED)
    rows = _rows(out)
    visits, leaders, covered = 0, 0, 0
    for c, mine in _orders(scenario, policy, SEED).items():
        steps = [(t + DUE) + STEP for _, t in mine]
        for (k, t), w, lead in zip(mine, steps, _escalations(steps, covers), strict=True):
            row = rows.pop((c, k))  # every order shipped: the customer is never stopped
            assert row["issue_day"] == t and row["due_day"] == t + DUE
            assert row["settle_day"] == np.inf and row["open"] == row["amount"]
            done = w < END
            assert row["actions"] == int(done)
            assert row["dunning_cost"] == (COST if lead and done else 0.0)
            visits += lead and WARMUP <= w < END
            leaders += lead and done
            covered += (not lead) and done
    assert not rows  # nothing shipped that was not a candidate
    assert out.actions["visit"] == (float(visits), COST * visits)
    assert float(out.ledger["dunning_cost"].sum()) == COST * leaders
    assert int(out.ledger["actions"].sum()) == leaders + covered
    if covers == 0.0:  # the per-invoice ladder: every invoice visited and charged
        assert covered == 0
    else:
        assert covered > 0 and leaders > 0
    assert visits > 50


def test_covering_saves_visits_and_leaves_the_rest_alone() -> None:
    scenario = _scenario()
    alone = same_on_every_engine(scenario, _policy(0.0), SEED)
    account = same_on_every_engine(scenario, _policy(30.0), SEED)
    # the same invoices, dunned alike; only who pays for the visit differs
    for name in ("customer", "order_index", "issue_day", "amount", "settle_day", "outcome",
                 "actions", "open"):
        assert np.array_equal(alone.ledger[name], account.ledger[name])
    assert account.actions["visit"][0] < alone.actions["visit"][0] / 1.5
    assert (account.ledger["dunning_cost"] <= alone.ledger["dunning_cost"]).all()


@pytest.mark.parametrize("covers", [0.0, 30.0])
def test_one_lawsuit_per_escalation_costs_once_and_closes_the_account(covers: float) -> None:
    # Sued at +10: the suit closes the account from the first filing, so an order ships iff
    # it comes before the customer's first invoice's step (the steps come in issue order).
    # Nobody answers the suit; each escalation pays the step's cost and one lawsuit_cost.
    scenario = _scenario(legal={"lawsuit_cost": LAWSUIT_COST})
    policy = _policy(covers, action="lawsuit")
    out = same_on_every_engine(scenario, policy, SEED)
    rows = _rows(out)
    suits, charged, dunned, closed = 0, 0.0, 0, 0
    for c, mine in _orders(scenario, policy, SEED).items():
        first = (mine[0][1] + DUE) + STEP
        shipped = [(k, t) for k, t in mine if t < first]
        closed += len(mine) - len(shipped)
        steps = [(t + DUE) + STEP for _, t in shipped]
        for (k, t), w, lead in zip(shipped, steps, _escalations(steps, covers), strict=True):
            row = rows.pop((c, k))
            assert row["issue_day"] == t
            done = w < END
            assert row["actions"] == int(done)
            assert row["dunning_cost"] == (COST + LAWSUIT_COST if lead and done else 0.0)
            suits += lead and WARMUP <= w < END
            charged += row["dunning_cost"]
            dunned += int(done)
    assert not rows
    assert closed > 0  # orders refused once the account was sued
    assert out.actions["lawsuit"] == (float(suits), (COST + LAWSUIT_COST) * suits)
    assert float(out.ledger["dunning_cost"].sum()) == charged
    assert int(out.ledger["actions"].sum()) == dunned
    if covers > 0.0:
        assert suits < dunned  # a suit took others along
    assert suits > 10


@pytest.mark.parametrize("covers", [0.0, 30.0])
def test_a_covered_invoice_takes_no_collector_time(covers: float) -> None:
    # A visit takes an hour of a collector's eight, and there are as many collectors as
    # customers: a customer's calls come up days apart, so no call ever waits (asserted) and
    # each escalation is served when its call comes up at w, done at w + 1/8 day (its cost,
    # count and tally then), while a covered invoice answers the visit at w, on no one's time.
    customers = 30
    scenario = _scenario(customers)
    policy = _policy(covers, minutes=60.0, collectors=customers, minutes_per_day=480)
    des, ref = run_des(scenario, policy, SEED), run_reference(scenario, policy, SEED)
    assert des.ledger.tobytes() == ref.ledger.tobytes()
    assert des.actions == ref.actions
    assert des.collector == ref.collector
    service = 60.0 / 480.0
    escalations, leaders, served, busy = 0, 0, 0, 0.0
    rows = _rows(des)
    for c, mine in _orders(scenario, policy, SEED).items():
        steps = [(t + DUE) + STEP for _, t in mine]
        for (k, _t), w, lead in zip(mine, steps, _escalations(steps, covers), strict=True):
            row = rows.pop((c, k))
            if not lead:  # applied when its call comes up, without a collector
                assert row["actions"] == int(w < END) and row["dunning_cost"] == 0.0
                continue
            done = w + service  # a collector takes the call at once: done an hour later
            assert row["actions"] == int(done < END)
            assert row["dunning_cost"] == (COST if done < END else 0.0)
            escalations += WARMUP <= done < END
            leaders += done < END
            served += WARMUP <= w < END
            busy += max(0.0, min(done, END) - max(w, WARMUP))
    assert not rows
    stats = des.collector
    assert stats.wait_days_total == 0.0 and stats.tasks_dropped == 0
    assert stats.tasks_served == served
    assert stats.busy_days == pytest.approx(busy, rel=1e-12)
    assert des.actions["visit"] == (float(escalations), COST * escalations)
    assert float(des.ledger["dunning_cost"].sum()) == COST * leaders
    assert served > 100


def test_a_call_dropped_unmade_still_covered_the_invoices_reaching_the_step_meanwhile() -> None:
    # One collector doing one visit a day for 60 customers, and a call dropped after two days
    # in the queue: most escalations are never made. An escalation is recorded when its call
    # comes up (at w, as on paper), so the invoices reaching the visit within D days of it
    # are covered all the same: each answers it at its own w, free, whatever became of the
    # call. The event engines must agree invoice by invoice.
    covers = 20.0
    scenario = _scenario(60)
    policy = _policy(covers, minutes=60.0, collectors=1, minutes_per_day=60,
                     max_wait_days=2.0)
    des, ref = run_des(scenario, policy, SEED), run_reference(scenario, policy, SEED)
    assert des.ledger.tobytes() == ref.ledger.tobytes()
    assert des.actions == ref.actions
    assert des.collector == ref.collector
    rows = _rows(des)
    made = covered = covered_by_dropped = 0
    for c, mine in _orders(scenario, policy, SEED).items():
        steps = [(t + DUE) + STEP for _, t in mine]
        lead_made = True
        for (k, _t), w, lead in zip(mine, steps, _escalations(steps, covers), strict=True):
            row = rows.pop((c, k))
            if lead:  # made (late, perhaps) or dropped: dunned and charged only if made
                lead_made = bool(row["actions"])
                assert row["dunning_cost"] == (COST if lead_made else 0.0)
                made += lead_made
                continue
            assert row["actions"] == int(w < END) and row["dunning_cost"] == 0.0
            covered += w < END
            covered_by_dropped += (w < END) and not lead_made
    assert not rows
    assert des.collector.tasks_dropped > 100 and covered_by_dropped > 10
    assert float(des.ledger["dunning_cost"].sum()) == COST * made
    assert int(des.ledger["actions"].sum()) == made + covered


# ---- an account step takes the account's overdue invoices along ---------------------------


def _joins(times: list[tuple[float, float]], covers: float
           ) -> list[tuple[str, float]]:
    """Per invoice (due d, own step time w), in issue order: how it meets the account step
    and when. An invoice overdue when its account was taken to the step at T, before its own
    step (d <= T < w), joins it at T; else it is covered at w if T <= w < T + D; else it
    escalates the account at w (T := w)."""
    last = -np.inf
    met = []
    for d, w in times:
        if covers > 0.0 and d <= last < w:
            met.append(("joined", last))
        elif last <= w < last + covers:
            met.append(("covered", w))
        else:
            last = w
            met.append(("escalated", w))
    return met


@pytest.mark.parametrize("covers", [0.0, 5.0, 30.0])
def test_an_agency_hand_over_takes_the_accounts_overdue_invoices_along(covers: float) -> None:
    # The agency step at +10 always succeeds (the age factor's scale is so long that it
    # stays 1 to ten digits) and collects at once (agency_days 0). Invoice i is due at
    # d_i = t_i + 30 and reaches the step at w_i = d_i + 10. Walked in issue order, an invoice
    # overdue when its account was handed over at T before its own step joins that hand-over:
    # it is collected at T, counted, free. With D = 0 every invoice is its own case.
    scenario = _scenario(
        payer_types={"reminded": {"lag_days": None, "response": {"agency": 1.0}}},
        legal={"agency_days": 0.0, "agency_fee_share": 0.25},
        age_factor={"scale_years": 100.0, "shape": 3.0})
    policy = _policy(covers, action="agency")
    out = same_on_every_engine(scenario, policy, SEED)
    rows = _rows(out)
    kinds = {"joined": 0, "covered": 0, "escalated": 0}
    hand_overs = 0
    for c, mine in _orders(scenario, policy, SEED).items():
        times = [(t + DUE, t + DUE + STEP) for _, t in mine]
        for (k, _t), (kind, when) in zip(mine, _joins(times, covers), strict=True):
            row = rows.pop((c, k))
            if when < END:
                assert row["outcome"] == Outcome.AGENCY and row["settle_day"] == when
            assert row["actions"] == int(when < END)
            assert row["dunning_cost"] == (COST if kind == "escalated" and when < END else 0.0)
            kinds[kind] += when < END
            hand_overs += kind == "escalated" and WARMUP <= when < END
    assert not rows
    assert out.actions["agency"] == (float(hand_overs), COST * hand_overs)
    if covers == 0.0:
        assert kinds["joined"] == kinds["covered"] == 0
    else:
        assert kinds["joined"] > 20
    assert kinds["escalated"] > 50


@pytest.mark.parametrize("covers", [5.0, 30.0])
def test_with_a_team_an_invoice_joins_the_hand_over_when_its_own_call_comes_up(
        covers: float) -> None:
    # As above, with the hand-over a collector's hour and as many collectors as customers (no
    # call waits). A hand-over is recorded when its call comes up, after the account's newer
    # invoices were planned, so an invoice learns of it when its own call comes up at w: it
    # joins then, collected at w, on no one's time, free. A hand-over of its own is done an
    # hour later, at w + 1/8 day.
    customers = 30
    scenario = _scenario(
        customers, payer_types={"reminded": {"lag_days": None, "response": {"agency": 1.0}}},
        legal={"agency_days": 0.0}, age_factor={"scale_years": 100.0, "shape": 3.0})
    policy = _policy(covers, action="agency", minutes=60.0, collectors=customers,
                     minutes_per_day=480)
    des, ref = run_des(scenario, policy, SEED), run_reference(scenario, policy, SEED)
    assert des.ledger.tobytes() == ref.ledger.tobytes()
    assert des.actions == ref.actions and des.collector == ref.collector
    service = 60.0 / 480.0
    rows = _rows(des)
    joined = served = 0
    for c, mine in _orders(scenario, policy, SEED).items():
        times = [(t + DUE, t + DUE + STEP) for _, t in mine]
        for (k, _t), (_d, w), (kind, _when) in zip(mine, times, _joins(times, covers),
                                                   strict=True):
            row = rows.pop((c, k))
            done = w + service if kind == "escalated" else w
            if done < END:
                assert row["outcome"] == Outcome.AGENCY and row["settle_day"] == done
            assert row["dunning_cost"] == (COST if kind == "escalated" and done < END else 0.0)
            joined += kind == "joined" and w < END
            served += kind == "escalated" and WARMUP <= w < END
    assert not rows
    assert des.collector.tasks_served == served and des.collector.wait_days_total == 0.0
    assert joined > 20
