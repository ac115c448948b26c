"""A textbook scenario whose best credit period is known in closed form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from arsim.optimizers.journal import Journal
from arsim.optimizers.optimize import OptimizeResult, optimize
from arsim.optimizers.study import Progress
from arsim.sim.loader import load_text
from arsim.sim.optimize_spec import OptimizeSpec

#: The closed-form scenario's parameters (see closed_form_optimum for the derivation).
VC, RATE, BAD, A, B, YEAR = 0.8, 0.3, 0.025, 0.7, 0.005, 360


def closed_form_text(net_days: range = range(30, 95, 5), optimize: dict | None = None,
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


def optimize_closed_form(net_days: range = range(30, 95, 5), seed: int = 1,
                         journal: Journal | None = None, resume: bool = False,
                         progress: Progress | None = None, **spec: Any) -> OptimizeResult:
    """`optimize` on the closed-form scenario (patterns for `net_days`) with the spec's keys."""
    scenario, policy = load_text(closed_form_text(net_days))
    return optimize(scenario, policy, OptimizeSpec.model_validate(spec), seed=seed,
                    journal=journal, resume=resume, progress=progress)


def write_closed_form(folder: Path, **kwargs: object) -> Path:
    path = folder / "closed_form.yaml"
    path.write_text(closed_form_text(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path


def closed_form_optimum() -> float:
    """The credit period N* that minimises total cost in the closed-form scenario.

    Every invoice is paid on its due date N days after issue, so receivables are S(N) N / Y
    and, at variable cost, the opportunity cost is S(N) N / Y x VC x RATE; bad debt is a
    fixed share BAD of credit sales; demand is linear, m(N) = A + B N, so credit sales are
    S(N) = S0 m(N), and the shortage is the margin between the market's reference (demand
    response 1, no market terms being stated) and what the policy sells, (1 - VC) S0 (1 - m(N)).
    With k = VC x RATE / Y:

        T(N) / S0 = (A + B N)(k N + BAD) + (1 - VC)(1 - A - B N)
        T'(N) / S0 = 2 B k N + A k + B BAD - (1 - VC) B = 0
        N* = ((1 - VC - BAD) B - A k) / (2 B k)

    With VC = 0.8, RATE = 0.3, Y = 360, BAD = 0.025, A = 0.7, B = 0.005: k = 1/1500 and
    N* = (0.000875 - 0.000466667) / 0.0000066667 = 61.25 days. T is a parabola, so on a grid
    of step 5 the best point is the one nearest N*: 60.
    """
    k = VC * RATE / YEAR
    return ((1 - VC - BAD) * B - A * k) / (2 * B * k)


def closed_form_cost(net_days: float, credit_sales_at_1: float) -> float:
    """T(N) for sales S0 (at multiplier 1), as derived in closed_form_optimum."""
    k = VC * RATE / YEAR
    m = A + B * net_days
    return credit_sales_at_1 * (m * (k * net_days + BAD) + (1 - VC) * (1.0 - m))
