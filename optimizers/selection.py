"""Ranking and selection among the finalists, constraint checks, and the saving's interval.

The selection is Kim and Nelson's fully sequential procedure KN (Kim & Nelson 2001, "A fully
sequential procedure for indifference-zone selection in simulation", ACM TOMACS 11(3)). It
picks the system with the smallest mean with probability at least 1 - alpha whenever the best
is at least delta (the indifference zone) better than every other, and it allows common random
numbers: it works on the variance of pairwise differences, which CRN makes small.

With k systems and a first stage of n0 replications each:

- eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2, and h2 = 2 eta (n0 - 1);
- S2[i, l] is the sample variance over the first stage of X_i - X_l;
- after r replications, system i is eliminated if some surviving l has
  mean_i(r) > mean_l(r) + W[i, l](r), with W = max(0, delta / (2 r) (h2 S2 / delta^2 - r));
- it stops when one system is left, or at r = max floor(h2 S2 / delta^2) + 1, where every W is
  0 and the smallest mean wins.

Replications are drawn in batches (one at a time would keep a pool of workers idle) and the
elimination test is applied after each replication of the batch in turn, which decides exactly
as the one-at-a-time procedure does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from arsim.sim.optimize_spec import Constraint

__all__ = ["ConstraintCheck", "Selection", "constraint_report", "kn_constants", "kn_select",
           "wilson_low"]

Draw = Callable[[str, int, int], list[float]]


@dataclass(frozen=True)
class Selection:
    """What KN decided."""

    winner: str
    order: tuple[str, ...]
    means: Mapping[str, float]
    replications: Mapping[str, int]
    eliminated_at: Mapping[str, int]
    complete: bool
    delta: float
    confidence: float


def kn_constants(k: int, n0: int, alpha: float) -> float:
    """KN's h^2 for k systems, first stage n0 and error probability alpha."""
    if k < 2:
        return 0.0
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return 2.0 * eta * (n0 - 1)


def _eliminate(alive: list[int], obs: list[list[float]], r: int, h2: float, s2: np.ndarray,
               delta: float) -> list[int]:
    """Survivors of the test on the first r replications of each surviving system."""
    means = {i: float(np.mean(obs[i][:r])) for i in alive}
    keep: list[int] = []
    for i in alive:
        widths = (max(0.0, delta / (2.0 * r) * (h2 * s2[i, j] / delta**2 - r))
                  for j in alive if j != i)
        rivals = (j for j in alive if j != i)
        if not any(means[i] > means[j] + w for j, w in zip(rivals, widths, strict=True)):
            keep.append(i)
    return keep


