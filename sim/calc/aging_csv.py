"""Read a company's own aging report: period-end aged balances and the period's credit sales.

The format (docs/textbook.md, "The aging file"), one row per period end, oldest first::

    # comment lines and blank lines are skipped
    period_end,days,credit_sales,current,1-30,31-60,61-90,90+
    2026-04-30,30,1500000,900000,300000,100000,50000,20000

- ``period_end`` (required): the period's last day, ``YYYY-MM-DD``, strictly increasing.
- ``credit_sales`` (required): credit sales invoiced in the period.
- ``current``: receivables not yet due at the period end.
- bucket columns (any number, may be none): receivables past due at the period end, named by
  days past due as ``A-B`` or ``A+`` (``1-30``, ``31-60``, ``90+``), in increasing order.
- ``total``: total receivables at the period end; needed when there is no ``current``
  column, checked against current plus buckets when both are given.
- ``days`` (optional): the period's length; when empty or absent it is the days since the
  previous period end, and for the first row the length of its month (its period_end must
  then be a month end).

Balances may be left empty in every row but the last: earlier rows may carry only their
sales, which is all the countback method needs. KPIs that need a missing balance are n/a.
Amounts are plain numbers; thousands separators are accepted inside quotes ("1,400,000").
Every problem is reported as one line naming ``file:line``, the column and the value.
"""

from __future__ import annotations

import calendar
import csv
import dataclasses
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import CalcError

__all__ = ["AgingBook", "PeriodFigures", "parse_aging_text", "read_aging_csv"]

_REQUIRED = ("period_end", "credit_sales")
_OPTIONAL = ("current", "total", "days")
_BUCKET = re.compile(r"^(\d+)(?:-(\d+)|\+)$")


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """One period end of the aging report.

    Attributes:
        period_end: The period's last day.
        days: The period's length in days.
        credit_sales: Credit sales invoiced in the period.
        current: Receivables not yet due at the period end (nan when not known).
        overdue: Receivables past due at the period end, one per bucket column.
        total: Total receivables as stated in a ``total`` column (nan when not stated).
        line: The row's line in its file (0 when built in code).
    """

    period_end: date
    days: float
    credit_sales: float
    current: float
    overdue: tuple[float, ...] = ()
    total: float = math.nan
    line: int = 0

    @property
    def receivables(self) -> float:
        """Total receivables at the period end: the stated total, else current plus buckets."""
        if not math.isnan(self.total):
            return self.total
        return self.current + sum(self.overdue)


@dataclass(frozen=True, slots=True)
class AgingBook:
    """A company's aging report: bucket labels and the period ends, oldest first."""

    source: str
    bucket_labels: tuple[str, ...]
    periods: tuple[PeriodFigures, ...]


def read_aging_csv(path: str | Path) -> AgingBook:
    """Read an aging CSV file (format in the module docstring).

    Raises:
        CalcError: The file breaks the format; the message names file:line, column, value.
        OSError: The file cannot be read.
    """
    return parse_aging_text(Path(path).read_text(encoding="utf-8-sig"), str(path))


def parse_aging_text(text: str, source: str = "<text>") -> AgingBook:
    """Parse aging CSV text; ``source`` names it in error messages."""
    rows = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise CalcError(f"{source}: no header line: expected columns "
                        f"{', '.join(_REQUIRED)}, optional days and buckets such as 1-30, 90+")
    header_line, header_text = rows[0]
    header = [cell.strip() for cell in next(csv.reader([header_text]))]
    buckets = _check_header(header, f"{source}:{header_line}")
    periods: list[PeriodFigures] = []
    for number, line in rows[1:]:
        cells = [cell.strip() for cell in next(csv.reader([line]))]
        where = f"{source}:{number}"
        if len(cells) != len(header):
            raise CalcError(f"{where}: {len(cells)} values but the header has {len(header)} "
                            "columns")
        periods.append(_period(dict(zip(header, cells, strict=True)), buckets, where, number,
                               periods[-1] if periods else None))
    if not periods:
        raise CalcError(f"{source}: no data rows after the header")
    _check_last(periods[-1], header, f"{source}:{periods[-1].line}")
    return AgingBook(source, tuple(buckets), tuple(periods))


