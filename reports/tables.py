"""Result rows -> tidy pandas DataFrames, built once, for reports and notebooks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from arsim.sim.behaviour import Outcome
from arsim.sim.replicate import RunResult
from arsim.sim.scenario import PAYER_TYPES

__all__ = ["aging_frame", "as_at_end", "daily_frame", "in_cents", "ledger_frame",
           "replications_frame", "summary_frame"]


def replications_frame(result: RunResult) -> pd.DataFrame:
    """One row per replication, one column per metric (plus replication and seed)."""
    rows = [{"replication": r.index, "seed": r.seed, **r.metrics} for r in result.replications]
    return pd.DataFrame(rows)


def summary_frame(result: RunResult) -> pd.DataFrame:
    """One row per metric: mean, 95% interval and spread over the replications."""
    rows = [{"metric": name, **est.to_dict()} for name, est in result.summary.items()]
    return pd.DataFrame(rows)


def daily_frame(result: RunResult) -> pd.DataFrame:
    """Daily AR balance, credit sales and cash received, for every replication."""
    frames = [pd.DataFrame({"replication": r.index, **r.daily}) for r in result.replications]
    return pd.concat(frames, ignore_index=True)


def aging_frame(result: RunResult) -> pd.DataFrame:
    """Month-end aging buckets, for every replication."""
    frames = [pd.DataFrame({"replication": r.index, **r.aging}) for r in result.replications]
    return pd.concat(frames, ignore_index=True)


#: The parts an invoice's amount splits into (amount = paid + discount + credited +
#: written_off + open).
PARTS = ("paid", "discount", "credited", "written_off", "open")
#: Money columns written in cents.
MONEY = ("amount", *PARTS, "penalty", "agency_fee", "dunning_cost")


def as_at_end(ledger: np.ndarray, end: float) -> np.ndarray:
    """The ledger as it stands at the end of the run: an event exactly at the end (or after
    it) falls after the run, as it does in every cost, KPI and aging figure (the measured
    window is [start, end)). The engines close the book by this rule themselves; this keeps
    a ledger from elsewhere to it: such an invoice is shown open, with only the credit given
    before the end taken off it.
    """
    after = ledger["settle_day"] >= end
    if not after.any():
        return ledger
    book = ledger.copy()
    rows = book[after]
    credited_before = rows["credited_day"] < end
    rows["credited"] = np.where(credited_before, rows["credited"], 0.0)
    rows["credited_day"] = np.where(credited_before, rows["credited_day"], np.inf)
    for name in ("paid", "discount", "written_off", "penalty", "agency_fee"):
        rows[name] = 0.0
    rows["open"] = rows["amount"] - rows["credited"]
    rows["settle_day"] = np.inf
    rows["outcome"] = int(Outcome.OPEN)
    book[after] = rows
    return book


def in_cents(frame: pd.DataFrame) -> pd.DataFrame:
    """Money in cents, each row's parts still adding up exactly to its amount.

    The parts are rounded one by one; the cent or so the rounding leaves over goes to the
    row's largest part, so that no part moves by more than a cent and the sum holds.
    """
    cents = {name: np.rint(frame[name].to_numpy() * 100.0).astype(np.int64) for name in MONEY}
    parts = np.column_stack([cents[name] for name in PARTS])
    left = cents["amount"] - parts.sum(axis=1)
    parts[np.arange(len(parts)), np.abs(parts).argmax(axis=1)] += left
    cents.update({name: parts[:, k] for k, name in enumerate(PARTS)})
    out = frame.copy()
    for name in MONEY:
        out[name] = cents[name] / 100.0
    return out


def _names(names: list[str], codes: pd.Series) -> np.ndarray:
    """Codes as words, by table look-up (a Python loop per row took seconds a million rows)."""
    return np.asarray(names, dtype=object)[codes.to_numpy(dtype=np.int64)]


def ledger_frame(result: RunResult) -> pd.DataFrame:
    """Per-invoice ledger of every replication that kept one (run with keep_ledgers), as it
    stands at the end of the run (see `as_at_end`), money in cents."""
    segments = [s.name for s in result.scenario.segments]
    outcomes = {int(o): o.name.lower() for o in Outcome}
    payers = [p.value for p in PAYER_TYPES]
    horizon = result.scenario.horizon
    end = horizon.warmup_days + horizon.horizon_days
    frames = []
    for rep in result.replications:
        if rep.ledger is None:
            continue
        frame = pd.DataFrame(as_at_end(rep.ledger, end))
        frame.insert(0, "replication", rep.index)
        frame["segment"] = _names(segments, frame["segment"])
        frame["payer"] = _names(payers, frame["payer"])
        frame["outcome"] = _names([outcomes.get(i, str(i)) for i in range(max(outcomes) + 1)],
                                  frame["outcome"])
        frame["settle_day"] = frame["settle_day"].replace(np.inf, np.nan)
        frame["credited_day"] = frame["credited_day"].replace(np.inf, np.nan)
        frames.append(in_cents(frame))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
