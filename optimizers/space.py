"""Decision variables by policy path, and the one map from a decision vector to a Policy.

A decision vector holds one float per variable: the value itself for a numeric variable, the
index of the choice for a categorical one. Paths are the policy's dotted paths
(``late_penalty.rate_annual``, ``ladder.2.day``, ``collections.collectors``), plus three parts
of a terms string that are not fields of their own: ``terms.B.net_days``,
``terms.B.discount_rate`` and ``terms.B.discount_days`` (the first discount tier; a rate of 0
offers no discount). ``*`` stands for every key at that place, and in ``terms.*`` for every
accepted grade, so ``terms.*.net_days`` moves every grade's credit period at once.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from arsim.sim.errors import PolicyError
from arsim.sim.optimize_spec import Variable
from arsim.sim.policy import Policy
from arsim.sim.wording import describe, plain_message, readable_loc

__all__ = ["Dimension", "Space", "Vector", "parse_lever", "refuse_if_none_valid"]

Vector = tuple[float, ...]

_TERMS_PART = re.compile(r"^terms\.([A-Z]|\*)\.(net_days|discount_rate|discount_days)$")


def _canonical(value: float) -> float:
    """Twelve significant digits, so that 15 + 7 x 0.1 and 15.7 are the same grid point."""
    return float(f"{value:.12g}")


@dataclass(frozen=True)
class Dimension:
    """One decision variable: a numeric range (with an optional step) or a set of choices."""

    path: str
    low: float
    high: float
    step: float | None = None
    labels: tuple[Any, ...] | None = None
    values: tuple[Any, ...] | None = None

    @classmethod
    def from_variable(cls, variable: Variable) -> Dimension:
        """The dimension a spec's variable describes."""
        choices = variable.choices
        if choices is not None:
            if isinstance(choices, dict):
                labels, values = tuple(str(k) for k in choices), tuple(choices.values())
            else:
                values = tuple(choices)
                # plain values name themselves; a list or mapping (a ladder) is named by its JSON
                labels = tuple(json.dumps(v) if isinstance(v, list | dict) else v
                               for v in values)
            return cls(variable.path, 0.0, float(len(values) - 1), 1.0, labels, values)
        assert variable.low is not None and variable.high is not None  # the spec checks
        return cls(variable.path, variable.low, variable.high, variable.step)

    @property
    def categorical(self) -> bool:
        return self.values is not None

    def points(self) -> list[float] | None:
        """The grid along this dimension (None when continuous)."""
        if self.step is None:
            return None
        count = math.floor((self.high - self.low) / self.step + 1e-9) + 1
        return [_canonical(self.low + k * self.step) for k in range(count)]

    def snap(self, x: float) -> float:
        """The nearest admissible value to x (a grid point, a choice index, or x clipped)."""
        x = min(max(float(x), self.low), self.high)
        if self.step is None:
            return _canonical(x)
        # the last grid point may lie below high (15:100:10 ends at 95)
        last = math.floor((self.high - self.low) / self.step + 1e-9)
        k = min(max(round((x - self.low) / self.step), 0), last)
        return _canonical(self.low + k * self.step)

    def moves(self, x: float) -> list[float]:
        """The values one move away from x: every other choice of a categorical variable,
        the grid points either side of a numeric one (none past a bound, none without a
        grid: a continuous variable is left to the global search)."""
        if self.values is not None:
            return [float(k) for k in range(len(self.values)) if k != round(x)]
        if self.step is None:
            return []
        # snap clips to the bounds, so at a bound the step back there is x itself
        return [y for y in (self.snap(x - self.step), self.snap(x + self.step)) if y != x]

    def value(self, x: float) -> Any:
        """What the policy field receives."""
        if self.values is not None:
            return self.values[round(x)]
        return x

    def label(self, x: float) -> Any:
        """What a person reads: the number, or the choice's name."""
        if self.labels is not None:
            return self.labels[round(x)]
        return int(x) if float(x).is_integer() else x


