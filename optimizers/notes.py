"""What the optimiser notes about a study (a stopped search, a finalist passed over...), as
data: a code and its values. The reports word each note in their language when they show it;
optimize.json keeps the code and the values, never English sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NOTE_CODES", "Note"]

#: Every code a note may carry, and the values it holds.
NOTE_CODES: Mapping[str, tuple[str, ...]] = {
    "search_stopped": ("why",),  # the budget or the time limit stopped the search
    "frontier_stopped": ("why",),
    "selection_skipped": ("why",),  # the finalists are kept in the search's order
    "recheck_stopped": ("why",),
    "no_feasible_search": (),  # no candidate met the constraints in the search
    # candidates that are no valid policy (or cannot run in the scenario): how many of those
    # the search saw besides the incumbent, and the first one's reason
    "invalid_candidates": ("count", "total", "error"),
    "finalist_failed": ("params", "error"),  # a finalist failed on the exact engine
    # a finalist broke a constraint on the exact engine's first stage: the next one replaces it
    "finalist_dropped": ("params", "broken"),
    "selection_incomplete": (),  # KN stopped early: the smallest mean, no guarantee
    "incumbent_failed": (),  # the incumbent failed on the exact engine
    "passed_over": ("params", "broken"),  # broke constraints on fresh seeds
    "no_feasible_recheck": (),  # no finalist met the constraints on fresh seeds
}


@dataclass(frozen=True)
class Note:
    """One note: its code (a key of NOTE_CODES) and the values its wording fills in.

    ``why`` is a BudgetSpentError's reason; ``params`` a candidate's decision variables;
    ``broken`` the checks (ConstraintCheck.to_dict) of the constraints it broke.
    """

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        expected = NOTE_CODES.get(self.code)
        if expected is None or set(expected) != set(self.values):
            raise ValueError(f"note {self.code!r} with values {sorted(self.values)}")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, **self.values}
