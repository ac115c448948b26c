"""`arsim calibrate`: the table printed, written, and updated between markers; errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from support import cli_fails, cli_ok

from arsim.sim.calibrate import BEGIN, END

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "tests" / "data" / "tiny.yaml")
FAST = ["-n", "2", "-j", "1"]

_ok, _fails = cli_ok, cli_fails


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path, Path]:
    """The tiny scenario calibrated in Markdown, written to a file and into a page."""
    folder = tmp_path_factory.mktemp("calibrate")
    page = folder / "model.md"
    page.write_text(f"# Model\n\nIntro.\n\n{BEGIN}\nstale table\n{END}\n\nAfter.\n",
                    encoding="utf-8")
    table = folder / "table.md"
    result = _ok(["calibrate", TINY, *FAST, "--markdown", "--out", str(table),
                  "--update", str(page)])
    return result, table, page


def test_the_table_has_a_row_per_check_of_the_scenario(
        updated: tuple[Result, Path, Path]) -> None:
    result, _, _ = updated
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| Scenario | Target | Measured | Band |")
    body = [line for line in lines[2:] if line.startswith("| tiny |")]
    # the tiny scenario's collectors and ladder: the targets every scenario gets
    assert any("without the ladder the collection cycle is 30% or more longer" in row
               for row in body)
    assert any("collector utilisation" in row for row in body)
    assert all(row.split(" | ")[5] in {"meets", "misses", "edge", "n/a"} for row in body)
    assert "2 replications on common random numbers, root seed 7" in result.stdout


def test_out_and_update_write_the_same_table(updated: tuple[Result, Path, Path]) -> None:
    result, table, page = updated
    assert table.read_text(encoding="utf-8") == result.stdout
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# Model\n\nIntro.\n\n{BEGIN}\n| Scenario |")
    assert text.endswith(f"{END}\n\nAfter.\n") and "stale table" not in text
    assert result.stdout.strip() in text


def test_the_text_table_says_what_was_measured_and_its_source() -> None:
    result = _ok(["calibrate", TINY, *FAST])
    assert result.stdout.startswith("Scenario")
    assert "DSO (average method): no dunning ladder / policy - 1; source: [000]" in result.stdout


def test_a_page_without_markers_is_refused_before_any_run(tmp_path: Path) -> None:
    page = tmp_path / "model.md"
    page.write_text("# Model\n", encoding="utf-8")
    _fails(["calibrate", TINY, *FAST, "--update", str(page)], "markers")
    assert page.read_text(encoding="utf-8") == "# Model\n"


def test_bad_inputs_exit_with_one_line(tmp_path: Path) -> None:
    _fails(["calibrate", str(tmp_path / "missing.yaml"), *FAST])
    _fails(["calibrate", TINY, TINY, *FAST], "repeat")
    _fails(["calibrate", TINY, "-n", "0"], "replications")
