"""Result rows -> tidy pandas DataFrames, built once, for reports and notebooks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from arsim.sim.behaviour import Outcome
from arsim.sim.replicate import RunResult
from arsim.sim.scenario import PAYER_TYPES

__all__ = ["aging_frame", "daily_frame", "ledger_frame", "replications_frame", "summary_frame"]


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


def ledger_frame(result: RunResult) -> pd.DataFrame:
    """Per-invoice ledger of every replication that kept one (run with keep_ledgers)."""
    segments = [s.name for s in result.scenario.segments]
    outcomes = {int(o): o.name.lower() for o in Outcome}
    payers = [p.value for p in PAYER_TYPES]
    frames = []
    for rep in result.replications:
        if rep.ledger is None:
            continue
        frame = pd.DataFrame(rep.ledger)
        frame.insert(0, "replication", rep.index)
        frame["segment"] = [segments[i] for i in frame["segment"]]
        frame["payer"] = [payers[i] for i in frame["payer"]]
        frame["outcome"] = [outcomes[i] for i in frame["outcome"]]
        frame["settle_day"] = frame["settle_day"].replace(np.inf, np.nan)
        frame["credited_day"] = frame["credited_day"].replace(np.inf, np.nan)
        frames.append(frame)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
