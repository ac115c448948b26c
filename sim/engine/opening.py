"""The opening book: open invoices a company already has when the run starts.

Generated from an aging profile (total, share by days-overdue bucket, share by segment) or read
from a ledger CSV (segment, amount, days_overdue). Every opening invoice gets its own keyed
draws (invoice numbers from 2**31 up), so it is the same under every policy.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from .. import streams
from ..draws import invoice_draws, sample
from ..errors import ScenarioError
from ..scenario import PAYER_TYPES, Distribution, OpeningBook, Scenario
from ..streams import Stream

__all__ = ["OPENING_INDEX", "OpeningInvoices", "opening_invoices"]

#: Opening invoices are numbered from here, apart from the order numbers of new invoices.
OPENING_INDEX = 2**31


@dataclass(frozen=True)
class OpeningInvoices:
    """Columns of the opening invoices, before any policy acts on them."""

    customer: np.ndarray
    index: np.ndarray
    amount: np.ndarray
    days_overdue: np.ndarray
    draws: np.ndarray

    @property
    def count(self) -> int:
        """Number of opening invoices."""
        return int(self.customer.size)


def _segment_ranges(scenario: Scenario) -> dict[str, tuple[int, int]]:
    ranges, first = {}, 0
    for seg in scenario.segments:
        ranges[seg.name] = (first, first + seg.customers)
        first += seg.customers
    return ranges


def _read_csv(path: str, scenario: Scenario) -> list[tuple[str, float, float]]:
    known = {s.name for s in scenario.segments}
    rows: list[tuple[str, float, float]] = []
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            for line, record in enumerate(csv.DictReader(handle), start=2):
                try:
                    segment = record["segment"]
                    amount, overdue = float(record["amount"]), float(record["days_overdue"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise ScenarioError(f"{path}:{line}: needs columns segment, amount, "
                                        f"days_overdue with numbers ({exc})") from exc
                if segment not in known:
                    raise ScenarioError(f"{path}:{line}: unknown segment '{segment}'")
                if amount <= 0:
                    raise ScenarioError(f"{path}:{line}: amount must be positive")
                rows.append((segment, amount, overdue))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the opening ledger ({exc.strerror})") from exc
    return rows


def _from_profile(book: OpeningBook, scenario: Scenario, seed: int
                  ) -> list[tuple[str, float, float]]:
    """Invoices whose amounts add up exactly to each segment x bucket share of the total."""
    sales = {s.name: s.customers * s.orders_per_year * s.order_amount.mean
             for s in scenario.segments}
    shares = book.segment_shares or {k: v / sum(sales.values()) for k, v in sales.items()}
    rows: list[tuple[str, float, float]] = []
    for s_index, seg in enumerate(scenario.segments):
        for b_index, bucket in enumerate(book.buckets):
            target = book.total_amount * shares.get(seg.name, 0.0) * bucket.share
            if target <= 0:
                continue
            n = max(1, round(target / seg.order_amount.mean))
            key = s_index * 1000 + b_index
            u = streams.uniforms(seed, Stream.OPENING_BOOK, key, np.arange(n), count=2)
            amounts = sample(u[:, 0], seg.order_amount)
            amounts *= target / amounts.sum()
            overdue = bucket.days_overdue_from + u[:, 1] * (
                bucket.days_overdue_to - bucket.days_overdue_from)
            rows.extend((seg.name, float(a), float(d)) for a, d in zip(amounts, overdue,
                                                                       strict=True))
    return rows


def _still_unpaid(lag: Distribution | None, early: float, days_overdue: np.ndarray
                  ) -> np.ndarray:
    """The chance that a payer of this kind has not yet paid an invoice unprompted this many
    days after its due date (1 for an invoice not yet due, and for a payer that never pays
    of its own accord), for each of the days given."""
    days = np.asarray(days_overdue, dtype=np.float64)
    if lag is None:
        return np.ones_like(days)
    x = days + early
    if lag.cv == 0.0 or lag.mean == 0.0:
        alive = np.where(lag.mean > x, 1.0, 0.0)
    elif lag.family == "gamma":
        shape = 1.0 / lag.cv**2
        with np.errstate(over="ignore"):  # a tiny scale: the survival is 0, as computed
            alive = stats.gamma.sf(x, shape, scale=lag.mean / shape)
    else:
        sigma = float(np.sqrt(np.log1p(lag.cv**2)))
        mu = float(np.log(lag.mean)) - sigma**2 / 2.0
        with np.errstate(divide="ignore", invalid="ignore"):  # x <= 0: not yet due, below
            alive = stats.norm.sf((np.log(x) - mu) / sigma)
    return np.where(days <= 0.0, 1.0, alive)


def _customer_for(rows: list[tuple[str, float, float]], scenario: Scenario, seed: int,
                  index: np.ndarray, payer: np.ndarray) -> np.ndarray:
    """Each opening invoice's customer: one whose behaviour explains the invoice's age.

    The payer type is drawn in proportion to its share of the segment's customers times the
    chance that such a payer still owes an invoice that old (an invoice 120 days overdue
    goes to a customer who pays late or not at all, not to one who pays on time), then the
    customer uniformly among the segment's customers of that type. A segment's invoices are
    weighed together (the same draws as streams.categorical, one row at a time).
    """
    profiles = [scenario.payer_profile(p) for p in PAYER_TYPES]
    u_type = streams.uniforms(seed, Stream.OPENING_BOOK, 2**32 - 2, index)[:, 0]
    u_customer = streams.uniforms(seed, Stream.OPENING_BOOK, 2**32 - 1, index)[:, 0]
    segment = np.asarray([r[0] for r in rows])
    overdue = np.asarray([r[2] for r in rows], dtype=np.float64)
    customer = np.empty(len(rows), dtype=np.int64)
    for name, (lo, hi) in _segment_ranges(scenario).items():
        mine = np.flatnonzero(segment == name)
        if not mine.size:
            continue
        members = [np.flatnonzero(payer[lo:hi] == k) + lo for k in range(len(PAYER_TYPES))]
        sizes = np.asarray([m.size for m in members], dtype=np.float64)
        weight = np.column_stack([sizes[k] * _still_unpaid(prof.lag_days, prof.early_days,
                                                           overdue[mine])
                                  for k, prof in enumerate(profiles)])
        # nobody's behaviour explains an invoice: any customer of the segment
        weight[weight.sum(axis=1) <= 0.0] = sizes
        cum = np.cumsum(weight / weight.sum(axis=1, keepdims=True), axis=1)
        last = len(PAYER_TYPES) - 1 - np.argmax(weight[:, ::-1] > 0.0, axis=1)
        cum[np.arange(len(PAYER_TYPES)) >= last[:, None]] = np.inf  # (as categorical)
        kind = (cum <= u_type[mine, None]).sum(axis=1)
        for k, pool in enumerate(members):
            picked = mine[kind == k]
            if picked.size:
                at = (u_customer[picked] * pool.size).astype(np.int64)
                customer[picked] = pool[np.minimum(at, pool.size - 1)]
    return customer


def opening_invoices(scenario: Scenario, seed: int, steps: int, payer: np.ndarray
                     ) -> OpeningInvoices | None:
    """Draw (or read) the opening book of a replication; None if the scenario has none.
    `payer` is every customer's payer type (draws.draw_customers)."""
    book = scenario.opening_book
    if book is None:
        return None
    rows = (_read_csv(book.ledger_csv, scenario) if book.ledger_csv
            else _from_profile(book, scenario, seed))
    index = OPENING_INDEX + np.arange(len(rows), dtype=np.int64)
    customer = _customer_for(rows, scenario, seed, index, payer)
    return OpeningInvoices(
        customer=customer, index=index,
        amount=np.array([r[1] for r in rows]), days_overdue=np.array([r[2] for r in rows]),
        draws=invoice_draws(seed, customer, index, steps),
    )
