"""Policies side by side: every metric, and each policy's difference from the first.

A comparison is made from result documents (the content of result.json), so comparing
fresh runs and comparing saved files are one code path, and every number it shows is one
that result.json holds or a difference of replications that result.json lists. Runs made on
the same seeds are paired (common random numbers: the interval of the per-seed differences);
otherwise the difference gets Welch's interval for independent samples and the comparison
says so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from arsim import __version__
from arsim.sim.errors import ArsimError
from arsim.sim.stats import Estimate, paired_difference, welch_difference

from .export import jsonable, write_all

__all__ = ["Comparison", "MetricRow", "compare", "comparison_document", "comparison_frame",
           "estimate_from", "unique_labels", "write_comparison"]


@dataclass(frozen=True)
class MetricRow:
    """One metric: each run's estimate and each run's difference from the first run."""

    metric: str
    estimates: tuple[Estimate, ...]
    differences: tuple[Estimate | None, ...]  # None for the first run (the baseline)

    def significant(self, index: int) -> bool:
        """Whether run ``index`` differs from the first: its interval excludes zero."""
        diff = self.differences[index]
        return (diff is not None and math.isfinite(diff.half_width) and diff.n > 1
                and not diff.covers(0.0))


@dataclass(frozen=True)
class Comparison:
    """Several runs of policies compared metric by metric against the first."""

    labels: tuple[str, ...]
    documents: tuple[dict[str, Any], ...]
    paired: bool
    same_scenario: bool
    rows: tuple[MetricRow, ...]


def estimate_from(entry: Mapping[str, Any] | None) -> Estimate:
    """An Estimate from its result.json form (null, JSON's NaN, back to NaN)."""
    if entry is None:
        return Estimate(math.nan, math.nan, math.nan, 0)

    def number(key: str) -> float:
        value = entry.get(key)
        return math.nan if value is None else float(value)

    return Estimate(number("mean"), number("half_width"), number("std"), int(entry["n"]),
                    float(entry.get("level", 0.95)))


def _seeds(document: Mapping[str, Any]) -> list[int]:
    return [int(r["seed"]) for r in document["replications"]]


def _values(document: Mapping[str, Any], metric: str) -> list[float]:
    out = []
    for rep in document["replications"]:
        value = rep["metrics"].get(metric)
        out.append(math.nan if value is None else float(value))
    return out


def _metric_names(documents: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every metric of any run, in the first run's order, then any others as they come."""
    names: dict[str, None] = {}
    for document in documents:
        names.update(dict.fromkeys(document["summary"]))
    return list(names)


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Labels made unique by numbering repeats ("base", "base (2)")."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def compare(documents: Sequence[dict[str, Any]], labels: Sequence[str] | None = None
            ) -> Comparison:
    """Compare runs (result documents) metric by metric against the first.

    Raises:
        ArsimError: Fewer than two runs, or labels that do not match them.
    """
    if len(documents) < 2:
        raise ArsimError("compare needs at least two policies or results")
    names = unique_labels(labels or [d["policy"]["name"] for d in documents])
    if len(names) != len(documents):
        raise ArsimError(f"{len(names)} labels for {len(documents)} runs")
    first = documents[0]
    paired = all(_seeds(d) == _seeds(first) for d in documents[1:])
    same_scenario = all(d["scenario"] == first["scenario"] for d in documents[1:])
    diff = paired_difference if paired else welch_difference
    rows = []
    for metric in _metric_names(documents):
        base = _values(first, metric)
        rows.append(MetricRow(
            metric=metric,
            estimates=tuple(estimate_from(d["summary"].get(metric)) for d in documents),
            differences=(None, *(diff(_values(d, metric), base) for d in documents[1:])),
        ))
    return Comparison(labels=tuple(names), documents=tuple(documents), paired=paired,
                      same_scenario=same_scenario, rows=tuple(rows))


def comparison_document(comparison: Comparison, sources: Sequence[str] | None = None
                        ) -> dict[str, Any]:
    """The content of comparison.json: the runs named, each metric side by side.

    ``sources`` names where each run's own result.json was written (or read), so that
    ``arsim report comparison.json`` can find each run's daily series for its plots.
    """
    runs = [{"label": label, "policy": doc["policy"]["name"], "root_seed": doc["root_seed"],
             "engine": doc["engine"], "seeds": _seeds(doc),
             "source": sources[i] if sources else None}
            for i, (label, doc) in enumerate(zip(comparison.labels, comparison.documents,
                                                 strict=True))]
    metrics = []
    for row in comparison.rows:
        entries = []
        for i, label in enumerate(comparison.labels):
            diff = row.differences[i]
            entries.append({"label": label, **row.estimates[i].to_dict(),
                            "difference": None if diff is None else diff.to_dict(),
                            "significant": row.significant(i)})
        metrics.append({"metric": row.metric, "runs": entries})
    return jsonable({
        "kind": "comparison",
        "arsim_version": __version__,
        "paired": comparison.paired,
        "same_scenario": comparison.same_scenario,
        "baseline": comparison.labels[0],
        "runs": runs,
        "metrics": metrics,
        "documents": list(comparison.documents),
    })


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """One row per metric and run: its estimate, and its difference from the first run."""
    rows = []
    for row in comparison.rows:
        for i, label in enumerate(comparison.labels):
            est, diff = row.estimates[i], row.differences[i]
            rows.append({
                "metric": row.metric, "policy": label, "mean": est.mean, "low": est.low,
                "high": est.high, "n": est.n,
                "difference": math.nan if diff is None else diff.mean,
                "difference_low": math.nan if diff is None else diff.low,
                "difference_high": math.nan if diff is None else diff.high,
                "significant": row.significant(i),
                "paired": comparison.paired,
            })
    return pd.DataFrame(rows)


def write_comparison(comparison: Comparison, folder: str | Path,
                     sources: Sequence[str] | None = None) -> list[Path]:
    """Write comparison.json and comparison.csv to ``folder``, both or neither."""
    root = Path(folder)
    document = comparison_document(comparison, sources)
    frame = comparison_frame(comparison)
    files: dict[Path, Callable[[TextIO], None]] = {
        root / "comparison.json":
            lambda f: json.dump(document, f, indent=2, ensure_ascii=False),
        root / "comparison.csv": lambda f: frame.to_csv(f, index=False),
    }
    write_all(files)
    return list(files)
