"""The finite collector team against queueing theory (Erlang C, M/M/c)."""

from __future__ import annotations

import math
from pathlib import Path

from arsim.sim.loader import load
from arsim.sim.replicate import run

HERE = Path(__file__).parent / "scenarios"


def erlang_c_wait(arrivals: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    load_ = arrivals / service_rate
    rho = load_ / servers
    top = load_**servers / math.factorial(servers) / (1.0 - rho)
    bottom = sum(load_**k / math.factorial(k) for k in range(servers)) + top
    return (top / bottom) / (servers * service_rate - arrivals)


def test_erlang_c_formula_matches_the_two_server_closed_form() -> None:
    rho = 0.8
    closed_form = (2 * rho**2 / (1 + rho)) / (4.0 - 3.2)
    assert math.isclose(erlang_c_wait(3.2, 2.0, 2), closed_form, rel_tol=1e-12)
    # one server: M/M/1, Wq = rho / (mu - lambda)
    assert math.isclose(erlang_c_wait(0.5, 1.0, 1), 0.5 / 0.5, rel_tol=1e-12)


def test_collector_wait_and_utilisation_match_erlang_c() -> None:
    scenario, policy = load(HERE / "erlang_c.yaml")
    result = run(scenario, policy)
    wait = result.summary["collector_wait_days"]
    utilisation = result.summary["collector_utilisation"]
    theory_wait = erlang_c_wait(3.2, 2.0, 2)
    assert math.isclose(theory_wait, 0.8889, abs_tol=1e-4)
    assert wait.covers(theory_wait), (wait, theory_wait)
    assert utilisation.covers(0.8), (utilisation, 0.8)
    # and the interval is tight enough to mean something
    assert wait.half_width < 0.25 * theory_wait
    assert result.summary["collector_tasks_dropped"].mean == 0.0