def parse_lever(text: str) -> Variable:
    """Read a command-line lever: ``path=low:high:step`` or ``path=a,b,c``.

    Raises:
        PolicyError: the text is not in either form.
    """
    path, sep, spec = text.partition("=")
    if not sep or not path.strip() or not spec.strip():
        raise PolicyError(f"--vary '{text}': write it as path=low:high:step or path=a,b,c, "
                          "e.g. terms.*.net_days=15:120:5")
    parts = spec.split(":")
    try:
        if len(parts) == 3:
            low, high, step = (float(p) for p in parts)
            return Variable(path=path.strip(), low=low, high=high, step=step)
        if len(parts) == 1:
            return Variable(path=path.strip(), choices=tuple(_scalar(p) for p in spec.split(",")))
    except ValidationError as exc:
        # the --vary prefix names the lever already; the variable's own message repeats it
        reason = _validation_reason(exc).removeprefix(f"variable {path.strip()}: ")
        raise PolicyError(f"--vary '{text}': {reason}") from exc
    except ValueError as exc:  # float() of a part that is no number
        raise PolicyError(f"--vary '{text}': {exc}") from exc
    raise PolicyError(f"--vary '{text}': a range is low:high:step, e.g. 15:120:5")


def _validation_reason(exc: ValidationError) -> str:
    """pydantic's first error in words (sim/wording.py), as the loader and --set word it:
    the field, the value and the rule; a whole-model rule (no field) as its message."""
    first = exc.errors()[0]
    field = readable_loc(first["loc"])
    return describe(field, first) if field else plain_message(first)


def refuse_if_none_valid(reasons: Sequence[str | None], what: str) -> None:
    """Raise where every candidate of a study is invalid (each one's reason, None where it is
    valid or ran): a table of failures, or the incumbent against nothing, is no study.

    Raises:
        PolicyError: `what` (with `{count}`, the candidates' number) and the first reason.
    """
    if reasons and all(r is not None for r in reasons):
        raise PolicyError(f"{what.format(count=len(reasons))}; the first: {reasons[0]}")


def _scalar(text: str) -> Any:
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


class Space:
    """The decision space around a base policy (the scenario's own, the incumbent)."""

    def __init__(self, base: Policy, variables: Sequence[Variable]) -> None:
        self.base = base
        self.dimensions = tuple(Dimension.from_variable(v) for v in variables)
        for dim in self.dimensions:
            self._check_path(dim)

    def _check_path(self, dim: Dimension) -> None:
        """Refuse a path that names no policy field, with the valid keys where it went wrong."""
        if _TERMS_PART.match(dim.path):
            return
        for path in _expand(self.base, dim.path):
            self.base.get(path)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.path for d in self.dimensions)

    def bounds(self) -> list[tuple[float, float]]:
        """Per dimension (low, high), as differential evolution wants them."""
        return [(d.low, d.high) for d in self.dimensions]

    def grid_size(self) -> int | None:
        """Number of grid points (None when some dimension is continuous)."""
        sizes = [d.points() for d in self.dimensions]
        if any(s is None for s in sizes):
            return None
        return math.prod(len(s) for s in sizes if s is not None)

    def grid(self) -> Iterator[Vector]:
        """Every grid point, the last dimension changing fastest."""
        axes = [d.points() for d in self.dimensions]
        if any(a is None for a in axes):
            raise PolicyError("a grid needs a step (or choices) for every variable")
        yield from itertools.product(*(a for a in axes if a is not None))

    def snap(self, vector: Sequence[float]) -> Vector:
        return tuple(d.snap(x) for d, x in zip(self.dimensions, vector, strict=True))

    def neighbours(self, vector: Vector) -> list[Vector]:
        """Every vector that differs from this one in one variable by one move (see
        Dimension.moves), variable by variable in the order given: the local search's
        neighbourhood."""
        found: list[Vector] = []
        for i, (dim, x) in enumerate(zip(self.dimensions, vector, strict=True)):
            found += [(*vector[:i], y, *vector[i + 1:]) for y in dim.moves(x)]
        return found

    def params(self, vector: Vector) -> dict[str, Any]:
        """The vector as {path: value or choice name}, for journals and reports."""
        return {d.path: d.label(x) for d, x in zip(self.dimensions, vector, strict=True)}

    def to_policy(self, vector: Vector, name: str | None = None) -> Policy:
        """The base policy with every variable set (validated again).

        Raises:
            PolicyError: the combination is not a valid policy (say, a discount window not
                shorter than the credit period).
        """
        policy = self.base
        terms_parts: dict[str, dict[str, float]] = {}
        levers: dict[str, list[str]] = {}  # per grade, the levers that set its terms
        # accepted grades first: `terms.*` means the grades this candidate accepts
        order = sorted(zip(self.dimensions, vector, strict=True),
                       key=lambda dx: dx[0].path != "accepted_grades")
        for dim, x in order:
            lever = f"{dim.path} = {dim.label(x)}"
            match = _TERMS_PART.match(dim.path)
            if match is None:
                try:
                    for path in _expand(policy, dim.path):
                        policy = policy.with_value(path,
                                                   _field_value(policy, path, dim.value(x)))
                except PolicyError as exc:
                    raise _lever_error(exc, lever) from exc
                continue
            grade, part = match.groups()
            grades = policy.accepted_grades if grade == "*" else (grade,)
            for g in grades:
                terms_parts.setdefault(g, {})[part] = float(dim.value(x))
                levers.setdefault(g, []).append(lever)
        for grade, parts in terms_parts.items():
            try:
                policy = _set_terms(policy, grade, parts)
            except PolicyError as exc:
                raise _lever_error(exc, ", ".join(levers[grade])) from exc
        if name is not None:
            policy = policy.model_copy(update={"name": name})
        return policy


