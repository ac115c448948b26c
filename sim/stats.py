"""Confidence intervals over independent replications.

Replications are independent and identically distributed, so a metric's mean over n
replications has a Student-t interval: mean ± t(0.975, n-1) · s / √n. With one replication
there is no spread to measure and the half-width is reported as NaN (never as zero, which
would claim a certainty the run does not have).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "estimate", "paired_difference", "summarise", "welch_difference"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A metric's mean over replications with its two-sided confidence interval."""

    mean: float
    half_width: float
    std: float
    n: int
    level: float = 0.95

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def covers(self, value: float) -> bool:
        """Whether `value` lies inside the interval (false when there is no interval)."""
        return bool(self.low <= value <= self.high)

    def to_dict(self) -> dict[str, float | int | None]:
        def clean(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {"mean": clean(self.mean), "half_width": clean(self.half_width),
                "low": clean(self.low), "high": clean(self.high), "std": clean(self.std),
                "n": self.n, "level": self.level}


def estimate(values: Iterable[float], level: float = 0.95) -> Estimate:
    """Mean and Student-t confidence interval of independent observations.

    NaN observations (a ratio with nothing to divide, say) are left out; if none remain
    the estimate is NaN with n = 0.
    """
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, level)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1, level)
    std = float(x.std(ddof=1))
    # imported here: scipy.stats costs ~50 MB and half a second in every process that
    # imports arsim, and only a summary needs it (not the workers running replications)
    from scipy import stats as sps  # noqa: PLC0415

    t = float(sps.t.ppf(0.5 + level / 2.0, n - 1))
    return Estimate(mean, t * std / math.sqrt(n), std, n, level)


def paired_difference(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Estimate:
    """Interval for mean(a - b) from paired replications (same seeds: common random numbers).

    Pairing removes the variance the two policies share, which is why comparisons on common
    random numbers need far fewer replications than independent runs.
    """
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} and {len(b)}")
    return estimate((float(x) - float(y) for x, y in zip(a, b, strict=True)), level)


def welch_difference(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Estimate:
    """Interval for mean(a) - mean(b) from independent samples (different seeds): Welch's t.

    Used when two runs did not share their seeds, so nothing pairs them. The interval is
    mean difference ± t(ν) · √(s_a²/n_a + s_b²/n_b), with the Welch-Satterthwaite degrees of
    freedom ν; `std` holds that standard error and `n` the smaller sample size. NaN
    observations are left out; with fewer than two in either sample the half-width is NaN.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    n = int(min(x.size, y.size))
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, level)
    mean = float(x.mean() - y.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1, level)
    va, vb = float(x.var(ddof=1)) / x.size, float(y.var(ddof=1)) / y.size
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Estimate(mean, 0.0, 0.0, n, level)
    dof = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    from scipy import stats as sps  # noqa: PLC0415  (see estimate)

    t = float(sps.t.ppf(0.5 + level / 2.0, dof))
    return Estimate(mean, t * se, se, n, level)


def summarise(rows: Sequence[Mapping[str, float]], level: float = 0.95) -> dict[str, Estimate]:
    """One estimate per metric over a list of per-replication metric rows."""
    if not rows:
        return {}
    keys = list(rows[0])
    return {k: estimate((float(r.get(k, math.nan)) for r in rows), level) for k in keys}
