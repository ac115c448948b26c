"""The prefetch hints: they compile for the arrays the kernel passes and change no value."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from numba.core.errors import TypingError

from arsim.sim.memory import prefetch, prefetch_at


@numba.njit
def _gather(values: np.ndarray, index: np.ndarray, table: np.ndarray) -> float:
    total = 0.0
    for j in range(index.size):
        if j + 1 < index.size:
            prefetch(values, index[j + 1])
            prefetch(table, index[j + 1])
            prefetch_at(table, index[j + 1], 2)
        total += values[index[j]] * table[index[j], 2]
    return total


@numba.njit
def _gather_plain(values: np.ndarray, index: np.ndarray, table: np.ndarray) -> float:
    total = 0.0
    for j in range(index.size):
        total += values[index[j]] * table[index[j], 2]
    return total


def test_hints_change_no_result() -> None:
    gen = np.random.default_rng(1)
    values, table = gen.random(10_000), gen.random((10_000, 5))
    index = gen.integers(0, 10_000, 5_000)
    assert _gather(values, index, table) == _gather_plain(values, index, table) > 0.0


def test_hints_on_int_and_narrow_arrays() -> None:
    @numba.njit
    def touch(a: np.ndarray, b: np.ndarray) -> int:
        prefetch(a, 3)
        prefetch(b, 1)
        prefetch_at(b, 1, 1)
        return int(a[3] + b[1, 1])

    assert touch(np.arange(5, dtype=np.int8), np.arange(6, dtype=np.int64).reshape(3, 2)) == 6


def test_prefetch_at_needs_two_dimensions() -> None:
    @numba.njit
    def bad(a: np.ndarray) -> None:
        prefetch_at(a, 1, 1)

    with pytest.raises(TypingError):
        bad(np.zeros(4))
