"""Family 3: the aging file's format, its one-line errors, and the KPIs' definitions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsim.sim import metrics
from arsim.sim.calc import book_kpis, parse_aging_text, read_aging_csv
from arsim.sim.errors import CalcError

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = "period_end,days,credit_sales,current,1-30,31-60,60+\n"


def test_sample_file_kpis_by_hand() -> None:
    kpis = book_kpis(read_aging_csv(DATA / "aging_sample.csv"))
    # window February-March (59 days), opening balance January's 6,200
    assert (kpis.periods, kpis.window_days, kpis.credit_sales) == (2, 59, 7_500)
    assert (kpis.receivables, kpis.current, kpis.overdue) == (6_340, 3_590, 2_750)
    assert kpis.dso_period_end == pytest.approx(6_340 / (7_500 / 59))
    average = (28 * (6_200 + 6_000) / 2 + 31 * (6_000 + 6_340) / 2) / 59
    assert kpis.average_receivables == pytest.approx(average)
    assert kpis.dso_average == pytest.approx(average / (7_500 / 59))
    # March 3,890 over 31 days, then 2,450 of February's 3,610 over 28 days
    assert kpis.dso_countback == pytest.approx(31 + 2_450 / 3_610 * 28)
    assert kpis.cei == pytest.approx((6_200 + 7_500 - 6_340) / (6_200 + 7_500 - 3_590) * 100)
    assert kpis.average_days_delinquent_period_end == pytest.approx(
        kpis.dso_period_end - kpis.best_possible_dso_period_end)
    assert [end for end, _ in kpis.cei_by_period] == ["2025-02-28", "2025-03-31"]


def test_monthly_average_cei_and_window() -> None:
    book = read_aging_csv(DATA / "aging_sample.csv")
    one = book_kpis(book, periods=1, cei_sales="monthly_average")
    assert one.cei == pytest.approx(metrics.collection_effectiveness_index(6_000, 3_890, 6_340,
                                                                           3_590))
    whole = book_kpis(book, periods=3)
    assert not whole.has_opening
    assert whole.cei != whole.cei  # nan: no balance before January
    with pytest.raises(CalcError, match="1 to 3 periods"):
        book_kpis(book, periods=4)


@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(0, 1e6), st.floats(0, 1e6)),
                min_size=2, max_size=6))
def test_kpis_are_the_simulators_definitions(rows: list[tuple[float, float, float]]) -> None:
    lines = [f"2025-{m + 1:02d}-28,28,{s!r},{c!r},{o!r},0,0" for m, (s, c, o) in enumerate(rows)]
    kpis = book_kpis(parse_aging_text(HEADER + "\n".join(lines)))
    sales = sum(s for s, _, _ in rows[1:])
    days = 28.0 * (len(rows) - 1)
    end = rows[-1][1] + rows[-1][2]
    assert kpis.dso_period_end == metrics.dso_average(end, sales, days)
    assert kpis.best_possible_dso_period_end == metrics.best_possible_dso(rows[-1][1], sales,
                                                                          days)
    assert kpis.dso_countback == metrics.dso_countback(
        end, [s for s, _, _ in rows[::-1]], [28.0] * len(rows))
    assert kpis.dso_average >= kpis.best_possible_dso_average - 1e-9


def test_days_come_from_the_dates_and_month_ends() -> None:
    book = parse_aging_text("period_end,credit_sales,current\n2024-02-29,10,5\n"
                            "2024-03-31,10,5\n2024-04-15,10,5\n")
    assert [p.days for p in book.periods] == [29, 31, 15]


def test_quoted_thousands_and_comments() -> None:
    book = parse_aging_text('# my books\n\nperiod_end,credit_sales,current\n'
                            '2025-01-31,"1,400,000","700,000.50"\n')
    assert book.periods[0].credit_sales == 1_400_000
    assert book.periods[0].current == 700_000.5
    assert book.periods[0].line == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "f.csv: no header line"),
        ("period_end,current\n", "f.csv:1: missing column 'credit_sales'"),
        ("period_end,credit_sales\n", "f.csv:1: give the receivables as a column 'current'"),
        ("period_end,credit_sales,current,overdue\n", "f.csv:1: unknown column 'overdue'"),
        ("period_end,credit_sales,current,31-60,1-30\n", "f.csv:1: column '1-30': buckets"),
        ("period_end,credit_sales,current,current\n", "f.csv:1: column 'current' appears twice"),
        ("period_end,credit_sales,current\n", "f.csv: no data rows"),
        ("period_end,credit_sales,current\n2025-01-31,abc,5\n",
         "f.csv:2: column 'credit_sales': 'abc' is not a number"),
        ("period_end,credit_sales,current\n2025-01-31,10,-5\n",
         "f.csv:2: column 'current': '-5' must be a number from 0 up"),
        ("period_end,credit_sales,current\n2025-13-31,10,5\n",
         "f.csv:2: column 'period_end': '2025-13-31' is not a date YYYY-MM-DD"),
        ("period_end,credit_sales,current\n2025-02-28,10,5\n2025-01-31,10,5\n",
         "f.csv:3: column 'period_end': '2025-01-31' is not after the previous row's 2025-02-28"),
        ("period_end,credit_sales,current\n2025-01-15,10,5\n",
         "f.csv:2: column 'days': '' needs a value for the first row"),
        ("period_end,days,credit_sales,current\n2025-01-31,0,10,5\n",
         "f.csv:2: column 'days': '0' must be above zero"),
        ("period_end,credit_sales,current\n2025-01-31,10\n",
         "f.csv:2: 2 values but the header has 3 columns"),
        ("period_end,credit_sales,total,current,1-30\n2025-01-31,10,9,5,5\n",
         "f.csv:2: column 'total': '9' is not current plus the past-due buckets (10.00)"),
        ("period_end,credit_sales,current\n2025-01-31,10,5\n2025-02-28,10,\n",
         "f.csv:3: column 'current': value '' is empty, but the last period end needs"),
    ],
)
def test_each_problem_is_one_line_naming_file_line_column_value(text: str, message: str) -> None:
    with pytest.raises(CalcError) as caught:
        parse_aging_text(text, "f.csv")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_book_that_does_not_reconcile_has_no_cei_and_says_why() -> None:
    """Receivables that rise with no sales: the CEI is n/a, not 1,448%, and a note says why."""
    book = parse_aging_text("period_end,credit_sales,total,current,31-60\n"
                            "2025-01-31,3390,3445,3000,445\n"
                            "2025-02-28,0,5110,3560,1550\n", "f.csv")
    kpis = book_kpis(book)
    assert kpis.cei != kpis.cei and kpis.cei_by_period[0][1] != kpis.cei_by_period[0][1]
    assert any("CEI n/a (2025-02-28)" in note and "check the credit sales" in note
               for note in kpis.conventions())
    sample = book_kpis(read_aging_csv(DATA / "aging_sample.csv"))
    assert not any("CEI n/a" in note for note in sample.conventions())
