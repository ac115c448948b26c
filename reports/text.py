"""The console summary of a run: costs and KPIs with their 95% confidence intervals."""

from __future__ import annotations

import math
from typing import Any

from arsim import __version__
from arsim.sim.kpis import LOSS_CAUSES
from arsim.sim.replicate import RunResult
from arsim.sim.scenario import ACTIONS
from arsim.sim.stats import Estimate

from .compare import Comparison, MetricRow
from .wording import Wording, wording

__all__ = ["COST_LINES", "KPI_LINES", "render_comparison", "render_summary"]

COST_LINES = (
    ("opportunity_cost", "opportunity cost"),
    ("management_cost", "management cost"),
    ("collector_team_cost", "  of which the collectors"),
    ("bad_debt_cost", "bad-debt cost"),
    ("bad_debt_written_off", "  (written off in the window)"),
    ("shortage_cost", "shortage cost (against the market)"),
    ("shortage_terms_cost", "  of which terms and standard"),
    ("shortage_held_cost", "  of which orders held or refused"),
    ("shortage_customers_lost_cost", "  of which customers lost"),
    ("discount_cost", "discount cost (incl. rebates)"),
    ("penalty_income", "less penalty income"),
    ("inventory_carrying_cost", "inventory carrying cost"),
    ("total_cost", "TOTAL COST"),
)

#: metric, label, unit: "d" days, "%" share shown in percent, "" plain, "$" money
KPI_LINES = (
    ("dso", "DSO, average method", "d"),
    ("dso_countback", "DSO, countback at the end", "d"),
    ("best_possible_dso", "best-possible DSO", "d"),
    ("average_days_delinquent", "average days delinquent", "d"),
    ("average_collection_period", "average collection period", "d"),
    ("cei", "collection effectiveness index", "pct"),
    ("overdue_share", "overdue share of AR at the end", "%"),
    ("bad_debt_ratio", "bad-debt ratio", "%"),
    ("recovery_rate", "recovery rate", "%"),
    ("share_paid_late", "invoices paid after due", "%"),
    ("discount_take_up", "discount take-up (of sales)", "%"),
    ("disputed_share", "disputed (of sales)", "%"),
    ("average_receivables", "average receivables", "$"),
    ("credit_sales", "credit sales per year", "$"),
    ("cash_sales", "cash sales per year", "$"),
    ("contribution_margin", "contribution margin per year", "$"),
    ("net_margin", "margin less costs per year", "$"),
)


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "%":
        return f"{100 * value:,.2f}%"
    if unit == "pct":
        return f"{value:,.2f}%"
    if unit == "d":
        return f"{value:,.1f} d"
    if unit == "$":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _line(label: str, est: Estimate | None, unit: str, width: int = 34) -> str:
    if est is None:
        return f"  {label:<{width}} n/a"
    mean = _fmt(est.mean, unit)
    if math.isnan(est.half_width):
        return f"  {label:<{width}} {mean:>16}"
    half = _fmt(est.half_width, unit)
    return f"  {label:<{width}} {mean:>16}  ± {half}"


def _header(result: RunResult, provenance: dict[str, Any] | None) -> list[str]:
    """What was run, from what, and what the figures are (distinguishable printouts)."""
    s, h = result.scenario, result.scenario.horizon
    count = len(result.replications)
    lines = [
        f"arsim {__version__} · scenario '{s.name}' · policy '{result.policy.name}' · engine "
        f"{result.engine} · {_plural(count, 'replication')} · seed {result.root_seed}"]
    if provenance:
        digest = (provenance.get("scenario_file_sha256") or "unreadable")[:12]
        whatifs = ", ".join(provenance.get("overrides", [])) or "none"
        lines += [f"command: {provenance.get('command', '')}",
                  f"file {provenance.get('scenario_file')} (sha256 {digest}) · what-ifs "
                  f"(--set): {whatifs}"]
    spread = ("mean ± half-width of the 95% confidence interval over replications." if count > 1
              else "one replication gives no confidence interval (run -n 2 or more for one).")
    lines.append(f"Statistics over {h.horizon_days:g} days after {h.warmup_days:g} warm-up "
                 f"days; {spread}")
    return lines


def render_summary(result: RunResult, provenance: dict[str, Any] | None = None) -> str:
    """Render a run as the text a CFO reads in the terminal (`provenance`: see
    `arsim.cli.provenance`, shown in the header when given)."""
    s = result.scenario
    summary = result.summary
    out = [*_header(result, provenance)]
    out += [f"WARNING: {w}" for w in result.warnings]
    out += ["", f"Yearly cost ({s.currency})"]
    for key, label in COST_LINES:
        if key == "inventory_carrying_cost" and not s.conventions.include_inventory_carrying:
            continue
        out.append(_line(label, summary.get(key), "$"))
    out += ["", "Receivables KPIs"]
    out += [_line(label, summary.get(key), unit) for key, label, unit in KPI_LINES]
    out += _group_lines(result)
    out += ["", f"Aging of open receivables at the end ({s.currency})"]
    for bucket in ("current", "1_30", "31_60", "61_90", "90_plus"):
        out.append(_line(bucket.replace("_plus", "+").replace("_", "-") + " days overdue"
                         if bucket != "current" else "not yet due",
                         summary.get(f"aging_{bucket}"), "$"))
    out += ["", "Dunning actions per year"]
    out += [_line(a.value.replace("_", " "), summary.get(f"actions_{a.value}"), "")
            for a in ACTIONS]
    out += ["", "Collectors",
            _line("utilisation", summary.get("collector_utilisation"), "%"),
            _line("collectors at work (average)", summary.get("collectors_busy"), ""),
            _line("mean wait for a collector", summary.get("collector_wait_days"), "d"),
            _line("tasks dropped per year", summary.get("collector_tasks_dropped"), ""),
            _line("share of tasks dropped", summary.get("collector_tasks_dropped_share"), "%")]
    # (lost of the potential orders, drawn at the most any terms could win: "terms" is the
    # demand the policy's terms do not win of that, not a loss against the market, which the
    # shortage cost's "terms and standard" line measures and may show as a gain)
    out += ["", f"Sales lost per year, by cause ({s.currency}; of the potential at the most "
                "generous terms any table allows, not against the market)"]
    out += [_line(c.replace("_", " "), summary.get(f"lost_sales_{c}"), "$") for c in LOSS_CAUSES]
    out += [_line("customers lost per year", summary.get("customers_lost"), ""),
            _line("bankruptcies per year", summary.get("bankruptcies"), ""),
            _line("newcomers per year", summary.get("newcomers"), ""),
            _line("customers (average)", summary.get("customers_active"), ""),
            _line("customers away, lost after dunning (average)",
                  summary.get("customers_away"), "")]
    out += _discount_lines(result)
    return "\n".join(out)


