"""Results a CFO can tell apart and an accountant can read (issue 16): the header and
result.json say what was run; one replication promises no interval; ledger.csv is in cents
and its open total is the aging's; a large ledger is announced and shows progress."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

import arsim
from arsim.cli import main, writing
from arsim.reports.tables import MONEY, PARTS, as_at_end
from arsim.sim.costs import ar_balance_at
from arsim.sim.loader import load
from arsim.sim.replicate import replicate

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"


def _ok(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_the_header_tells_two_what_ifs_apart() -> None:
    first = _ok(["run", str(TINY), "-n", "2", "--set", "terms.B=N/45"]).stdout.splitlines()
    second = _ok(["run", str(TINY), "-n", "2", "--set", "terms.B=N/60"]).stdout.splitlines()
    digest = hashlib.sha256(TINY.read_bytes()).hexdigest()[:12]
    assert first[0].startswith(f"arsim {arsim.__version__} · scenario 'tiny'")
    assert first[1] == f"command: arsim run {TINY} -n 2 --set terms.B=N/45"
    assert f"(sha256 {digest})" in first[2]
    assert first[2].endswith("what-ifs (--set): terms.B=N/45")
    assert first[:3] != second[:3]


def test_result_json_records_how_the_run_was_asked_for(tmp_path: Path) -> None:
    _ok(["run", str(TINY), "-n", "2", "--set", "terms.B=N/45", "--out", str(tmp_path / "o")])
    run = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))["run"]
    assert run["overrides"] == ["terms.B=N/45"]
    assert run["command"].startswith(f"arsim run {TINY} -n 2")
    assert run["scenario_file_sha256"] == hashlib.sha256(TINY.read_bytes()).hexdigest()
    plain = _ok(["run", str(TINY), "-n", "2", "--json"]).stdout
    assert json.loads(plain)["run"]["resolved_sha256"] != run["resolved_sha256"]


def test_one_replication_promises_no_interval() -> None:
    text = _ok(["run", str(TINY), "-n", "1"]).stdout
    assert "one replication gives no confidence interval" in text
    assert "95%" not in text.splitlines()[3]
    assert " ± " not in text
    assert "95% confidence interval" in _ok(["run", str(TINY), "-n", "2"]).stdout


@pytest.fixture(scope="module")
def ledger_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ledger") / "out"
    _ok(["run", str(TINY), "-n", "2", "--out", str(out), "--ledger"])
    return out


def test_ledger_amounts_are_in_cents_and_add_up(ledger_run: Path) -> None:
    text = (ledger_run / "ledger.csv").read_text(encoding="utf-8")
    ledger = pd.read_csv(ledger_run / "ledger.csv")
    as_text = pd.read_csv(ledger_run / "ledger.csv", dtype=str)
    for name in MONEY:  # at most two decimals, as written (no 1e-12 "open")
        assert as_text[name].str.fullmatch(r"-?\d+(\.\d{1,2})?").all(), name
    assert "e-" not in text
    parts = np.rint(ledger[list(PARTS)].to_numpy() * 100).astype(np.int64).sum(axis=1)
    assert np.array_equal(parts, np.rint(ledger["amount"].to_numpy() * 100).astype(np.int64))


def test_ledger_open_total_is_the_aging_at_the_end(ledger_run: Path) -> None:
    ledger = pd.read_csv(ledger_run / "ledger.csv")
    document = json.loads((ledger_run / "result.json").read_text(encoding="utf-8"))
    for rep in document["replications"]:
        aging = sum(v for k, v in rep["metrics"].items() if k.startswith("aging_"))
        rows = ledger[ledger["replication"] == rep["index"]]
        assert rows["open"].sum() == pytest.approx(aging, abs=0.005 * len(rows))


def test_an_event_exactly_at_the_end_falls_after_the_run() -> None:
    scenario, policy = load(TINY)
    ledger = replicate(scenario, policy, seed=5, keep_ledger=True).ledger
    assert ledger is not None
    end = scenario.horizon.warmup_days + scenario.horizon.horizon_days
    moved = ledger.copy()
    settled = np.flatnonzero(np.isfinite(moved["settle_day"]))[:25]
    moved["settle_day"][settled] = end  # as the engines close invoices on the last day
    book = as_at_end(moved, end)
    assert np.all(book["outcome"][settled] == 0)
    assert book["open"].sum() == pytest.approx(ar_balance_at(moved, end - 1e-9).sum(),
                                               rel=1e-12)
    parts = sum(book[name] for name in PARTS)
    assert np.allclose(parts, book["amount"])


def test_a_ledger_over_a_gigabyte_is_announced_before_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writing, "WARN_BYTES", 1000)
    monkeypatch.setattr(writing, "ANNOUNCE_BYTES", 1000)
    result = _ok(["run", str(TINY), "-n", "2", "--out", str(tmp_path / "o"), "--ledger"])
    lines = result.stderr.splitlines()
    assert lines[0].startswith("arsim: warning: ledger.csv will take up to about")
    assert lines[1].startswith("writing ledger.csv (up to about")


def test_the_ledger_size_estimate_is_an_upper_one(ledger_run: Path) -> None:
    scenario, _ = load(TINY)
    size = (ledger_run / "ledger.csv").stat().st_size
    assert size <= writing.ledger_bytes(scenario, 2) <= 3 * size


def test_writing_progress_on_a_terminal(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    progress = writing.WriteProgress(2e9)
    for done in (100_000, 200_000, 250_000):
        progress("ledger.csv", done, 250_000)
    err = capsys.readouterr().err
    assert "writing ledger.csv (up to about 2.0 GB)" in err
    assert "\rwriting ledger.csv: 250,000 of 250,000 rows (100%)" in err
