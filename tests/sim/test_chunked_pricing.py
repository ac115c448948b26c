"""A replication priced a chunk of customers at a time gives the same bits as one priced from
its whole ledger (issue 16: 1,000,000 customers in one process, "the same bits as today")."""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsim.sim.costs import allowance_at, ar_integral
from arsim.sim.engine import fast
from arsim.sim.errors import EngineError
from arsim.sim.ledger import LEDGER_DTYPE, Ledger, check_conservation
from arsim.sim.loader import apply_overrides, load
from arsim.sim.policy import Policy
from arsim.sim.replicate import Replication, replicate
from arsim.sim.scenario import Scenario
from arsim.sim.totals import LedgerTotals, blocks, totals_of

BACKLOG = Path(__file__).parents[2] / "scenarios" / "backlog.yaml"


def _small() -> tuple[Scenario, Policy]:
    """The backlog scenario (an opening book, every grade) with 700 customers."""
    scenario, policy = load(BACKLOG)
    return apply_overrides(scenario, policy, [
        "collections.collectors=null", "scenario.segments.0.customers=50",
        "scenario.segments.1.customers=300", "scenario.segments.2.customers=300",
        "scenario.segments.3.customers=50", "scenario.horizon.horizon_days=400"])


def _same(got: Replication, want: Replication) -> None:
    assert got.metrics.keys() == want.metrics.keys()
    for key, value in want.metrics.items():
        assert got.metrics[key] == value or (math.isnan(value)
                                             and math.isnan(got.metrics[key])), key
    for mine, theirs in ((got.daily, want.daily), (got.aging, want.aging)):
        assert mine.keys() == theirs.keys()
        for key in theirs:
            assert np.array_equal(mine[key], theirs[key]), key


@pytest.mark.parametrize("rows", [1, 300])
def test_chunks_of_a_few_dozen_customers_price_as_the_whole_ledger(
        monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """Chunks of at most 300 rows (about 37 customers each here), and of one row (room made
    for the busiest customer: a customer or a few at a time)."""
    scenario, policy = _small()
    whole = replicate(scenario, policy, seed=3, keep_ledger=True, engine="fast")
    assert whole.ledger is not None
    seen: list[Ledger] = []
    run_fast = fast.run_fast

    def watched(*args: object, chunks: fast.Chunks | None = None, **kwargs: object
                ) -> fast.EngineOutput:
        def keep(chunk: np.ndarray) -> None:
            seen.append(chunk.copy())
            assert chunks is not None
            chunks(chunk)
        return run_fast(*args, chunks=keep, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fast, "CHUNK_ROWS", rows)
    # (the module, not the function of the same name that arsim.sim exports)
    monkeypatch.setattr(sys.modules["arsim.sim.replicate"], "run_fast", watched)
    chunked = replicate(scenario, policy, seed=3, engine="fast")
    assert chunked.ledger is None
    # (newcomers who arrive late have few invoices, so a chunk may hold many of them)
    customers = [np.unique(chunk["customer"]).size for chunk in seen]
    assert len(seen) > 15 and max(customers) < whole.ledger.size / 15
    # the same rows in the same order, a chunk ending where a customer does
    assert np.concatenate(seen).tobytes() == whole.ledger.tobytes()
    assert all(a["customer"][-1] != b["customer"][0] for a, b in itertools.pairwise(seen))
    _same(chunked, whole)


def test_the_simpy_engine_prices_its_whole_ledger_as_the_fast_engine_its_chunks() -> None:
    scenario, policy = _small()
    scenario, policy = apply_overrides(scenario, policy, ["scenario.horizon.horizon_days=120"])
    _same(replicate(scenario, policy, seed=4, engine="fast"),
          replicate(scenario, policy, seed=4, engine="des"))


@pytest.fixture(scope="module")
def ledger() -> tuple[Scenario, tuple[float, float], Ledger]:
    scenario, policy = _small()
    out = fast.run_fast(scenario, policy, 5)
    return scenario, out.window, out.ledger


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 10_000), max_size=12), st.integers(300, 5_000))
def test_totals_do_not_depend_on_where_the_ledger_is_cut(
        ledger: tuple[Scenario, tuple[float, float], Ledger], cuts: list[int],
        block: int) -> None:
    scenario, window, rows = ledger
    whole = totals_of(scenario, window, rows)
    pieces = LedgerTotals(scenario, window)
    edges = [0, *sorted(min(c, len(rows)) for c in cuts), len(rows)]
    for lo, hi in itertools.pairwise(edges):
        for part in blocks(rows[lo:hi], block):
            pieces.add(part.ledger)
    assert pieces.rows == whole.rows == len(rows)
    got, want = pieces.pricing, whole.pricing
    assert got.scalars.tobytes() == want.scalars.tobytes()
    assert got.counts == want.counts
    for name in ("monthly", "end_aging", "by_grade", "by_segment"):
        assert getattr(got, name).tobytes() == getattr(want, name).tobytes(), name
    assert pieces.daily.sums.tobytes() == whole.daily.sums.tobytes()
    assert pieces.aging.sums.tobytes() == whole.aging.sums.tobytes()


def test_the_sums_are_the_ledger_functions_sums(
        ledger: tuple[Scenario, tuple[float, float], Ledger]) -> None:
    """One definition: the folds equal costs.ar_integral and allowance_at, and a plain sum
    in row order, bit for bit (NumPy's pairwise sum can differ in the last bits)."""
    scenario, window, rows = ledger
    sums = totals_of(scenario, window, rows).pricing
    start, end = window
    assert sums["ar_full"] + sums["ar_reduced"] == ar_integral(rows, start, end)
    rates = scenario.company.provision_rates
    assert sums["allowance_end"] == allowance_at(rows, end, rates)
    issued = rows["amount"][(rows["issue_day"] >= start) & (rows["issue_day"] < end)]
    total = 0.0
    for value in issued.tolist():
        total += value
    assert sums["sales"] == total


def test_a_chunk_names_a_broken_invoice_by_its_place_in_the_whole_ledger() -> None:
    rows = np.zeros(3, dtype=LEDGER_DTYPE)
    rows["amount"] = rows["paid"] = 10.0
    rows["paid"][1] = 9.0
    with pytest.raises(EngineError, match="invoice 101:"):
        check_conservation(rows, first=100)
