"""Receivables KPIs: DSO by three methods, days delinquent, CEI, aging buckets, loss ratios.

Pure functions on plain numbers and NumPy arrays, so engines, reports and tests share one
definition of each KPI. Each docstring states the formula and where it comes from: the seed
material (DOMAIN.md "Targets and KPIs", seed 004 p.112-116 and p.139) or, where the seeds
give no formula, the common industry definition, named as such.

Ratios whose denominator can legitimately be zero (no sales in the period, nothing
collectable) return ``nan`` rather than raising: a simulated month without sales is a fact to
report, not an error. Inputs that cannot be right (negative days, mismatched arrays) raise
``ValueError``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "aging_buckets",
    "average_days_delinquent",
    "bad_debt_ratio",
    "best_possible_dso",
    "bucket_labels",
    "collection_effectiveness_index",
    "dso_average",
    "dso_countback",
    "overdue_dso",
    "recovery_rate",
]

DEFAULT_AGING_EDGES: tuple[int, ...] = (0, 30, 60, 90)


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or nan when the denominator is zero."""
    if denominator == 0:
        return math.nan
    return float(numerator) / float(denominator)


def _check_period(period_days: float) -> None:
    if not period_days > 0:
        raise ValueError(f"period_days must be positive, got {period_days!r}")


def dso_average(receivables: float, credit_sales: float, period_days: float) -> float:
    """Days sales outstanding by the average method.

    ``DSO = receivables / (credit_sales / period_days)``: the receivables balance expressed in
    days of average credit sales over the period. Seed 004 p.115 uses annual sales over 365
    days or quarterly sales over 92 days; any period works.

    Args:
        receivables: Receivables balance at the end of the period.
        credit_sales: Credit sales over the period.
        period_days: Length of the period in days.

    Returns:
        DSO in days; nan when there were no credit sales.

    Raises:
        ValueError: ``period_days`` is not positive.
    """
    _check_period(period_days)
    return _ratio(receivables, _ratio(credit_sales, period_days))


def _countback_months(
    receivables: float, monthly_credit_sales: npt.ArrayLike, month_days: npt.ArrayLike
) -> tuple[list[float], list[float]]:
    """Validated (sales, days) per month, latest first, as plain floats."""
    sales = np.asarray(monthly_credit_sales, dtype=np.float64).ravel()
    days = np.asarray(month_days, dtype=np.float64).ravel()
    if sales.shape != days.shape:
        raise ValueError(f"{sales.size} monthly sales figures but {days.size} month lengths")
    if receivables < 0 or np.any(sales < 0):
        raise ValueError("receivables and monthly credit sales must not be negative")
    if np.any(days <= 0):
        raise ValueError("every month length must be positive")
    return sales.tolist(), days.tolist()


def dso_countback(
    receivables: float, monthly_credit_sales: npt.ArrayLike, month_days: npt.ArrayLike
) -> float:
    """Days sales outstanding by the countback method.

    Walking back from the latest month, each month's credit sales are subtracted from the
    receivables balance and its days added, until the balance is used up; the remainder
    counts as ``remainder / month sales * month days`` of the month it ends in (seed 004
    p.113: 3,500,000 against June 1,400,000 and May 1,600,000 leaves 500,000 of April's
    1,500,000, so 30 + 31 + 10 = 71 days).

    If the balance exceeds all the months given, the rest is converted at the oldest month's
    daily sales rate, as if earlier months had sold like it. That extrapolation is ours; the
    seed's example never runs out of months.

    Args:
        receivables: Receivables balance at the end of the latest month.
        monthly_credit_sales: Credit sales per month, latest month first.
        month_days: Length of each of those months in days, latest first.

    Returns:
        DSO in days; 0 for a zero balance; nan when the balance outruns the months given and
        the oldest month had no sales (or no months were given).

    Raises:
        ValueError: Negative balance or sales, non-positive month lengths, or the two
            sequences differ in length.
    """
    sales, days = _countback_months(receivables, monthly_credit_sales, month_days)
    remaining = float(receivables)
    if remaining == 0:
        return 0.0
    dso = 0.0
    for month_sales, length in zip(sales, days, strict=True):
        if remaining <= month_sales:
            return dso + remaining / month_sales * length
        remaining -= month_sales
        dso += length
    if not sales or sales[-1] == 0:
        return math.nan
    return dso + remaining / (sales[-1] / days[-1])


def best_possible_dso(current_receivables: float, credit_sales: float, period_days: float) -> float:
    """Best possible DSO: the DSO the book would have if nothing were overdue.

    ``BPDSO = current (not yet due) receivables / (credit_sales / period_days)``. Industry
    definition (the seeds split DSO into current, overdue and disputed parts [004 p.114] but
    give no formula for this one).

    Args:
        current_receivables: Receivables not yet due at the end of the period.
        credit_sales: Credit sales over the period.
        period_days: Length of the period in days.

    Returns:
        Best possible DSO in days; nan when there were no credit sales.

    Raises:
        ValueError: ``period_days`` is not positive.
    """
    return dso_average(current_receivables, credit_sales, period_days)


def average_days_delinquent(dso: float, best_possible_dso: float) -> float:
    """Average days delinquent: ``ADD = DSO - best possible DSO`` (industry definition).

    Args:
        dso: DSO in days (average method over the same period).
        best_possible_dso: Best possible DSO in days, from :func:`best_possible_dso`.

    Returns:
        Days by which collection lags the terms.
    """
    return float(dso) - float(best_possible_dso)


