"""Receivables KPIs against textbook and seed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsim.sim.metrics import (
    aging_buckets,
    average_days_delinquent,
    bad_debt_ratio,
    best_possible_dso,
    collection_effectiveness_index,
    dso_average,
    dso_countback,
    overdue_dso,
    recovery_rate,
)

# --- DSO -----------------------------------------------------------------------------------


def test_textbook_average_method() -> None:
    # Receivables 285,000; Jan 90,000 + Feb 105,000 + Mar 115,000 over 31 + 28 + 31 days;
    # 60-day terms: DSO 82.74 days, of which 22.74 overdue.
    dso = dso_average(285_000, 90_000 + 105_000 + 115_000, 31 + 28 + 31)
    assert dso == pytest.approx(82.74, abs=0.005)
    assert overdue_dso(dso, 60) == pytest.approx(22.74, abs=0.005)


def test_average_method_seed_conventions() -> None:
    # Seed 004 p.115: annual sales over 365 days, or quarterly sales over 92 days.
    assert dso_average(1_000_000, 5_000_000, 365) == pytest.approx(73.0)
    assert dso_average(500_000, 1_150_000, 92) == pytest.approx(40.0)


def test_average_method_without_sales_is_nan() -> None:
    assert math.isnan(dso_average(100.0, 0.0, 90))


@pytest.mark.parametrize("period", [0, -30])
def test_average_method_needs_a_period(period: float) -> None:
    with pytest.raises(ValueError, match="period_days"):
        dso_average(100, 100, period)


def test_textbook_countback() -> None:
    # Receivables 212,000; last three months 100,000, 80,000, 70,000 (30-day months):
    # 30 + 30 + 32,000/70,000 * 30 = 73.71 days.
    dso = dso_countback(212_000, [100_000, 80_000, 70_000], [30, 30, 30])
    assert dso == pytest.approx(73.71, abs=0.005)


def test_seed_countback() -> None:
    # Seed 004 p.113: 30 June AR 3,500,000; June 1,400,000 (30 d), May 1,600,000 (31 d),
    # April 1,500,000 (30 d): 30 + 31 + 10 = 71 days.
    dso = dso_countback(3_500_000, [1_400_000, 1_600_000, 1_500_000], [30, 31, 30])
    assert dso == pytest.approx(71.0)


def test_countback_inside_the_latest_month() -> None:
    assert dso_countback(50, [100, 100], [30, 31]) == pytest.approx(15.0)
    assert dso_countback(0, [100], [30]) == 0.0
    assert dso_countback(100, [100, 100], [30, 31]) == pytest.approx(30.0)


def test_countback_extrapolates_with_the_oldest_month() -> None:
    # 100 + 60 used by two months (61 days); the remaining 40 at 60/31 per day is 20.67 days.
    dso = dso_countback(200, [100, 60], [30, 31])
    assert dso == pytest.approx(61 + 40 / (60 / 31))


def test_countback_skips_months_without_sales() -> None:
    assert dso_countback(150, [100, 0, 100], [30, 31, 30]) == pytest.approx(30 + 31 + 15)


def test_countback_cannot_place_the_balance() -> None:
    assert math.isnan(dso_countback(200, [100, 0], [30, 31]))
    assert math.isnan(dso_countback(200, [], []))


@pytest.mark.parametrize(
    ("receivables", "sales", "days", "match"),
    [
        (100, [100, 100], [30], "2 monthly sales figures but 1 month lengths"),
        (-1, [100], [30], "must not be negative"),
        (100, [-100], [30], "must not be negative"),
        (100, [100], [0], "month length"),
    ],
)
def test_countback_rejects_bad_inputs(
    receivables: float, sales: list[float], days: list[float], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        dso_countback(receivables, sales, days)


@given(
    st.lists(
        st.tuples(st.floats(1.0, 1e7), st.sampled_from([28, 29, 30, 31])), min_size=1, max_size=6
    ),
    st.floats(0.0, 1.0),
)
def test_countback_equals_average_for_steady_sales(
    months: list[tuple[float, int]], share: float
) -> None:
    # With one constant daily sales rate, countback and average methods agree.
    daily = months[0][0] / 31
    sales = [daily * days for _, days in months]
    lengths = [days for _, days in months]
    receivables = share * sum(sales)
    assert dso_countback(receivables, sales, lengths) == pytest.approx(
        dso_average(receivables, sum(sales), sum(lengths)), rel=1e-9, abs=1e-9
    )


def test_best_possible_dso_and_days_delinquent() -> None:
    # Of the 285,000 in the textbook example, say 200,000 is not yet due.
    dso = dso_average(285_000, 310_000, 90)
    best = best_possible_dso(200_000, 310_000, 90)
    assert best == pytest.approx(200_000 / (310_000 / 90))
    assert average_days_delinquent(dso, best) == pytest.approx(85_000 / (310_000 / 90))


def test_overdue_dso_is_never_negative() -> None:
    assert overdue_dso(45.0, 60) == 0.0
    assert overdue_dso(60.0, 60) == 0.0


# --- CEI -----------------------------------------------------------------------------------


def test_collection_effectiveness_index_by_hand() -> None:
    # Opening 100,000 + sales 200,000; closing 120,000 of which 80,000 not yet due:
    # collected 180,000 of a collectable 220,000 = 81.82%.
    cei = collection_effectiveness_index(100_000, 200_000, 120_000, 80_000)
    assert cei == pytest.approx(81.818, abs=0.001)


def test_cei_is_100_when_only_current_receivables_remain() -> None:
    assert collection_effectiveness_index(50, 100, 40, 40) == pytest.approx(100.0)


def test_cei_with_nothing_collectable_is_nan() -> None:
    assert math.isnan(collection_effectiveness_index(0, 100, 100, 100))


def test_cei_of_figures_that_do_not_reconcile_is_nan() -> None:
    # receivables rose from 3,445 to 5,110 with no sales: less than nothing collected, a
    # "CEI" of 1,448% before; any closing balance up to opening + sales keeps it in 0..100
    assert math.isnan(collection_effectiveness_index(3_445, 0, 5_110, 3_560))
    assert collection_effectiveness_index(3_445, 1_665, 5_110, 3_560) == pytest.approx(0.0)


# --- aging ---------------------------------------------------------------------------------


def test_aging_bucket_edges() -> None:
    buckets = aging_buckets(
        np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        np.array([-10.0, 0.0, 1.0, 30.0, 30.5, 60.0, 61.0, 90.0, 91.0]),
    )
    assert buckets == {
        "current": 3.0,
        "1-30": 12.0,
        "31-60": 48.0,
        "61-90": 192.0,
        "90+": 256.0,
    }
    assert list(buckets) == ["current", "1-30", "31-60", "61-90", "90+"]


def test_aging_exactly_30_days_is_1_to_30_and_0_is_current() -> None:
    assert aging_buckets([5.0], [30])["1-30"] == 5.0
    assert aging_buckets([5.0], [0])["current"] == 5.0


def test_aging_labels_follow_the_edges() -> None:
    buckets = aging_buckets([1.0, 2.0, 3.0, 4.0], [0, 30, 90, 91], edges=(0, 30, 90))
    assert buckets == {"current": 1.0, "1-30": 2.0, "31-90": 3.0, "90+": 4.0}


def test_aging_of_an_empty_book_has_every_bucket() -> None:
    assert aging_buckets(np.array([]), np.array([])) == {
        "current": 0.0,
        "1-30": 0.0,
        "31-60": 0.0,
        "61-90": 0.0,
        "90+": 0.0,
    }


@given(st.lists(st.tuples(st.floats(0.0, 1e6), st.integers(-60, 400)), min_size=0, max_size=50))
def test_aging_conserves_money(rows: list[tuple[float, int]]) -> None:
    amounts = [amount for amount, _ in rows]
    days = [day for _, day in rows]
    assert sum(aging_buckets(amounts, days).values()) == pytest.approx(sum(amounts))


@pytest.mark.parametrize(
    ("amounts", "days", "edges", "match"),
    [
        ([1.0, 2.0], [1], (0, 30), "2 open amounts but 1"),
        ([1.0], [float("nan")], (0, 30), "NaN"),
        ([1.0], [1], (), "non-empty"),
        ([1.0], [1], (0, 30.5), "integers"),
        ([1.0], [1], (0, 60, 30), "strictly increasing"),
        ([1.0], [1], (0, 30, 30), "strictly increasing"),
    ],
)
def test_aging_rejects_bad_inputs(
    amounts: list[float], days: list[float], edges: tuple[int, ...], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        aging_buckets(amounts, days, edges=edges)


# --- ratios --------------------------------------------------------------------------------


def test_bad_debt_ratio_and_recovery_rate() -> None:
    assert bad_debt_ratio(20_000, 1_000_000) == pytest.approx(0.02)
    assert recovery_rate(950_000, 1_000_000) == pytest.approx(0.95)


def test_ratios_with_zero_denominators_are_nan() -> None:
    assert math.isnan(bad_debt_ratio(0, 0))
    assert math.isnan(recovery_rate(10, 0))
