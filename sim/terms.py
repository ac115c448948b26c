"""Credit terms: "2/10, N/30" notation <-> typed discount tiers, and what a discount costs.

Terms are written as invoices print them [004 p.94]: tiers ``rate%/window days``, then the
credit period ``N/days``: "3/10 N/60", "6/10, 3/20, N/45"; "cash", "CIA" and "COD" mean net 0.
End-of-month dating marks every part with ``EOM`` ("2/10 EOM, N/30 EOM"): the days are then
counted from the end of the month the invoice falls in, not from the invoice date.
Notation text and the structured form validate to the same frozen :class:`Terms` model.

The cost functions are the textbook ones (not in the seeds; see DOMAIN.md "Textbook
conventions"): the simple annual cost of forgoing a discount ``d/(1-d) * Y/(N - w)`` and its
compounded effective rate. The day-count year ``Y`` is always a parameter because Chinese exam
material uses 360 days and many English textbooks 365.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import PolicyError

__all__ = [
    "DiscountTier",
    "Terms",
    "TierCost",
    "best_tier",
    "best_tier_array",
    "dating_day",
    "discount_benefit",
    "forgo_cost_effective",
    "forgo_cost_simple",
    "tier_costs",
]

_NUMBER = r"\d+(?:\.\d+)?"
_TIER = re.compile(rf"({_NUMBER})\s*/\s*({_NUMBER})(\s*eom)?")
# A full string is zero or more tiers (optionally comma- or semicolon-separated), then the
# credit period, each part optionally dated from the end of the month ("EOM"). Tiers are
# matched again afterwards because a repeated group keeps only its last capture.
_TERMS = re.compile(
    rf"(?P<tiers>(?:{_NUMBER}\s*/\s*{_NUMBER}(?:\s*eom)?\s*[,;]?\s*)*)"
    rf"(?:net|n)\s*/?\s*(?P<net>{_NUMBER})(?P<eom>\s*eom)?",
    re.IGNORECASE,
)
# Prepayment and cash on delivery differ commercially, but neither leaves a receivable; who
# must pay cash is the credit standard's business, not the terms'.
_CASH_WORDS = frozenset({"cash", "cia", "cod", "cash in advance", "cash on delivery"})
_EXAMPLES = ("'N/30', 'net 60', '2/10, N/30', '3/10 N/60', '6/10, 3/20, N/45', "
             "'2/10 EOM, N/30 EOM', 'cash'")


def _format_number(value: float, scale: int = 0) -> str:
    """Shortest text that reads back as exactly ``value * 10**scale`` (10.0 -> "10")."""
    # repr + Decimal keeps float noise out: 0.07 at scale 2 is "7", not "7.000000000000001".
    return format(Decimal(repr(float(value))).scaleb(scale).normalize(), "f")


def _rate_from_percent(text: str) -> float:
    # Decimal division is exact, so "1.23" gives the double nearest 0.0123, the same double
    # a user gets by typing rate=0.0123; float division could land one ulp away.
    return float(Decimal(text) / 100)


def _parse_terms_text(text: str) -> dict[str, Any]:
    """Turn invoice notation into the structured form :class:`Terms` validates.

    Raises:
        ValueError: ``text`` is not credit-terms notation.
    """
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _CASH_WORDS:
        return {"net_days": 0.0, "discounts": ()}
    match = _TERMS.fullmatch(cleaned)
    if match is None:
        raise ValueError(
            f"cannot read credit terms {text!r}: write the discount tiers as 'percent/days' "
            f"followed by the credit period as 'N/days', e.g. {_EXAMPLES}"
        )
    tiers = _TIER.findall(match.group("tiers"))
    discounts = [
        {"rate": _rate_from_percent(rate), "window_days": float(window)}
        for rate, window, _eom in tiers
    ]
    marks = [bool(eom) for _rate, _window, eom in tiers] + [bool(match.group("eom"))]
    if any(marks) and not all(marks):
        # Books read a half-marked "2/10 EOM, N/30" in different ways (net 30 from the
        # invoice, or 20 days after the discount date); a model with one dating day for all
        # of the terms must not guess.
        raise ValueError(
            f"cannot read credit terms {text!r}: end-of-month dating must mark every part, "
            "e.g. '2/10 EOM, N/30 EOM' (arsim counts all of the terms' days from one day)"
        )
    return {"net_days": float(match.group("net")), "discounts": discounts,
            "end_of_month": marks[-1]}


class DiscountTier(BaseModel):
    """One cash-discount tier: ``rate`` off the invoice if paid within ``window_days``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate: Annotated[
        float,
        Field(
            gt=0.0,
            lt=0.5,
            allow_inf_nan=False,
            description="Cash discount as a share of the invoice (0.02 = 2% off).",
        ),
    ]
    window_days: Annotated[
        float,
        Field(
            gt=0.0,
            allow_inf_nan=False,
            description="Days after the invoice date within which the discount may be taken.",
        ),
    ]

    @property
    def notation(self) -> str:
        """The tier as printed on an invoice, e.g. ``"2/10"``."""
        return f"{_format_number(self.rate, 2)}/{_format_number(self.window_days)}"


