"""A study: candidates asked for, evaluated on common random numbers, told to the journal.

Replication r of every candidate runs on the same seed (replication r of the study's root
seed), so candidates are compared on common random numbers. An evaluation is identified by
(candidate, engine, replication): the same replication of the same policy on the same engine
gives the same numbers bit for bit, so once it is in the journal it is never run again. That
is also how a study resumes: the search runs again from the start, and every evaluation the
journal already holds is read back instead of simulated (the search is deterministic given
its seed and the values it sees, so it takes the same path and goes on where it stopped).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from arsim import __version__
from arsim.sim.engine.fast import exact_for, screening_for
from arsim.sim.errors import ArsimError, EngineError, PolicyError
from arsim.sim.policy import Policy, check_compatible
from arsim.sim.replicate import choose_engine, run
from arsim.sim.scenario import Scenario

from .journal import Journal, JournalError

__all__ = ["FRESH", "SEARCH_ENGINE", "Budget", "BudgetSpentError", "Candidate", "Evaluation",
           "Study", "column"]

#: Replication numbers from here on are never used by the search or the selection: the
#: re-check of the winner runs on them, so its seeds are fresh.
FRESH = 1_000_000

#: The engine name that stands for "the right engine to screen with" (see Study.engine_for).
SEARCH_ENGINE = "search"

Progress = Callable[[str], None]


class BudgetSpentError(ArsimError):
    """The replication budget or the time limit is spent.

    ``reason`` says which, as data a report words in its language: ``{"limit":
    "replications", "spent": N}``, ``{"limit": "time", "seconds": S}`` or ``{"limit":
    "time_near", "seconds": S, "pace": P}`` (seconds a replication).
    """

    def __init__(self, message: str, reason: dict[str, Any]) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Budget:
    """Replications and wall time a study may still spend (None: no limit)."""

    replications: int | None = None
    seconds: float | None = None
    spent: int = 0
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        """Replications left (infinite without a limit)."""
        return math.inf if self.replications is None else self.replications - self.spent

    def check(self, count: int, time_share: float = 1.0, reserve: int = 0,
              pace: float | None = None) -> None:
        """Raise BudgetSpentError unless `count` more replications fit.

        `time_share`: the share of the time limit this stage may run to (math.inf: the time
        limit does not stop it); `reserve`: the replications that must be left for the later
        stages (the search stops early enough to leave them to the selection and the
        re-check, the selection to the re-check); `pace`: the wall seconds a replication is
        expected to take, when known: then the `count` replications and the reserved ones
        must also fit in the time left.
        """
        if count + reserve > self.left():
            raise BudgetSpentError(f"replication budget spent ({self.spent} run)",
                                   {"limit": "replications", "spent": self.spent})
        if self.seconds is None or math.isinf(time_share):
            return
        if self.elapsed() >= time_share * self.seconds:
            raise BudgetSpentError(f"time limit reached ({self.elapsed():.0f} s)",
                                   {"limit": "time", "seconds": round(self.elapsed(), 1)})
        if pace is not None and self.elapsed() + pace * (count + reserve) > self.seconds:
            raise BudgetSpentError(f"time limit near ({self.elapsed():.0f} s; what is left "
                                   f"would not fit in it at {pace:.2f} s a replication)",
                                   {"limit": "time_near", "seconds": round(self.elapsed(), 1),
                                    "pace": round(pace, 3)})


@dataclass(frozen=True)
class Candidate:
    """A policy to evaluate, with the decision values that made it (or why it is invalid)."""

    key: str
    params: Mapping[str, Any]
    policy: Policy | None
    error: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """Replications of one candidate on one engine: an immutable record of the journal."""

    candidate: str
    engine: str
    first: int
    metrics: tuple[Mapping[str, float], ...]
    stage: str = ""
    seconds: float = 0.0


def _hash(scenario: Scenario, policy: Policy) -> str:
    text = json.dumps([scenario.model_dump(mode="json"), policy.model_dump(mode="json")],
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Study:
    """Ask for evaluations, run what the journal does not hold, tell the journal."""

    def __init__(self, scenario: Scenario, incumbent: Policy, seed: int,
                 journal: Journal | None = None, budget: Budget | None = None,
                 jobs: int = 1, scheduler: str | None = None, identity: Any = None,
                 resume: bool = False, progress: Progress | None = None) -> None:
        self.scenario, self.incumbent, self.seed = scenario, incumbent, seed
        self.journal, self.jobs, self.scheduler = journal, jobs, scheduler
        self.budget = budget or Budget()
        self.progress = progress
        self._done: dict[tuple[str, str, int], Mapping[str, float]] = {}
        self._failed: dict[str, str] = {}
        self.replayed = 0
        self.spent_by_stage: dict[str, int] = {}
        # wall seconds and replications run in this session, by stage: the pace at which
        # the later stages' replications can be expected to run
        self._timed: dict[str, tuple[float, int]] = {}
        header = {"kind": "study", "arsim": __version__, "seed": seed,
                  "model": _hash(scenario, incumbent), "identity": identity}
        if journal is not None:
            self._open(journal, header, resume)

    def _open(self, journal: Journal, header: dict[str, Any], resume: bool) -> None:
        if journal.exists() and not resume:
            raise JournalError(f"{journal.path} exists: pass --resume to continue that study, "
                               "or choose another --out")
        records = journal.repair() if resume else []
        if not records:
            journal.append(header)
            return
        first = records[0]
        mismatch = [k for k in ("seed", "model", "identity")
                    if json.dumps(first.get(k), sort_keys=True)
                    != json.dumps(header[k], sort_keys=True)]
        if first.get("kind") != "study" or mismatch:
            what = ", ".join(mismatch) or "header"
            raise JournalError(f"{journal.path} belongs to another study (its {what} "
                               "differs); start a new one in another folder")
        for record in records[1:]:
            self._replay(record)
        # the budget is the whole study's: what the journal holds was spent before. (The
        # resumed search then meets each new evaluation with the budget spent as the
        # interrupted one would have had it, and so decides as it would have.)
        self.budget.spent = self.replayed

    def _replay(self, record: Mapping[str, Any]) -> None:
        if record.get("kind") == "failed":
            self._failed[str(record["candidate"])] = str(record["reason"])
        elif record.get("kind") == "evaluation":
            first = int(record["first"])
            for offset, row in enumerate(record["metrics"]):
                values = {k: math.nan if v is None else float(v) for k, v in row.items()}
                self._done[(str(record["candidate"]), str(record["engine"]), first + offset)] = (
                    values)
                self.replayed += 1

    # -- ask / tell ---------------------------------------------------------------------------

    def engine_for(self, candidate: Candidate, engine: str) -> str:
        """The engine that will run (so that the journal names it, not 'auto').

        `search` is the screening choice: the fast engine where it is exact for the policy,
        its screening approximation where a finite collector team makes it inexact, and the
        exact engine where it cannot run at all (deterministic mode).
        """
        assert candidate.policy is not None
        if engine == SEARCH_ENGINE:
            if exact_for(self.scenario, candidate.policy) is None:
                return "fast"
            engine = "screen" if screening_for(self.scenario) is None else "auto"
        return choose_engine(self.scenario, candidate.policy, engine)

    def ask(self, candidate: Candidate, engine: str, count: int, first: int = 0
            ) -> list[int]:
        """The replication numbers of [first, first + count) not yet evaluated."""
        return [r for r in range(first, first + count)
                if (candidate.key, engine, r) not in self._done]

    def tell(self, candidate: Candidate, evaluation: Evaluation | str, stage: str) -> None:
        """Record an evaluation, or a failure's reason, in memory and in the journal."""
        if isinstance(evaluation, str):
            self._failed[candidate.key] = evaluation
            self._write({"kind": "failed", "candidate": candidate.key,
                         "params": dict(candidate.params), "stage": stage,
                         "reason": evaluation})
            return
        for offset, row in enumerate(evaluation.metrics):
            self._done[(candidate.key, evaluation.engine, evaluation.first + offset)] = row
        self._write({"kind": "evaluation", "candidate": candidate.key,
                     "params": dict(candidate.params), "stage": stage,
                     "engine": evaluation.engine, "first": evaluation.first,
                     "seconds": round(evaluation.seconds, 4),
                     "metrics": [dict(m) for m in evaluation.metrics]})

    def _write(self, record: dict[str, Any]) -> None:
        if self.journal is not None:
            self.journal.append(record)

    def failure(self, candidate: Candidate) -> str | None:
        """Why the candidate cannot be evaluated (None: it can)."""
        return candidate.error or self._failed.get(candidate.key)

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate(self, candidate: Candidate, engine: str, count: int, first: int = 0,
                 stage: str = "search", time_share: float = 1.0, reserve: int = 0,
                 pace: float | None = None
                 ) -> tuple[str, list[Mapping[str, float]]] | str:
        """(engine, metrics of replications first..first+count-1), or why it failed.

        Runs only the replications the journal does not hold, as one contiguous block, and
        records them before returning. Raises BudgetSpentError if they do not fit.
        """
        reason = self.failure(candidate)
        if reason is None:
            try:
                assert candidate.policy is not None
                check_compatible(self.scenario, candidate.policy)
                chosen = self.engine_for(candidate, engine)
            except (PolicyError, EngineError) as exc:
                reason = str(exc)
        if reason is not None:
            if candidate.key not in self._failed:
                self.tell(candidate, reason, stage)
            return reason
        for start, length in _blocks(self.ask(candidate, chosen, count, first)):
            self._run(candidate, chosen, start, length, stage, time_share, reserve, pace)
        return chosen, [self._done[(candidate.key, chosen, r)]
                        for r in range(first, first + count)]

    def _run(self, candidate: Candidate, engine: str, first: int, count: int, stage: str,
             time_share: float, reserve: int, pace: float | None) -> None:
        assert candidate.policy is not None
        self.budget.check(count, time_share, reserve, pace)
        started = time.perf_counter()
        result = run(self.scenario, candidate.policy, replications=count, seed=self.seed,
                     jobs=self.jobs, scheduler=self.scheduler, engine=engine, first=first,
                     series=False)
        seconds = time.perf_counter() - started
        self.budget.spent += count
        self.spent_by_stage[stage] = self.spent_by_stage.get(stage, 0) + count
        timed = self._timed.get(stage, (0.0, 0))
        self._timed[stage] = (timed[0] + seconds, timed[1] + count)
        rows = tuple({k: float(v) for k, v in r.metrics.items()} for r in result.replications)
        self.tell(candidate, Evaluation(candidate.key, result.engine, first, rows, stage,
                                        seconds), stage)
        if self.progress is not None and stage != "search":  # the search reports per candidate
            self.progress(f"{stage}: {_short(candidate.params)}: replications {first}.."
                          f"{first + count - 1} on {result.engine}")

    def pace(self, stage: str) -> float | None:
        """Wall seconds per replication in a stage so far in this session (None: none run)."""
        seconds, count = self._timed.get(stage, (0.0, 0))
        return seconds / count if count else None

    def known(self, candidate: Candidate, engine: str) -> list[Mapping[str, float]]:
        """Every evaluated replication of a candidate on an engine below FRESH, in order."""
        rows: list[Mapping[str, float]] = []
        r = 0
        while (candidate.key, engine, r) in self._done and r < FRESH:
            rows.append(self._done[(candidate.key, engine, r)])
            r += 1
        return rows


def _short(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def _blocks(numbers: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive numbers as (start, length): nothing evaluated is run again."""
    blocks: list[tuple[int, int]] = []
    for r in numbers:
        if blocks and blocks[-1][0] + blocks[-1][1] == r:
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + 1)
        else:
            blocks.append((r, 1))
    return blocks


def column(rows: Sequence[Mapping[str, float]], name: str) -> list[float]:
    """One metric over replications."""
    return [float(r.get(name, math.nan)) for r in rows]