def _lever_error(exc: PolicyError, levers: str) -> PolicyError:
    """A candidate's validation error naming the levers' values as the user gave them:
    the policy's own message shows the whole value it set (a grade's terms as a dict)."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        return PolicyError(f"{levers}: {_validation_reason(cause)}")
    return exc


def _expand(policy: Policy, path: str) -> list[str]:
    """The concrete paths a path with `*` stands for (itself when it has none)."""
    if "*" not in path:
        return [path]
    head, _, tail = path.partition("*")
    parent = head.rstrip(".")
    if parent == "terms":
        keys: list[str] = list(policy.accepted_grades)
    else:
        node = policy.get(parent) if parent else policy.model_dump(mode="json")
        keys = [str(k) for k in (node if isinstance(node, dict) else range(len(node)))]
    return [p for key in keys for p in _expand(policy, f"{head}{key}{tail}")]


def _field_value(policy: Policy, path: str, value: Any) -> Any:
    """Whole numbers go to integer fields as ints (collectors: 3, not 3.0)."""
    if isinstance(value, float) and value.is_integer():
        current = policy.get(path)
        if current is None or (isinstance(current, int) and not isinstance(current, bool)):
            return int(value)
    return value


def _set_terms(policy: Policy, grade: str, parts: dict[str, float]) -> Policy:
    """Set a grade's credit period and first discount tier from their parts."""
    current = policy.terms.get(grade)  # type: ignore[call-overload]
    if current is None:
        raise PolicyError(f"terms.{grade}: the policy sets no terms for grade {grade}")
    tiers = [t.model_dump() for t in current.discounts]
    rate = parts.get("discount_rate", tiers[0]["rate"] if tiers else 0.0)
    days = parts.get("discount_days", tiers[0]["window_days"] if tiers else None)
    if rate <= 0.0:
        tiers = []
    elif days is None:
        raise PolicyError(f"terms.{grade}.discount_rate: grade {grade}'s terms "
                          f"'{current.notation}' have no discount window; add a variable "
                          f"terms.{grade}.discount_days")
    else:
        tiers = [{"rate": rate, "window_days": days}, *tiers[1:]]
    net = parts.get("net_days", current.net_days)
    return policy.with_value(f"terms.{grade}", {"net_days": net, "discounts": tiers,
                                                "end_of_month": current.end_of_month})
