"""What `arsim sweep` and `arsim optimize` print and write."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from matplotlib.figure import Figure

from arsim import __version__
from arsim.optimizers.journal import clean
from arsim.optimizers.optimize import Finding, OptimizeResult
from arsim.optimizers.sweep import SweepResult
from arsim.sim.loader import dump_yaml
from arsim.sim.scenario import Scenario
from arsim.sim.stats import Estimate

from .export import write_atomic
from .figures import styled
from .fonts import raster_fonts
from .study_figures import frontier_chart, no_points, sweep_curves, sweep_heatmap
from .study_notes import check_words, note_words
from .text import COST_LINES
from .wording import wording

__all__ = ["OPTIMIZE_FORMAT", "optimize_document", "render_optimize", "render_sweep",
           "sweep_document", "sweep_picture", "trace_rows", "with_best_so_far", "write_optimize",
           "write_sweep"]

#: optimize.json's layout: 2 keeps constraint checks and notes as data (1, unnumbered: as
#: English sentences; `arsim report` reads both).
OPTIMIZE_FORMAT = 2

_KPIS = ("dso", "bad_debt_ratio", "recovery_rate", "credit_sales", "net_margin")


def _money(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) else "n/a"


def _pm(est: Estimate | None, money: bool = False) -> str:
    if est is None:
        return "n/a"
    if money or abs(est.mean) >= 1000:
        text = f"{est.mean:,.0f}"
        return text + (f" ± {est.half_width:,.0f}" if math.isfinite(est.half_width) else "")
    text = f"{est.mean:.4g}"
    return text + (f" ± {est.half_width:.2g}" if math.isfinite(est.half_width) else "")


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in params.items())


#: Column heads of the sweep's table where the cost's name without ``_cost`` would not say
#: what the column holds (as `arsim run` names them).
_SWEEP_HEADS = {"penalty_income": "less penalty income",
                "inventory_carrying_cost": "inventory carrying"}


def render_sweep(result: SweepResult) -> str:
    """The sweep as a table: lever values, each cost's mean (the parts add up to the total:
    penalty income is subtracted), the bottom marked."""
    lines = [f"{len(result.points)} points x {result.replications} replications, seed "
             f"{result.seed} (the same seeds at every point)"]
    head = " | ".join(result.levers) + " | engine | " + " | ".join(
        _SWEEP_HEADS.get(p, p.removesuffix("_cost")) for p in result.parts)
    lines.append(head)
    bottom = result.bottom
    for i, p in enumerate(result.points):
        values = " | ".join(str(p.params[k]) for k in result.levers)
        if p.error is not None:
            lines.append(f"{values} | failed: {p.error}")
            continue
        costs = " | ".join(_money(p.estimates[c].mean) for c in result.parts)
        mark = "   <- lowest total" if i == bottom else ""
        lines.append(f"{values} | {p.engine} | {costs}{mark}")
    return "\n".join(lines)


_MONEY = frozenset({m for m, _ in COST_LINES} | {"credit_sales", "net_margin"})


def _column(finding: Finding | None, metric: str) -> str:
    if finding is None:
        return "n/a"
    return _pm(finding.estimates.get(metric), metric in _MONEY)


def _comparison(result: OptimizeResult) -> list[str]:
    win, home = result.winner, result.incumbent
    assert win is not None
    width = 22
    metrics = [(m, label) for m, label in COST_LINES] + [(k, k) for k in _KPIS]
    metrics += [(c.kpi, c.kpi) for c in result.spec.constraints if c.kpi not in _KPIS]
    labels = max(len(label) for _, label in metrics)  # the longest label sets the columns
    level = _level(win.estimates.get("total_cost"), result.spec.confidence)
    lines = [f"Re-check on fresh seeds: each figure is the mean ± the half-width of its "
             f"{level:.0%} interval",
             f"{'':<{labels + 2}}{'best (' + win.engine + ')':>{width}}"
             f"{'incumbent (' + (home.engine if home else '?') + ')':>{width + 4}}"]
    for metric, label in metrics:
        lines.append(f"  {label:<{labels}}{_column(win, metric):>{width}}"
                     f"{_column(home, metric):>{width + 4}}")
    return lines


def _level(est: Estimate | None, default: float) -> float:
    """The confidence level an estimate was made at (the study's where there is none)."""
    return est.level if est is not None else default


def _saving_line(result: OptimizeResult) -> str:
    s = result.saving
    if s is None:
        return "Saving: not measured"
    if result.winner is not None and result.winner.key == "incumbent":
        return "The incumbent is the best policy found: no saving."
    what = "saving" if result.spec.objective == "min_total_cost" else "profit gain"
    n = s.n
    if not math.isfinite(s.half_width):
        return f"{what.capitalize()} per year: {_money(s.mean)} (exact: deterministic mode)"
    verdict = ("significant" if result.significant else
               "NOT significant: the interval includes zero, the search found no policy "
               "demonstrably better than the incumbent")
    return (f"{what.capitalize()} per year: {_money(s.mean)} ± {_money(s.half_width)} "
            f"({s.level:.0%} interval {_money(s.low)} .. {_money(s.high)}, paired on {n} "
            f"fresh seeds): {verdict}")


def _selection_figure(finding: Finding, metric: str) -> str:
    est = finding.estimates.get(metric)
    return (f"{metric} {_pm(est, True)} (selection, {finding.engine}, "
            f"{est.n if est else 0} replications)")


def _runner_up_lines(result: OptimizeResult) -> list[str]:
    """The runner-ups beside the best policy's figures from the same stage and seeds: the
    re-check's figures above come from other, fresh seeds, so a runner-up set against them
    could look cheaper than the winner by luck of the seeds alone."""
    if not result.runner_ups:
        return []
    metric = "total_cost" if result.spec.objective == "min_total_cost" else "net_margin"
    best = result.winner_selection
    level = _level((best or result.runner_ups[0]).estimates.get(metric),
                   result.spec.confidence)
    lines = [f"Selection stage, on the same seeds for every finalist (not the re-check's "
             f"fresh seeds above); mean ± the half-width of its {level:.0%} interval:"]
    if best is not None:
        lines.append(f"Best policy, same stage: {_params(best.params)}: "
                     f"{_selection_figure(best, metric)}")
    lines += [f"Runner-up {i}: {_params(f.params)}: {_selection_figure(f, metric)}"
              for i, f in enumerate(result.runner_ups, start=1)]
    return lines


def _invalid_count(result: OptimizeResult) -> str:
    """' (N not valid policies)' after the candidates' count, where there are any."""
    count = sum(1 for r in result.candidates if r.get("error"))
    if not count:
        return ""
    return f" ({count} not a valid policy)" if count == 1 else f" ({count} not valid policies)"


def render_optimize(result: OptimizeResult) -> str:
    """The end of an optimisation: best policy, its figures against the incumbent, etc."""
    words = wording("en")
    reps = ", ".join(f"{k} {v}" for k, v in result.replications.items())
    engines = ", ".join(sorted({str(r["engine"]) for r in result.candidates if r["engine"]}))
    lines = [f"Search: {result.method} on {engines or 'no engine'}, {len(result.candidates)} "
             f"candidates{_invalid_count(result)}; replications run: {reps or 'none'}; "
             f"read back from the journal: {result.replayed}"]
    sel = result.selection
    if sel is not None:
        state = "complete" if sel.complete else "stopped early, no guarantee"
        lines.append(f"Selection: KN among {len(sel.order)} finalists, indifference zone "
                     f"{_money(sel.delta)} a year, confidence {sel.confidence:.0%} ({state})")
    if result.winner is None:
        lines.append("No policy found that meets the constraints.")
    else:
        lines.append(f"Best policy: {_params(result.winner.params)}")
        lines += _comparison(result)
        lines.append(_saving_line(result))
        for check in result.winner.constraints:
            text, seen = check_words(check.to_dict(), words)
            lines.append(f"Constraint {text}: {'met' if check.met else 'NOT met'} ({seen})")
    lines += _runner_up_lines(result)
    if result.frontier:
        lines.append(f"Frontier against {result.frontier_kpi}: {len(result.frontier)} points "
                     "(frontier.csv)")
    lines += [f"Note: {note_words(n.to_dict(), words)}" for n in result.notes]
    return "\n".join(lines)


def _finding_doc(f: Finding | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"params": dict(f.params), "engine": f.engine, "stage": f.stage,
            "policy": f.policy.model_dump(mode="json"),
            "estimates": {k: v.to_dict() for k, v in f.estimates.items()},
            "constraints": [c.to_dict() for c in f.constraints]}


def scenario_head(scenario: Scenario | None) -> dict[str, Any]:
    """What a sweep's or an optimisation's report says of the scenario: its name, currency
    and conventions (whether the inventory carrying cost counts)."""
    if scenario is None:
        return {"name": "", "currency": "", "conventions": {}}
    return {"name": scenario.name, "currency": scenario.currency,
            "conventions": scenario.conventions.model_dump(mode="json")}


def trace_rows(result: OptimizeResult) -> list[dict[str, Any]]:
    """The candidates in the order the search first saw them, each with the best objective
    so far: the search trace that the report draws."""
    return with_best_so_far([dict(r) for r in result.candidates], result.spec.objective)


def with_best_so_far(rows: list[dict[str, Any]], objective: str) -> list[dict[str, Any]]:
    """Each candidate row (in the order evaluated) with ``best_so_far``: the best objective
    among the feasible candidates up to it (None before the first feasible one)."""
    larger = objective != "min_total_cost"  # objective_mean carries its own sign
    best: float | None = None
    out = []
    for row in rows:
        value = row.get("objective_mean")
        feasible = row.get("feasible") in (True, "True", "true", 1)
        if feasible and isinstance(value, int | float) and math.isfinite(value) and (
                best is None or (value > best if larger else value < best)):
            best = float(value)
        out.append({**row, "best_so_far": best})
    return out


def optimize_document(result: OptimizeResult, scenario: Scenario | None = None
                      ) -> dict[str, Any]:
    """The content of optimize.json."""
    sel = result.selection
    return clean({
        "kind": "optimization", "format": OPTIMIZE_FORMAT, "scenario": scenario_head(scenario),
        "arsim_version": __version__, "seed": result.seed, "method": result.method,
        "spec": result.spec.model_dump(mode="json"),
        "winner": _finding_doc(result.winner), "incumbent": _finding_doc(result.incumbent),
        "saving": None if result.saving is None else {**result.saving.to_dict(),
                                                     "significant": result.significant},
        "runner_ups": [_finding_doc(f) for f in result.runner_ups],
        "winner_selection": _finding_doc(result.winner_selection),
        "selection": None if sel is None else {
            "procedure": "KN", "winner": sel.winner, "order": list(sel.order),
            "indifference_zone": sel.delta, "confidence": sel.confidence,
            "complete": sel.complete, "means": dict(sel.means),
            "replications": dict(sel.replications), "eliminated_at": dict(sel.eliminated_at)},
        "replications": dict(result.replications), "replayed": result.replayed,
        "notes": [n.to_dict() for n in result.notes], "frontier": list(result.frontier),
        "frontier_kpi": result.frontier_kpi,
        "candidates": trace_rows(result),
    })


def _save_figure(figure: Figure, path: Path, language: str = "en") -> None:
    """Save a figure atomically (temporary file, then rename): SVG with its text as text,
    PNG drawn with a CJK font first where the text is Chinese (fonts.py)."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with styled(), raster_fonts(language):
            # tight: a title wider than the axes (a legend beside them) is kept whole
            figure.savefig(temp, format=path.suffix[1:], dpi=120, bbox_inches="tight",
                           metadata=_NO_DATE[path.suffix])
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write(path: Path, write: Callable[[TextIO], None]) -> Path:
    write_atomic(path, write)
    return path


def _text(text: str, stream: TextIO) -> None:
    stream.write(text)


def _csv(frame: pd.DataFrame, stream: TextIO) -> None:
    frame.to_csv(stream, index=False)


def sweep_document(result: SweepResult, scenario: Scenario | None = None) -> dict[str, Any]:
    """The content of sweep.json."""
    return clean({"kind": "sweep", "scenario": scenario_head(scenario),
                  "arsim_version": __version__, "levers": list(result.levers),
                  "axes": [list(a) for a in result.axes], "metric": result.metric,
                  "seed": result.seed, "replications": result.replications,
                  "confidence": result.confidence, "bottom": result.bottom,
                  "cost_parts": list(result.parts), "points": result.rows()})


#: Leave the date out of the files' metadata, so that the same figure gives the same file.
_NO_DATE: dict[str, dict[str, Any]] = {".svg": {"Date": None}, ".png": {}}


def sweep_picture(document: dict[str, Any], language: str = "en") -> Figure | None:
    """The sweep's figure as its report draws it: the curves for one lever, the heat map for
    two (None where no point ran)."""
    words = wording(language)
    if len(document["levers"]) == 1:
        return sweep_curves(document, words)
    return sweep_heatmap(document, words)


def write_sweep(result: SweepResult, folder: str | Path, scenario: Scenario | None = None,
                language: str = "en") -> list[Path]:
    """sweep.csv, sweep.json, sweep.png and sweep.svg (the figure in ``language``)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    rows = result.rows()
    document = sweep_document(result, scenario)
    paths = [_write(root / "sweep.csv", partial(_csv, pd.DataFrame(rows))),
             _write(root / "sweep.json",
                    lambda f: json.dump(document, f, indent=2, ensure_ascii=False))]
    figure = sweep_picture(document, language) or no_points(wording(language))
    for suffix in ("png", "svg"):
        _save_figure(figure, root / f"sweep.{suffix}", language)
        paths.append(root / f"sweep.{suffix}")
    return paths


def best_scenario_text(result: OptimizeResult, scenario: Scenario) -> str:
    """The winner as a ready scenario file: the scenario as given, the best policy."""
    assert result.winner is not None
    data = {**scenario.model_dump(mode="json"),
            "policy": result.winner.policy.model_dump(mode="json")}
    head = (f"# Written by arsim optimize {__version__} (seed {result.seed}): the best policy "
            f"found,\n# {_params(result.winner.params)}\n")
    return head + dump_yaml(clean(data))


def write_optimize(result: OptimizeResult, scenario: Scenario, folder: str | Path,
                   language: str = "en") -> list[Path]:
    """optimize.json, candidates.csv, best.yaml (and the frontier's table, and its plot in
    ``language``, as the optimisation's report draws it)."""
    root = Path(folder)
    document = optimize_document(result, scenario)
    paths = [_write(root / "optimize.json",
                    lambda f: json.dump(document, f, indent=2, ensure_ascii=False)),
             _write(root / "candidates.csv",
                    partial(_csv, pd.DataFrame(list(result.candidates))))]
    if result.winner is not None:
        text = best_scenario_text(result, scenario)
        paths.append(_write(root / "best.yaml", partial(_text, text)))
    if result.frontier and result.frontier_kpi is not None:
        paths.append(_write(root / "frontier.csv",
                            partial(_csv, pd.DataFrame(list(result.frontier)))))
        figure = frontier_chart(document, wording(language))
        assert figure is not None  # it has points and their KPI
        for suffix in ("png", "svg"):
            _save_figure(figure, root / f"frontier.{suffix}", language)
            paths.append(root / f"frontier.{suffix}")
    return paths