def _check_header(header: list[str], where: str) -> list[str]:
    """The bucket columns in order; raise on a missing, unknown or repeated column."""
    for name in _REQUIRED:
        if name not in header:
            raise CalcError(f"{where}: missing column '{name}' (header: {', '.join(header)})")
    if "current" not in header and "total" not in header:
        raise CalcError(f"{where}: give the receivables as a column 'current' (with any "
                        "past-due buckets) or 'total'")
    seen: set[str] = set()
    buckets: list[str] = []
    last_start = 0
    for name in header:
        if name in seen:
            raise CalcError(f"{where}: column '{name}' appears twice")
        seen.add(name)
        if name in (*_REQUIRED, *_OPTIONAL):
            continue
        match = _BUCKET.match(name)
        if match is None:
            raise CalcError(f"{where}: unknown column '{name}': expected period_end, days, "
                            "credit_sales, current, total or a days-past-due bucket such as "
                            "1-30 or 90+")
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else None
        if (end is not None and end < start) or start < last_start or (buckets and start == 0):
            raise CalcError(f"{where}: column '{name}': buckets must run in increasing days "
                            "past due, e.g. 1-30, 31-60, 61-90, 90+")
        last_start = start + 1
        buckets.append(name)
    return buckets


def _amount(row: dict[str, str], column: str, where: str, *, optional: bool = False) -> float:
    text = row.get(column, "")
    if not text and optional:
        return math.nan
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise CalcError(f"{where}: column '{column}': '{text}' is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise CalcError(f"{where}: column '{column}': '{text}' must be a number from 0 up")
    return value


def _period_end(row: dict[str, str], where: str, previous: PeriodFigures | None) -> date:
    text = row["period_end"]
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CalcError(f"{where}: column 'period_end': '{text}' is not a date YYYY-MM-DD"
                        ) from None
    if previous is not None and day <= previous.period_end:
        raise CalcError(f"{where}: column 'period_end': '{text}' is not after the previous "
                        f"row's {previous.period_end.isoformat()}")
    return day


def _days(row: dict[str, str], end: date, where: str, previous: PeriodFigures | None) -> float:
    text = row.get("days", "")
    if text:
        days = _amount(row, "days", where)
        if days == 0:
            raise CalcError(f"{where}: column 'days': '{text}' must be above zero")
        return days
    if previous is not None:
        return float((end - previous.period_end).days)
    month_days = calendar.monthrange(end.year, end.month)[1]
    if end.day != month_days:
        raise CalcError(f"{where}: column 'days': '' needs a value for the first row, whose "
                        f"period_end {end.isoformat()} is not a month end")
    return float(month_days)


def _period(row: dict[str, str], buckets: list[str], where: str, line: int,
            previous: PeriodFigures | None) -> PeriodFigures:
    end = _period_end(row, where, previous)
    period = PeriodFigures(
        period_end=end,
        days=_days(row, end, where, previous),
        credit_sales=_amount(row, "credit_sales", where),
        current=_amount(row, "current", where, optional=True),
        overdue=tuple(_amount(row, name, where, optional=True) for name in buckets),
        total=_amount(row, "total", where, optional=True),
        line=line,
    )
    if math.isnan(period.current) and period.overdue and "current" not in row:
        # total and past-due buckets without a current column: the rest is current
        period = dataclasses.replace(period, current=period.total - sum(period.overdue))
    parts = period.current + sum(period.overdue)
    # without bucket columns the overdue part is total - current: nothing to check
    if buckets and not math.isnan(period.total) and not math.isnan(parts) and (
            abs(parts - period.total) > 0.005 + 1e-9 * abs(period.total)):
        raise CalcError(f"{where}: column 'total': '{row['total']}' is not current plus the "
                        f"past-due buckets ({parts:,.2f})")
    return period


def _check_last(period: PeriodFigures, header: list[str], where: str) -> None:
    """The last period end must state its balances: every KPI starts from them."""
    columns = [name for name in header if name not in (*_REQUIRED, "days")]
    values = [period.current, *period.overdue, period.total]
    names = ["current", *[n for n in columns if n not in ("current", "total")], "total"]
    for name, value in zip(names, values, strict=True):
        if name in header and math.isnan(value):
            raise CalcError(f"{where}: column '{name}': value '' is empty, but the last "
                            "period end needs its balances")
