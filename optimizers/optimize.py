"""`optimize`: search, select among the finalists, re-check the winner on fresh seeds.

1. Search (grid or differential evolution) on the screening engine, all candidates on common
   random numbers (replications 0, 1, 2, ... of the study's seed); after differential
   evolution, a local polish of its best candidate, one lever at a time.
2. Select among the best few with KN on the exact engine (`auto`), indifference zone delta and
   the stated confidence (see selection.py); constraints are checked on the same data.
3. Re-check the winner and the incumbent (the scenario's own policy) on fresh seeds
   (replications from FRESH on, never used before), paired, and report the saving with its
   confidence interval; a winner that breaks a constraint at the stated confidence there is
   passed over for the next finalist.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from arsim.sim.errors import PolicyError
from arsim.sim.optimize_spec import OptimizeSpec
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario
from arsim.sim.stats import Estimate, paired_difference, summarise

from .frontier import frontier
from .journal import Journal
from .notes import Note
from .search import Searcher, score
from .selection import ConstraintCheck, Selection, constraint_report, kn_select
from .space import Space, refuse_if_none_valid
from .study import (
    FRESH,
    SEARCH_ENGINE,
    Budget,
    BudgetSpentError,
    Candidate,
    Progress,
    Study,
)

__all__ = ["Finding", "OptimizeResult", "optimize"]

#: A space none of whose candidates is a valid policy, as refuse_if_none_valid says it.
NONE_VALID = "none of the {count} candidates of the space is a valid policy"

#: The selection may run to this share of the time limit, and only while the re-check, at
#: the pace the selection's replications ran, still fits in what is left; the re-check then
#: runs to its end (without it the study would have no answer).
SELECT_TIME_SHARE = 0.85
#: The share of the time limit a stage the time limit does not stop may run to.
NO_TIME_LIMIT = math.inf


@dataclass(frozen=True)
class Finding:
    """A policy's figures from one stage: estimates over its replications on one engine."""

    key: str
    params: Mapping[str, object]
    policy: Policy
    engine: str
    stage: str
    estimates: Mapping[str, Estimate]
    constraints: tuple[ConstraintCheck, ...] = ()

    @property
    def feasible(self) -> bool:
        return all(c.met for c in self.constraints)


@dataclass(frozen=True)
class OptimizeResult:
    """Everything `arsim optimize` reports."""

    spec: OptimizeSpec
    method: str
    seed: int
    winner: Finding | None
    incumbent: Finding | None
    saving: Estimate | None
    runner_ups: tuple[Finding, ...]
    selection: Selection | None
    candidates: tuple[dict[str, object], ...]
    replications: Mapping[str, int]
    replayed: int
    notes: tuple[Note, ...]
    frontier: tuple[dict[str, object], ...] = ()
    frontier_kpi: str | None = None
    #: the winner's figures on the selection stage's replications, the runner-ups' own: a
    #: runner-up is compared with these, not with the re-check's fresh seeds
    winner_selection: Finding | None = None

    @property
    def significant(self) -> bool:
        """Whether the saving's interval lies above zero."""
        s = self.saving
        return s is not None and (s.low > 0 if math.isfinite(s.half_width) else s.mean > 0)


def _method(spec: OptimizeSpec, space: Space) -> str:
    if spec.method != "auto":
        return spec.method
    size = space.grid_size()
    return "grid" if size is not None and size <= spec.grid_limit else "evolution"


def optimize(scenario: Scenario, incumbent: Policy, spec: OptimizeSpec, seed: int,
             journal: Journal | None = None, resume: bool = False, jobs: int = 1,
             scheduler: str | None = None, engine: str | None = None,
             progress: Progress | None = None, frontier_kpi: str | None = None
             ) -> OptimizeResult:
    """Find the best policy in the spec's space (see the module's description).

    `engine` overrides the engines of every stage (default: screen, then exact).
    `frontier_kpi` also traces the trade-off between the objective and that KPI.
    """
    space = Space(incumbent, spec.variables)
    method = _method(spec, space)
    budget = Budget(spec.budget, spec.time_limit_seconds)
    # the budgets decide where a study stops, not which path it takes: a resumed study may
    # be given more
    identity = {"spec": spec.model_dump(mode="json", exclude={"budget", "time_limit_seconds"}),
                "engine": engine, "method": method}
    study = Study(scenario, incumbent, seed, journal, budget, jobs, scheduler, identity,
                  resume, progress)
    exact = scenario.deterministic is not None
    searcher = Searcher(study, space, spec, engine or SEARCH_ENGINE, exact)
    home = Candidate("incumbent", {"policy": incumbent.name}, incumbent)
    notes: list[Note] = []
    _search(searcher, home, method, seed, frontier_kpi, notes)
    final_engine = engine or "auto"
    ranking = [s.candidate for s in searcher.ranking()]
    selection = None
    if ranking:
        selection, order = _select(study, ranking, spec, final_engine, exact, searcher, notes)
    else:
        order = []
        notes.append(Note("no_feasible_search"))
    winner, incumbent_finding, saving = _recheck(study, order, home, spec, final_engine,
                                                 exact, notes)
    runner_ups = tuple(_finding(study, c, spec, final_engine, "select") for c in order
                       if winner is None or c.key != winner.key)
    chosen = next((c for c in order if winner is not None and c.key == winner.key), None)
    winner_selection = (None if chosen is None
                        else _finding(study, chosen, spec, final_engine, "select"))
    traced: list[dict[str, object]] = []
    if frontier_kpi is not None:
        try:
            traced = frontier(study, searcher, spec, frontier_kpi, final_engine, exact)
        except BudgetSpentError as exc:
            notes.append(Note("frontier_stopped", {"why": exc.reason}))
    return OptimizeResult(spec, method, seed, winner, incumbent_finding, saving,
                          tuple(f for f in runner_ups if f is not None), selection,
                          tuple(searcher.table()), dict(study.spent_by_stage), study.replayed,
                          tuple(notes), tuple(traced), frontier_kpi, winner_selection)


