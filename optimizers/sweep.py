"""One- and two-lever cost curves: every cost against the lever, with confidence bands.

Every point of the grid runs the same replications (the same seeds: common random numbers),
so the curve's shape is not noise from one point's luck to the next. The bottom of the total
cost curve is the point with the smallest mean total cost.

Every point's policy is built and checked before anything runs: a sweep none of whose values
makes a valid policy is refused at once, with the first point's reason, rather than written
out as a table of failures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arsim.sim.errors import EngineError, PolicyError
from arsim.sim.optimize_spec import Variable
from arsim.sim.policy import Policy, check_compatible
from arsim.sim.replicate import choose_engine, run
from arsim.sim.scenario import Scenario
from arsim.sim.stats import Estimate, summarise

from .space import Space, Vector, refuse_if_none_valid

__all__ = ["COST_PARTS", "SweepPoint", "SweepResult", "sweep"]

#: The curves drawn, in the order of the training material's picture, then what else makes up
#: the total as `arsim run` itemises it (penalty income, subtracted; the inventory carrying
#: cost, where the scenario counts it): the parts shown add up to the total, which is last.
COST_PARTS = ("opportunity_cost", "management_cost", "bad_debt_cost", "shortage_cost",
              "discount_cost", "penalty_income", "inventory_carrying_cost", "total_cost")

#: Largest grid a sweep runs (two levers of 40 points each, say).
MAX_POINTS = 2000


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: the lever values and the estimates of its run (or why it failed)."""

    params: dict[str, Any]
    engine: str
    estimates: dict[str, Estimate]
    error: str | None = None


@dataclass(frozen=True)
class SweepResult:
    """The grid and what each point cost."""

    levers: tuple[str, ...]
    axes: tuple[tuple[Any, ...], ...]
    points: tuple[SweepPoint, ...]
    seed: int
    replications: int
    confidence: float
    metric: str = "total_cost"
    inventory: bool = False  # whether the scenario counts the inventory carrying cost

    @property
    def parts(self) -> tuple[str, ...]:
        """The costs shown (COST_PARTS), the inventory carrying cost only where counted."""
        return tuple(p for p in COST_PARTS
                     if self.inventory or p != "inventory_carrying_cost")

    @property
    def bottom(self) -> int | None:
        """Index of the point with the smallest mean of `metric` (None if none ran)."""
        best, index = math.inf, None
        for i, p in enumerate(self.points):
            est = p.estimates.get(self.metric)
            if p.error is None and est is not None and est.mean < best:
                best, index = est.mean, i
        return index

    def rows(self) -> list[dict[str, Any]]:
        """One row per point: lever values, engine, each cost's mean and interval."""
        bottom = self.bottom
        out: list[dict[str, Any]] = []
        for i, p in enumerate(self.points):
            row: dict[str, Any] = {**p.params, "engine": p.engine}
            for part in (*self.parts, "net_margin", "dso", "bad_debt_ratio"):
                est = p.estimates.get(part)
                row[part] = est.mean if est else math.nan
                row[f"{part}_low"] = est.low if est else math.nan
                row[f"{part}_high"] = est.high if est else math.nan
            row["bottom"] = i == bottom
            row["error"] = p.error or ""
            out.append(row)
        return out


def sweep(scenario: Scenario, policy: Policy, levers: Sequence[Variable],
          replications: int | None = None, seed: int | None = None, jobs: int = 1,
          scheduler: str | None = None, engine: str = "auto", confidence: float = 0.95,
          progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run every point of the levers' grid on the same seeds.

    Raises:
        PolicyError: a lever names no policy field, has no step, or the grid is too large.
    """
    if not 1 <= len(levers) <= 2:
        raise PolicyError(f"a sweep varies one or two levers, not {len(levers)}")
    space = Space(policy, levers)
    size = space.grid_size()
    if size is None:
        raise PolicyError("every swept lever needs a step (low:high:step) or a list of values")
    if size > MAX_POINTS:
        raise PolicyError(f"the sweep has {size:,} points; at most {MAX_POINTS:,} (use a "
                          "larger step)")
    count = replications or scenario.horizon.replications
    root = scenario.horizon.seed if seed is None else seed
    vectors = list(space.grid())
    policies = [_policy(scenario, space, v, engine) for v in vectors]
    refuse_if_none_valid([p if isinstance(p, str) else None for p in policies], NONE_RAN)
    points: list[SweepPoint] = []
    for done, (vector, candidate) in enumerate(zip(vectors, policies, strict=True), start=1):
        points.append(_point(scenario, space.params(vector), candidate, count, root, jobs,
                             scheduler, engine, confidence))
        if progress is not None:
            progress(done, size)
    refuse_if_none_valid([p.error for p in points], NONE_RAN)
    axes = tuple(tuple(d.label(x) for x in d.points() or ()) for d in space.dimensions)
    return SweepResult(space.names, axes, tuple(points), root, count, confidence,
                       inventory=scenario.conventions.include_inventory_carrying)


#: A sweep none of whose points can run, as refuse_if_none_valid says it.
NONE_RAN = "no point of the sweep can run (all {count} failed)"


def _point(scenario: Scenario, params: dict[str, Any], candidate: Policy | str, count: int,
           root: int, jobs: int, scheduler: str | None, engine: str,
           confidence: float) -> SweepPoint:
    """One point run (or why it cannot run: `candidate` is then the reason)."""
    if isinstance(candidate, str):
        return SweepPoint(params, "", {}, candidate)
    try:
        result = run(scenario, candidate, replications=count, seed=root, jobs=jobs,
                     scheduler=scheduler, engine=engine, series=False)
    except (PolicyError, EngineError) as exc:
        return SweepPoint(params, "", {}, str(exc))
    rows = [r.metrics for r in result.replications]
    return SweepPoint(params, result.engine, summarise(rows, confidence))


def _policy(scenario: Scenario, space: Space, vector: Vector, engine: str) -> Policy | str:
    """The point's policy, checked against the scenario and the engine as a run would check
    it, or why it cannot run."""
    try:
        policy = space.to_policy(vector)
        check_compatible(scenario, policy)
        choose_engine(scenario, policy, engine)
    except (PolicyError, EngineError) as exc:
        return str(exc)
    return policy
