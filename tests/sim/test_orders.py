"""sim/engine/orders.py: the candidate orders both engines take, drawn from the orders' keys."""

from __future__ import annotations

import numpy as np
from support import one_segment

from arsim.sim import streams
from arsim.sim.draws import (
    arrival_csr,
    dist_params,
    draw_customers,
    draw_orders,
    max_multiplier,
    order_gap_days,
)
from arsim.sim.engine.orders import candidate_table

END = 300.0


def test_candidates_are_the_live_orders_the_terms_keep_with_their_own_draws() -> None:
    scenario = one_segment("orders", END, customers=200, orders_per_year=15, amount_cv=0.9,
                           mix={"on_time": 0.5, "reminded": 0.5},
                           segment={"bankruptcy_hazard_annual": 0.8})
    seed, share = 5, 0.6
    m_max = max_multiplier(scenario)
    customers = draw_customers(scenario, seed)
    orders = draw_orders(scenario, seed, m_max, END)
    k0, k1 = streams._seed_key(seed)
    seg = scenario.segments[0]
    gaps = np.full(customers.count, order_gap_days(seg, m_max, 365.0))
    start, times = arrival_csr(k0, k1, 0, gaps, customers.joined, END)
    grade = np.full(customers.count, 1, dtype=np.int64)  # grade B
    cust, index, time, amount, thin, approval = candidate_table(
        k0, k1, start, times, customers.segment.astype(np.int64), grade,
        customers.bankruptcy_day, np.ones(customers.count, dtype=np.int64),
        np.stack([dist_params(seg.order_amount)]),
        np.asarray([1.0, 1.0, 1.0, 1.0]), np.asarray([1.0, share, 1.0, 1.0]), m_max)
    alive = orders.time < customers.bankruptcy_day[orders.customer]
    keep = alive & (orders.thin * m_max < share)
    assert 0 < keep.sum() < alive.sum() < orders.count  # bankruptcies and thinning both bite
    want = np.lexsort((orders.index[keep], orders.customer[keep]))
    for got, column in ((cust, orders.customer), (index, orders.index), (time, orders.time),
                        (amount, orders.amount), (thin, orders.thin),
                        (approval, orders.approval)):
        np.testing.assert_array_equal(got, column[keep][want])
