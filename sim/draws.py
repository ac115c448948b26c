"""Per-customer and per-order draw tables, fixed before the policy acts on them.

Both engines read these tables; nothing else draws random numbers. Orders are drawn at the
highest rate any policy could produce and thinned later with each order's own uniform, so a
policy change never shifts anyone else's numbers (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from . import rng, streams
from .scenario import PAYER_TYPES, Distribution, PayerType, Scenario, Segment
from .streams import Stream

__all__ = [
    "MAX_STEPS",
    "CustomerTable",
    "OrderTable",
    "arrival_csr",
    "arrivals",
    "dist_params",
    "draw_customers",
    "draw_orders",
    "invoice_draws",
    "max_multiplier",
    "order_gap_days",
    "sample",
    "sample_q",
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


#: How a distribution is handed to compiled code: (kind, a, b, mean), see dist_params().
DIST_CONSTANT, DIST_LOGNORMAL, DIST_GAMMA = 0.0, 1.0, 2.0


def dist_params(dist: Distribution) -> FloatArray:
    """A distribution as the four numbers `sample_q` reads: (kind, a, b, mean), where (a, b)
    is (mu, sigma) of a lognormal or (shape, scale) of a gamma. They come from the same
    functions `sample` uses, so the scalar and the array draws agree bit for bit."""
    if dist.cv == 0.0 or dist.mean == 0.0:
        return np.asarray([DIST_CONSTANT, 0.0, 0.0, dist.mean])
    m, c = np.float64(dist.mean), np.float64(dist.cv)
    if dist.family == "gamma":
        a, b = streams.gamma_params(m, c)
        return np.asarray([DIST_GAMMA, a, b, dist.mean])
    a, b = streams.lognormal_params(m, c)
    return np.asarray([DIST_LOGNORMAL, a, b, dist.mean])


@rng.compiled
def sample_q(u: float, d: np.ndarray) -> float:
    """One draw of the distribution d = dist_params(...) from the uniform u."""
    if d[0] == DIST_CONSTANT:
        return float(d[3])
    if d[0] == DIST_LOGNORMAL:
        return rng.lognormal_q(u, d[1], d[2])
    return rng.gamma_q(u, d[1], d[2])


def sample(u: FloatArray, dist: Distribution) -> FloatArray:
    """Turn uniforms into draws of a mean/cv distribution (the mean exactly when cv = 0)."""
    if dist.cv == 0.0 or dist.mean == 0.0:
        return np.full_like(u, dist.mean, dtype=np.float64)
    if dist.family == "gamma":
        return streams.gamma(u, dist.mean, dist.cv)
    return streams.lognormal(u, dist.mean, dist.cv)


def max_multiplier(scenario: Scenario) -> float:
    """The highest demand multiplier any policy can reach: the full-potential demand, at
    which orders (and newcomers) are drawn before a policy thins them."""
    demand = scenario.demand
    # the scenario-wide tables and every grade's own (a grade's missing table is the former)
    highest = max(max(row[1] for row in period) * max(row[1] for row in discount)
                  for period, discount in (demand.tables(g) for g in (None, *demand.by_grade)))
    return max(highest, demand.cash_only_share_kept, 1.0)


@dataclass(frozen=True)
class CustomerTable:
    """One row per customer: the opening population in segment order, then the newcomers
    who may arrive during the run, by segment and then arrival (see draw_customers)."""

    segment: IntArray
    payer: IntArray
    funding_cost_annual: FloatArray
    bankruptcy_day: FloatArray
    recovery_share: FloatArray
    #: the day the customer arrives (0 for the opening population)
    joined: FloatArray
    #: the newcomer's own uniform, compared with its grade's demand share over the highest
    #: (it stays only if the policy's terms win it; 0 for the opening population)
    join_draw: FloatArray
    #: how many customers the run opens with (customers from here on are newcomers)
    initial: int
    #: per customer, the days its payer type worsens a first and a second step (inf: never;
    #: see souring_times)
    soured: FloatArray

    @property
    def count(self) -> int:
        """Number of customers, every potential newcomer included."""
        return int(self.segment.size)


def newcomer_arrivals(scenario: Scenario, seed: int) -> tuple[IntArray, FloatArray]:
    """Every potential newcomer over the run as (segment, arrival day), by segment and then
    time: a Poisson stream per segment at newcomers_per_year times the highest demand
    multiplier, so that every policy thins the same newcomers (common random numbers).

    Segment s's k-th arrival comes at the sum of gaps 0..k, each exponential from draw k
    of the NEWCOMER_ARRIVAL stream keyed by the segment (cumsum adds them in order)."""
    end = float(scenario.horizon.warmup_days + scenario.horizon.horizon_days)
    year = float(scenario.conventions.days_in_year)
    m_max = max_multiplier(scenario)
    segs: list[IntArray] = []
    days: list[FloatArray] = []
    for g, seg in enumerate(scenario.segments):
        if seg.newcomers_per_year <= 0.0:
            continue
        gap = year / (seg.newcomers_per_year * m_max)
        drawn = np.empty(0)
        total = 0.0
        while total < end:  # a batch of gaps at a time, until the horizon is passed
            batch = max(64, int(1.2 * (end - total) / gap) + 16)
            k = np.arange(drawn.size, drawn.size + batch, dtype=np.int64)
            u = streams.uniforms(seed, Stream.NEWCOMER_ARRIVAL, np.full(batch, g), k)[:, 0]
            gaps = streams.exponential(u, gap)
            drawn = np.concatenate([drawn, gaps])
            total = float(np.cumsum(drawn)[-1])
        times = np.cumsum(drawn)
        times = times[times < end]
        segs.append(np.full(times.size, g, dtype=np.int64))
        days.append(times)
    if not segs:
        return np.empty(0, dtype=np.int64), np.empty(0)
    return np.concatenate(segs), np.concatenate(days)


def draw_customers(scenario: Scenario, seed: int) -> CustomerTable:
    """Draw every customer's fixed attributes: payer type, funding cost, bankruptcy date;
    the opening population first, then every potential newcomer (its attributes keyed by
    its number like anyone's; its bankruptcy clock starts when it arrives)."""
    days_in_year = scenario.conventions.days_in_year
    segs = scenario.segments
    initial = sum(seg.customers for seg in segs)
    new_seg, new_day = newcomer_arrivals(scenario, seed)
    n = initial + new_seg.size
    segment = np.concatenate([
        np.repeat(np.arange(len(segs), dtype=np.int64), [seg.customers for seg in segs]),
        new_seg])
    # per segment, what turns a customer's uniforms into its attributes: the payer mix as
    # streams.categorical's cumulative shares, and the distributions as sample_q reads them
    # rows 0 .. S-1: the opening population's mixes; S .. 2S-1: the newcomers'
    cum = np.empty((2 * len(segs), len(PAYER_TYPES)))
    mixes = [*(seg.payer_mix for seg in segs),
             *(seg.newcomer_payer_mix or seg.payer_mix for seg in segs)]
    for index, mix in enumerate(mixes):
        shares = np.asarray([mix.get(p, 0.0) for p in PAYER_TYPES])
        cum[index] = np.cumsum(shares)
        cum[index, int(np.flatnonzero(shares)[-1]):] = np.inf
    mix_row = segment + np.where(np.arange(n) >= initial, len(segs), 0)
    funding = np.stack([dist_params(seg.funding_cost_annual) for seg in segs])
    recovery = np.stack([dist_params(seg.bankruptcy_recovery_share) for seg in segs])
    bankruptcy_mean = np.asarray([days_in_year / seg.bankruptcy_hazard_annual
                                  if seg.bankruptcy_hazard_annual > 0 else np.inf
                                  for seg in segs])
    k0, k1 = streams._seed_key(seed)
    joined = np.concatenate([np.zeros(initial), new_day])
    join_draw = np.zeros(n)
    if new_seg.size:
        ids = np.arange(initial, n, dtype=np.int64)
        join_draw[initial:] = streams.uniforms(seed, Stream.NEWCOMER_JOIN, ids,
                                               np.zeros_like(ids))[:, 0]
    table = CustomerTable(segment=segment, payer=np.empty(n, dtype=np.int64),
                          funding_cost_annual=np.empty(n), bankruptcy_day=np.empty(n),
                          recovery_share=np.empty(n), joined=joined, join_draw=join_draw,
                          initial=initial, soured=np.full((n, 2), np.inf))
    _customer_columns(k0, k1, segment, mix_row, cum, funding, bankruptcy_mean, recovery,
                      np.empty((4, n)), table.payer, table.funding_cost_annual,
                      table.bankruptcy_day, table.recovery_share)
    table.bankruptcy_day[initial:] += new_day  # (a newcomer's clock starts on arrival)
    souring_times(scenario, seed, table)
    return table


def souring_times(scenario: Scenario, seed: int, table: CustomerTable) -> None:
    """Fill `table.soured`: a customer of a segment with souring_per_year r > 0 whose type
    can worsen (on time or reminded) sours a first time an exponential time of mean Y / r
    after it arrived (draw 0 of its SOURING key), and, if on time, a second time as long
    again after that (draw 1); under pressure and never paying stay as they are."""
    rates = np.asarray([seg.souring_per_year for seg in scenario.segments])
    if not (rates > 0.0).any():
        return
    year = float(scenario.conventions.days_in_year)
    mean = np.asarray([year / r if r > 0.0 else np.inf for r in rates.tolist()])
    ids = np.arange(table.count, dtype=np.int64)
    u = streams.uniforms(seed, Stream.SOURING, ids, np.zeros_like(ids), count=2)
    _souring_columns(u, mean[table.segment], table.payer, table.joined,
                     PAYER_TYPES.index(PayerType.PRESSURE), table.soured)


@rng.compiled
def _souring_columns(u: np.ndarray, mean: np.ndarray, payer: np.ndarray, joined: np.ndarray,
                     worst: int, out: np.ndarray) -> None:
    for i in range(payer.size):
        if mean[i] < np.inf and payer[i] < worst:
            first = joined[i] + rng.exponential_q(u[i, 0], mean[i])
            out[i, 0] = first
            if payer[i] + 1 < worst:
                out[i, 1] = first + rng.exponential_q(u[i, 1], mean[i])


_CUSTOMER_STREAMS = (int(Stream.PAYER_TYPE), int(Stream.FUNDING_COST), int(Stream.BANKRUPTCY),
                     int(Stream.RECOVERY))


@rng.compiled
def _customer_columns(k0: np.uint64, k1: np.uint64, segment: np.ndarray,
                      mix_row: np.ndarray, cum: np.ndarray,
                      funding: np.ndarray, bankruptcy_mean: np.ndarray, recovery: np.ndarray,
                      u: np.ndarray, payer: np.ndarray, fund: np.ndarray, bank: np.ndarray,
                      rec: np.ndarray) -> None:
    """The customers' attribute columns from draw 0 of each customer's four streams, the
    same numbers as streams.categorical, sample, exponential and a clip to [0, 1] of
    streams.uniforms (one compiled pass: the array functions' call overheads, a dozen per
    segment, were 1 ms of a fast-engine replication)."""
    n = segment.size
    for q in range(4):  # (a loop of Philox blocks alone: vector registers, see rng.block)
        s = np.uint64(_CUSTOMER_STREAMS[q])
        for i in range(n):
            u[q, i] = rng.unit(rng.block(k0, k1, np.uint64(i), np.uint64(0), s,
                                         np.uint64(0))[0])
    for i in range(n):
        g, row = segment[i], mix_row[i]
        k = 0
        while cum[row, k] <= u[0, i]:  # (searchsorted, side="right": the last share is inf)
            k += 1
        payer[i] = k
        fund[i] = sample_q(u[1, i], funding[g])
        mean = bankruptcy_mean[g]
        bank[i] = rng.exponential_q(u[2, i], mean) if mean < np.inf else np.inf
        rec[i] = min(max(sample_q(u[3, i], recovery[g]), 0.0), 1.0)


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


#: Philox blocks drawn at a time for a customer's arrivals (four gaps each): 64 gaps cover
#: most customers' whole horizon in one batch (the default scenario's average is 31 orders).
#: Measured on the default scenario's 10,000 customers: 2, 4, 8, 16 and 32 blocks took 3.4,
#: 1.43, 1.48, 1.32 and 2.2 ms (too few run the loops out of vector registers, too many
#: draw gaps past the horizon for nothing).
_ARRIVAL_BLOCKS = 16
_ARRIVAL_BATCH = 4 * _ARRIVAL_BLOCKS


@rng.compiled_inline
def _arrival_batch(k0: np.uint64, k1: np.uint64, cu: np.uint64, b: int, mean_gap: float,
                   end_day: float, t: float, out: np.ndarray) -> tuple[float, int, bool]:
    """The customer's next _ARRIVAL_BATCH order times from Philox block b on, into `out`
    (that long): (the last time kept, how many were kept, whether the horizon was reached).

    The blocks' uniforms first, in a loop of Philox blocks alone (run several at a time in
    vector registers), then each turned into its gap in place (in vector registers too), then
    the gaps added one at a time, in order: the time of an order overwrites its gap."""
    stream = np.uint64(Stream.ORDER_ARRIVAL)
    for q in range(_ARRIVAL_BLOCKS):
        w0, w1, w2, w3 = rng.block(k0, k1, cu, np.uint64(0), stream, np.uint64(b + q))
        out[4 * q], out[4 * q + 1] = rng.unit(w0), rng.unit(w1)
        out[4 * q + 2], out[4 * q + 3] = rng.unit(w2), rng.unit(w3)
    for q in range(_ARRIVAL_BATCH):
        out[q] = rng.exponential_q(out[q], mean_gap)
    for q in range(_ARRIVAL_BATCH):
        t = t + out[q]
        if t >= end_day:
            return t, q, True
        out[q] = t
    return t, _ARRIVAL_BATCH, False


@numba.njit(cache=True, error_model="numpy")
def arrivals(k0: np.uint64, k1: np.uint64, customer: int, mean_gap: float, t0: float,
             end_day: float, buf: np.ndarray) -> tuple[np.ndarray, int]:
    """A customer's Poisson order times in [t0, end_day), into buf (grown when too short):
    t0 is the day the customer arrived (0 for the opening population).

    Order j arrives at the sum of gaps 0..j, each exponential from draw j of the customer's
    ORDER_ARRIVAL stream (invoice key 0), added one at a time in this order: `arrival_csr`,
    which the fast engine calls, adds them the same way, so both engines see the same times,
    bit for bit.
    """
    n, t, b, done = 0, t0, 0, False
    cu = np.uint64(customer)
    while not done:
        if n + _ARRIVAL_BATCH > buf.size:
            bigger = np.empty(2 * buf.size + _ARRIVAL_BATCH)
            bigger[:n] = buf[:n]
            buf = bigger
        t, kept, done = _arrival_batch(k0, k1, cu, b, mean_gap, end_day, t,
                                       buf[n:n + _ARRIVAL_BATCH])
        n += kept
        b += _ARRIVAL_BLOCKS
    return buf, n


@numba.njit(cache=True, error_model="numpy")
def arrival_csr(k0: np.uint64, k1: np.uint64, first: int, gaps: np.ndarray, t0: np.ndarray,
                end_day: float) -> tuple[np.ndarray, np.ndarray]:
    """The arrivals of customers first, first + 1, ... (mean gap gaps[i] days) in
    [t0[i], end), t0[i] the day the customer arrived: customer first + i's order times are
    times[start[i]:start[i + 1]], in order.

    Each batch is drawn straight into `times`, at the end of the times kept so far (an
    `arrivals` call per customer into a buffer, then copied, took 2.3 ms instead of 1.3 ms
    on the default scenario)."""
    n = gaps.size
    start = np.zeros(n + 1, dtype=np.int64)
    expected = 0.0
    for i in range(n):
        expected += max(end_day - t0[i], 0.0) / gaps[i]
    times = np.empty(int(expected + 6.0 * np.sqrt(expected)) + 64 + _ARRIVAL_BATCH)
    total = 0
    for i in range(n):
        t, b, done = t0[i], 0, False
        while not done:
            if total + _ARRIVAL_BATCH > times.size:
                bigger = np.empty(2 * times.size + _ARRIVAL_BATCH)
                bigger[:total] = times[:total]
                times = bigger
            t, kept, done = _arrival_batch(k0, k1, np.uint64(first + i), b, gaps[i], end_day,
                                           t, times[total:total + _ARRIVAL_BATCH])
            total += kept
            b += _ARRIVAL_BLOCKS
        start[i + 1] = total
    return start, times[:total]


def _arrival_times(seed: int, ids: IntArray, gap: float, t0: FloatArray,
                   end_day: float) -> tuple[IntArray, IntArray, FloatArray]:
    """Poisson arrivals in [t0, end) per customer (ids consecutive), keyed by (customer,
    order number)."""
    k0, k1 = streams._seed_key(seed)
    start, times = arrival_csr(k0, k1, int(ids[0]) if ids.size else 0,
                               np.full(ids.size, gap), t0, end_day)
    counts = np.diff(start)
    index = np.arange(times.size, dtype=np.int64) - np.repeat(start[:-1], counts)
    return np.repeat(ids, counts), index, times


def order_gap_days(seg: Segment, max_multiplier: float, days_in_year: float) -> float:
    """Mean days between a customer's potential orders, drawn at the highest rate any policy
    could produce (the number both engines draw arrivals with)."""
    return 1.0 / (seg.orders_per_year * max_multiplier / days_in_year)


def draw_orders(scenario: Scenario, seed: int, max_multiplier: float, end_day: float) -> OrderTable:
    """Draw the potential orders of every customer over [0, end_day).

    In deterministic mode orders come at fixed, evenly staggered times with the mean amount.
    """
    days_in_year = scenario.conventions.days_in_year
    chunks: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
    first = 0
    # every potential newcomer too (a run of consecutive ids per segment after the
    # opening population's), each from its arrival day
    table = draw_customers(scenario, seed) if scenario.deterministic is None else None
    for g, seg in enumerate(scenario.segments):
        ids = np.arange(first, first + seg.customers, dtype=np.int64)
        first += seg.customers
        if table is None:
            cust, index, times = _fixed_times(ids, days_in_year / seg.orders_per_year, end_day)
            amount = np.full(times.size, seg.order_amount.mean)
            chunks.append((cust, index, times, amount))
            continue
        gap = order_gap_days(seg, max_multiplier, days_in_year)
        for run in (ids, table.initial + np.flatnonzero(table.segment[table.initial:] == g)):
            cust, index, times = _arrival_times(seed, run, gap, table.joined[run], end_day)
            u_amount = streams.uniforms(seed, Stream.ORDER_AMOUNT, cust, index)[:, 0]
            chunks.append((cust, index, times, sample(u_amount, seg.order_amount)))
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