def kn_select(systems: Sequence[str], draw: Draw, delta: float, confidence: float,
              n0: int, n_max: int, batch: int = 0) -> Selection:
    """Select the system with the smallest mean (see the module's description of KN).

    `draw(system, first, count)` returns the system's observations first..first+count-1;
    replication r of every system must use the same random numbers (CRN). If `draw` raises
    StopIteration (the budget is spent) or n_max is reached, the smallest mean so far wins and
    `complete` is False: the probability guarantee then does not hold.
    """
    k = len(systems)
    obs = [list(draw(s, 0, n0)) for s in systems]
    h2 = kn_constants(k, n0, 1.0 - confidence)
    first = np.array(obs, dtype=float)
    s2 = (first[:, None, :] - first[None, :, :]).var(axis=2, ddof=1)
    stop_at = int(np.floor(h2 * float(s2.max()) / delta**2)) + 1
    out: dict[str, int] = {}
    alive = _survivors(list(range(k)), obs, n0, h2, s2, delta, systems, out)
    r, complete, batch = n0, True, batch or max(1, n0 // 2)
    while len(alive) > 1 and r < stop_at:
        if r >= n_max:
            complete = False
            break
        more = min(batch, n_max - r, stop_at - r)
        try:
            for i in alive:
                obs[i].extend(draw(systems[i], r, more))
        except StopIteration:
            complete = False
            break
        for rr in range(r + 1, r + more + 1):
            alive = _survivors(alive, obs, rr, h2, s2, delta, systems, out)
            if len(alive) == 1:
                break
        r += more
    means = {systems[i]: float(np.mean(obs[i])) for i in range(k)}
    counts = {systems[i]: len(obs[i]) for i in range(k)}
    order = sorted((systems[i] for i in alive), key=lambda s: means[s])
    order += sorted((s for s in systems if s not in order), key=lambda s: (-out[s], means[s]))
    return Selection(order[0], tuple(order), means, counts, out, complete, delta, confidence)


def _survivors(alive: list[int], obs: list[list[float]], r: int, h2: float, s2: np.ndarray,
               delta: float, systems: Sequence[str], out: dict[str, int]) -> list[int]:
    kept = _eliminate(alive, obs, r, h2, s2, delta)
    out.update({systems[i]: r for i in alive if i not in kept})
    return kept


def wilson_low(successes: int, n: int, confidence: float) -> float:
    """One-sided Wilson score lower bound of a proportion."""
    if n == 0:
        return 0.0
    from scipy import stats as sps  # noqa: PLC0415  (heavy; only the final report needs it)

    z = float(sps.norm.ppf(confidence))
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def _mean_bound(values: np.ndarray, upper: bool, confidence: float | None
                ) -> tuple[float, float | None]:
    """The mean, or its one-sided confidence bound (the mean where there is no spread), and
    the confidence the bound was taken at (None for the mean itself)."""
    mean = float(values.mean())
    if confidence is None or values.size < 2 or float(values.std(ddof=1)) == 0.0:
        return mean, None
    from scipy import stats as sps  # noqa: PLC0415

    t = float(sps.t.ppf(confidence, values.size - 1))
    half = t * float(values.std(ddof=1)) / math.sqrt(values.size)
    return (mean + half if upper else mean - half), confidence


@dataclass(frozen=True)
class ConstraintCheck:
    """What checking one constraint on a policy's replications found, as data: the reports
    word it, in their language, when they show it (optimize.json keeps these fields).

    ``value`` is what was compared with the bound: for a constraint on the mean, the mean or
    (``confidence`` set) its one-sided confidence bound; for a chance constraint
    (``probability`` set), the share of runs inside the bound or its Wilson lower bound.
    None where the KPI was not measured.
    """

    kpi: str
    sense: Literal["max", "min"]
    bound: float
    probability: float | None
    confidence: float | None
    met: bool
    value: float | None
    inside: int | None = None
    runs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def constraint_report(rows: Sequence[Mapping[str, float]], constraints: Sequence[Constraint],
                      confidence: float | None) -> list[ConstraintCheck]:
    """Each constraint checked on the replications ``rows``.

    A mean constraint is met when the mean (with `confidence`: its one-sided confidence
    bound) is on the right side; a chance constraint when the share of replications inside the
    bound (with `confidence`: its Wilson lower bound) reaches the stated probability.
    """
    report: list[ConstraintCheck] = []
    for c in constraints:
        values = np.array([float(r.get(c.kpi, math.nan)) for r in rows])
        values = values[np.isfinite(values)]
        upper = c.max is not None
        bound = float(c.max if c.max is not None else c.min)  # type: ignore[arg-type]
        sense: Literal["max", "min"] = "max" if upper else "min"
        if values.size == 0:
            report.append(ConstraintCheck(c.kpi, sense, bound, c.probability, None, False,
                                          None))
            continue
        if c.probability is None:
            seen, level = _mean_bound(values, upper, confidence)
            met = seen <= bound if upper else seen >= bound
            report.append(ConstraintCheck(c.kpi, sense, bound, None, level, met, seen,
                                          runs=int(values.size)))
            continue
        inside = int(np.sum(values <= bound if upper else values >= bound))
        # without spread (a deterministic scenario) the share is exact: no bound on it
        deterministic = float(np.ptp(values)) == 0.0
        level = None if deterministic else confidence
        share = (inside / values.size if level is None
                 else wilson_low(inside, int(values.size), level))
        report.append(ConstraintCheck(c.kpi, sense, bound, c.probability, level,
                                      share >= c.probability, share, inside,
                                      int(values.size)))
    return report
