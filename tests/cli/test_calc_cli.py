"""`arsim calc ...` and `arsim kpis`: figures with formulas, Chinese labels, JSON, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from arsim.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


def _ok(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _fails(args: list[str]) -> str:
    result: Result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("arsim: error: "), result.stderr
    return lines[0]


def test_discount_prints_each_rate_with_its_formula_and_convention() -> None:
    out = _ok(["calc", "discount", "2/10, N/30", "--pay-day", "50", "--year", "360"])
    assert "2/10: simple (nominal) annual cost of skipping" in out
    assert "18.37%   = d / (1 - d) x Y / (P - w)" in out
    assert "18.00%   = d x Y / (P - w)" in out
    assert "Y = 360 days in the year" in out
    assert "payment 20 days after the net day (stretching)" in out


def test_chinese_and_both_labels() -> None:
    zh = _ok(["calc", "discount", "2/10, N/30", "--lang", "zh"])
    assert "2/10: 放弃现金折扣的信用成本率(单利)" in zh
    both = _ok(["calc", "discount", "2/10, N/30", "--lang", "both"])
    assert "simple (nominal) annual cost of skipping / 放弃现金折扣的信用成本率(单利)" in both


def test_discount_json_one_document_per_payment_day() -> None:
    one = json.loads(_ok(["calc", "discount", "2/10, N/30", "--json"]))
    assert one["calculation"] == "discount"
    assert one["result"]["tiers"][0]["simple_annual"] == pytest.approx(0.02 / 0.98 * 18)
    assert one["figures"][1]["label_zh"] == "放弃现金折扣的信用成本率(单利)"
    several = json.loads(_ok(["calc", "discount", "2/10, N/30", "--pay-day", "30",
                              "--pay-day", "10", "--json"]))
    assert [d["result"]["pay_day"] for d in several] == [30, 10]
    assert several[1]["result"]["tiers"][0]["taken"] is True


def test_early_payment_accepts_percent_and_names_the_best_choice() -> None:
    out = _ok(["calc", "early-payment", "2.5/30, 1.8/50, N/90", "--amount", "10000",
               "--borrow-rate", "12%"])
    assert "2.5/30: net benefit of paying early" in out
    assert "55.00" in out and "49.07" in out
    assert "best choice: borrow and take 2.5/30" in out


def test_switch_investment_discount_default_and_credit_decision() -> None:
    switch = _ok(["calc", "switch", "--price", "49", "--variable-cost", "20", "--quantity",
                  "100", "--new-quantity", "110", "--rate", "2%"])
    assert "9,400.00" in switch and "3.43" in switch
    investment = json.loads(_ok(["calc", "investment", "--old-sales", "4900", "--extra-sales",
                                 "245", "--variable-cost-ratio", str(20 / 49), "--periods", "1",
                                 "--rate", "0.02", "--json"]))
    assert investment["result"]["investment"] == pytest.approx(5_000)
    at_cost = json.loads(_ok(["calc", "investment", "--old-sales", "1000", "--old-at", "cost",
                              "--variable-cost-ratio", "0.6", "--periods", "2", "--rate",
                              "0.1", "--json"]))
    assert at_cost["result"]["investment"] == pytest.approx(1_200)
    default = _ok(["calc", "discount-default", "--cash-price", "49", "--quantity", "100",
                   "--discount", "2%", "--rate", "2%"])
    assert "0.04%" in default
    decision = _ok(["calc", "credit-decision", "--price", "101", "--cost", "96", "--default",
                    "7%", "--rate", "1%", "--repeat", "profit_perpetuity"])
    assert "365.28" in decision and "19.35%" in decision


def test_kpis_from_the_sample_file() -> None:
    out = _ok(["kpis", str(DATA / "aging_sample.csv"), "--cei-sales", "monthly-average"])
    assert "DSO, countback method" in out and "50.00 d" in out
    assert "S = sales / months" in out
    data = json.loads(_ok(["kpis", str(DATA / "aging_countback.csv"), "--json"]))
    assert data["result"]["dso_countback"] == pytest.approx(71.0)
    assert data["result"]["cei"] is None  # no balance before the window: null, not NaN


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calc", "discount", "2/40, N/30"], "not shorter than the credit period"),
        (["calc", "discount", "2/10, N/30", "--pay-day", "0"], "--pay-day"),
        (["calc", "early-payment", "2/10, N/30", "--amount", "100", "--borrow-rate", "lots"],
         "is not a rate"),
        (["calc", "credit-decision", "--price", "10", "--cost", "5", "--default", "120%",
          "--rate", "1%"], "default probability"),
        (["kpis", "no/such/file.csv"], "no/such/file.csv: no such file or directory"),
    ],
)
def test_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    assert message in _fails(args)


def test_bad_aging_file_names_file_line_column_value(tmp_path: Path) -> None:
    path = tmp_path / "aging.csv"
    path.write_text("period_end,credit_sales,current\n2025-01-31,12x,5\n", encoding="utf-8")
    line = _fails(["kpis", str(path)])
    assert line == f"arsim: error: {path}:2: column 'credit_sales': '12x' is not a number"


def test_every_calc_command_has_help_ending_with_an_example() -> None:
    for name in ("discount", "early-payment", "switch", "discount-default", "investment",
                 "credit-decision"):
        assert "Example: arsim calc" in _ok(["calc", name, "--help"])
    assert "Example: arsim kpis" in _ok(["kpis", "--help"])


def _result(args: list[str]) -> dict[str, object]:
    document = json.loads(_ok([*args, "--json"]))
    result: dict[str, object] = document["result"]
    return result


def test_the_remaining_options_against_hand_computed_figures() -> None:
    # borrowing the whole invoice: 10,000 x 12% x 20 / 360 = 66.67 of interest, not 65.33
    early = _result(["calc", "early-payment", "2/10, N/30", "--amount", "10000",
                     "--borrow-rate", "12%", "--interest-on", "invoice"])
    options = early["options"]
    assert isinstance(options, list)
    option, = options
    assert option["amount_borrowed"] == 10_000
    assert option["interest_cost"] == pytest.approx(10_000 * 0.12 * 20 / 360)
    assert option["net_benefit"] == pytest.approx(200 - 10_000 * 0.12 * 20 / 360)
    # a new price and variable cost: 110 x (50 - 21) - 100 x (49 - 20) = 290 a period more,
    # for 49 x 100 + 100 x (21 - 20) + 21 x 10 = 5,210; NPV -5,210 + 290 / 2% = 9,290
    switch = _result(["calc", "switch", "--price", "49", "--variable-cost", "20", "--quantity",
                      "100", "--new-quantity", "110", "--rate", "2%", "--new-price", "50",
                      "--new-variable-cost", "21"])
    assert (switch["cash_flow_change"], switch["switch_cost"]) == (290, 5_210)
    assert switch["npv"] == pytest.approx(9_290)
    # 1% never paid: -4,900 + 50 x 100 x (2% - 1%) / 2% = -2,400
    default = _result(["calc", "discount-default", "--cash-price", "49", "--quantity", "100",
                       "--discount", "2%", "--rate", "2%", "--default-rate", "1%"])
    assert default["npv"] == pytest.approx(-2_400)
    # old sales outstanding two periods at price, the extra one period at cost:
    # 4,900 x 2 + 245 x 1 x 0.4 = 9,898
    investment = _result(["calc", "investment", "--old-sales", "4900", "--old-periods", "2",
                          "--extra-sales", "245", "--variable-cost-ratio", "0.4", "--periods",
                          "1", "--rate", "2%"])
    assert investment["investment"] == pytest.approx(9_898)
    assert investment["carrying_cost"] == pytest.approx(0.02 * 9_898)
