"""Comparisons: paired on common seeds, Welch otherwise; every metric, read by name."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from arsim.reports.compare import (
    compare,
    comparison_document,
    comparison_frame,
    unique_labels,
    write_comparison,
)
from arsim.reports.text import render_comparison
from arsim.sim.errors import ArsimError
from arsim.sim.stats import paired_difference, welch_difference

A = {"total_cost": [100.0, 110.0, 120.0, 130.0], "dso": [30.0, 31.0, 29.0, 30.0]}
# B costs 10 less on every seed, with much spread between seeds: only pairing sees it
B = {"total_cost": [90.0, 100.0, 110.0, 120.0], "dso": [30.0, 31.5, 28.0, 30.5]}


def test_same_seeds_are_paired_and_the_shared_spread_cancels(document_maker: Any) -> None:
    comparison = compare([document_maker(A, [1, 2, 3, 4], "a"),
                          document_maker(B, [1, 2, 3, 4], "b")])
    assert comparison.paired and comparison.labels == ("a", "b")
    total = next(r for r in comparison.rows if r.metric == "total_cost")
    diff = total.differences[1]
    assert diff is not None and total.differences[0] is None
    assert diff.mean == pytest.approx(-10.0)
    assert diff == paired_difference(B["total_cost"], A["total_cost"])
    assert diff.half_width == 0.0 and total.significant(1)
    # the estimates shown are result.json's own
    assert total.estimates[0].mean == pytest.approx(115.0)
    dso = next(r for r in comparison.rows if r.metric == "dso")
    assert not dso.significant(1)


def test_different_seeds_are_compared_unpaired_with_welch(document_maker: Any) -> None:
    comparison = compare([document_maker(A, [1, 2, 3, 4]), document_maker(B, [5, 6, 7, 8])])
    assert not comparison.paired
    total = next(r for r in comparison.rows if r.metric == "total_cost")
    assert total.differences[1] == welch_difference(B["total_cost"], A["total_cost"])
    assert not total.significant(1)  # the same -10 is lost in the spread between seeds
    text = render_comparison(comparison)
    assert "Unpaired comparison" in text and "Welch" in text


def test_a_metric_added_later_appears_without_code_changes(document_maker: Any) -> None:
    newer = {**B, "new_fee_cost": [1.0, 2.0, 3.0, 4.0]}
    comparison = compare([document_maker(A, [1, 2, 3, 4]), document_maker(newer, [1, 2, 3, 4])])
    row = next(r for r in comparison.rows if r.metric == "new_fee_cost")
    assert math.isnan(row.estimates[0].mean) and row.estimates[1].mean == 2.5
    assert "new fee cost" in render_comparison(comparison)


def test_comparison_files_hold_every_metric_and_run(tmp_path: Path,
                                                    document_maker: Any) -> None:
    comparison = compare([document_maker(A, [1, 2, 3, 4], "p"),
                          document_maker(B, [1, 2, 3, 4], "p")])
    assert comparison.labels == ("p", "p (2)")
    written = write_comparison(comparison, tmp_path / "out", ["a/result.json", "b/result.json"])
    assert [p.name for p in written] == ["comparison.json", "comparison.csv"]
    document = json.loads((tmp_path / "out" / "comparison.json").read_text(encoding="utf-8"))
    assert document == json.loads(json.dumps(comparison_document(
        comparison, ["a/result.json", "b/result.json"])))
    assert document["kind"] == "comparison" and document["paired"] is True
    assert [m["metric"] for m in document["metrics"]] == ["total_cost", "dso"]
    assert document["metrics"][0]["runs"][1]["difference"]["mean"] == pytest.approx(-10.0)
    assert document["metrics"][0]["runs"][0]["difference"] is None
    frame = pd.read_csv(tmp_path / "out" / "comparison.csv")
    assert len(frame) == 4
    pd.testing.assert_frame_equal(frame, comparison_frame(comparison), check_dtype=False)
    assert frame["significant"].tolist() == [False, True, False, False]


def test_one_run_is_not_a_comparison(document_maker: Any) -> None:
    with pytest.raises(ArsimError, match="at least two"):
        compare([document_maker(A, [1, 2, 3, 4])])
    with pytest.raises(ArsimError, match="labels"):
        compare([document_maker(A, [1]), document_maker(A, [1])], ["only one"])


def test_labels_are_made_unique() -> None:
    assert unique_labels(["a", "b", "a", "a"]) == ["a", "b", "a (2)", "a (3)"]


def test_the_text_table_cuts_no_label(document_maker: Any) -> None:
    """Labels are shown whole: cut at a fixed width, the allowance at the start and at the
    end of the window read the same, and two policies named alike ('tiny policy' and
    'tiny policy (2)') gave one difference header 'tiny policy  − tiny policy'."""
    start, end = "allowance_start", "allowance_end"
    runs = {**A, start: [1.0, 1.0, 1.0, 1.0], end: [2.0, 2.0, 2.0, 2.0]}
    comparison = compare([document_maker(runs, [1, 2, 3, 4], "tiny policy"),
                          document_maker(runs, [1, 2, 3, 4], "tiny policy")])
    text = render_comparison(comparison)
    assert "tiny policy (2) − tiny policy" in text
    lines = {line.split("  ")[1] for line in text.splitlines()[4:] if line.startswith("  ")}
    names = [n for n in lines if n.startswith("allowance")]
    assert len(names) == 2 and len(set(names)) == 2