def _search(searcher: Searcher, home: Candidate, method: str, seed: int,
            frontier_kpi: str | None, notes: list[Note]) -> None:
    """The incumbent first (its metrics check the KPI names), then the grid, or evolution
    and its polish."""
    if method == "grid":  # every candidate is known: refuse an invalid space before running
        refuse_if_none_valid([searcher.candidate(v).error for v in searcher.space.grid()],
                             NONE_VALID)
    try:
        first = searcher.look(home)
    except BudgetSpentError as exc:
        notes.append(Note("search_stopped", {"why": exc.reason}))
        return
    _check_kpis(searcher.spec, frontier_kpi, first.means)
    if method == "grid":
        searcher.grid()
    else:
        searcher.evolve(seed)
        searcher.polish()
    others = [s for s in searcher.seen.values() if s.key != home.key]
    invalid = [s for s in others if s.error is not None]
    if invalid:
        notes.append(Note("invalid_candidates", {"count": len(invalid), "total": len(others),
                                                 "error": invalid[0].error}))
    if searcher.stopped:
        notes.append(searcher.stopped)
    elif others and len(invalid) == len(others):
        # the incumbent against nothing is no study: say why rather than "no saving"
        refuse_if_none_valid([s.error for s in invalid], NONE_VALID)


def _check_kpis(spec: OptimizeSpec, frontier_kpi: str | None,
                measured: Mapping[str, float]) -> None:
    """Refuse a constraint or frontier on a metric that does not exist, naming the nearest."""
    if not measured:
        return
    asked = [c.kpi for c in spec.constraints] + ([frontier_kpi] if frontier_kpi else [])
    for kpi in asked:
        if kpi not in measured:
            near = difflib.get_close_matches(kpi, list(measured), n=1, cutoff=0.5)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise PolicyError(f"no KPI '{kpi}' (constraints and --frontier name a metric of "
                              f"result.json){hint}")


def _delta(spec: OptimizeSpec, searcher: Searcher) -> float:
    if spec.indifference_zone is not None:
        return spec.indifference_zone
    home = searcher.seen.get("incumbent")
    base = abs(home.objective) if home is not None and math.isfinite(home.objective) else 0.0
    return max(0.005 * base, 1e-9)


