"""Hypothesis properties of arsim.sim.streams: range, prefix stability, order independence."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from arsim.sim.streams import Stream, categorical, exponential, philox4x32, uniform, uniforms

seeds = st.integers(min_value=0, max_value=2**64 - 1)
streams = st.sampled_from(list(Stream))
ids = st.integers(min_value=0, max_value=2**32 - 1)
counts = st.integers(min_value=1, max_value=13)  # crosses several 4-word Philox blocks


@st.composite
def id_pairs(draw: st.DrawFn, max_size: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Equal-length customer and invoice id arrays (duplicates allowed, as in real books)."""
    n = draw(st.integers(min_value=1, max_value=max_size))
    customers = draw(st.lists(ids, min_size=n, max_size=n))
    invoices = draw(st.lists(ids, min_size=n, max_size=n))
    return np.array(customers, dtype=np.uint64), np.array(invoices, dtype=np.uint64)


@settings(deadline=None)
@given(seed=seeds, stream=streams, pairs=id_pairs(), count=counts)
def test_values_strictly_inside_unit_interval(
    seed: int, stream: Stream, pairs: tuple[np.ndarray, np.ndarray], count: int
) -> None:
    customers, invoices = pairs
    u = uniforms(seed, stream, customers, invoices, count)
    assert u.shape == (customers.size, count)
    assert u.dtype == np.float64
    assert np.all((u > 0.0) & (u < 1.0))


@settings(deadline=None)
@given(seed=seeds, stream=streams, pairs=id_pairs(), count=counts, extra=counts)
def test_prefix_property(
    seed: int, stream: Stream, pairs: tuple[np.ndarray, np.ndarray], count: int, extra: int
) -> None:
    customers, invoices = pairs
    long = uniforms(seed, stream, customers, invoices, count + extra)
    np.testing.assert_array_equal(
        uniforms(seed, stream, customers, invoices, count), long[:, :count]
    )


@settings(deadline=None)
@given(seed=seeds, stream=streams, pairs=id_pairs(), count=counts, data=st.data())
def test_order_independence(
    seed: int,
    stream: Stream,
    pairs: tuple[np.ndarray, np.ndarray],
    count: int,
    data: st.DataObject,
) -> None:
    customers, invoices = pairs
    batch = uniforms(seed, stream, customers, invoices, count)
    perm = np.array(data.draw(st.permutations(range(customers.size))), dtype=np.intp)
    permuted = uniforms(seed, stream, customers[perm], invoices[perm], count)
    np.testing.assert_array_equal(permuted, batch[perm])
    # Any single row drawn on its own (as an event-driven engine would) is the same row.
    row = data.draw(st.integers(min_value=0, max_value=customers.size - 1))
    alone = uniforms(seed, stream, int(customers[row]), int(invoices[row]), count)
    np.testing.assert_array_equal(alone[0], batch[row])
    assert (
        uniform(seed, stream, int(customers[row]), int(invoices[row]), count - 1)
        == batch[row, count - 1]
    )


@settings(deadline=None)
@given(
    counters=st.lists(st.tuples(ids, ids, ids, ids), min_size=1, max_size=20),
    key=st.tuples(ids, ids),
)
def test_philox_rows_do_not_interact(
    counters: list[tuple[int, int, int, int]], key: tuple[int, int]
) -> None:
    batch = philox4x32(np.array(counters, dtype=np.uint64), key)
    assert batch.dtype == np.uint32
    for i, counter in enumerate(counters):
        np.testing.assert_array_equal(
            philox4x32(np.array([counter], dtype=np.uint64), key)[0], batch[i]
        )


@given(
    u=st.lists(st.floats(min_value=1e-12, max_value=1 - 1e-12), min_size=1, max_size=50),
    raw_shares=st.lists(st.floats(min_value=0.0, max_value=10.0), min_size=1, max_size=8).filter(
        lambda s: sum(s) > 1e-3
    ),
)
def test_categorical_returns_valid_positive_share_index(
    u: list[float], raw_shares: list[float]
) -> None:
    shares = np.array(raw_shares) / np.sum(raw_shares)
    idx = categorical(np.array(u), shares)
    assert np.all((idx >= 0) & (idx < shares.size))
    assert np.all(shares[idx] > 0)


@given(
    u=st.lists(st.floats(min_value=1e-12, max_value=1 - 1e-12), min_size=2, max_size=50),
    mean=st.floats(min_value=1e-3, max_value=1e6),
)
def test_exponential_is_monotone_and_non_negative(u: list[float], mean: float) -> None:
    us = np.sort(np.array(u))
    x = exponential(us, mean)
    assert np.all(x >= 0)
    assert np.all(np.diff(x) >= 0)
