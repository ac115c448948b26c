"""The trade-off between the objective and one KPI: the best policy at each level of the KPI.

From every feasible candidate the search saw, keep those no other candidate beats on both the
objective and the KPI (the Pareto front), then re-evaluate each on the exact engine on fresh
seeds, so that every point of the frontier carries its own confidence intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from arsim.sim.optimize_spec import OptimizeSpec
from arsim.sim.stats import summarise

from .search import OBJECTIVE_METRIC, Scored, Searcher
from .study import FRESH, Study

__all__ = ["HIGHER_IS_BETTER", "frontier", "pareto"]

#: KPIs where more is better; for every other KPI less is better (DSO, bad-debt ratio...).
HIGHER_IS_BETTER = frozenset({"recovery_rate", "cei", "credit_sales", "contribution_margin",
                              "net_margin", "cash_sales"})

#: Most frontier points re-evaluated (evenly spread along the front).
MAX_POINTS = 12


def _better_high(kpi: str, spec: OptimizeSpec) -> bool:
    for c in spec.constraints:
        if c.kpi == kpi:
            return c.min is not None
    return kpi in HIGHER_IS_BETTER


def pareto(scored: Sequence[Scored], kpi: str, higher_better: bool) -> list[Scored]:
    """Candidates not beaten on both the objective (smaller) and the KPI, by KPI level."""
    usable = [s for s in scored if s.feasible and math.isfinite(s.means.get(kpi, math.nan))]
    sign = -1.0 if higher_better else 1.0
    usable.sort(key=lambda s: (sign * s.means[kpi], s.objective))
    front: list[Scored] = []
    best = math.inf
    for s in usable:  # best KPI first: keep each that is cheaper than all with a better KPI
        if s.objective < best:
            front.append(s)
            best = s.objective
    return front


def _spread(points: list[Scored]) -> list[Scored]:
    if len(points) <= MAX_POINTS:
        return points
    step = (len(points) - 1) / (MAX_POINTS - 1)
    return [points[round(i * step)] for i in range(MAX_POINTS)]


def frontier(study: Study, searcher: Searcher, spec: OptimizeSpec, kpi: str, engine: str,
             exact: bool) -> list[dict[str, Any]]:
    """Rows of the frontier: parameters, then mean and half-width of the objective and KPI."""
    higher = _better_high(kpi, spec)
    front = _spread(pareto(list(searcher.seen.values()), kpi, higher))
    metric = OBJECTIVE_METRIC[spec.objective][0]
    count = 1 if exact else spec.replications.recheck
    rows: list[dict[str, Any]] = []
    for s in front:
        got = study.evaluate(s.candidate, engine, count, FRESH, stage="frontier")
        if isinstance(got, str):
            continue
        chosen, found = got
        est: Mapping[str, Any] = summarise(found, spec.confidence)
        row: dict[str, Any] = {**dict(s.candidate.params), "engine": chosen}
        for name in (metric, kpi):
            row[f"{name}_mean"] = est[name].mean
            row[f"{name}_half_width"] = est[name].half_width
        rows.append(row)
    return rows
