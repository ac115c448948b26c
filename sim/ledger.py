"""Typed invoice rows and the money-conservation check.

Engines emit one immutable row per invoice, as a NumPy structured array. For every invoice:
amount = paid + discount + credited + written_off + open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .behaviour import Invoice, Outcome
from .errors import EngineError

__all__ = ["LEDGER_DTYPE", "Columns", "LedgerLike", "check_conservation", "ledger_row",
           "to_ledger"]

LEDGER_DTYPE = np.dtype([
    ("customer", np.int64),
    ("order_index", np.int64),
    ("segment", np.int16),
    ("grade", "U1"),
    ("payer", np.int8),
    ("opening", np.bool_),
    ("disputed", np.bool_),
    ("issue_day", np.float64),
    ("due_day", np.float64),
    ("effective_due_day", np.float64),
    ("settle_day", np.float64),  # inf while open at the end of the run
    ("credited_day", np.float64),  # inf when nothing was credited
    ("outcome", np.int8),
    ("amount", np.float64),
    ("paid", np.float64),
    ("discount", np.float64),
    ("credited", np.float64),
    ("written_off", np.float64),
    ("open", np.float64),
    ("penalty", np.float64),
    ("agency_fee", np.float64),
    ("dunning_cost", np.float64),
    ("actions", np.int16),
])

Ledger = npt.NDArray[np.void]


def ledger_row(inv: Invoice) -> tuple[object, ...]:
    """A closed invoice as one ledger row (the fields of LEDGER_DTYPE, in order)."""
    return (
        inv.customer, inv.index, inv.segment, inv.grade, inv.payer, inv.opening,
        inv.disputed, inv.issue, inv.due, inv.eff_due,
        inv.settle if inv.outcome is not Outcome.OPEN else np.inf,
        inv.credited_at if inv.credited > 0 else np.inf, int(inv.outcome),
        inv.amount, inv.paid, inv.discount, inv.credited, inv.written_off,
        inv.amount - inv.paid - inv.discount - inv.credited - inv.written_off,
        inv.penalty, inv.fee, inv.dunning_cost, inv.n_actions,
    )


class Columns(Mapping[str, npt.NDArray[Any]]):
    """A ledger's fields as contiguous arrays, each copied out once, when first read.

    A field of a structured array is a strided view (one value every row's width, 140
    bytes), so every mask or sum over it reads a cache line per value; pricing a replication
    reads the same few fields dozens of times (the month-end aging alone, 30 times), and on
    contiguous copies that is several times faster. The values, and so every figure, are the
    same. Indexing by field name works as on the ledger itself.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._copies: dict[str, npt.NDArray[Any]] = {}

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        column = self._copies.get(name)
        if column is None:
            column = self._copies[name] = np.ascontiguousarray(self.ledger[name])
        return column

    def __iter__(self) -> Iterator[str]:
        return iter(self.ledger.dtype.names or ())

    def __len__(self) -> int:
        return len(self.ledger.dtype.names or ())


#: What the pricing functions read fields from: a ledger, or its Columns.
LedgerLike = Ledger | Columns


def to_ledger(invoices: Iterable[Invoice]) -> Ledger:
    """Turn closed invoices into ledger rows (in the order given)."""
    return np.array([ledger_row(inv) for inv in invoices], dtype=LEDGER_DTYPE)


def check_conservation(ledger: LedgerLike, tolerance: float = 1e-6, first: int = 0) -> None:
    """Raise EngineError unless every invoice's money adds up and nothing is negative
    (`first`: the number of the ledger's first row, where it is a chunk of a longer one)."""
    parts = (ledger["paid"] + ledger["discount"] + ledger["credited"] + ledger["written_off"]
             + ledger["open"])
    gap = np.abs(parts - ledger["amount"])
    scale = np.maximum(1.0, np.abs(ledger["amount"]))
    bad = np.nonzero(gap > tolerance * scale)[0]
    if bad.size:
        i = int(bad[0])
        raise EngineError(f"money not conserved for invoice {first + i}: amount "
                          f"{ledger['amount'][i]} != parts {parts[i]}")
    for name in ("paid", "discount", "credited", "written_off", "open"):
        if np.any(ledger[name] < -tolerance * scale):
            raise EngineError(f"negative {name} in the ledger")
    still_open = ledger["outcome"] == int(Outcome.OPEN)
    if np.any(np.abs(ledger["open"][~still_open]) > tolerance * scale[~still_open]):
        raise EngineError("a settled invoice still has an open amount")
