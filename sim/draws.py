"""Per-customer and per-order draw tables, fixed before the policy acts on them.

Both engines read these tables; nothing else draws random numbers. Orders are drawn at the
highest rate any policy could produce and thinned later with each order's own uniform, so a
policy change never shifts anyone else's numbers (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import streams
from .scenario import PAYER_TYPES, Distribution, Scenario
from .streams import Stream

__all__ = [
    "MAX_STEPS",
    "CustomerTable",
    "OrderTable",
    "draw_customers",
    "draw_orders",
    "invoice_draws",
    "sample",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Ladder steps that get their own draws; a longer ladder is refused by the engine.
MAX_STEPS = 16

#: Column layout of an invoice's draw row (see docs/model.md, "Sources of randomness").
COL_THIN, COL_AMOUNT, COL_APPROVAL = 0, 1, 2
COL_DISPUTE, COL_DISPUTE_DAYS, COL_DISPUTE_UPHELD = 3, 4, 5
COL_CASH, COL_LAG, COL_PENALTY = 6, 7, 8
COL_STEPS = 9
#: Per ladder step: response, promise break, customer loss, service time, timing.
STEP_DRAWS = 5
ROW_WIDTH = COL_STEPS + STEP_DRAWS * MAX_STEPS


def sample(u: FloatArray, dist: Distribution) -> FloatArray:
    """Turn uniforms into draws of a mean/cv distribution (the mean exactly when cv = 0)."""
    if dist.cv == 0.0 or dist.mean == 0.0:
        return np.full_like(u, dist.mean, dtype=np.float64)
    if dist.family == "gamma":
        return streams.gamma(u, dist.mean, dist.cv)
    return streams.lognormal(u, dist.mean, dist.cv)


@dataclass(frozen=True)
class CustomerTable:
    """One row per customer, in segment order."""

    segment: IntArray
    payer: IntArray
    funding_cost_annual: FloatArray
    bankruptcy_day: FloatArray
    recovery_share: FloatArray

    @property
    def count(self) -> int:
        """Number of customers."""
        return int(self.segment.size)


def draw_customers(scenario: Scenario, seed: int) -> CustomerTable:
    """Draw every customer's fixed attributes: payer type, funding cost, bankruptcy date."""
    days_in_year = scenario.conventions.days_in_year
    parts: dict[str, list[FloatArray | IntArray]] = {k: [] for k in (
        "segment", "payer", "funding", "bankruptcy", "recovery")}
    first = 0
    for index, seg in enumerate(scenario.segments):
        ids = np.arange(first, first + seg.customers, dtype=np.int64)
        first += seg.customers
        shares = [seg.payer_mix.get(p, 0.0) for p in PAYER_TYPES]
        parts["segment"].append(np.full(ids.size, index, dtype=np.int64))
        u_payer = streams.uniforms(seed, Stream.PAYER_TYPE, ids, 0)[:, 0]
        parts["payer"].append(streams.categorical(u_payer, shares).astype(np.int64))
        u_fund = streams.uniforms(seed, Stream.FUNDING_COST, ids, 0)[:, 0]
        parts["funding"].append(sample(u_fund, seg.funding_cost_annual))
        u_bank = streams.uniforms(seed, Stream.BANKRUPTCY, ids, 0)[:, 0]
        hazard = seg.bankruptcy_hazard_annual
        bankruptcy = (streams.exponential(u_bank, days_in_year / hazard) if hazard > 0
                      else np.full(ids.size, np.inf))
        parts["bankruptcy"].append(bankruptcy)
        u_rec = streams.uniforms(seed, Stream.RECOVERY, ids, 0)[:, 0]
        parts["recovery"].append(np.clip(sample(u_rec, seg.bankruptcy_recovery_share), 0, 1))
    return CustomerTable(
        segment=np.concatenate(parts["segment"]).astype(np.int64),
        payer=np.concatenate(parts["payer"]).astype(np.int64),
        funding_cost_annual=np.concatenate(parts["funding"]).astype(np.float64),
        bankruptcy_day=np.concatenate(parts["bankruptcy"]).astype(np.float64),
        recovery_share=np.concatenate(parts["recovery"]).astype(np.float64),
    )


@dataclass(frozen=True)
class OrderTable:
    """Every potential order of a replication, sorted by time."""

    time: FloatArray
    customer: IntArray
    index: IntArray  # the order's number within its customer: part of its draw key
    amount: FloatArray
    thin: FloatArray  # the order's own uniform, compared with the policy's demand share
    approval: FloatArray

    @property
    def count(self) -> int:
        """Number of potential orders."""
        return int(self.time.size)


