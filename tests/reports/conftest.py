"""Result documents made by hand, so that comparison and wording tests need no simulation."""

from __future__ import annotations

from typing import Any

import pytest

from arsim.sim.stats import summarise


def make_document(values: dict[str, list[float]], seeds: list[int], name: str = "p",
                  scenario: str = "s") -> dict[str, Any]:
    """A result document with the given per-replication metric values."""
    count = len(seeds)
    rows = [{k: v[i] for k, v in values.items()} for i in range(count)]
    return {
        "arsim_version": "test", "engine": "fast", "root_seed": 1,
        "scenario": {"name": scenario, "currency": "CNY"},
        "policy": {"name": name},
        "replications": [{"index": i, "seed": s, "metrics": rows[i]}
                         for i, s in enumerate(seeds)],
        "summary": {k: v.to_dict() for k, v in summarise(rows).items()},
        "discount_costs": {},
    }


@pytest.fixture
def document_maker() -> Any:
    return make_document
