"""`arsim calc ...` and `arsim kpis`: the course's own calculations, each with its formula."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from arsim.reports.calc_text import Language, Reported, calc_json, render_calc
from arsim.sim.calc import (
    CeiSales,
    InterestBase,
    RepeatConvention,
    SalesSlice,
    book_kpis,
    credit_decision,
    credit_policy_switch,
    discount_default_switch,
    early_payment,
    read_aging_csv,
    receivables_investment,
    trade_credit_cost,
)

__all__ = ["calc_group", "kpis_command"]

F = TypeVar("F", bound=Callable[..., Any])


class _Share(click.ParamType):
    """A rate or share written as 0.12 or 12%."""

    name = "share"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip()
        try:
            return float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
        except ValueError:
            self.fail(f"{value!r} is not a rate: write 0.12 or 12%", param, ctx)


SHARE = _Share()
YEAR = click.option("--year", "days_in_year", type=click.Choice(["360", "365"]), default="360",
                    show_default=True, help="Days in the year (Y).")


def output_options(func: F) -> F:
    """--lang and --json, as every calculation takes them."""
    func = click.option("--json", "as_json", is_flag=True,
                        help="Print a JSON document instead of text.")(func)
    return cast(F, click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="en",
                                show_default=True,
                                help="Labels in English, Chinese terms, or both.")(func))


def _show(name: str, title: str, result: Reported, lang: str, as_json: bool) -> None:
    if as_json:
        click.echo(calc_json(name, result))
    else:
        click.echo(render_calc(title, result, cast(Language, lang)))


@click.group("calc")
def calc_group() -> None:
    """A credit-management course's calculations, each figure with its formula.

    Formulas and conventions for every one are in docs/textbook.md.

    Example: arsim calc discount "2/10, N/30" --pay-day 50 --year 360
    """


@calc_group.command("discount")
@click.argument("terms")
@click.option("--pay-day", type=click.FloatRange(min=0, min_open=True), multiple=True,
              help="Day the buyer pays (default: the net day); repeat for several payers.")
@YEAR
@output_options
def discount_command(terms: str, pay_day: tuple[float, ...], days_in_year: str, lang: str,
                     as_json: bool) -> None:
    """Annual cost of the credit a buyer takes by skipping each discount tier.

    Approximate, simple and effective rates at the day it actually pays.

    Example: arsim calc discount "2/10, N/30" --pay-day 50 --year 360
    """
    results = [trade_credit_cost(terms, day, float(days_in_year)) for day in pay_day or (None,)]
    if as_json:
        click.echo(calc_json("discount", *results))
        return
    click.echo("\n\n".join(render_calc(f"Cost of trade credit: {r.terms}, paid on day "
                                       f"{r.pay_day:g}", r, cast(Language, lang))
                           for r in results))


@calc_group.command("early-payment")
@click.argument("terms")
@click.option("--amount", type=float, required=True, help="Invoice amount A.")
@click.option("--borrow-rate", type=SHARE, required=True,
              help="Buyer's annual borrowing rate r, e.g. 0.12 or 12%.")
@click.option("--pay-day", type=float, default=None,
              help="Day the buyer would otherwise pay in full (default: the net day).")
@click.option("--interest-on", type=click.Choice(["discounted", "invoice"]),
              default="discounted", show_default=True,
              help="What is borrowed: the discounted amount or the whole invoice.")
@YEAR
@output_options
def early_payment_command(terms: str, amount: float, borrow_rate: float, pay_day: float | None,
                          interest_on: str, days_in_year: str, lang: str, as_json: bool) -> None:
    """The buyer who borrows to pay early: interest, discount, net benefit per tier.

    Example: arsim calc early-payment "2.5/30, 1.8/50, N/90" --amount 10000 --borrow-rate 12%
    """
    base: InterestBase = "invoice" if interest_on == "invoice" else "discounted"
    result = early_payment(terms, amount, borrow_rate, float(days_in_year), pay_day, base)
    _show("early-payment", f"Borrowing to take the discount: {result.terms}", result, lang,
          as_json)


@calc_group.command("switch")
@click.option("--price", type=float, required=True, help="P, price per unit today.")
@click.option("--variable-cost", type=float, required=True, help="v, variable cost per unit.")
@click.option("--quantity", type=float, required=True, help="Q, units sold per period today.")
@click.option("--new-quantity", type=float, required=True, help="Q', units per period after.")
@click.option("--rate", type=SHARE, required=True, help="R, required return per period.")
@click.option("--new-price", type=float, default=None, help="P' (default P).")
@click.option("--new-variable-cost", type=float, default=None, help="v' (default v).")
@output_options
def switch_command(price: float, variable_cost: float, quantity: float, new_quantity: float,
                   rate: float, new_price: float | None, new_variable_cost: float | None,
                   lang: str, as_json: bool) -> None:
    """NPV of a switch to one period's credit (a perpetuity), and break-even volume.

    Example: arsim calc switch --price 49 --variable-cost 20 --quantity 100 --new-quantity 110
    --rate 2%
    """
    result = credit_policy_switch(price, variable_cost, quantity, new_quantity, rate, new_price,
                                  new_variable_cost)
    _show("switch", "Switch of credit policy", result, lang, as_json)


@calc_group.command("discount-default")
@click.option("--cash-price", type=float, required=True, help="P, the cash price.")
@click.option("--quantity", type=float, required=True, help="Q, units per period.")
@click.option("--discount", type=SHARE, required=True, help="d, the cash discount.")
@click.option("--default-rate", type=SHARE, default=0.0, show_default=True,
              help="pi, share of credit sales never paid.")
@click.option("--rate", type=SHARE, required=True, help="R, required return per period.")
@output_options
def discount_default_command(cash_price: float, quantity: float, discount: float,
                             default_rate: float, rate: float, lang: str, as_json: bool) -> None:
    """Credit at P' = P/(1-d) with a cash discount: NPV and break-even default rate.

    Example: arsim calc discount-default --cash-price 49 --quantity 100 --discount 2% --rate 2%
    """
    result = discount_default_switch(cash_price, quantity, discount, default_rate, rate)
    _show("discount-default", "Credit with a cash discount and defaults", result, lang, as_json)


@calc_group.command("investment")
@click.option("--old-sales", type=float, required=True, help="Sales per period before.")
@click.option("--old-at", type=click.Choice(["price", "cost"]), default="price",
              show_default=True, help="Carry the old sales' receivables at price or at cost.")
@click.option("--extra-sales", type=float, default=0.0, help="Extra sales per period.")
@click.option("--variable-cost-ratio", type=SHARE, required=True,
              help="Variable cost as a share of price.")
@click.option("--periods", type=float, required=True,
              help="Periods the receivables stay unpaid (e.g. 1 month, or days/360).")
@click.option("--old-periods", type=float, default=None,
              help="Periods outstanding of the old sales, if not the same.")
@click.option("--rate", type=SHARE, required=True, help="R, required return per period.")
@output_options
def investment_command(old_sales: float, old_at: str, extra_sales: float,
                       variable_cost_ratio: float, periods: float, old_periods: float | None,
                       rate: float, lang: str, as_json: bool) -> None:
    """Money tied up in receivables with a mixed base, and its carrying cost.

    Example: arsim calc investment --old-sales 4900 --extra-sales 245
    --variable-cost-ratio 0.408163265306 --periods 1 --rate 2%
    """
    old_base = 1.0 if old_at == "price" else variable_cost_ratio
    slices = [SalesSlice(f"old sales at {old_at}", old_sales,
                         periods if old_periods is None else old_periods, old_base)]
    if extra_sales:
        slices.append(SalesSlice("extra sales at variable cost", extra_sales, periods,
                                 variable_cost_ratio))
    result = receivables_investment(slices, rate)
    _show("investment", "Investment in receivables", result, lang, as_json)


@calc_group.command("credit-decision")
@click.option("--price", type=float, required=True, help="P, the credit price of the order.")
@click.option("--cost", type=float, required=True, help="v, the order's variable cost.")
@click.option("--default", "default_probability", type=SHARE, required=True,
              help="pi, the probability of never being paid.")
@click.option("--rate", type=SHARE, required=True, help="R, required return per credit period.")
@click.option("--repeat", type=click.Choice(["cost_first", "profit_perpetuity"]),
              default="cost_first", show_default=True,
              help="How a repeat buyer is valued (docs/textbook.md).")
@output_options
def credit_decision_command(price: float, cost: float, default_probability: float, rate: float,
                            repeat: str, lang: str, as_json: bool) -> None:
    """Grant credit on one order? Expected NPV once and as a repeat buyer; break-evens.

    Example: arsim calc credit-decision --price 1725000 --cost 1600000 --default 0.5%
    --rate 1.8%
    """
    convention: RepeatConvention = (
        "profit_perpetuity" if repeat == "profit_perpetuity" else "cost_first")
    result = credit_decision(price, cost, default_probability, rate, convention)
    _show("credit-decision", "Credit decision on one order", result, lang, as_json)


@click.command("kpis")
@click.argument("aging_file", metavar="AGING.csv")
@click.option("--periods", type=click.IntRange(min=1), default=None,
              help="Window of the last N periods (default: all after the first row).")
@click.option("--cei-sales", type=click.Choice(["total", "monthly-average"]), default="total",
              show_default=True, help="Sales in a CEI over several months.")
@output_options
def kpis_command(aging_file: str, periods: int | None, cei_sales: str, lang: str,
                 as_json: bool) -> None:
    """Receivables KPIs from a company's aging report (format: docs/textbook.md).

    DSO by the period-end, average and countback methods, best-possible DSO, average days
    delinquent and CEI, by the same definitions as a simulation's KPIs.

    Example: arsim kpis aging.csv --periods 3 --cei-sales monthly-average
    """
    basis: CeiSales = "monthly_average" if cei_sales == "monthly-average" else "total"
    result = book_kpis(read_aging_csv(aging_file), periods, basis)
    _show("kpis", f"Receivables KPIs: {aging_file}, period ending {result.period_end}", result,
          lang, as_json)