def _arrival_times(seed: int, ids: IntArray, rate_per_day: float, end_day: float) -> tuple[
        IntArray, IntArray, FloatArray]:
    """Poisson arrivals in [0, end) per customer, keyed by (customer, order number)."""
    expected = rate_per_day * end_day
    blocks = int(np.ceil(expected + 6.0 * np.sqrt(expected) + 10.0))
    gaps = streams.exponential(
        streams.uniforms(seed, Stream.ORDER_ARRIVAL, ids, 0, count=blocks), 1.0 / rate_per_day)
    times = np.cumsum(gaps, axis=1)
    short = times[:, -1] < end_day
    while np.any(short):  # a customer ran out of pre-drawn arrivals: draw further, same keys
        more = streams.exponential(
            streams.uniforms(seed, Stream.ORDER_ARRIVAL, ids, 0, count=2 * blocks)[:, blocks:],
            1.0 / rate_per_day)
        times = np.hstack([times, times[:, -1:] + np.cumsum(more, axis=1)])
        blocks *= 2
        short = times[:, -1] < end_day
    rows, cols = np.nonzero(times < end_day)
    return ids[rows], cols.astype(np.int64), times[rows, cols]


def draw_orders(scenario: Scenario, seed: int, max_multiplier: float, end_day: float) -> OrderTable:
    """Draw the potential orders of every customer over [0, end_day).

    In deterministic mode orders come at fixed, evenly staggered times with the mean amount.
    """
    days_in_year = scenario.conventions.days_in_year
    chunks: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
    first = 0
    for seg in scenario.segments:
        ids = np.arange(first, first + seg.customers, dtype=np.int64)
        first += seg.customers
        if scenario.deterministic is not None:
            cust, index, times = _fixed_times(ids, days_in_year / seg.orders_per_year, end_day)
            amount = np.full(times.size, seg.order_amount.mean)
        else:
            rate = seg.orders_per_year * max_multiplier / days_in_year
            cust, index, times = _arrival_times(seed, ids, rate, end_day)
            u_amount = streams.uniforms(seed, Stream.ORDER_AMOUNT, cust, index)[:, 0]
            amount = sample(u_amount, seg.order_amount)
        chunks.append((cust, index, times, amount))
    customer = np.concatenate([c[0] for c in chunks])
    index = np.concatenate([c[1] for c in chunks])
    time = np.concatenate([c[2] for c in chunks])
    amount = np.concatenate([c[3] for c in chunks])
    order = np.lexsort((index, customer, time))
    customer, index, time, amount = customer[order], index[order], time[order], amount[order]
    if scenario.deterministic is not None:
        thin = np.zeros(time.size)
        approval = np.zeros(time.size)
    else:
        thin = streams.uniforms(seed, Stream.ORDER_THINNING, customer, index)[:, 0]
        approval = streams.uniforms(seed, Stream.ORDER_APPROVAL, customer, index)[:, 0]
    return OrderTable(time=time, customer=customer, index=index, amount=amount, thin=thin,
                      approval=approval)


def _fixed_times(ids: IntArray, interval: float, end_day: float) -> tuple[
        IntArray, IntArray, FloatArray]:
    """Evenly staggered order times: customer i of n orders at (i + 0.5) / n of each interval."""
    n = ids.size
    per_customer = int(np.ceil(end_day / interval)) + 1
    phase = (np.arange(n) + 0.5) / n * interval
    times = phase[:, None] + interval * np.arange(per_customer)[None, :]
    rows, cols = np.nonzero(times < end_day)
    return ids[rows], cols.astype(np.int64), times[rows, cols]


def invoice_draws(seed: int, customer: IntArray, index: IntArray, steps: int) -> FloatArray:
    """Every behavioural uniform of a batch of invoices, one row each (layout: COL_*)."""
    n = customer.size
    width = COL_STEPS + STEP_DRAWS * steps
    out = np.empty((n, width))
    if n == 0:
        return out
    out[:, COL_DISPUTE:COL_DISPUTE + 3] = streams.uniforms(
        seed, Stream.DISPUTE, customer, index, count=3)
    out[:, COL_CASH] = streams.uniforms(seed, Stream.CASH_AVAILABLE, customer, index)[:, 0]
    out[:, COL_LAG] = streams.uniforms(seed, Stream.PAYMENT_LAG, customer, index)[:, 0]
    out[:, COL_PENALTY] = streams.uniforms(seed, Stream.PENALTY, customer, index)[:, 0]
    if steps:
        per_step = (Stream.DUNNING_RESPONSE, Stream.PROMISE_BREAK, Stream.CUSTOMER_LOSS,
                    Stream.SERVICE_TIME, Stream.AGENCY)
        for offset, stream in enumerate(per_step):
            block = streams.uniforms(seed, stream, customer, index, count=steps)
            out[:, COL_STEPS + offset:width:STEP_DRAWS] = block
    out[:, :COL_DISPUTE] = 0.0  # order-level draws live in OrderTable
    return out
