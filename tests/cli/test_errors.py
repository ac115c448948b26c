"""Every expected failure of the command line: one clear line on stderr, exit code 2.

Malformed YAML, unknown keys (which, where, and the nearest valid key), impossible values and
bad --set what-ifs must never show a traceback nor fall back silently to a default.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from arsim.cli import main

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"
TEXT = TINY.read_text(encoding="utf-8")


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def _one_line_failure(args: list[str]) -> str:
    """Run the CLI, check the failure contract and return the error line."""
    result = _invoke(args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("arsim: error: ")
    return lines[0].removeprefix("arsim: error: ")


def _write(tmp_path: Path, text: str, name: str = "my.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _edit(old: str, new: str) -> tuple[str, int]:
    """TEXT with one edit, and the 1-based line the edit is on."""
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new), TEXT[: TEXT.index(old)].count("\n") + 1


def _file_error(tmp_path: Path, text: str, command: str = "validate") -> str:
    path = _write(tmp_path, text)
    message = _one_line_failure([command, str(path)])
    assert message.startswith(f"{path}:"), message
    return message


# --- malformed YAML -------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), [
    ("  horizon_days: 120", "  horizon_days: [120"),  # unclosed bracket
    ("  seed: 7", "\tseed: 7"),  # a tab
    ("    grade: B", "    grade: B: A"),  # a colon inside a plain value
    ('    C: "N/30"', '    C: "N/30'),  # unclosed quote
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_malformed_yaml_names_the_line(tmp_path: Path, command: str, old: str,
                                       new: str) -> None:
    text, line = _edit(old, new)
    message = _file_error(tmp_path, text, command)
    assert "malformed YAML" in message
    assert f":{line}: " in message or f"starts on line {line})" in message, (line, message)


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "must be a mapping"),
    ("- just\n- a list\n", "must be a mapping"),
    ("name: x\n", "missing key 'policy'"),
])
def test_a_file_that_is_not_a_scenario(tmp_path: Path, text: str, fragment: str) -> None:
    assert fragment in _file_error(tmp_path, text)


def test_a_key_given_twice_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    text, line = _edit("currency: CNY\n", "currency: CNY\ncurrency: USD\n")
    message = _file_error(tmp_path, text)
    assert f":{line + 1}:" in message
    assert "'currency' is given twice" in message
    assert f"line {line}" in message


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    text, line = _edit("order_amount: {mean: 5000, cv: 0.8}",
                       "order_amount: &amount {mean: 5000, cv: 0.8}\n    extra: *amount")
    message = _file_error(tmp_path, text)
    assert "aliases" in message
    assert f":{line + 1}:" in message


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TEXT.replace("tiny policy", "politique café").encode("latin-1"))
    message = _one_line_failure(["validate", str(path)])
    line = TEXT[: TEXT.index("tiny policy")].count("\n") + 1
    assert message.startswith(f"{path}:{line}:")
    assert "UTF-8" in message


# --- unknown keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "path", "nearest"), [
    ("horizon:", "horizn:", "horizn", "horizon"),
    ("cost_of_capital_annual", "cost_of_capitl_annual", "company.cost_of_capitl_annual",
     "cost_of_capital_annual"),
    ("orders_per_year: 12", "orders_per_yer: 12", "segments.1.orders_per_yer",
     "orders_per_year"),
    ("late_penalty:", "late_penalti:", "policy.late_penalti", "late_penalty"),
    ("grace_days", "grace_day", "policy.late_penalty.grace_day", "grace_days"),
    ("collector_minutes: 10", "collector_minute: 10", "policy.ladder.1.collector_minute",
     "collector_minutes"),
    ("pressure: 0.15", "presure: 0.15", "segments.0.payer_mix.presure", "pressure"),
    ("collections: {collectors: 1}", "collections: {colectors: 1}",
     "policy.collections.colectors", "collectors"),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_unknown_key_names_it_its_line_and_the_nearest_valid_key(
    tmp_path: Path, command: str, old: str, new: str, path: str, nearest: str
) -> None:
    text, line = _edit(old, new)
    message = _file_error(tmp_path, text, command)
    assert f":{line}:" in message
    assert f"unknown key '{path}'" in message
    assert f"did you mean '{nearest}'?" in message


def test_unknown_key_without_a_near_one_lists_the_valid_keys(tmp_path: Path) -> None:
    text, line = _edit('    C: "N/30"', '    E: "N/30"')
    message = _file_error(tmp_path, text)
    assert f":{line}:" in message
    assert "unknown key 'policy.terms.E'" in message
    assert "A, B, C, D" in message


def test_misspelt_choice_suggests_the_nearest(tmp_path: Path) -> None:
    text, line = _edit("action: phone", "action: phon")
    message = _file_error(tmp_path, text)
    assert f":{line}:" in message
    assert "policy.ladder.1.action" in message
    assert "did you mean 'phone'?" in message


# --- impossible values ----------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "fragments"), [
    # negative rates and amounts
    ("rate_annual: 0.12", "rate_annual: -0.12",
     ["policy.late_penalty.rate_annual", "must be at least 0", "-0.12"]),
    ("cost_of_capital_annual: 0.1", "cost_of_capital_annual: -0.1",
     ["company.cost_of_capital_annual", "-0.1"]),
    ("mean: 2000", "mean: -2000", ["segments.1.order_amount.mean", "-2000"]),
    ("warmup_days: 30", "warmup_days: -30", ["horizon.warmup_days"]),
    ('B: "2/10, N/30"', 'B: "-2/10, N/30"', ["policy.terms.B", "cannot read credit terms"]),
    ('B: "2/10, N/30"', 'B: {net_days: 30, discounts: [{rate: -0.02, window_days: 10}]}',
     ["policy.terms.B.discounts.0.rate", "must be above 0"]),
    # shares that do not sum to 1
    ("on_time: 0.4", "on_time: 0.5",
     ["segments.0.payer_mix", "segment 'trade'", "sum to 1.1, not 1"]),
    # a discount window not shorter than the credit period
    ('B: "2/10, N/30"', 'B: "2/45, N/30"',
     ["policy.terms.B", "discount window 45 days is not shorter than the credit period 30"]),
    ('B: "2/10, N/30"', 'B: {net_days: 30, discounts: [{rate: 0.02, window_days: 40}]}',
     ["policy.terms.B", "discount window 40 days is not shorter than the credit period 30"]),
    # discount tiers out of order
    ('B: "2/10, N/30"', 'B: "1/10, 2/20, N/30"', ["policy.terms.B", "must shrink"]),
    # ladder steps out of order: the line of the step that is out of place
    ("day: 30, action: letter", "day: 3, action: letter",
     ["policy.ladder.2", "step 3 (letter at day 3) comes before step 2 (phone at day 7)",
      "day order"]),
    ("  write_off:", "  ladders_by_grade: {C: [{day: 9, action: phone}, "
     "{day: 1, action: reminder}]}\n  write_off:",
     ["policy.ladders_by_grade", "grade C", "step 2 (reminder at day 1)"]),
    ("  collections:", "  credit_limit: {method: sales, standard_credit_period_days: 0}\n"
     "  collections:", ["policy.credit_limit.standard_credit_period_days"]),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_impossible_value_names_the_line_and_key(
    tmp_path: Path, command: str, old: str, new: str, fragments: list[str]
) -> None:
    text, line = _edit(old, new)
    message = _file_error(tmp_path, text, command)
    assert re.match(rf".*?:{line}: ", message), (line, message)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_payer_mix_must_sum_to_one_as_a_cfo_reads_it(tmp_path: Path) -> None:
    text, _ = _edit("on_time: 0.2, reminded: 0.5", "on_time: 0.1, reminded: 0.5")
    message = _file_error(tmp_path, text)
    assert "segment 'shops': payer_mix shares (on_time 0.1, reminded 0.5, pressure 0.2, " \
           "defaulter 0.1) sum to 0.9, not 1" in message


def test_grade_given_credit_without_terms_names_the_file(tmp_path: Path) -> None:
    text, _ = _edit('    C: "N/30"\n', "")
    message = _file_error(tmp_path, text)
    assert "grade C" in message
    assert "add terms.C" in message


def test_collectors_zero_with_collector_work(tmp_path: Path) -> None:
    text, _ = _edit("collections: {collectors: 1}", "collections: {collectors: 0}")
    assert "collectors is 0" in _file_error(tmp_path, text)


def test_missing_opening_ledger_is_found_by_validate(tmp_path: Path) -> None:
    text = TEXT + "opening_book:\n  ledger_csv: not_there.csv\n"
    message = _file_error(tmp_path, text)
    assert f":{text.count(chr(10))}:" in message
    assert "opening_book.ledger_csv" in message
    assert "not_there.csv" in message


# --- files and folders ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "run"])
def test_missing_file(tmp_path: Path, command: str) -> None:
    path = tmp_path / "nowhere.yaml"
    message = _one_line_failure([command, str(path)])
    assert str(path) in message
    assert "cannot read" in message


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    assert "cannot read" in _one_line_failure(["validate", str(tmp_path)])


def test_out_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me", encoding="utf-8")
    message = _one_line_failure(["run", str(TINY), "--out", str(target)])
    assert "--out" in message
    assert "not a folder" in message
    assert target.read_text(encoding="utf-8") == "keep me"


# --- --set what-ifs -------------------------------------------------------------------------


@pytest.mark.parametrize(("pair", "fragments"), [
    ("late_penalty.rate_annul=0.1", ["late_penalty.rate_annul",
                                     "did you mean 'late_penalty.rate_annual'?"]),
    ("late_penalti.rate_annual=0.1", ["did you mean 'late_penalty.rate_annual'?"]),
    ("policy.late_penalty.grace_dys=3", ["did you mean 'policy.late_penalty.grace_days'?"]),
    ("scenario.horizon.horizn_days=10", ["did you mean 'scenario.horizon.horizon_days'?"]),
    ("senario.horizon.seed=3", ["did you mean 'scenario.horizon.seed'?"]),
    ("late_penalty.rate_annual=-1", ["late_penalty.rate_annual=-1",
                                     "must be at least 0"]),
    ("late_penalty.rate_annual=abc", ["give a number", "15%"]),
    ("late_penalty.rate_annual=[1", ["not valid YAML"]),
    ("terms.B=2/40, N/30", ["not shorter than the credit period"]),
    ("terms.B=thirty days", ["cannot read credit terms"]),
    ("terms.B=2/10 EOM, N/30", ["end-of-month dating must mark every part"]),
    ("terms.B=N/0 EOM", ["end-of-month dating needs a credit period"]),
    ("scenario.conventions.opportunity_cost_base=mixed", ["needs existing_sales"]),
    ("ladder.1.day=-10", ["step 2 (phone at day -10) comes before step 1", "day order"]),
    ("ladder.9.day=3", ["not an index"]),
    ("scenario.segments.0.payer_mix.on_time=0.9", ["segment 'trade'", "sum to 1.5, not 1"]),
    ("scenario.horizon.horizon_days=-10", ["must be above 0"]),
    ("noequals", ["path=value"]),
    ("=3", ["path=value"]),
    ("name.x=3", ["plain value"]),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_set_gives_one_line(command: str, pair: str, fragments: list[str]) -> None:
    message = _one_line_failure([command, str(TINY), "--set", pair])
    assert message.startswith("--set ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_set_that_leaves_a_grade_without_terms() -> None:
    message = _one_line_failure(["validate", str(TINY), "--set", "accepted_grades=[B, C, D]",
                                 "--set", "scenario.segments.1.grade=D"])
    assert message.startswith(f"{TINY}: ")
    assert "add terms.D" in message


def test_debug_shows_the_exception_instead() -> None:
    result = _invoke(["--debug", "validate", str(TINY), "--set", "nope=1"])
    assert result.exit_code != 2
    assert result.exception is not None
    assert "nope" in str(result.exception)


TEXTBOOK = Path(__file__).resolve().parents[1] / "theory" / "scenarios" / "cpa_n30_n60.yaml"


@pytest.mark.parametrize("command", ["validate", "run"])
def test_re_rating_is_refused_in_textbook_mode_not_ignored(command: str) -> None:
    # textbook mode pays by fixed shares: no customer has a payment record to re-rate on
    assert _invoke(["validate", str(TEXTBOOK)]).exit_code == 0
    message = _one_line_failure([command, str(TEXTBOOK), "--set", "rerating.late_payments=3"])
    assert message.startswith(f"{TEXTBOOK}: policy 'N/30' re-rates customers")
    for fragment in ("rerating.late_payments", "textbook (deterministic) mode",
                     "set rerating.late_payments to null"):
        assert fragment in message, (fragment, message)
    # the rest of the rerating block, left at its defaults, is no reason to refuse
    assert _invoke(["validate", str(TEXTBOOK), "--set", "rerating.late_days=10"]).exit_code == 0
