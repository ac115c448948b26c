"""Policy search on common random numbers: ``arsim optimize`` and ``arsim sweep``.

`Space` maps decision vectors onto policies, `Study` asks for evaluations and tells them to a
`Journal`, `optimize` searches, selects (KN) and re-checks, `sweep` draws cost curves.
"""

from .journal import Journal, JournalError
from .notes import Note
from .optimize import Finding, OptimizeResult, optimize
from .selection import ConstraintCheck, Selection, kn_select
from .space import Space, parse_lever
from .study import Budget, BudgetSpentError, Candidate, Study
from .sweep import SweepResult, sweep

__all__ = [
    "Budget",
    "BudgetSpentError",
    "Candidate",
    "ConstraintCheck",
    "Finding",
    "Journal",
    "JournalError",
    "Note",
    "OptimizeResult",
    "Selection",
    "Space",
    "Study",
    "SweepResult",
    "kn_select",
    "optimize",
    "parse_lever",
    "sweep",
]