class Terms(BaseModel):
    """Credit terms: a credit period and zero or more cash-discount tiers.

    Validates from the structured form or from notation text::

        Terms.model_validate("6/10, 3/20, N/45")
        Terms(net_days=30, discounts=(DiscountTier(rate=0.02, window_days=10),))

    Tiers must be ordered: each later tier gives more time for a smaller discount (the rate
    and the window move inversely [004 p.94]), and every window ends before the credit period.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    net_days: Annotated[
        float,
        Field(
            ge=0.0,
            allow_inf_nan=False,
            description="Credit period in days after the invoice date; 0 means cash terms.",
        ),
    ]
    discounts: Annotated[
        tuple[DiscountTier, ...],
        Field(description="Cash-discount tiers, shortest window (largest rate) first."),
    ] = ()
    end_of_month: Annotated[
        bool,
        Field(description="End-of-month dating (EOM): the discount windows and the credit "
              "period count from the end of the month the invoice falls in (months of "
              "days_in_year / 12 days), not from the invoice date."),
    ] = False

    @model_validator(mode="before")
    @classmethod
    def _read_notation(cls, data: Any) -> Any:
        if isinstance(data, str):
            return _parse_terms_text(data)
        return data

    @model_validator(mode="after")
    def _check_tier_order(self) -> Terms:
        if self.end_of_month and self.net_days == 0:
            # net 0 is cash (no receivable) everywhere in the model; "due at the month end"
            # is credit, and would be mistaken for cash
            raise ValueError("end-of-month dating needs a credit period of more than 0 days "
                             "(write 'N/30 EOM', not 'N/0 EOM')")
        problem = _tier_order_problem(self)
        if problem is not None:
            raise ValueError(f"{problem} (terms '{self.notation}')")
        return self

    @property
    def notation(self) -> str:
        """Canonical invoice notation: ``"2/10, N/30"``, ``"N/30"``, ``"2/10 EOM, N/30 EOM"``,
        or ``"cash"`` for net 0."""
        if self.net_days == 0 and not self.discounts:
            return "cash"
        parts = [tier.notation for tier in self.discounts]
        parts.append(f"N/{_format_number(self.net_days)}")
        if self.end_of_month:
            parts = [f"{part} EOM" for part in parts]
        return ", ".join(parts)

    def effective_credit_days(self, days_in_year: float) -> float:
        """The credit the terms give on average, in days from the invoice date.

        The credit period, and with end-of-month dating the days from an invoice to the end
        of its month on top, on average half a month: the month's end is ``M`` days after
        its start (``M = days_in_year / 12``), so an invoice issued at a uniform point of
        its month waits ``M / 2`` days for it (:func:`dating_day`). "2/10 EOM, N/30 EOM" at
        365 days gives 45.2 days of credit, as "N/45.2" would. The demand response reads
        this (a buyer values the credit it gets, whatever the printing), while the due
        date of each invoice is its own month's end plus ``net_days``.

        Args:
            days_in_year: Day-count year (the month is a twelfth of it).

        Returns:
            ``net_days``, or ``net_days + days_in_year / 24`` with end-of-month dating.
        """
        if not self.end_of_month:
            return self.net_days
        return self.net_days + days_in_year / 24.0

    def dating_day(self, issue_day: float, month_days: float) -> float:
        """The day these terms count their days from, for an invoice issued on ``issue_day``:
        see :func:`dating_day`."""
        return dating_day(issue_day, self.end_of_month, month_days)

    def __str__(self) -> str:
        return self.notation


def _tier_order_problem(terms: Terms) -> str | None:
    """Describe the first ordering rule ``terms`` breaks, in words a CFO would use."""
    net = _format_number(terms.net_days)
    for index, tier in enumerate(terms.discounts):
        if tier.window_days >= terms.net_days:
            return (
                f"discount window {_format_number(tier.window_days)} days is not shorter "
                f"than the credit period {net} days"
            )
        if index == 0:
            continue
        previous = terms.discounts[index - 1]
        if tier.window_days <= previous.window_days:
            return (
                f"discount tier {index + 1} window {_format_number(tier.window_days)} days is "
                f"not longer than tier {index} window {_format_number(previous.window_days)} "
                "days; each later tier must give the customer more time"
            )
        if tier.rate >= previous.rate:
            return (
                f"discount tier {index + 1} rate {_format_number(tier.rate, 2)}% is not smaller "
                f"than tier {index} rate {_format_number(previous.rate, 2)}%; the discount must "
                "shrink as the window lengthens"
            )
    return None


def dating_day(issue_day: float, end_of_month: bool, month_days: float) -> float:
    """The day an invoice's discount windows and credit period are counted from.

    The invoice date, or with end-of-month dating the end of the month it falls in: months
    are ``month_days`` long from day 0 (the simulator's calendar, ``days_in_year / 12``), so
    an invoice on day ``t`` is dated from ``(floor(t / M) + 1) * M``; one issued on a month's
    first instant counts from the end of that month. The compiled engines compute the same
    expression (``fast._dating_day``), so every engine gets the same bits.

    Args:
        issue_day: The invoice's day.
        end_of_month: Whether the terms are end-of-month dated.
        month_days: Length of a month in days.

    Returns:
        ``issue_day`` or the end of its month.
    """
    if not end_of_month:
        return issue_day
    return (math.floor(issue_day / month_days) + 1.0) * month_days


def _check_discount_inputs(rate: float, window_days: float, net_days: float, year: float) -> None:
    if not 0.0 < rate < 1.0:
        raise PolicyError(f"discount rate {rate!r} must lie strictly between 0 and 1")
    if window_days >= net_days:
        raise PolicyError(
            f"discount window {_format_number(window_days)} days is not shorter than the "
            f"credit period {_format_number(net_days)} days"
        )
    if year <= 0:
        raise PolicyError(f"days in the year must be positive, got {year!r}")


def forgo_cost_simple(
    rate: float, window_days: float, net_days: float, days_in_year: float = 360.0
) -> float:
    """Simple annual cost to the buyer of not taking a cash discount.

    ``rate / (1 - rate) * days_in_year / (net_days - window_days)``: forgoing the discount
    borrows ``1 - rate`` from the seller for ``net_days - window_days`` days at a price of
    ``rate``. Textbook formula (DOMAIN.md "Textbook conventions"); 360 days is the Chinese
    exam convention, pass 365 for most English textbooks.

    Args:
        rate: Discount as a share of the invoice (0.02 for "2/10").
        window_days: Discount window in days.
        net_days: Credit period in days; must exceed ``window_days``.
        days_in_year: Day-count year.

    Returns:
        Annual rate as a share (0.3673 = 36.73%).

    Raises:
        PolicyError: The rate is outside (0, 1), the window is not shorter than the credit
            period, or the year is not positive.
    """
    _check_discount_inputs(rate, window_days, net_days, days_in_year)
    return rate / (1.0 - rate) * days_in_year / (net_days - window_days)


def forgo_cost_effective(
    rate: float, window_days: float, net_days: float, days_in_year: float = 365.0
) -> float:
    """Effective (compounded) annual cost to the buyer of not taking a cash discount.

    ``(1 + rate / (1 - rate)) ** (days_in_year / (net_days - window_days)) - 1``: the simple
    period rate compounded over the periods in a year. Textbook formula (DOMAIN.md "Textbook
    conventions").

    Args:
        rate: Discount as a share of the invoice.
        window_days: Discount window in days.
        net_days: Credit period in days; must exceed ``window_days``.
        days_in_year: Day-count year.

    Returns:
        Effective annual rate as a share (0.4459 = 44.59%).

    Raises:
        PolicyError: As :func:`forgo_cost_simple`.
    """
    _check_discount_inputs(rate, window_days, net_days, days_in_year)
    periods_per_year = days_in_year / (net_days - window_days)
    return float((1.0 + rate / (1.0 - rate)) ** periods_per_year - 1.0)


@dataclass(frozen=True, slots=True)
class TierCost:
    """Implied annual cost of forgoing one discount tier, as ``arsim run`` prints it.

    Attributes:
        notation: The tier as printed on an invoice, e.g. ``"2/10"``.
        rate: Discount as a share of the invoice.
        window_days: Discount window in days.
        simple_annual: Simple annual cost of forgoing the tier, as a share.
        effective_annual: Compounded annual cost of forgoing the tier, as a share.
    """

    notation: str
    rate: float
    window_days: float
    simple_annual: float
    effective_annual: float


def tier_costs(terms: Terms, days_in_year: float) -> list[TierCost]:
    """Cost of forgoing each discount tier of ``terms``, every tier priced against net.

    Each tier is compared with paying at ``net_days``, not with the next tier: that is the
    buyer's real alternative once it has missed a window, and it is what the textbooks quote.

    Args:
        terms: The credit terms.
        days_in_year: Day-count year used for both the simple and the effective rate.

    Returns:
        One :class:`TierCost` per tier, in tier order; empty for terms without discounts.
    """
    return [
        TierCost(
            notation=tier.notation,
            rate=tier.rate,
            window_days=tier.window_days,
            simple_annual=forgo_cost_simple(
                tier.rate, tier.window_days, terms.net_days, days_in_year
            ),
            effective_annual=forgo_cost_effective(
                tier.rate, tier.window_days, terms.net_days, days_in_year
            ),
        )
        for tier in terms.discounts
    ]


def discount_benefit(
    rate: float,
    window_days: float,
    net_days: float,
    funding_cost_annual: float,
    days_in_year: float,
) -> float:
    """Buyer's gain per unit of invoice from paying at the discount window instead of at net.

    ``rate - (1 - rate) * funding_cost_annual * (net_days - window_days) / days_in_year``:
    the discount earned, less simple interest on the discounted amount paid early. It is
    positive exactly when ``funding_cost_annual`` is below :func:`forgo_cost_simple` for the
    same year, which is the textbook take-the-discount rule.

    Args:
        rate: Discount as a share of the invoice.
        window_days: Discount window in days.
        net_days: Credit period in days; must exceed ``window_days``.
        funding_cost_annual: Buyer's annual cost of funds, as a share.
        days_in_year: Day-count year.

    Returns:
        Gain per unit of invoice amount (negative when paying at net is cheaper).

    Raises:
        PolicyError: As :func:`forgo_cost_simple`.
    """
    _check_discount_inputs(rate, window_days, net_days, days_in_year)
    early_days = net_days - window_days
    return rate - (1.0 - rate) * funding_cost_annual * early_days / days_in_year


def best_tier(terms: Terms, funding_cost_annual: float, days_in_year: float) -> int | None:
    """Index of the discount tier a rational buyer takes, or None if it pays at net.

    Args:
        terms: The credit terms.
        funding_cost_annual: Buyer's annual cost of funds, as a share.
        days_in_year: Day-count year.

    Returns:
        Index into ``terms.discounts`` of the largest strictly positive
        :func:`discount_benefit` (the earliest tier on a tie); None when no tier has a
        positive benefit, including at exact indifference.
    """
    best_index: int | None = None
    best_value = 0.0
    for index, tier in enumerate(terms.discounts):
        value = discount_benefit(
            tier.rate, tier.window_days, terms.net_days, funding_cost_annual, days_in_year
        )
        if value > best_value:
            best_index, best_value = index, value
    return best_index


def best_tier_array(
    terms: Terms, funding_cost_annual: npt.ArrayLike, days_in_year: float,
    stretch_days: npt.ArrayLike = 0.0,
) -> npt.NDArray[np.int64]:
    """Vectorised :func:`best_tier` over many buyers' funding costs.

    Args:
        terms: The credit terms.
        funding_cost_annual: Buyers' annual costs of funds, as shares, any shape.
        days_in_year: Day-count year.
        stretch_days: Days past net at which each buyer would pay if it forwent the
            discount (its habit of paying late; 0: at net, the textbook's comparison). A
            buyer who stretches its credit finances the early payment over longer and
            finds the discount worth less.

    Returns:
        Tier indices with the shape of ``funding_cost_annual``; -1 where the buyer pays at net.
        Agrees element by element with :func:`best_tier`.
    """
    funding = np.asarray(funding_cost_annual, dtype=np.float64)
    if not terms.discounts:
        return np.full(funding.shape, -1, dtype=np.int64)
    for tier in terms.discounts:
        _check_discount_inputs(tier.rate, tier.window_days, terms.net_days, days_in_year)
    paid_at = terms.net_days + np.asarray(stretch_days, dtype=np.float64)
    # Same operation order as discount_benefit, so both give bit-identical benefits (with
    # no stretch: net + 0.0 is net).
    benefits = np.stack(
        [
            tier.rate
            - (1.0 - tier.rate) * funding * (paid_at - tier.window_days) / days_in_year
            for tier in terms.discounts
        ]
    )
    chosen = np.argmax(benefits, axis=0)
    return np.where(np.max(benefits, axis=0) > 0.0, chosen, -1).astype(np.int64)
