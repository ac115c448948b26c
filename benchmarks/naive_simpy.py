"""A naive SimPy model of the same invoices: one process per invoice, sleeping through its
ladder step by step. What a user would write by hand, kept here as the baseline that the
SimPy engine's design (a daily scheduler, planned courses, events only for collectors) is
measured against. Same orders, same draws, same payer responses; no credit limits, held
orders or collectors (which would only make it slower).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from arsim.sim.behaviour import RuleBook
from arsim.sim.draws import (
    COL_LAG,
    COL_STEPS,
    STEP_DRAWS,
    draw_customers,
    draw_orders,
    invoice_draws,
    max_multiplier,
)
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

__all__ = ["run_naive"]


def _invoice(env: simpy.Environment, rules: RuleBook, issue: float, net: float,
             row: np.ndarray, payer: int, ladder: tuple[Any, ...],
             paid: list[float]) -> Generator[simpy.Event, Any, None]:
    yield env.timeout(issue - env.now)
    due = issue + net
    unprompted = due + row[COL_LAG]
    for j, step in enumerate(ladder):
        when = due + step.day
        if when >= unprompted:
            break
        yield env.timeout(max(0.0, when - env.now))
        base = COL_STEPS + STEP_DRAWS * j
        chance = step.response[payer] * rules.age_factor(env.now - due)
        if row[base] < chance and row[base + 1] >= rules.breaks[payer]:
            unprompted = min(unprompted, env.now + rules.delay[payer])
            break
    if math.isfinite(unprompted):
        yield env.timeout(max(0.0, unprompted - env.now))
    paid.append(env.now)


def run_naive(scenario: Scenario, policy: Policy, seed: int) -> int:
    """Simulate every order the policy's terms keep, one process each; return the count."""
    end = scenario.horizon.warmup_days + scenario.horizon.horizon_days
    rules = RuleBook(scenario, policy, collectors_finite=False)
    customers = draw_customers(scenario, seed)
    orders = draw_orders(scenario, seed, max_multiplier(scenario), end)
    grade_of = [s.grade for s in scenario.segments]
    grades = np.asarray(grade_of)[customers.segment[orders.customer]]
    terms = {g: policy.terms.get(g) for g in "ABCD"}  # type: ignore[call-overload]
    keep = np.asarray([terms[g] is not None and g in policy.accepted_grades for g in grades])
    idx = np.flatnonzero(keep)
    draws = invoice_draws(seed, orders.customer[idx], orders.index[idx], rules.max_steps)
    payer = customers.payer[orders.customer[idx]]
    rules.prepare(draws, payer, customers.segment[orders.customer[idx]])
    env = simpy.Environment()
    paid: list[float] = []
    for k, i in enumerate(idx.tolist()):
        grade = str(grades[i])
        env.process(_invoice(env, rules, float(orders.time[i]), terms[grade].net_days,
                             draws[k], int(payer[k]), rules.ladders[grade], paid))
    env.run(until=end)
    return len(idx)
