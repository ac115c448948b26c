"""The opening ledger CSV checked row by row when the scenario is read, before any run.

``validate`` and ``run`` both read a scenario through the loader, so both see every problem
here: a missing column, an unknown segment, an amount that is not a positive finite number
(``nan`` would otherwise reach the costs and print "n/a"), a days-overdue that is not a
number, or a file with no invoices at all. Each message names the file, its line, the
column and the value. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is accepted.
"""

from __future__ import annotations

import csv
import difflib
import math
from pathlib import Path

from .errors import ScenarioError

__all__ = ["COLUMNS", "check_opening_ledger"]

COLUMNS = ("segment", "amount", "days_overdue")


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _row_problem(record: dict[str | None, str | None], segments: list[str]) -> str | None:
    segment = (record.get("segment") or "").strip()
    if segment not in segments:
        hint = difflib.get_close_matches(segment, segments, n=1, cutoff=0.5)
        nearest = f"; did you mean '{hint[0]}'?" if hint else f" (segments: {', '.join(segments)})"
        return f"column 'segment': unknown segment {segment!r}{nearest}"
    raw = record.get("amount")
    amount = _number(raw)
    if amount is None or not math.isfinite(amount) or amount <= 0:
        return f"column 'amount': {raw!r} is not a positive amount"
    raw = record.get("days_overdue")
    overdue = _number(raw)
    if overdue is None or not math.isfinite(overdue):
        return f"column 'days_overdue': {raw!r} is not a number of days (negative = not yet due)"
    return None


def check_opening_ledger(path: Path, segments: list[str]) -> int:
    """Check every row of an opening ledger CSV; return the number of invoices in it.

    Raises:
        ScenarioError: ``file:line: column 'x': problem`` for the first bad row, or a missing
            column, or a file without invoices.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header]
            if not header:
                raise ScenarioError(f"{path}:1: the opening ledger is empty; it needs a header "
                                    f"line ({', '.join(COLUMNS)}) and one line per open invoice")
            if missing:
                raise ScenarioError(f"{path}:1: the opening ledger has no column "
                                    f"{', '.join(repr(m) for m in missing)} (its columns: "
                                    f"{', '.join(header)}; needed: {', '.join(COLUMNS)})")
            reader.fieldnames = header
            count = 0
            for record in reader:
                count += 1
                problem = _row_problem(record, segments)
                if problem is not None:
                    raise ScenarioError(f"{path}:{reader.line_num}: {problem}")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: the opening ledger is not UTF-8 text; save it as "
                            "CSV UTF-8") from exc
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the opening ledger ({exc.strerror})") from exc
    if count == 0:
        raise ScenarioError(f"{path}:2: the opening ledger has a header but no invoices; add "
                            "one line per open invoice or remove opening_book.ledger_csv")
    return count
