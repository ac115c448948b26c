"""Inputs checked before any work (issue 16): each problem a newcomer hit, reproduced.

Every bad input is refused in one line with exit code 2 before the simulation starts; what
a what-if did not affect is said; shares may be written as percentages.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from arsim.cli import main

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"
HEADER = "segment,amount,days_overdue\n"


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def _one_line_failure(args: list[str]) -> str:
    result = _invoke(args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("arsim: error: ")
    return lines[0].removeprefix("arsim: error: ")


# --- the scheduler's address ----------------------------------------------------------------


@pytest.mark.parametrize("address", ["garbage", "tcp://localhost", "localhost:8786",
                                     "tcp://:8786", "tcp://host:99999", ""])
def test_scheduler_address_form_is_checked_up_front(address: str) -> None:
    started = time.perf_counter()
    message = _one_line_failure(["run", str(TINY), "--scheduler", address])
    assert "tcp://HOST:PORT" in message
    assert repr(address) in message
    assert time.perf_counter() - started < 5  # refused before any loading or connecting


# --- the opening ledger CSV -----------------------------------------------------------------


def _book(tmp_path: Path, content: bytes) -> Path:
    (tmp_path / "book.csv").write_bytes(content)
    scenario = tmp_path / "with_book.yaml"
    scenario.write_text(f"extends: {TINY}\nopening_book:\n  ledger_csv: book.csv\n",
                        encoding="utf-8")
    return scenario


@pytest.mark.parametrize(("rows", "line", "fragments"), [
    ("trade,100,3\nshops,nan,2\n", 3, ["column 'amount'", "'nan'", "not a positive amount"]),
    ("trade,-100,3\n", 2, ["column 'amount'", "'-100'"]),
    ("trade,100,3\ntrad,5,1\n", 3, ["column 'segment'", "'trad'", "did you mean 'trade'?"]),
    ("retail,5,1\n", 2, ["unknown segment 'retail'", "segments: trade, shops"]),
    ("trade,100,soon\n", 2, ["column 'days_overdue'", "'soon'"]),
    ("trade,,3\n", 2, ["column 'amount'", "''"]),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_every_row_of_the_opening_ledger_is_checked(
        tmp_path: Path, command: str, rows: str, line: int, fragments: list[str]) -> None:
    scenario = _book(tmp_path, (HEADER + rows).encode())
    message = _one_line_failure([command, str(scenario)])
    assert message.startswith(f"{tmp_path / 'book.csv'}:{line}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize(("content", "fragments"), [
    (b"", ["book.csv:1:", "is empty"]),
    (HEADER.encode(), ["book.csv:2:", "no invoices"]),
    (b"segment,amount\ntrade,100\n", ["book.csv:1:", "no column 'days_overdue'",
                                      "its columns: segment, amount"]),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_empty_or_incomplete_opening_ledger_is_an_error(
        tmp_path: Path, command: str, content: bytes, fragments: list[str]) -> None:
    message = _one_line_failure([command, str(_book(tmp_path, content))])
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_a_byte_order_mark_is_accepted_by_validate(tmp_path: Path) -> None:
    scenario = _book(tmp_path, b"\xef\xbb\xbf" + (HEADER + "trade,100,3\n").encode())
    result = _invoke(["validate", str(scenario)])
    assert result.exit_code == 0, result.output


def test_a_byte_order_mark_is_accepted_by_run(tmp_path: Path) -> None:
    scenario = _book(tmp_path, b"\xef\xbb\xbf" + (HEADER + "trade,100,3\n").encode())
    result = _invoke(["run", str(scenario), "-n", "1"])
    assert result.exit_code == 0, result.output


# --- the output folder ----------------------------------------------------------------------


@pytest.mark.parametrize(("out", "fragment"), [
    ("", "--out is empty"),
    ("file.txt/sub", "goes through the file"),
    ("file.txt", "is a file, not a folder"),
    ("/proc/arsim-cannot-write-here/out", "cannot write in '/proc'"),
])
def test_out_is_checked_before_simulating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          out: str, fragment: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("keep", encoding="utf-8")
    started = time.perf_counter()
    message = _one_line_failure(["run", str(TINY), "--out", out, "-n", "50"])
    assert fragment in message, message
    assert time.perf_counter() - started < 5  # fifty replications were not run first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.mark.skipif(__import__("os").geteuid() == 0,
                    reason="root writes into a read-only folder (the /proc case covers root)")
def test_a_read_only_out_is_refused_before_simulating(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    assert "cannot write in" in _one_line_failure(["run", str(TINY), "--out", str(folder)])


def test_ledger_without_out_is_refused() -> None:
    assert "add --out DIR" in _one_line_failure(["run", str(TINY), "--ledger"])


def test_a_folder_of_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    message = _one_line_failure(["run", str(TINY), "--out", str(tmp_path)])
    assert "not empty (notes.txt)" in message
    assert "no earlier arsim result" in message


def test_reusing_an_out_folder_never_mixes_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _invoke(["run", str(TINY), "-n", "1", "--out", str(out), "--ledger",
                     "--report", str(out / "report.html")])
    assert first.exit_code == 0, first.output
    zh = _invoke(["report", str(out / "result.json"), "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    reports = ("report.html", "report.md", "report.zh.html", "report.zh.md")
    assert (out / "ledger.csv").exists() and all((out / name).exists() for name in reports)
    (out / "my_notes.txt").write_text("kept", encoding="utf-8")
    second = _invoke(["run", str(TINY), "-n", "2", "--seed", "3", "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert not (out / "ledger.csv").exists()  # the first run's ledger went with its result
    # and so did the reports of its figures (a user saw the old total beside the new one)
    assert not any((out / name).exists() for name in reports)
    assert (out / "my_notes.txt").read_text(encoding="utf-8") == "kept"
    assert json.loads((out / "result.json").read_text(encoding="utf-8"))["root_seed"] == 3


# --- what-ifs -------------------------------------------------------------------------------


@pytest.mark.parametrize(("pairs", "fragments"), [
    (["terms.D=N/15"], ["--set terms.D=N/15 changes nothing", "grade D is refused credit",
                        "accepted_grades: B, C"]),
    (["terms.C=N/30"], ["--set terms.C=N/30 changes nothing", "already 'N/30'"]),
    (["accepted_grades=[A, B, C]", "terms.A=N/10"], ["no segment has grade A"]),
    (["credit_limit.grade_factors.D=2"], ["grade D is refused credit"]),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_set_that_changes_nothing_says_so(command: str, pairs: list[str],
                                            fragments: list[str]) -> None:
    args = [command, str(TINY), "-n", "1"] if command == "run" else [command, str(TINY)]
    result = _invoke([*args, *(a for p in pairs for a in ("--set", p))])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("arsim: note: ")]
    assert len(notes) == 1, result.stderr
    for fragment in fragments:
        assert fragment in notes[0], (fragment, notes)


def test_a_set_that_changes_something_is_quiet() -> None:
    result = _invoke(["validate", str(TINY), "--set", "terms.B=N/45"])
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.parametrize(("args", "fragments"), [
    (["--set", "terms.B=60/10, N/30"],
     ["terms.B.discounts.0.rate is 0.6 (60%)", "must be below 0.5 (50%)"]),
    (["--set", "accepted_grades=A,B,C,D"],
     ["accepted_grades: give a list, e.g. [A, B, C, D]", "(got 'A,B,C,D')"]),
    (["--seed", "1.5"], ["--seed", "'1.5'", "whole number from 0"]),
    (["--set", "company.cost_of_capital_annual=0.15"],
     ["'company' is part of the scenario", "did you mean "
      "'scenario.company.cost_of_capital_annual'?"]),
    (["--set", "late_penalty.rate_annual=abc"], ["give a number", "15%", "(got 'abc')"]),
])
def test_messages_name_the_field_and_the_value_in_words(args: list[str],
                                                        fragments: list[str]) -> None:
    message = _one_line_failure(["run", str(TINY), *args])
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "Input should" not in message


def test_shares_may_be_written_as_percentages(tmp_path: Path) -> None:
    percent = _invoke(["run", str(TINY), "-n", "1", "--json",
                       "--set", "scenario.company.cost_of_capital_annual=15%",
                       "--set", "late_penalty.rate_annual=12.5 %"])
    share = _invoke(["run", str(TINY), "-n", "1", "--json",
                     "--set", "scenario.company.cost_of_capital_annual=0.15",
                     "--set", "late_penalty.rate_annual=0.125"])
    assert percent.exit_code == 0, percent.output
    first, second = json.loads(percent.stdout), json.loads(share.stdout)
    assert first["scenario"]["company"]["cost_of_capital_annual"] == 0.15
    assert first["summary"] == second["summary"]
    text = TINY.read_text(encoding="utf-8").replace("on_time: 0.4, reminded: 0.4",
                                                     "on_time: 40%, reminded: 40%")
    (tmp_path / "pct.yaml").write_text(text, encoding="utf-8")
    assert _invoke(["validate", str(tmp_path / "pct.yaml")]).exit_code == 0


def test_a_percentage_is_not_read_for_days_or_money() -> None:
    message = _one_line_failure(["validate", str(TINY), "--set",
                                 "scenario.horizon.horizon_days=15%"])
    assert "horizon.horizon_days: give a number" in message


# --- names that are not there ---------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["kpis", "nosuch.csv"], "nosuch.csv: no such file or directory"),
    (["new", "copy", "--from", "nosuch"], "--from nosuch: no such file or shipped scenario; "
                                          "arsim scenarios lists the shipped ones (backlog,"),
    (["scenarios", "show", "ladder_03"], "no shipped scenario 'ladder_03' (did you mean "
                                         "'ladder_003'?); arsim scenarios lists them"),
])
def test_a_missing_file_or_name_is_one_line_in_words(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     args: list[str], message: str) -> None:
    """Not "[Errno 2] No such file or directory: 'nosuch.csv'"; nothing is written."""
    monkeypatch.chdir(tmp_path)
    assert _one_line_failure(args).startswith(message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["run", str(TINY), "--report", "rep.pdf"], "--report rep.pdf: the report is an HTML page"),
    (["run", str(TINY), "--lang", "zh"], "--lang zh is the report's language: add --report"),
    (["compare", str(TINY), "--lang", "zh"], "--lang zh is the report's language"),
])
def test_a_report_not_as_asked_is_refused_before_simulating(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    """An HTML page written into rep.pdf, or --lang zh with no report (silently English)."""
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    assert _one_line_failure([*args, "-n", "50"]).startswith(message)
    assert time.perf_counter() - started < 5 and list(tmp_path.iterdir()) == []