def _select(study: Study, ranking: list[Candidate], spec: OptimizeSpec, engine: str,
            exact: bool, searcher: Searcher, notes: list[Note]
            ) -> tuple[Selection | None, list[Candidate]]:
    """KN among the finalists on the exact engine; their order, best first.

    The finalists are the best `finalists` candidates of the search's ranking that also meet
    the constraints (on the mean, as the search judges them) on their first-stage
    replications on the exact engine. The screening engine can misjudge a KPI near its bound
    (with a small team it understates DSO, since nobody waits for a collector there), and a
    search that ends on a constraint's edge would otherwise send only policies the re-check
    rejects: one that breaks a constraint is dropped with a note and the next candidate of
    the ranking takes its place, up to twice `finalists` candidates looked at."""
    by_key = {c.key: c for c in ranking}
    reps = spec.replications
    n0 = 1 if exact else reps.select_first
    usable: list[Candidate] = []
    rejected: set[str] = set()  # failed on the exact engine, or broke a constraint there
    try:
        for c in ranking[: 2 * spec.finalists]:
            if len(usable) == spec.finalists:
                break
            got = study.evaluate(c, engine, n0, stage="select", time_share=SELECT_TIME_SHARE,
                                 reserve=_recheck_need(spec, exact),
                                 pace=study.pace("select"))
            if isinstance(got, str):
                notes.append(Note("finalist_failed", {"params": dict(c.params), "error": got}))
                rejected.add(c.key)
                continue
            broken = [k.to_dict() for k in constraint_report(got[1], spec.constraints, None)
                      if not k.met]
            if broken:
                notes.append(Note("finalist_dropped", {"params": dict(c.params),
                                                       "broken": broken}))
                rejected.add(c.key)
                continue
            usable.append(c)
    except BudgetSpentError as exc:
        notes.append(Note("selection_skipped", {"why": exc.reason}))
        # the usable ones, then the ranking's best not looked at yet (never a rejected one)
        return None, usable + [c for c in ranking[: spec.finalists]
                               if c not in usable and c.key not in rejected]
    if exact or len(usable) < 2:
        return None, sorted(usable, key=lambda c: _mean_score(study, c, engine, n0, spec))

    def draw(key: str, first: int, count: int) -> list[float]:
        try:
            got = study.evaluate(by_key[key], engine, count, first, stage="select",
                                 time_share=SELECT_TIME_SHARE,
                                 reserve=_recheck_need(spec, exact),
                                 pace=study.pace("select"))
        except BudgetSpentError as exc:
            raise StopIteration from exc
        assert not isinstance(got, str)  # it ran before on this engine
        return score(got[1], spec.objective)

    selection = kn_select([c.key for c in usable], draw, _delta(spec, searcher),
                          spec.confidence, n0, max(n0, reps.select_max))
    if not selection.complete:
        notes.append(Note("selection_incomplete"))
    return selection, [by_key[k] for k in selection.order]


def _recheck_need(spec: OptimizeSpec, exact: bool) -> int:
    """Replications the re-check of the winner and the incumbent needs."""
    return 2 if exact else 2 * spec.replications.recheck


def _mean_score(study: Study, c: Candidate, engine: str, n: int, spec: OptimizeSpec) -> float:
    got = study.evaluate(c, engine, n, stage="select")
    assert not isinstance(got, str)
    values = score(got[1], spec.objective)
    return sum(values) / len(values)


def _recheck(study: Study, order: Sequence[Candidate], home: Candidate, spec: OptimizeSpec,
             engine: str, exact: bool, notes: list[Note]
             ) -> tuple[Finding | None, Finding | None, Estimate | None]:
    """The first finalist that meets the constraints on fresh seeds, against the incumbent.

    The time limit does not stop it: the selection left it the time the winner's and the
    incumbent's replications need (a finalist re-checked after a winner that broke a
    constraint adds its own). The replication budget does: the earlier stages left it the
    winner's and the incumbent's replications, not those of further finalists.
    """
    if not order:
        return None, None, None
    count = 1 if exact else spec.replications.recheck
    try:
        home_rows = _rows(study, home, engine, count)
        if home_rows is None:
            notes.append(Note("incumbent_failed"))
            return None, None, None
        incumbent = _make(study, home, spec, engine, home_rows, "recheck", exact)
        for c in order:
            rows = _rows(study, c, engine, count)
            if rows is None:
                continue
            finding = _make(study, c, spec, engine, rows, "recheck", exact)
            if finding.feasible:
                saving = paired_difference(score(home_rows, spec.objective),
                                           score(rows, spec.objective), spec.confidence)
                return finding, incumbent, saving
            broken = [k.to_dict() for k in finding.constraints if not k.met]
            notes.append(Note("passed_over", {"params": dict(c.params), "broken": broken}))
    except BudgetSpentError as exc:
        notes.append(Note("recheck_stopped", {"why": exc.reason}))
        return None, None, None
    notes.append(Note("no_feasible_recheck"))
    return None, incumbent, None


def _rows(study: Study, c: Candidate, engine: str, count: int
          ) -> list[Mapping[str, float]] | None:
    got = study.evaluate(c, engine, count, FRESH, stage="recheck", time_share=NO_TIME_LIMIT)
    return None if isinstance(got, str) else got[1]


def _make(study: Study, c: Candidate, spec: OptimizeSpec, engine: str,
          rows: Sequence[Mapping[str, float]], stage: str, exact: bool) -> Finding:
    assert c.policy is not None
    report = constraint_report(rows, spec.constraints, None if exact else spec.confidence)
    return Finding(c.key, c.params, c.policy, study.engine_for(c, engine), stage,
                   summarise(rows, spec.confidence), tuple(report))


def _finding(study: Study, c: Candidate, spec: OptimizeSpec, engine: str, stage: str
             ) -> Finding | None:
    if c.policy is None:
        return None
    chosen = study.engine_for(c, engine)
    rows = study.known(c, chosen)
    if not rows:
        return None
    return _make(study, c, spec, engine, rows, stage, len(rows) == 1)
