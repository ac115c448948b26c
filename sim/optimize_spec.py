"""The `optimize:` block of a scenario file: what the optimiser may change and how it decides.

Plain validated data, like the scenario and the policy; `arsim.optimizers` does the search. It
lives here so that the loader can validate the block (unknown keys refused with the nearest
valid one, file and line in the message) even when the file is only run or validated.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from .scenario import Frozen, Share

__all__ = ["Constraint", "OptimizeSpec", "SearchReplications", "Variable"]

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


class Variable(Frozen):
    """One decision variable: a policy field by its dotted path, with its range or choices."""

    path: Annotated[
        str,
        Field(min_length=1, description="Policy path, e.g. 'terms.B.net_days', "
              "'terms.*.net_days' (every accepted grade at once), 'terms.B.discount_rate', "
              "'terms.B.discount_days', 'late_penalty.rate_annual', 'collections.collectors', "
              "'ladder.2.day', 'accepted_grades', 'ladder'."),
    ]
    low: Annotated[float | None, Field(description="Smallest value (numeric variables).")] = None
    high: Annotated[float | None, Field(description="Largest value (numeric variables).")] = None
    step: Annotated[
        float | None,
        Field(gt=0.0, description="Grid spacing from low; null = continuous (differential "
              "evolution only)."),
    ] = None
    choices: Annotated[
        tuple[Any, ...] | dict[str, Any] | None,
        Field(description="The values to choose among (a list), or named values (a mapping "
              "name -> value, e.g. whole ladders); replaces low/high/step."),
    ] = None

    @model_validator(mode="after")
    def _range_or_choices(self) -> Variable:
        if self.choices is not None:
            if self.low is not None or self.high is not None or self.step is not None:
                raise ValueError(f"variable {self.path}: give either choices or low/high/step")
            if len(self.choices) < 1:
                raise ValueError(f"variable {self.path}: choices is empty")
            return self
        if self.low is None or self.high is None:
            raise ValueError(f"variable {self.path}: give low and high (or choices)")
        if self.high < self.low:
            raise ValueError(f"variable {self.path}: high {self.high:g} is below low "
                             f"{self.low:g}")
        return self


class Constraint(Frozen):
    """A bound on a KPI: on its mean, or (with `probability`) a chance constraint. Write it
    as a mapping or as text: `dso <= 45` is `{kpi: dso, max: 45}`."""

    kpi: Annotated[str, Field(min_length=1, description="Metric name, e.g. 'dso', "
                              "'bad_debt_ratio', 'recovery_rate' (as in result.json).")]
    max: Annotated[float | None, Field(description="Upper bound.")] = None
    min: Annotated[float | None, Field(description="Lower bound.")] = None
    probability: Annotated[
        Share | None,
        Field(description="Chance constraint: the bound must hold in at least this share of "
              "replications (null: the bound is on the mean)."),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _read_text(cls, data: Any) -> Any:
        """Accept 'dso <= 45' as a shorthand for {kpi: dso, max: 45}."""
        if not isinstance(data, str):
            return data
        match = _CONSTRAINT.match(data)
        if match is None:
            raise ValueError(f"cannot read constraint {data!r}: write it as 'kpi <= value' or "
                             "'kpi >= value', e.g. 'dso <= 45'")
        kpi, op, value = match.groups()
        return {"kpi": kpi, "max" if op == "<=" else "min": float(value)}

    @model_validator(mode="after")
    def _one_bound(self) -> Constraint:
        if (self.max is None) == (self.min is None):
            raise ValueError(f"constraint on {self.kpi}: give exactly one of max or min")
        return self


class SearchReplications(Frozen):
    """How many replications each stage gives a candidate."""

    search: Annotated[int, Field(ge=1, le=1000, description="First look at every candidate "
                                 "in the search.")] = 4
    search_max: Annotated[int, Field(ge=1, le=10000, description="Most a promising candidate "
                                     "gets in the search (the budget doubles up to this).")] = 16
    select_first: Annotated[int, Field(ge=2, le=1000, description="First stage of the "
                                       "ranking-and-selection among finalists (KN's n0).")] = 10
    select_max: Annotated[int, Field(ge=2, le=100000, description="Most a finalist gets in "
                                     "the selection.")] = 200
    recheck: Annotated[int, Field(ge=2, le=100000, description="Fresh-seed replications of "
                                  "the winner and the incumbent.")] = 30

    @model_validator(mode="after")
    def _ordered(self) -> SearchReplications:
        if self.search_max < self.search:
            raise ValueError(f"replications.search_max {self.search_max} is below "
                             f"replications.search {self.search}")
        if self.select_max < self.select_first:
            raise ValueError(f"replications.select_max {self.select_max} is below "
                             f"replications.select_first {self.select_first}")
        return self


class OptimizeSpec(Frozen):
    """What `arsim optimize` searches, for what, under which constraints and budgets."""

    variables: Annotated[tuple[Variable, ...], Field(min_length=1, description="The "
                                                     "decision variables.")]
    objective: Annotated[
        Literal["min_total_cost", "max_profit"],
        Field(description="Minimise total_cost, or maximise net_margin (contribution margin "
              "less every cost but the forgone margin)."),
    ] = "min_total_cost"
    constraints: Annotated[tuple[Constraint, ...], Field(description="KPI bounds every "
                                                         "returned policy must meet.")] = ()
    method: Annotated[
        Literal["auto", "grid", "evolution"],
        Field(description="grid: every point; evolution: differential evolution; auto: grid "
              "when every variable has a step or choices and the grid has at most grid_limit "
              "points."),
    ] = "auto"
    grid_limit: Annotated[int, Field(ge=1, description="Largest grid auto searches "
                                     "exhaustively.")] = 200
    generations: Annotated[int, Field(ge=1, le=10000, description="Differential evolution: "
                                      "most generations.")] = 20
    population: Annotated[int, Field(ge=4, le=1000, description="Differential evolution: "
                                     "candidates per generation.")] = 16
    polish_rounds: Annotated[int, Field(ge=0, le=1000, description="Differential evolution: "
                                        "most rounds of the local polish after it, each "
                                        "trying every one-lever move from the best candidate "
                                        "(0: no polish; a grid has none).")] = 3
    finalists: Annotated[int, Field(ge=1, le=50, description="Best candidates of the search "
                                    "passed to the selection.")] = 5
    indifference_zone: Annotated[
        float | None,
        Field(gt=0.0, description="Smallest difference in the objective worth detecting "
              "(money per year); null = 0.5% of the incumbent's objective."),
    ] = None
    confidence: Annotated[
        float, Field(gt=0.5, lt=1.0, description="Confidence of the selection, the "
                     "constraints and the interval on the saving.")
    ] = 0.95
    replications: SearchReplications = SearchReplications()
    budget: Annotated[int | None, Field(ge=1, description="Most replications in all "
                                        "(null: no limit); --budget overrides.")] = None
    time_limit_seconds: Annotated[float | None, Field(gt=0.0, description="Wall-time limit "
                                                      "(null: none); --time-limit overrides.")
                                  ] = None

    @field_validator("variables")
    @classmethod
    def _paths_unique(cls, variables: tuple[Variable, ...]) -> tuple[Variable, ...]:
        paths = [v.path for v in variables]
        repeated = sorted({p for p in paths if paths.count(p) > 1})
        if repeated:
            raise ValueError(f"variables repeat a path: {', '.join(repeated)}")
        return variables
