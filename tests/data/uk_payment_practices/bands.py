"""The UK Payment Practices figures that sim/targets.py uses as plausibility bands.

Each band is the middle 80% (p10 to p90) of the companies that reported the measure; the
industry average a DSO should stay below [004 p.90-93] is the median days to pay. Run it on
this folder (the copied aggregates) or on the shared data folder to check the copy:

    python tests/data/uk_payment_practices/bands.py [FOLDER]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: sim/targets.py constant -> (file, measure, columns read)
BANDS = {
    "UK_DAYS_TO_PAY": ("uk_payment_distribution.csv", "average_days_to_pay", ("p10", "p90")),
    "UK_MEDIAN_DAYS_TO_PAY": ("uk_payment_distribution.csv", "average_days_to_pay",
                              ("median",)),
    # reported in percent; the model's shares are fractions
    "UK_SHARE_NOT_ON_TIME": ("uk_payment_distribution.csv", "pct_invoices_not_paid_on_time",
                             ("p10", "p90")),
    "UK_DAYS_BEYOND_TERMS": ("uk_promise_vs_practice.csv", "days_actual_minus_agreed_terms",
                             ("p10", "p90")),
}


def _row(folder: Path, name: str, measure: str) -> dict[str, str]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["measure"] == measure:
                return row
    raise KeyError(f"{name}: no row for {measure}")


def bands(folder: Path = HERE) -> dict[str, tuple[float, ...]]:
    """Each constant's value, computed from the aggregates in `folder`."""
    out: dict[str, tuple[float, ...]] = {}
    for constant, (name, measure, columns) in BANDS.items():
        row = _row(folder, name, measure)
        scale = 0.01 if measure.startswith("pct_") else 1.0
        out[constant] = tuple(float(row[c]) * scale for c in columns)
    return out


def main(argv: list[str]) -> int:
    """Print each constant as sim/targets.py writes it."""
    folder = Path(argv[0]) if argv else HERE
    for constant, values in bands(folder).items():
        shown = values[0] if len(values) == 1 else values
        sys.stdout.write(f"{constant} = {shown!r}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