GROUP_LINES = (("dso", "DSO", "d"), ("average_days_delinquent", "ADD", "d"),
               ("bad_debt_ratio", "bad debt", "%"), ("overdue_share", "overdue at end", "%"))


def _group_lines(result: RunResult) -> list[str]:
    """DSO, ADD, bad-debt ratio and overdue share by grade, then by segment (where sold)."""
    summary = result.summary
    names = [(f"grade_{g}", f"grade {g}") for g in "ABCD"]
    names += [(f"segment_{i}", seg.name) for i, seg in enumerate(result.scenario.segments)]
    lines = ["", "By grade and segment: " + ", ".join(label for _, label, _ in GROUP_LINES)]
    for key, label in names:
        estimates = [summary.get(f"{metric}_{key}") for metric, _, _ in GROUP_LINES]
        if not estimates or estimates[0] is None or math.isnan(estimates[0].mean):
            continue  # nothing sold on credit to this group
        cells = [_fmt(e.mean, unit) if e is not None else "n/a"
                 for e, (_, _, unit) in zip(estimates, GROUP_LINES, strict=True)]
        lines.append(f"  {label:<22} " + "  ".join(f"{c:>10}" for c in cells))
    lines.append(_line("disputed DSO (days disputed invoices hold)",
                       summary.get("dso_disputed"), "d", width=44))
    return lines


def _discount_lines(result: RunResult) -> list[str]:
    if not result.discount_costs:
        return []
    year = result.scenario.conventions.days_in_year
    lines = ["", f"Cost to a customer of forgoing each discount ({year}-day year)"]
    for grade, tiers in result.discount_costs.items():
        for tier in tiers:
            lines.append(f"  grade {grade}, {tier.notation:<28} {100 * tier.simple_annual:6.2f}% "
                         f"simple, {100 * tier.effective_annual:6.2f}% effective annual")
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def render_comparison(comparison: Comparison, words: Wording | None = None) -> str:
    """Render a comparison: each metric's mean per policy, then each difference from the first.

    ``±`` is the half-width of the 95% interval; ``*`` marks a difference whose interval
    excludes zero.
    """
    words = words or wording("en")
    first = comparison.documents[0]
    labels = comparison.labels
    out = [f"arsim compare · scenario '{first['scenario']['name']}' · "
           f"{len(labels)} policies · "
           + " / ".join(_plural(len(d["replications"]), "replication")
                        for d in comparison.documents),
           words.word("paired", n=len(first["replications"])) if comparison.paired
           else words.word("unpaired")]
    if not comparison.same_scenario:
        out.append(words.word("scenarios_differ"))
    out.append(words.word("differences_note", baseline=labels[0]).replace("★", "*"))
    out.append("")
    # the label column as wide as its longest label: cut, two rows could read the same
    # (the allowance at the start and at the end of the window)
    names = [words.metric(row.metric) for row in comparison.rows]
    width = max([34, *(len(name) for name in names)])
    # each policy's column as wide as its label (labels unique_labels made unique stay so)
    cols = [max(16, len(label)) for label in labels]
    diffs = [f"{label} − {labels[0]}" for label in labels[1:]]
    head = f"  {'':<{width}}" + "".join(f" {label:>{w}}" for label, w in zip(labels, cols,
                                                                            strict=True))
    head += "".join(f"   {diff:<{max(30, len(diff))}}" for diff in diffs)
    out.append(head.rstrip())
    for row, name in zip(comparison.rows, names, strict=True):
        line = f"  {name:<{width}}"
        line += "".join(f" {words.value(row.metric, e.mean):>{w}}"
                        for e, w in zip(row.estimates, cols, strict=True))
        for i in range(1, len(labels)):
            line += f"   {_difference(row, i, words):<{max(30, len(diffs[i - 1]))}}"
        out.append(line.rstrip())
    return "\n".join(out)


def _difference(row: MetricRow, index: int, words: Wording) -> str:
    diff = row.differences[index]
    if diff is None or math.isnan(diff.mean):
        return "n/a"
    text = words.value(row.metric, diff.mean)
    if not math.isnan(diff.half_width):
        text += f" ± {words.value(row.metric, diff.half_width)}"
    return text + (" *" if row.significant(index) else "")
