"""What a report draws from: a run's result document and its series, in memory or on disk.

A report of a fresh run reads the `RunResult`; a report of a saved run reads result.json and
the daily.csv, aging.csv (and ledger.csv, where kept) beside it. Both become one `RunData`,
so the figures and tables cannot tell them apart, and both show what result.json holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from arsim.sim.behaviour import Outcome
from arsim.sim.errors import ArsimError
from arsim.sim.replicate import RunResult

from .export import result_document
from .tables import aging_frame, daily_frame

__all__ = ["PAYMENT_OUTCOMES", "RunData", "from_result", "read_document", "read_json", "read_run"]

#: Outcomes in which the customer (or an agency or court for him) paid: days to pay count.
PAYMENT_OUTCOMES = (Outcome.PAID, Outcome.PAID_DUNNED, Outcome.DISCOUNT, Outcome.AGENCY,
                    Outcome.LAWSUIT)


@dataclass(frozen=True)
class RunData:
    """A run as a report uses it; the series are None where they were not kept."""

    label: str
    document: dict[str, Any]
    daily: pd.DataFrame | None = None
    aging: pd.DataFrame | None = None
    days_to_pay: npt.NDArray[np.float64] | None = None

    @property
    def summary(self) -> dict[str, Any]:
        """Metric -> its estimate as result.json holds it."""
        summary: dict[str, Any] = self.document["summary"]
        return summary

    @property
    def currency(self) -> str:
        return str(self.document["scenario"].get("currency", ""))


def from_result(result: RunResult, label: str | None = None) -> RunData:
    """A fresh run, with its series and (where kept) its invoices' days to pay."""
    document = result_document(result)
    ledgers = [r.ledger for r in result.replications if r.ledger is not None]
    days = None
    if ledgers:
        start = result.scenario.horizon.warmup_days
        days = np.concatenate([_days_to_pay(np.asarray(ledger["issue_day"]),
                                            np.asarray(ledger["settle_day"]),
                                            np.asarray(ledger["outcome"]), start)
                               for ledger in ledgers])
    return RunData(label or result.policy.name, document, daily_frame(result),
                   aging_frame(result), days)


def _days_to_pay(issue: npt.NDArray[Any], settle: npt.NDArray[Any],
                 outcome: npt.NDArray[Any], start: float) -> npt.NDArray[np.float64]:
    """Days from invoice to payment of the invoices issued in the measured window and paid."""
    paid = np.isin(outcome, [int(o) for o in PAYMENT_OUTCOMES])
    keep = paid & (issue >= start) & np.isfinite(settle)
    return np.asarray(settle[keep] - issue[keep], dtype=np.float64)


def read_document(path: str | Path,
                  expected: str = "a result.json or comparison.json") -> dict[str, Any]:
    """A saved result.json or comparison.json (`expected`: what the caller reads, for the
    error's words).

    Raises:
        ArsimError: The file cannot be read or was not written by arsim.
    """
    file = Path(path)
    document = read_json(file)
    is_run = isinstance(document, dict) and {"summary", "replications", "policy"} <= set(document)
    if not is_run and not (isinstance(document, dict)
                           and document.get("kind") == "comparison"):
        raise ArsimError(f"{file}: not {expected} written by arsim")
    return dict(document)


def read_json(path: str | Path) -> Any:
    """The JSON content of a saved result file, whatever it holds.

    Raises:
        ArsimError: The file cannot be read or is not JSON.
    """
    file = Path(path)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ArsimError(f"{file}: cannot read the result ({exc.strerror})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArsimError(f"{file}: not a result file written by arsim ({exc})") from exc


def read_run(path: str | Path, label: str | None = None,
             document: dict[str, Any] | None = None) -> RunData:
    """A saved run: its result.json and whichever series files lie beside it."""
    file = Path(path)
    document = document if document is not None else read_document(file)
    folder = file.parent
    daily = _csv(folder / "daily.csv")
    aging = _csv(folder / "aging.csv")
    days = None
    ledger_path = folder / "ledger.csv"
    if ledger_path.is_file():
        ledger = pd.read_csv(ledger_path, usecols=["issue_day", "settle_day", "outcome"])
        codes = ledger["outcome"].map({o.name.lower(): int(o) for o in Outcome})
        days = _days_to_pay(ledger["issue_day"].to_numpy(float),
                            ledger["settle_day"].to_numpy(float),
                            codes.to_numpy(), float(document["scenario"]["horizon"]
                                                    ["warmup_days"]))
    return RunData(label or str(document["policy"]["name"]), document, daily, aging, days)


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None
