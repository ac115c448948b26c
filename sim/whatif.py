"""What a ``--set`` what-if did not affect: said out loud rather than ignored.

A what-if that changes nothing looks, in the printout, exactly like one that changed
something and made no difference; a CFO comparing two runs cannot tell them apart. Two
cases are found here: the value was already the one given, and the field belongs to a
grade the run never bills on credit (refused, or held by no segment).
"""

from __future__ import annotations

from .overrides import apply_overrides, parse_overrides
from .policy import Policy
from .scenario import Scenario

__all__ = ["unaffected"]

#: Policy fields kept per grade: they act only on invoices of that grade sold on credit.
_PER_GRADE = ("terms", "ladders_by_grade", "credit_limit.grade_factors")


def _grade_of(path: str) -> str | None:
    """The grade a per-grade policy path names (``terms.D`` -> ``D``), else None."""
    inner = path.removeprefix("policy.")
    for field in _PER_GRADE:
        if inner.startswith(field + "."):
            return inner.removeprefix(field + ".").split(".")[0]
    return None


def _grade_note(grade: str, scenario: Scenario, policy: Policy) -> str | None:
    accepted = ", ".join(policy.accepted_grades)
    if grade not in policy.accepted_grades:
        return (f"grade {grade} is refused credit (accepted_grades: {accepted}), so no "
                "invoice of that grade uses it")
    if grade not in scenario.grades:
        return f"no segment has grade {grade} (grades: {', '.join(scenario.grades)})"
    return None


def unaffected(scenario: Scenario, policy: Policy, pairs: tuple[str, ...] | list[str]
               ) -> list[str]:
    """One note for every what-if in `pairs` that leaves the run as it was.

    `scenario` and `policy` are the models before the what-ifs; they are applied one at a
    time, in order, as ``apply_overrides`` applies them.
    """
    notes: list[str] = []
    parsed = parse_overrides(pairs)
    final_scenario, final_policy = apply_overrides(scenario, policy, pairs)
    for pair, (path, value) in zip(pairs, parsed, strict=True):
        after = apply_overrides(scenario, policy, [pair])
        if after == (scenario, policy):
            notes.append(f"--set {pair} changes nothing: the value is already {value!r}")
        else:
            grade = _grade_of(path) if not path.startswith("scenario.") else None
            why = grade and _grade_note(grade, final_scenario, final_policy)
            if why:
                notes.append(f"--set {pair} changes nothing: {why}")
        scenario, policy = after
    return notes
