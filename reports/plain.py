"""A policy in plain words: the sentences a CFO can hand on, from result.json's policy echo.

"Grade B: 2/10, N/30: 2% off if paid within 10 days, otherwise due at 30 days; forgoing
that discount costs your customer 37.24% a year". The cost of forgoing a discount is the one
result.json holds (``discount_costs``, computed by sim/terms.py), never recomputed here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from arsim.sim.terms import Terms

from .wording import Wording, format_value

__all__ = ["policy_sentences"]


def _number(value: float) -> str:
    """Shortest text for a number: 10.0 -> "10", 0.5 -> "0.5"."""
    return format(Decimal(repr(float(value))).normalize(), "f")


def _percent(share: float) -> str:
    return f"{_number(round(100 * share, 6))}%"


def _terms_sentence(grade: str, terms: Terms, costs: list[dict[str, Any]], year: float,
                    words: Wording) -> str:
    sentence = _terms_words(grade, terms, costs, year, words)
    return f"{sentence}{words.word('eom_dating')}" if terms.end_of_month else sentence


def _terms_words(grade: str, terms: Terms, costs: list[dict[str, Any]], year: float,
                 words: Wording) -> str:
    net = _number(terms.net_days)
    if terms.net_days == 0 and not terms.discounts:
        return words.word("grade_cash", grade=grade)
    if not terms.discounts:
        return words.word("grade_terms_net", grade=grade, net=net)
    tiers = words.word("tier_join").join(
        words.word("tier", rate=_percent(t.rate), window=_number(t.window_days))
        for t in terms.discounts)
    first = costs[0] if costs else {}
    which = words.word("that_discount" if len(terms.discounts) == 1 else "the_first_discount")
    return words.word("grade_terms_discount", grade=grade, notation=terms.notation, tiers=tiers,
                      net=net, which=which,
                      simple=format_value(first.get("simple_annual"), "share"),
                      effective=format_value(first.get("effective_annual"), "share"),
                      year=_number(year))


def _ladder(steps: list[dict[str, Any]], words: Wording) -> list[str]:
    if not steps:
        return [words.word("no_ladder")]
    lines = [words.word("ladder", n=len(steps))]
    for step in steps:
        day = float(step["day"])
        when = (words.word("before_due", days=_number(-day)) if day < 0
                else words.word("on_due") if day == 0
                else words.word("after_due", days=_number(day)))
        text = words.word("step", when=when, action=words.word(f"action_{step['action']}"),
                          cost=_number(step["cost"]), minutes=_number(step["collector_minutes"]))
        if step.get("min_amount"):
            text += words.word("step_min", amount=f"{float(step['min_amount']):,.0f}")
        lines.append("    " + text)
    return lines


def _limits(limit: dict[str, Any], words: Wording) -> str:
    factors = ", ".join(f"{g} × {_number(f)}" for g, f in limit.get("grade_factors", {}).items())
    period = _number(limit["standard_credit_period_days"])
    if limit["method"] == "sales":
        return words.word("limit_sales", period=period, factors=factors or "1")
    if limit["method"] == "receipts":
        return words.word("limit_receipts", period=period, factors=factors or "1")
    return words.word("limit_none")


def _money_rules(policy: dict[str, Any], words: Wording) -> list[str]:
    penalty = policy["late_penalty"]
    out = [words.word("penalty", rate=_percent(penalty["rate_annual"]),
                      grace=_number(penalty["grace_days"]),
                      collected=_percent(penalty["collected_share"]))
           if penalty["rate_annual"] > 0 else words.word("no_penalty")]
    rebate = policy["rebate"]
    if rebate["rate"] > 0:
        out.append(words.word("rebate", rate=_percent(rebate["rate"]),
                              threshold=f"{float(rebate['threshold_annual_sales']):,.0f}"))
    return out


def policy_sentences(document: dict[str, Any], words: Wording) -> list[str]:
    """The policy of a result document as sentences (indented ones belong to the line above)."""
    policy = document["policy"]
    year = float(document["scenario"]["conventions"]["days_in_year"])
    accepted = list(policy["accepted_grades"])
    out = [_terms_sentence(g, Terms.model_validate(policy["terms"][g]),
                           document.get("discount_costs", {}).get(g, []), year, words)
           for g in accepted if g in policy["terms"]]
    grades = sorted({s["grade"] for s in document["scenario"]["segments"]} - set(accepted))
    if grades:
        out.append(words.word("refused", grades=", ".join(grades)))
    out += _money_rules(policy, words)
    out.append(_limits(policy["credit_limit"], words))
    out += _ladder(policy["ladder"], words)
    for grade, steps in policy.get("ladders_by_grade", {}).items():
        out.append(f"{grade}:")
        out += _ladder(steps, words)
    collections = policy["collections"]
    if collections["collectors"] is None:
        out.append(words.word("unlimited_collectors"))
    else:
        out.append(words.word("collectors", collectors=collections["collectors"],
                              minutes=_number(collections["minutes_per_day"]),
                              order=words.word(f"order_{collections['work_order']}")))
    if policy["write_off"]["days_overdue"] is not None:
        out.append(words.word("write_off", days=_number(policy["write_off"]["days_overdue"])))
    return out
