"""Scenarios for the optimiser's tests: a textbook one with a closed-form optimum."""

from __future__ import annotations

from pathlib import Path

import yaml

#: The closed-form scenario's parameters (see closed_form_optimum for the derivation).
VC, RATE, BAD, A, B, YEAR = 0.8, 0.3, 0.025, 0.7, 0.005, 360


def closed_form_text(net_days: range = range(15, 125, 5), optimize: dict | None = None,
                     incumbent: str = "N/30") -> str:
    """A deterministic scenario: every invoice paid on its due date, 2.5% bad debt at every
    credit period, demand linear in the credit period (0.7 at 0 days, 1.3 at 120)."""
    patterns = {f"N/{n}": {"classes": [{"share": 1.0, "pays": "due"}], "bad_debt_share": BAD}
                for n in net_days}
    data: dict = {
        "name": "closed-form",
        "conventions": {"days_in_year": YEAR, "opportunity_cost_base": "variable_cost"},
        "company": {"variable_cost_ratio": VC, "cost_of_capital_annual": RATE},
        "horizon": {"warmup_days": 180, "horizon_days": 360, "replications": 1},
        "segments": [{"name": "all", "customers": 10, "grade": "B", "orders_per_year": 36,
                      "order_amount": {"mean": 1000.0}, "payer_mix": {"on_time": 1.0}}],
        "demand": {"credit_period_multiplier": [[0, A], [120, A + 120 * B]],
                   "discount_multiplier": [[0, 1.0]]},
        "deterministic": {"patterns": patterns},
        "policy": {"name": incumbent, "accepted_grades": ["B"], "terms": {"B": incumbent},
                   "write_off": {"days_overdue": None}},
    }
    if optimize is not None:
        data["optimize"] = optimize
    return yaml.safe_dump(data, sort_keys=False)


def write_closed_form(folder: Path, **kwargs: object) -> Path:
    path = folder / "closed_form.yaml"
    path.write_text(closed_form_text(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path
