"""Credit terms notation, tier validation, forgone-discount costs and the buyer's choice."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from arsim.sim.errors import PolicyError
from arsim.sim.terms import (
    DiscountTier,
    Terms,
    TierCost,
    best_tier,
    best_tier_array,
    discount_benefit,
    forgo_cost_effective,
    forgo_cost_simple,
    tier_costs,
)


def _terms(net_days: float, *tiers: tuple[float, float]) -> Terms:
    return Terms(
        net_days=net_days,
        discounts=tuple(DiscountTier(rate=rate, window_days=window) for rate, window in tiers),
    )


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("N/30", _terms(30)),
        ("n/60", _terms(60)),
        ("net 30", _terms(30)),
        ("Net30", _terms(30)),
        ("  N / 45  ", _terms(45)),
        ("3/10 N/60", _terms(60, (0.03, 10))),
        ("2/10, N/30", _terms(30, (0.02, 10))),
        ("2/10 net 30", _terms(30, (0.02, 10))),
        ("1.5/10, N/30", _terms(30, (0.015, 10))),
        ("6/10, 3/20, N/45", _terms(45, (0.06, 10), (0.03, 20))),
        ("6/10,3/20,n/45", _terms(45, (0.06, 10), (0.03, 20))),
        ("cash", _terms(0)),
        ("CIA", _terms(0)),
        ("COD", _terms(0)),
        ("Cash on delivery", _terms(0)),
        ("N/0", _terms(0)),
        ("N/30 EOM", Terms(net_days=30, end_of_month=True)),
        ("net 30 eom", Terms(net_days=30, end_of_month=True)),
        ("2/10 EOM, N/30 EOM", _terms(30, (0.02, 10)).model_copy(update={"end_of_month": True})),
        ("6/10 eom,3/20 eom,n/45 eom",
         _terms(45, (0.06, 10), (0.03, 20)).model_copy(update={"end_of_month": True})),
    ],
)
def test_notation_parses(text: str, expected: Terms) -> None:
    assert Terms.model_validate(text) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2/10 net 30", "2/10, N/30"),
        ("n/60", "N/60"),
        ("COD", "cash"),
        ("6/10,3/20,n/45", "6/10, 3/20, N/45"),
        ("1.5/10 N/30", "1.5/10, N/30"),
        ("7/10 N/30", "7/10, N/30"),
        ("2/10 eom n/30 eom", "2/10 EOM, N/30 EOM"),
        ("net 60 EOM", "N/60 EOM"),
    ],
)
def test_notation_is_canonical(text: str, canonical: str) -> None:
    terms = Terms.model_validate(text)
    assert terms.notation == canonical
    assert str(terms) == canonical
    assert Terms.model_validate(terms.notation) == terms


def test_structured_form_round_trips() -> None:
    terms = Terms.model_validate("6/10, 3/20, N/45")
    dumped = terms.model_dump()
    assert dumped == {
        "net_days": 45.0,
        "discounts": (
            {"rate": 0.06, "window_days": 10.0},
            {"rate": 0.03, "window_days": 20.0},
        ),
        "end_of_month": False,
    }
    assert Terms.model_validate(dumped) == terms
    assert Terms.model_validate_json(terms.model_dump_json()) == terms


@pytest.mark.parametrize("text", ["2/10 EOM, N/30", "2/10, N/30 EOM",
                                  "6/10 EOM, 3/20, N/45 EOM"])
def test_half_marked_end_of_month_dating_is_refused(text: str) -> None:
    # books read "2/10 EOM, N/30" in more than one way: the model must not guess
    with pytest.raises(ValidationError, match="must mark every part"):
        Terms.model_validate(text)


def test_end_of_month_dating_needs_a_credit_period() -> None:
    with pytest.raises(ValidationError, match="more than 0 days"):
        Terms.model_validate("N/0 EOM")
    with pytest.raises(ValidationError, match="more than 0 days"):
        Terms(net_days=0, end_of_month=True)


def test_end_of_month_dating_keeps_the_cost_of_a_tier() -> None:
    # both the window and the credit period move to the month end: N - w is unchanged
    plain, eom = Terms.model_validate("2/10, N/30"), Terms.model_validate("2/10 EOM, N/30 EOM")
    assert tier_costs(eom, 360) == tier_costs(plain, 360)


def test_notation_validates_inside_a_parent_model() -> None:
    class Holder(BaseModel):
        terms: Terms

    assert Holder.model_validate({"terms": "2/10, N/30"}).terms == _terms(30, (0.02, 10))


def test_terms_are_frozen_and_strict() -> None:
    terms = Terms.model_validate("N/30")
    with pytest.raises(ValidationError):
        terms.net_days = 60  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        Terms.model_validate({"net_days": 30, "net": 30})
    with pytest.raises(ValidationError, match="extra"):
        DiscountTier.model_validate({"rate": 0.02, "window_days": 10, "days": 10})


# --- errors ----------------------------------------------------------------------------------


def test_window_not_shorter_than_net_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Terms.model_validate("2/40, N/30")
    assert (
        "discount window 40 days is not shorter than the credit period 30 days (terms '2/40, N/30')"
    ) in str(caught.value)


def test_window_equal_to_net_is_refused() -> None:
    with pytest.raises(ValidationError, match="not shorter than the credit period 30 days"):
        _terms(30, (0.02, 30))


def test_rates_must_fall_as_windows_lengthen() -> None:
    with pytest.raises(ValidationError) as caught:
        Terms.model_validate("3/10, 6/20, N/45")
    message = str(caught.value)
    assert "tier 2 rate 6% is not smaller than tier 1 rate 3%" in message
    assert "'3/10, 6/20, N/45'" in message


def test_equal_rates_are_refused() -> None:
    with pytest.raises(ValidationError, match="rate 3% is not smaller than tier 1 rate 3%"):
        Terms.model_validate("3/10, 3/20, N/45")


def test_windows_must_lengthen() -> None:
    with pytest.raises(ValidationError, match="tier 2 window 10 days is not longer than tier 1"):
        Terms.model_validate("3/20, 2/10, N/45")


def test_three_tiers_are_checked_pairwise() -> None:
    assert len(Terms.model_validate("6/10, 3/20, 1/30, N/45").discounts) == 3
    with pytest.raises(ValidationError, match="tier 3 window 20 days is not longer than tier 2"):
        Terms.model_validate("6/10, 3/30, 1/20, N/45")
    with pytest.raises(ValidationError, match="tier 3 rate 4% is not smaller than tier 2 rate 3%"):
        Terms.model_validate("6/10, 3/20, 4/30, N/45")


@pytest.mark.parametrize(
    "text",
    ["garbage", "", "2/10", "2/10, 30", "N/", "N/thirty", "2%/10 N/30", "net -30", "30 net"],
)
def test_malformed_notation_quotes_the_text_and_shows_examples(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Terms.model_validate(text)
    message = str(caught.value)
    assert f"cannot read credit terms {text!r}" in message
    assert "'2/10, N/30'" in message


@pytest.mark.parametrize("text", ["0/10 N/30", "50/10 N/30", "2/0 N/30"])
def test_tier_bounds_apply_to_notation(text: str) -> None:
    with pytest.raises(ValidationError):
        Terms.model_validate(text)


@pytest.mark.parametrize(
    "data", [{"net_days": -1}, {"net_days": float("inf")}, {"net_days": float("nan")}]
)
def test_net_days_bounds(data: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        Terms.model_validate(data)


# --- cost of forgoing a discount ---------------------------------------------------------------


def test_textbook_forgo_cost_365_days() -> None:
    # "2/10 net 30", 365-day year: 37.24% simple, 44.59% effective.
    assert forgo_cost_simple(0.02, 10, 30, 365) * 100 == pytest.approx(37.24, abs=0.01)
    assert forgo_cost_effective(0.02, 10, 30, 365) * 100 == pytest.approx(44.59, abs=0.01)


def test_textbook_forgo_cost_360_days_is_the_default() -> None:
    assert forgo_cost_simple(0.02, 10, 30) * 100 == pytest.approx(36.73, abs=0.01)
    assert forgo_cost_simple(0.02, 10, 30) == forgo_cost_simple(0.02, 10, 30, 360)
    assert forgo_cost_effective(0.02, 10, 30) == forgo_cost_effective(0.02, 10, 30, 365)


@pytest.mark.parametrize(
    ("rate", "window", "net", "year"),
    [
        (0.02, 30, 30, 360),
        (0.02, 40, 30, 360),
        (0.0, 10, 30, 360),
        (1.0, 10, 30, 360),
        (0.02, 10, 30, 0),
    ],
)
def test_forgo_cost_refuses_impossible_inputs(
    rate: float, window: float, net: float, year: float
) -> None:
    with pytest.raises(PolicyError):
        forgo_cost_simple(rate, window, net, year)
    with pytest.raises(PolicyError):
        forgo_cost_effective(rate, window, net, year)


def test_tier_costs_price_every_tier_against_net() -> None:
    costs = tier_costs(Terms.model_validate("6/10, 3/20, N/45"), 360)
    assert [cost.notation for cost in costs] == ["6/10", "3/20"]
    assert isinstance(costs[0], TierCost)
    assert (costs[0].rate, costs[0].window_days) == (0.06, 10.0)
    assert costs[0].simple_annual == pytest.approx(0.06 / 0.94 * 360 / 35)
    assert costs[0].effective_annual == pytest.approx((1 / 0.94) ** (360 / 35) - 1)
    assert costs[1].simple_annual == pytest.approx(0.03 / 0.97 * 360 / 25)
    assert tier_costs(Terms.model_validate("N/30"), 365) == []


# --- the buyer's choice --------------------------------------------------------------------


def test_discount_benefit_by_hand() -> None:
    assert discount_benefit(0.02, 10, 30, 0.10, 365) == pytest.approx(0.02 - 0.98 * 0.1 * 20 / 365)


@pytest.mark.parametrize("year", [360.0, 365.0])
def test_benefit_changes_sign_at_the_forgo_cost(year: float) -> None:
    break_even = forgo_cost_simple(0.02, 10, 30, year)
    assert discount_benefit(0.02, 10, 30, break_even * 0.999, year) > 0
    assert discount_benefit(0.02, 10, 30, break_even * 1.001, year) < 0


def test_best_tier_single_tier() -> None:
    terms = Terms.model_validate("2/10, N/30")
    assert best_tier(terms, 0.10, 365) == 0
    assert best_tier(terms, 0.40, 365) is None
    assert best_tier(Terms.model_validate("N/30"), 0.10, 365) is None


def test_best_tier_two_tiers() -> None:
    # 6/10, 3/20, N/45 at 10%: tier 1 gains 0.06 - 0.94*0.1*35/365 = 0.0510,
    # tier 2 gains 0.03 - 0.97*0.1*25/365 = 0.0234.
    assert best_tier(Terms.model_validate("6/10, 3/20, N/45"), 0.10, 365) == 0
    # 2/10, 1.9/20, N/60 at 10%: tier 1 gains 0.02 - 0.98*0.1*50/365 = 0.00658,
    # tier 2 gains 0.019 - 0.981*0.1*40/365 = 0.00825, so the later tier wins.
    later_wins = Terms.model_validate("2/10, 1.9/20, N/60")
    assert best_tier(later_wins, 0.10, 365) == 1
    # At zero funding cost the bigger discount always wins.
    assert best_tier(later_wins, 0.0, 365) == 0
    assert best_tier(later_wins, 2.0, 365) is None


def test_best_tier_array_matches_scalar() -> None:
    terms = Terms.model_validate("2/10, 1.9/20, N/60")
    funding = np.array([[0.0, 0.02, 0.05, 0.10], [0.2, 0.5, 1.0, 2.0]])
    chosen = best_tier_array(terms, funding, 365)
    assert chosen.shape == funding.shape
    assert chosen.dtype == np.int64
    expected = [
        [-1 if (b := best_tier(terms, float(f), 365)) is None else b for f in row]
        for row in funding
    ]
    assert chosen.tolist() == expected
    assert set(chosen.ravel().tolist()) == {-1, 0, 1}


def test_best_tier_array_without_discounts() -> None:
    chosen = best_tier_array(Terms.model_validate("N/30"), np.array([0.1, 0.2]), 365)
    assert chosen.tolist() == [-1, -1]


# --- properties ----------------------------------------------------------------------------


@st.composite
def valid_terms(draw: st.DrawFn) -> Terms:
    """Terms with integer windows and rates of at most two decimals of percent."""
    windows = sorted(draw(st.sets(st.integers(1, 120), max_size=3)))
    size = len(windows)
    hundredths = sorted(draw(st.sets(st.integers(1, 4999), min_size=size, max_size=size)))
    hundredths.reverse()
    first_net = windows[-1] + 1 if windows else 0
    net_days = draw(st.integers(first_net, first_net + 365))
    tiers = tuple(
        DiscountTier(rate=h / 10_000, window_days=w)
        for h, w in zip(hundredths, windows, strict=True)
    )
    return Terms(net_days=net_days, discounts=tiers)


@given(valid_terms())
def test_notation_round_trips(terms: Terms) -> None:
    assert Terms.model_validate(terms.notation) == terms


@given(
    st.lists(st.floats(1e-6, 0.499, allow_subnormal=False), min_size=1, max_size=3, unique=True),
    st.lists(st.floats(0.01, 200.0), min_size=3, max_size=3, unique=True),
    st.floats(0.01, 200.0),
)
def test_notation_round_trips_any_float(
    rates: list[float], windows: list[float], extra_days: float
) -> None:
    windows = sorted(windows)[: len(rates)]
    tiers = tuple(
        DiscountTier(rate=r, window_days=w)
        for r, w in zip(sorted(rates, reverse=True), windows, strict=True)
    )
    terms = Terms(net_days=windows[-1] + extra_days, discounts=tiers)
    assert Terms.model_validate(terms.notation) == terms


@given(valid_terms(), st.floats(-0.5, 3.0, allow_nan=False))
def test_best_tier_agrees_with_benefits(terms: Terms, funding: float) -> None:
    chosen = best_tier(terms, funding, 365)
    benefits = [
        discount_benefit(t.rate, t.window_days, terms.net_days, funding, 365)
        for t in terms.discounts
    ]
    if chosen is None:
        assert all(b <= 0 for b in benefits)
    else:
        assert benefits[chosen] == max(benefits) > 0
    assert best_tier_array(terms, np.array(funding), 365).item() == (
        -1 if chosen is None else chosen
    )
