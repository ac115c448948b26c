"""Check scenarios against their targets (sim/targets.py): run, measure, judge, tabulate.

Each scenario runs under its own policy and under every variant its targets compare it with,
all on the same root seed, so replication r of each sees the same customers and draws
(common random numbers) and an effect is the mean of per-replication changes with its
Student-t interval (`stats.paired_difference`). Scenarios that extend one another (the
shipped ladders extend `default.yaml`) share that seed too, unless their files change it.

A verdict reads the whole 95% interval, not only the mean: `meets` when the interval lies in
the band, `misses` when it lies outside, `edge` when it straddles a side of the band (more
replications would decide), `n/a` where the figure does not exist (an unlimited team has no
utilisation) and `reported` for evidence without a band.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import ArsimError
from .policy import Policy
from .replicate import run
from .scenario import Scenario
from .stats import Estimate, estimate, paired_difference
from .targets import TARGETS, Band, Target

__all__ = [
    "BEGIN",
    "END",
    "Calibration",
    "Check",
    "band_text",
    "calibrate",
    "judge",
    "measured_text",
    "relative_change",
    "render",
    "replace_block",
    "rows",
    "simulated_text",
]

Verdict = Literal["meets", "misses", "edge", "n/a", "reported"]

#: The markers between which `arsim calibrate --update FILE` writes the table.
BEGIN = "<!-- calibration:begin (arsim calibrate --update docs/model.md) -->"
END = "<!-- calibration:end -->"


@dataclass(frozen=True)
class Check:
    """One target judged on one scenario."""

    scenario: str
    target: Target
    estimate: Estimate
    verdict: Verdict


@dataclass(frozen=True)
class Calibration:
    """Every check of a calibration, with how it was run."""

    checks: tuple[Check, ...]
    replications: int
    seeds: tuple[int, ...]
    engines: tuple[str, ...]

    def by_key(self, scenario: str, key: str) -> Check:
        """The check of a target (by key) on a scenario (by name)."""
        for check in self.checks:
            if check.scenario == scenario and check.target.key == key:
                return check
        raise KeyError(f"no check of {key} on {scenario}")


def judge(value: Estimate, band: Band | None, floor: float | None = None) -> Verdict:
    """The verdict of an estimate against a band (see the module's docstring).

    `floor`: the least value the quantity can take (0 for a share, a count or days of a
    level), below which its t-interval holds no possible value: the interval is cut there,
    so a share dropped that is 0 in almost every replication does not straddle the band's
    0 edge."""
    if band is None:
        return "reported"
    if value.n == 0 or math.isnan(value.mean):
        return "n/a"
    # with one replication there is no interval: the mean alone decides
    low, high = ((value.mean, value.mean) if math.isnan(value.half_width)
                 else (value.low, value.high))
    if floor is not None:
        low = max(low, floor)
    if band.holds(low, high):
        return "meets"
    return "misses" if band.misses(low, high) else "edge"


def relative_change(variant: Sequence[float], base: Sequence[float]) -> Estimate:
    """Interval for the mean of per-replication relative changes variant / base - 1 (paired:
    the same seeds); a replication whose base is zero or NaN is left out."""
    if len(variant) != len(base):
        raise ValueError(f"paired samples differ in length: {len(variant)} and {len(base)}")
    return estimate(v / b - 1.0 if b != 0 else math.nan
                    for v, b in zip(variant, base, strict=True))


Progress = Callable[[str], None]
#: Runs done, by (scenario name, policy as JSON): per-replication metrics and the engine
_Cache = dict[tuple[str, str], tuple[list[dict[str, float]], str]]


@dataclass(frozen=True)
class _Runner:
    replications: int
    seed: int | None
    jobs: int
    engine: str
    progress: Progress | None

    def values(self, scenario: Scenario, policy: Policy, label: str, cache: _Cache
               ) -> tuple[list[dict[str, float]], str]:
        """Per-replication metrics of a scenario under a policy (run once, then cached)."""
        key = (scenario.name, policy.model_dump_json())
        if key not in cache:
            if self.progress is not None:
                self.progress(f"{scenario.name}{': ' + label if label else ''}")
            result = run(scenario, policy, replications=self.replications, seed=self.seed,
                         jobs=self.jobs, engine=self.engine)
            cache[key] = ([r.metrics for r in result.replications], result.engine)
        return cache[key]


def _check(runner: _Runner, scenario: Scenario, policy: Policy, target: Target,
           cache: _Cache, engines: set[str]) -> Check | None:
    """One target on one scenario; None where its variant changes nothing."""
    base, engine = runner.values(scenario, policy, "", cache)
    engines.add(engine)
    read = target.measure.read
    if target.variant is None:
        value = estimate(read(m) for m in base)
    else:
        changed = target.variant.apply(policy)
        if changed is None:
            return None
        other, engine = runner.values(scenario, changed, target.variant.label, cache)
        engines.add(engine)
        a, b = [read(m) for m in other], [read(m) for m in base]
        paired = relative_change if target.change == "relative" else paired_difference
        value = paired(a, b)
    # a level (not an effect) of a share, a count or days is never below 0
    floor = 0.0 if target.variant is None and target.measure.unit != "money" else None
    return Check(scenario.name, target, value, judge(value, target.band, floor))


def calibrate(cases: Sequence[tuple[Scenario, Policy]], targets: Sequence[Target] = TARGETS,
              replications: int = 8, seed: int | None = None, jobs: int = 2,
              engine: str = "auto", progress: Progress | None = None) -> Calibration:
    """Judge every target that applies to each (scenario, policy), in the order of `cases`
    then of `targets`.

    Raises:
        ArsimError: Two cases share a scenario name (their checks could not be told apart),
            or no target applies to any of them.
    """
    names = [s.name for s, _ in cases]
    if len(set(names)) != len(names):
        raise ArsimError(f"calibrate: scenario names repeat ({', '.join(names)}); each "
                         "scenario is checked once")
    runner = _Runner(replications, seed, jobs, engine, progress)
    cache: _Cache = {}
    checks: list[Check] = []
    engines: set[str] = set()
    for scenario, policy in cases:
        for target in targets:
            if target.applies_to(scenario.name):
                found = _check(runner, scenario, policy, target, cache, engines)
                if found is not None:
                    checks.append(found)
    if not checks:
        raise ArsimError(f"calibrate: no target applies to {', '.join(names)} (targets name "
                         "the shipped scenarios default, ladder-003, ladder-004, ladder-000; "
                         "the collectors' and the ladders' apply to any scenario)")
    seeds = tuple(sorted({s.horizon.seed if seed is None else seed for s, _ in cases}))
    return Calibration(tuple(checks), replications, seeds, tuple(sorted(engines)))


def _number(value: float, target: Target, signed: bool = True) -> str:
    """A figure in its target's unit: days, a percentage (percentage points for a difference
    of shares), millions of money."""
    if math.isnan(value):
        return "-"
    if value == 0.0:
        return "0"
    sign = "+" if signed and target.change != "level" else ""
    unit, change = target.measure.unit, target.change
    if change == "relative":
        return f"{100 * value:{sign}.1f}%"
    if unit == "share" and change == "difference":
        return f"{100 * value:{sign}.3f} pp"
    if unit == "share":
        return f"{100 * value:{sign}.{2 if abs(value) < 0.1 else 1}f}%"
    if unit == "money":
        return f"{value / 1e6:{sign}.2f}M"
    return f"{value:{sign}.2f}" + (" d" if unit == "days" else "")


def band_text(target: Target) -> str:
    """The band as a reader writes it: '15.00 d to 58.00 d', '>= +30.0%', '-' for none."""
    band = target.band
    if band is None:
        return "-"
    if band.low is None:
        return f"<= {_number(band.high or 0.0, target)}"
    if band.high is None:
        return f">= {_number(band.low, target)}"
    return f"{_number(band.low, target)} to {_number(band.high, target)}"


def simulated_text(check: Check) -> str:
    """The simulated mean with its 95% half-width (the mean alone with one replication)."""
    value, target = check.estimate, check.target
    mean = _number(value.mean, target)
    if math.isnan(value.half_width):
        return mean
    return f"{mean} ± {_number(value.half_width, target, signed=False)}"


def measured_text(target: Target) -> str:
    """What is measured: the KPI, and for an effect the variant it is compared with."""
    label = target.measure.label
    if target.variant is None:
        return label
    if target.change == "relative":
        return f"{label}: {target.variant.label} / policy - 1"
    return f"{label}: {target.variant.label} - policy"


HEADER = ("Scenario", "Target", "Measured", "Band", "Simulated (mean ± 95% CI)", "Verdict",
          "Source")


def rows(calibration: Calibration) -> list[tuple[str, ...]]:
    """The table's rows, as text, in HEADER's order."""
    return [(c.scenario, c.target.claim, measured_text(c.target), band_text(c.target),
             simulated_text(c), c.verdict, c.target.source) for c in calibration.checks]


def render(calibration: Calibration, markdown: bool = False) -> str:
    """The table as Markdown, or as text for a terminal (each check on one line, what was
    measured and its source on the next); then how it was run."""
    table = rows(calibration)
    note = (f"{calibration.replications} replications on common random numbers, root seed "
            f"{', '.join(str(s) for s in calibration.seeds)}, engine "
            f"{', '.join(calibration.engines)}; an effect is the mean of the variant's "
            "per-replication changes against the scenario's own policy.")
    if markdown:
        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        body = [line(HEADER), line(["---"] * len(HEADER)), *(line(r) for r in table)]
        return "\n".join([*body, "", note]) + "\n"
    shown = [(r[0], r[1], r[4], r[3], r[5]) for r in table]
    head = ("Scenario", "Target", "Simulated", "Band", "Verdict")
    widths = [max(len(r[i]) for r in [head, *shown]) for i in range(len(head))]
    text = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    for full, cells in zip(table, shown, strict=True):
        text.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        text.append(f"{'':{widths[0]}}  {full[2]}; source: {full[6]}")
    return "\n".join([*text, "", note]) + "\n"


def replace_block(text: str, block: str) -> str:
    """`text` with what lies between the calibration markers replaced by `block`.

    Raises:
        ArsimError: The markers are missing, repeated or out of order.
    """
    pattern = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.DOTALL)
    if text.count(BEGIN) != 1 or text.count(END) != 1 or not pattern.search(text):
        raise ArsimError(f"the calibration markers are missing or repeated: the file needs "
                         f"one line '{BEGIN}' and, after it, one line '{END}'")
    return pattern.sub(lambda _: f"{BEGIN}\n{block.rstrip()}\n{END}", text)
