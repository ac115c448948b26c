"""The global search: a grid for small spaces, differential evolution for larger ones, then
(after differential evolution only: a grid has seen every point) a local polish of its best.

Every candidate first gets `replications.search` replications on the screening engine; a
candidate that may be better than the best so far (its paired difference to the best is not
significantly positive) has its replications doubled, up to `replications.search_max`, so the
budget grows where the decision is close and is not spent on clearly poor policies.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arsim.sim.errors import PolicyError
from arsim.sim.optimize_spec import OptimizeSpec
from arsim.sim.stats import estimate

from .notes import Note
from .selection import ConstraintCheck, constraint_report
from .space import Space, Vector
from .study import BudgetSpentError, Candidate, Study, column

__all__ = ["OBJECTIVE_METRIC", "Scored", "Searcher", "score"]

#: The metric each objective reads, and its sign (the search always minimises).
OBJECTIVE_METRIC: Mapping[str, tuple[str, float]] = {
    "min_total_cost": ("total_cost", 1.0), "max_profit": ("net_margin", -1.0)}

#: Where the search may run to, as a share of the time limit (the rest is for the selection
#: and the re-check on the exact engine).
SEARCH_TIME_SHARE = 0.6
#: What differential evolution sees for a policy that failed or broke a constraint: worse
#: than any real one, and worse the further it is from feasible.
PENALTY = 1e15


def score(rows: Sequence[Mapping[str, float]], objective: str) -> list[float]:
    """The objective per replication, as a quantity to minimise."""
    metric, sign = OBJECTIVE_METRIC[objective]
    return [sign * v for v in column(rows, metric)]


@dataclass(frozen=True)
class Scored:
    """A candidate as the search saw it."""

    candidate: Candidate
    engine: str = ""
    replications: int = 0
    objective: float = math.nan
    means: Mapping[str, float] = field(default_factory=dict)
    feasible: bool = False
    violation: float = 0.0
    error: str | None = None

    @property
    def key(self) -> str:
        return self.candidate.key


def _mean(values: Sequence[float]) -> float:
    """Mean of the finite values (NaN when there are none: a ratio with nothing to divide)."""
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def _violation(report: Sequence[ConstraintCheck], means: Mapping[str, float]) -> float:
    """How far the means are outside the broken constraints, relative to each bound."""
    total = 0.0
    for c in report:
        if c.met:
            continue
        gap = abs(means.get(c.kpi, math.nan) - c.bound) / max(abs(c.bound), 1e-9)
        total += gap if math.isfinite(gap) else 1.0
    return total


class Searcher:
    """Looks at candidates for a study and remembers what it saw."""

    def __init__(self, study: Study, space: Space, spec: OptimizeSpec, engine: str,
                 exact: bool) -> None:
        self.study, self.space, self.spec, self.engine = study, space, spec, engine
        reps = spec.replications
        # a deterministic scenario gives the same numbers in every replication
        self.first_look = 1 if exact else reps.search
        self.most = 1 if exact else reps.search_max
        # what the selection's first stage and the re-check of two policies need
        self.reserve = (spec.finalists + 2 if exact
                        else spec.finalists * reps.select_first + 2 * reps.recheck)
        self.seen: dict[str, Scored] = {}
        self.order: list[str] = []
        self.best: Scored | None = None
        self.stopped: Note | None = None
        self._candidates: dict[str, Candidate] = {}
        # the decision vector of each candidate key, where the polish starts and moves from
        self._vectors: dict[str, Vector] = {}

    def candidate(self, vector: Vector) -> Candidate:
        """The candidate at a (snapped) decision vector; invalid ones carry their reason."""
        params = self.space.params(vector)
        key = json.dumps(params, sort_keys=True, ensure_ascii=False)
        self._vectors.setdefault(key, vector)
        if key not in self._candidates:
            try:
                policy = self.space.to_policy(vector, f"{self.space.base.name} (optimised)")
                self._candidates[key] = Candidate(key, params, policy)
            except PolicyError as exc:
                self._candidates[key] = Candidate(key, params, None, str(exc))
        return self._candidates[key]

    def look(self, candidate: Candidate) -> Scored:
        """Evaluate a candidate, growing its replications while it may beat the best."""
        count = self.first_look
        while True:
            got = self.study.evaluate(candidate, self.engine, count, stage="search",
                                      time_share=SEARCH_TIME_SHARE, reserve=self.reserve)
            if isinstance(got, str):
                return self._remember(Scored(candidate, error=got))
            engine, rows = got
            scored = self._score(candidate, engine, rows)
            if count >= self.most or not self._promising(scored, rows):
                break
            count = min(2 * count, self.most)
        if scored.feasible and (self.best is None or self._beats(scored, self.best)):
            self.best = scored
        self._report(scored)
        return self._remember(scored)

    def _report(self, scored: Scored) -> None:
        if self.study.progress is None:
            return
        params = ", ".join(f"{k}={v}" for k, v in scored.candidate.params.items())
        state = "" if scored.feasible else " (breaks a constraint)"
        best = "" if self.best is None else f"; best so far {self.best.objective:,.0f}"
        number = (self.order.index(scored.key) if scored.key in self.seen
                  else len(self.order)) + 1
        self.study.progress(f"search {number}: {params}: {scored.objective:,.0f} "
                            f"on {scored.replications} replications{state}{best}")

    def _remember(self, scored: Scored) -> Scored:
        if scored.key not in self.seen:
            self.order.append(scored.key)
        self.seen[scored.key] = scored
        return scored

    def _score(self, candidate: Candidate, engine: str,
               rows: Sequence[Mapping[str, float]]) -> Scored:
        means = {k: _mean(column(rows, k)) for k in rows[0]}
        report = constraint_report(rows, self.spec.constraints, None)
        objective = float(np.mean(score(rows, self.spec.objective)))
        return Scored(candidate, engine, len(rows), objective, means,
                      all(c.met for c in report), _violation(report, means))

    def _rows(self, scored: Scored) -> list[Mapping[str, float]]:
        return self.study.known(scored.candidate, scored.engine)

    def _promising(self, scored: Scored, rows: Sequence[Mapping[str, float]]) -> bool:
        """Whether the candidate may be better than the best: worth more replications."""
        if not scored.feasible:
            return False
        if self.best is None:
            return True
        best_rows = self._rows(self.best)
        n = min(len(rows), len(best_rows))
        mine = score(rows[:n], self.spec.objective)
        theirs = score(best_rows[:n], self.spec.objective)
        diff = estimate([a - b for a, b in zip(mine, theirs, strict=True)])
        if not math.isfinite(diff.half_width):
            return diff.mean <= 0.0
        return diff.mean - diff.half_width < 0.0

    def _beats(self, scored: Scored, best: Scored) -> bool:
        """Smaller mean objective on the replications both have (common random numbers)."""
        mine, theirs = self._rows(scored), self._rows(best)
        n = min(len(mine), len(theirs))
        return bool(np.mean(score(mine[:n], self.spec.objective))
                    < np.mean(score(theirs[:n], self.spec.objective)))

    # -- the two searches -------------------------------------------------------------------

    def grid(self) -> None:
        """Every grid point, in order, until the budget ends."""
        try:
            for vector in self.space.grid():
                self.look(self.candidate(vector))
        except BudgetSpentError as exc:
            self.stopped = Note("search_stopped", {"why": exc.reason})

    def evolve(self, seed: int) -> None:
        """Differential evolution over the snapped space (scipy), until the budget ends."""
        from scipy.optimize import differential_evolution  # noqa: PLC0415  (heavy import)

        dims = len(self.space.dimensions)
        bounds = [(lo, hi if hi > lo else lo + 1e-9) for lo, hi in self.space.bounds()]

        def objective(x: np.ndarray) -> float:
            scored = self.look(self.candidate(self.space.snap(x.tolist())))
            if scored.error is not None:
                return 10 * PENALTY
            if not scored.feasible:
                return PENALTY * (1.0 + scored.violation)
            return scored.objective

        try:
            differential_evolution(
                objective, bounds, maxiter=self.spec.generations,
                popsize=max(1, math.ceil(self.spec.population / dims)),
                rng=np.random.default_rng(seed), polish=False, init="latinhypercube",
                # no early stop on the spread of the population: noise would trigger it; a
                # population of one repeated policy stops it (revisits cost nothing)
                tol=0.0, atol=0.0)
        except BudgetSpentError as exc:
            self.stopped = Note("search_stopped", {"why": exc.reason})

    def polish(self) -> None:
        """Local search after differential evolution, which with a few hundred candidates in a
        space of tens of thousands does not converge (studies with other seeds disagreed on
        single levers): from the best feasible candidate, try every one-lever move
        (Space.neighbours) and go to the best that beats it on common replications, until
        none does, `polish_rounds` rounds are done or the budget or time limit ends it.

        A neighbour the search has seen keeps its score and is not looked at again (it cost
        nothing and reports nothing); a new one is looked at as the search's own are.
        """
        # a search the budget stopped leaves nothing to polish with
        if self.spec.polish_rounds == 0 or self.stopped is not None:
            return
        start = self._polish_start()
        if start is None:
            return
        self._progress(f"polish: from search {self._number(start)} "
                       f"({start.objective:,.0f}), at most {self.spec.polish_rounds} rounds "
                       "of one-lever moves")
        current, rounds, why = start, 0, "the round cap"
        try:
            while rounds < self.spec.polish_rounds:
                rounds += 1
                moved = self._polish_round(current)
                if moved is current:
                    why = "no one-lever move beats it"
                    break
                current = moved
        except BudgetSpentError as exc:
            self.stopped = Note("search_stopped", {"why": exc.reason})
            why = str(exc)
        self._progress(f"polish: ended after {rounds} round{'s' * (rounds != 1)} at search "
                       f"{self._number(current)} ({current.objective:,.0f}): {why}")

    def _polish_start(self) -> Scored | None:
        """The best feasible candidate on the space (the incumbent, where best, may lie off
        it: then the best of those on it), comparing as the search does."""
        if self.best is not None and self.best.key in self._vectors:
            return self.best
        start: Scored | None = None
        for key in self.order:
            s = self.seen[key]
            if s.feasible and key in self._vectors and (start is None
                                                         or self._beats(s, start)):
                start = s
        return start

    def _polish_round(self, current: Scored) -> Scored:
        """The best of current and its one-lever neighbours, in the space's order."""
        best = current
        for vector in self.space.neighbours(self._vectors[current.key]):
            candidate = self.candidate(vector)
            seen = self.seen.get(candidate.key)
            scored = seen if seen is not None else self.look(candidate)
            if scored.feasible and self._beats(scored, best):
                best = scored
        return best

    def _number(self, scored: Scored) -> int:
        """The candidate's number in the search's progress lines."""
        return self.order.index(scored.key) + 1

    def _progress(self, line: str) -> None:
        if self.study.progress is not None:
            self.study.progress(line)

    def ranking(self) -> list[Scored]:
        """Feasible candidates by mean objective (ties: the one seen first), each policy once
        (a grid point may be the incumbent again, under another name)."""
        feasible = [self.seen[k] for k in self.order if self.seen[k].feasible]
        ranked: list[Scored] = []
        policies: list[dict[str, Any]] = []
        for s in sorted(feasible, key=lambda s: s.objective):
            assert s.candidate.policy is not None
            policy = s.candidate.policy.model_dump(mode="json", exclude={"name"})
            if policy not in policies:
                policies.append(policy)
                ranked.append(s)
        return ranked

    def table(self) -> list[dict[str, Any]]:
        """One row per candidate seen, in the order first seen."""
        rows: list[dict[str, Any]] = []
        for key in self.order:
            s = self.seen[key]
            metric, sign = OBJECTIVE_METRIC[self.spec.objective]
            rows.append({**dict(s.candidate.params), "engine": s.engine,
                         "replications": s.replications, "objective": metric,
                         "objective_mean": sign * s.objective,
                         "feasible": s.feasible, "error": s.error or "",
                         **{k: s.means.get(k, math.nan) for k in _REPORTED}})
        return rows


_REPORTED = ("total_cost", "opportunity_cost", "management_cost", "bad_debt_cost",
             "shortage_cost", "discount_cost", "net_margin", "dso", "bad_debt_ratio",
             "recovery_rate")
