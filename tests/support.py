"""Small scenarios for the unit tests, built in one place."""

from __future__ import annotations

import math
from typing import Any

from arsim.sim.replicate import RunResult
from arsim.sim.scenario import Scenario


def assert_same_figures(a: RunResult, b: RunResult) -> None:
    """Two runs priced every replication alike: the same metrics, equal to the last bit
    (NaN where either has NaN)."""
    for one, two in zip(a.replications, b.replications, strict=True):
        assert one.metrics.keys() == two.metrics.keys()
        for name, x in one.metrics.items():
            y = two.metrics[name]
            assert x == y or (math.isnan(x) and math.isnan(y)), name


def one_segment(name: str, days: float, *, customers: int, orders_per_year: float,
                amount_cv: float, mix: dict[str, float], segment: dict[str, Any] | None = None,
                **top: Any) -> Scenario:
    """One grade-B segment of customers ordering 1,000 on average, measured from day 0 for
    `days`, nobody lost after a dunning step; `segment` and `top` add or replace keys."""
    seg = {"name": "s", "customers": customers, "grade": "B",
           "orders_per_year": orders_per_year, "order_amount": {"mean": 1000, "cv": amount_cv},
           "payer_mix": mix, **(segment or {})}
    demand = {"customer_loss": {"after_action": {}}, **top.pop("demand", {})}
    return Scenario.model_validate({
        "name": name,
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": days},
        "segments": [seg], "demand": demand, **top,
    })