def overdue_dso(dso: float, terms_days: float) -> float:
    """Overdue part of DSO: ``max(DSO - terms_days, 0)``.

    The split used by the textbook example (82.74 days of DSO on 60-day terms is 22.74 days
    overdue); it assumes everyone was sold on the same ``terms_days``.

    Args:
        dso: DSO in days.
        terms_days: Credit period in days.

    Returns:
        Overdue DSO in days, never negative.
    """
    return max(float(dso) - float(terms_days), 0.0)


def collection_effectiveness_index(
    beginning_receivables: float,
    credit_sales: float,
    ending_receivables: float,
    ending_current_receivables: float,
) -> float:
    """Collection effectiveness index (CEI), in percent.

    ``CEI = (BR + S - ER) / (BR + S - ECR) * 100``: cash collected over cash that was
    collectable (everything except what is still not due). This is the common external CEI
    definition, not a formula from the seeds: they only name the ratio "cash collected / cash
    collectable" [004 p.139]. Pass the period's total credit sales as ``credit_sales``; some
    sources use monthly average sales over multi-month periods instead.

    Args:
        beginning_receivables: Receivables balance at the start of the period (BR).
        credit_sales: Credit sales over the period (S).
        ending_receivables: Total receivables at the end of the period (ER).
        ending_current_receivables: Receivables not yet due at the end of the period (ECR).

    Returns:
        CEI in percent (100 = everything collectable was collected); nan when nothing was
        collectable, or when the figures do not reconcile: receivables that end above the
        opening balance plus the sales counted (nothing was collected, less than nothing) gave
        a "CEI" of any size, such as 1,448% from a book whose balance rose with no sales.
    """
    opening_plus_sales = float(beginning_receivables) + float(credit_sales)
    collected = opening_plus_sales - float(ending_receivables)
    collectable = opening_plus_sales - float(ending_current_receivables)
    if collected < 0.0:
        return math.nan
    return _ratio(collected, collectable) * 100.0


def bucket_labels(edges: Sequence[int]) -> list[str]:
    """The aging buckets' names for these edges, in order ("current", "1-30", ... "90+")."""
    labels = ["current"]
    labels.extend(f"{low + 1}-{high}" for low, high in itertools.pairwise(edges))
    labels.append(f"{edges[-1]}+")
    return labels


def aging_bucket(days_overdue: np.ndarray, edges: Sequence[int] = DEFAULT_AGING_EDGES
                 ) -> np.ndarray:
    """Each value's bucket number in `aging_buckets` (0: current, then edge by edge)."""
    # side="left" puts a value equal to an edge in the bucket that edge closes: 30 -> "1-30".
    return np.searchsorted(np.asarray(edges, dtype=np.float64), days_overdue, side="left")


def aging_buckets(
    open_amount: npt.ArrayLike,
    days_overdue: npt.ArrayLike,
    edges: Sequence[int] = DEFAULT_AGING_EDGES,
) -> dict[str, float]:
    """Open amounts summed by days-overdue bucket.

    A bucket ``"a+1-b"`` holds ``a < days_overdue <= b`` for consecutive edges ``a, b``;
    ``"current"`` holds ``days_overdue <= edges[0]`` and ``"last+"`` holds
    ``days_overdue > edges[-1]``. With the default edges this is the usual report (current,
    1-30, 31-60, 61-90, 90+), which is industry practice rather than seed text; seeds 000 and
    003 use 30/60/90 and 30/90 (pass ``edges=(0, 30, 90)`` for the latter).

    Args:
        open_amount: Open (unpaid) amount per invoice.
        days_overdue: Days past due per invoice; zero or negative means not yet due.
        edges: Strictly increasing integer bucket edges in days.

    Returns:
        Bucket label -> summed open amount, in bucket order, every bucket present.

    Raises:
        ValueError: Shapes differ, ``days_overdue`` has NaN, or ``edges`` is empty, not
            integer or not strictly increasing.
    """
    amounts = np.asarray(open_amount, dtype=np.float64).ravel()
    days = np.asarray(days_overdue, dtype=np.float64).ravel()
    if amounts.shape != days.shape:
        raise ValueError(f"{amounts.size} open amounts but {days.size} days-overdue values")
    if np.isnan(days).any():
        raise ValueError("days_overdue contains NaN")
    edge_list = list(edges)
    if not edge_list or any(int(edge) != edge for edge in edge_list):
        raise ValueError(f"aging edges must be a non-empty sequence of integers, got {edges!r}")
    if any(high <= low for low, high in itertools.pairwise(edge_list)):
        raise ValueError(f"aging edges must be strictly increasing, got {edges!r}")
    totals = np.bincount(aging_bucket(days, edge_list), weights=amounts,
                         minlength=len(edge_list) + 1)
    labels = bucket_labels([int(edge) for edge in edge_list])
    return {label: float(total) for label, total in zip(labels, totals.tolist(), strict=True)}


def bad_debt_ratio(written_off: float, credit_sales: float) -> float:
    """Bad-debt ratio: ``written_off / credit_sales``, as a share.

    Seed 000 targets 1-3% of sales [DOMAIN.md "Targets and KPIs"].

    Args:
        written_off: Amount written off as bad debt in the period.
        credit_sales: Credit sales in the period.

    Returns:
        Share of credit sales written off (0.02 = 2%); nan when there were no credit sales.
    """
    return _ratio(written_off, credit_sales)


def recovery_rate(collected: float, collectable: float) -> float:
    """Recovery rate: ``collected / collectable``, as a share.

    The seeds' "cash collected / cash collectable" [004 p.139]; seed 000 targets above 95%.

    Args:
        collected: Cash collected in the period.
        collectable: Cash that was collectable in the period.

    Returns:
        Share collected (0.95 = 95%); nan when nothing was collectable.
    """
    return _ratio(collected, collectable)
