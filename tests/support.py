"""Small scenarios for the unit tests, built in one place."""

from __future__ import annotations

from typing import Any

from arsim.sim.scenario import Scenario


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
