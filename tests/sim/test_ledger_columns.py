"""Pricing reads the ledger through contiguous column copies: same values, same figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsim.sim.costs import cost_breakdown
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.output import EngineOutput, by_customer, permute, stable_order
from arsim.sim.kpis import kpis
from arsim.sim.ledger import LEDGER_DTYPE
from arsim.sim.loader import apply_overrides, load
from arsim.sim.series import daily_series, month_end_aging

BACKLOG = Path(__file__).parents[2] / "scenarios" / "backlog.yaml"


def _out() -> tuple[object, object, EngineOutput]:
    scenario, policy = load(BACKLOG)
    scenario, policy = apply_overrides(scenario, policy, [
        "collections.collectors=null", "scenario.segments.0.customers=50",
        "scenario.segments.1.customers=300", "scenario.segments.2.customers=300",
        "scenario.segments.3.customers=50", "scenario.horizon.horizon_days=200"])
    return scenario, policy, run_fast(scenario, policy, 9)


def test_columns_are_contiguous_copies_of_every_field_read_once() -> None:
    _, _, out = _out()
    columns = out.columns()
    assert list(columns) == list(out.ledger.dtype.names or ())
    for name in columns:
        assert columns[name].flags.c_contiguous
        np.testing.assert_array_equal(columns[name], out.ledger[name])
    assert columns["amount"] is columns["amount"]  # copied once
    assert out.columns() is columns  # cached while the ledger is the same
    out.ledger = out.ledger[:10]
    assert out.columns() is not columns and len(out.columns()["amount"]) == 10


def test_pricing_from_columns_equals_pricing_from_the_ledger(
        monkeypatch: pytest.MonkeyPatch) -> None:
    scenario, policy, out = _out()
    end, start = out.window[1], out.window[0]
    fast = {**cost_breakdown(scenario, policy, out), **kpis(scenario, policy, out)}
    daily = daily_series(out.columns(), end, start)
    aging = month_end_aging(out.columns(), end, 365)
    monkeypatch.setattr(EngineOutput, "columns", lambda self: self.ledger)
    plain = {**cost_breakdown(scenario, policy, out), **kpis(scenario, policy, out)}
    assert fast.keys() == plain.keys()
    for key, value in fast.items():
        assert value == plain[key] or (math.isnan(value) and math.isnan(plain[key])), key
    for got, want in ((daily, daily_series(out.ledger, end, start)),
                      (aging, month_end_aging(out.ledger, end, 365))):
        for key in got:
            np.testing.assert_array_equal(got[key], want[key])


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 300), st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 2, 3, 5, 11]),
       st.sampled_from(["random", "sorted", "reversed", "by_block"]))
def test_permuting_a_ledger_in_place_is_fancy_indexing(n: int, seed: int, shift: int,
                                                       kind: str) -> None:
    """Blocks of one row to more than the ledger, permutations with every row away from its
    block, rows already in place, and whole blocks swapped: ledger[order], bit for bit."""
    gen = np.random.default_rng(seed)
    ledger = np.zeros(n, dtype=LEDGER_DTYPE)
    ledger["customer"] = gen.integers(0, 20, n)
    ledger["amount"] = gen.random(n)
    ledger["grade"] = gen.choice(list("ABCD"), n)
    ledger["settle_day"] = np.arange(n)  # (every row told apart)
    order = {"random": gen.permutation(n), "sorted": np.arange(n),
             "reversed": np.arange(n)[::-1],
             "by_block": np.argsort(gen.permutation(max(n, 1))[np.arange(n) >> shift]
                                    * n + np.arange(n), kind="stable")}[kind]
    want = ledger[order].copy()
    permute(ledger, order, shift)
    assert ledger.tobytes() == want.tobytes()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 400), st.integers(1, 1000), st.integers(0, 2**32 - 1))
def test_the_fast_sorts_give_the_stable_order(n: int, distinct: int, seed: int) -> None:
    """Times with and without ties, customers with many rows each: the vectorised sort with
    its fall-back, and the unique-key sort, give np.argsort(kind="stable")'s order."""
    gen = np.random.default_rng(seed)
    times = gen.integers(0, distinct, n) / 7.0  # few distinct values: ties likely
    np.testing.assert_array_equal(stable_order(times), np.argsort(times, kind="stable"))
    spread = gen.random(n) * 900.0
    np.testing.assert_array_equal(stable_order(spread), np.argsort(spread, kind="stable"))
    few = spread.copy()  # a few ties, and runs of three, among distinct keys: set right
    if n > 1:           # run by run after the fast sort
        picked = gen.integers(0, n, size=(min(n // 2, 20), 2))
        few[picked[:, 0]] = few[picked[:, 1]]
    np.testing.assert_array_equal(stable_order(few), np.argsort(few, kind="stable"))
    customer = gen.integers(0, distinct, n).astype(np.int32)
    np.testing.assert_array_equal(by_customer(customer), np.argsort(customer, kind="stable"))
    within = gen.permutation(n)  # by customer, then by another order of the rows
    np.testing.assert_array_equal(by_customer(customer, within), np.lexsort((within, customer)))

