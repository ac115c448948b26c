"""`arsim validate` and `arsim run`: the happy paths and what they write.

The runs use tests/data/tiny.yaml (50 customers, 120 days after a 30-day warm-up, two
replications) so that the whole file stays fast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

import arsim
from arsim.cli import main
from arsim.cli.run import _Progress
from arsim.reports import export
from arsim.sim.ledger import LEDGER_DTYPE
from arsim.sim.series import AGING_LABELS

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.yaml"))
THEORY_FILES = sorted((ROOT / "tests" / "theory" / "scenarios").glob("*.yaml"))
OUTPUTS = {"result.json", "replications.csv", "daily.csv", "aging.csv"}


def _ok(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Traceback" not in result.stderr
    return result


def _files(folder: Path) -> set[str]:
    """Every entry of a folder, hidden temporary files included."""
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the tiny scenario with --out and --ledger, shared by the output tests."""
    out = tmp_path_factory.mktemp("run") / "out"
    result = _ok(["run", str(TINY), "--out", str(out), "--ledger"])
    assert "TOTAL COST" in result.stdout
    for name in (*OUTPUTS, "ledger.csv"):
        assert f"wrote {out / name}" in result.stderr
    return out


# --- validate ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIO_FILES + THEORY_FILES + [TINY],
                         ids=lambda p: p.name)
def test_validate_accepts_every_shipped_scenario(path: Path) -> None:
    result = _ok(["validate", str(path)])
    assert result.stdout.startswith(f"{path}: ok: scenario ")
    assert result.stderr == ""


def test_scenarios_folder_is_not_empty() -> None:
    assert SCENARIO_FILES


def test_validate_with_set_checks_the_changed_file() -> None:
    result = _ok(["validate", str(TINY), "--set", "terms.B=N/60",
                  "--set", "scenario.horizon.horizon_days=365"])
    assert "ok" in result.stdout


def test_validate_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _ok(["validate", str(TINY)])
    assert _files(tmp_path) == set()


def test_run_without_out_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _ok(["run", str(TINY), "-n", "1"])
    assert "TOTAL COST" in result.stdout
    assert _files(tmp_path) == set()


# --- run --out -----------------------------------------------------------------------------


def test_run_writes_the_documented_files(run_dir: Path) -> None:
    assert _files(run_dir) == OUTPUTS | {"ledger.csv"}


def test_result_json_has_the_documented_keys(run_dir: Path) -> None:
    document = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    assert {"arsim_version", "root_seed", "scenario", "policy", "replications",
            "summary"} <= set(document)
    assert document["arsim_version"] == arsim.__version__
    assert document["root_seed"] == 7  # horizon.seed of tiny.yaml
    assert document["scenario"]["name"] == "tiny"
    assert document["scenario"]["horizon"]["horizon_days"] == 120
    assert document["policy"]["name"] == "tiny policy"
    reps = document["replications"]
    assert [r["index"] for r in reps] == [0, 1]
    assert len({r["seed"] for r in reps}) == 2
    metrics = set(reps[0]["metrics"])
    assert {"total_cost", "opportunity_cost", "management_cost", "bad_debt_cost",
            "shortage_cost", "dso"} <= metrics
    assert set(document["summary"]) == metrics
    total = document["summary"]["total_cost"]
    assert {"mean", "half_width", "low", "high", "n"} <= set(total)
    assert total["n"] == 2
    assert total["mean"] == pytest.approx(np.mean([r["metrics"]["total_cost"] for r in reps]))


def test_replications_csv_matches_result_json(run_dir: Path) -> None:
    document = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    frame = pd.read_csv(run_dir / "replications.csv")
    metrics = list(document["replications"][0]["metrics"])
    assert list(frame.columns) == ["replication", "seed", *metrics]
    assert frame["total_cost"].tolist() == pytest.approx(
        [r["metrics"]["total_cost"] for r in document["replications"]])


def test_daily_csv_has_the_ar_and_cash_series(run_dir: Path) -> None:
    frame = pd.read_csv(run_dir / "daily.csv")
    assert list(frame.columns) == ["replication", "day", "in_window", "ar_balance",
                                   "credit_sales", "cash_received", "cash_from_opening"]
    assert sorted(frame["replication"].unique()) == [0, 1]
    for _, days in frame.groupby("replication"):
        assert len(days) >= 120
        assert days["day"].is_monotonic_increasing
        assert days["in_window"].sum() == 120  # the 120 measured days after warm-up
    assert (frame["credit_sales"] >= 0).all()
    assert (frame["cash_received"] >= 0).all()
    assert (frame["ar_balance"] > -1e-6).all()
    # part of the cash: all of it, day by day, can only come from an opening book or sales
    assert (frame["cash_from_opening"] >= 0).all()
    assert (frame["cash_from_opening"] <= frame["cash_received"] + 1e-6).all()


def test_aging_csv_has_month_end_buckets(run_dir: Path) -> None:
    frame = pd.read_csv(run_dir / "aging.csv")
    assert list(frame.columns) == ["replication", "month_end_day", *AGING_LABELS]
    for _, months in frame.groupby("replication"):
        assert len(months) >= 3  # 150 simulated days hold four month ends
        assert months["month_end_day"].diff().dropna().round(6).nunique() == 1
    assert (frame[list(AGING_LABELS)] >= -1e-6).all().all()


def test_ledger_conserves_money(run_dir: Path) -> None:
    frame = pd.read_csv(run_dir / "ledger.csv")
    assert list(frame.columns) == ["replication", *LEDGER_DTYPE.names]  # type: ignore[misc]
    assert len(frame) > 100
    assert sorted(frame["replication"].unique()) == [0, 1]
    for name in ("paid", "discount", "credited", "written_off", "open"):
        assert (frame[name] > -1e-6).all(), name
    # the ledger's open column is a remainder by construction; the daily file is written
    # from flows (invoiced, credited, settled by day): what each replication invoiced is
    # its cash received by day, discounts, credits, write-offs and the balance left at the
    # end, and that balance is the ledger's open amounts
    daily = pd.read_csv(run_dir / "daily.csv")
    for rep, rows in frame.groupby("replication"):
        days = daily[daily["replication"] == rep]
        balance = float(days["ar_balance"].iloc[-1])
        # ledger.csv is in cents: each of a row's five parts is off by at most half a cent
        cents = 0.005 * 5 * len(rows)
        assert float(rows["amount"].sum()) == pytest.approx(
            float(days["cash_received"].sum()) + float(rows["discount"].sum())
            + float(rows["credited"].sum()) + float(rows["written_off"].sum()) + balance,
            rel=1e-9, abs=cents)
        assert balance == pytest.approx(float(rows["open"].sum()), rel=1e-9, abs=cents)
        settled = rows["outcome"] != "open"
        assert float(rows["open"][settled].abs().max()) < 1e-6
        assert (rows["settle_day"][settled] <= days["day"].iloc[-1]).all()
    assert set(frame["grade"]) <= {"B", "C"}
    assert set(frame["segment"]) <= {"trade", "shops"}


def test_files_get_ordinary_permissions(run_dir: Path) -> None:
    if os.name != "posix":
        pytest.skip("permission bits are POSIX")
    mask = os.umask(0)
    os.umask(mask)
    for name in OUTPUTS:
        assert (run_dir / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


def test_no_ledger_without_the_flag(tmp_path: Path) -> None:
    _ok(["run", str(TINY), "--out", str(tmp_path), "-n", "1"])
    assert _files(tmp_path) == OUTPUTS


# --- --json, --set, --seed -----------------------------------------------------------------


def _run_json(*args: str) -> dict[str, Any]:
    result = _ok(["run", str(TINY), "--json", *args])
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_json_prints_result_json(tmp_path: Path) -> None:
    result = _ok(["run", str(TINY), "--json", "--out", str(tmp_path)])
    printed = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    written = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert printed == written
    assert "wrote" in result.stderr


def test_set_and_seed_reach_the_run() -> None:
    document = _run_json("--seed", "11", "--set", "terms.B=N/45",
                         "--set", "scenario.horizon.replications=1",
                         "--set", "policy.late_penalty.rate_annual=0.2")
    assert document["root_seed"] == 11
    assert len(document["replications"]) == 1
    assert document["policy"]["terms"]["B"]["net_days"] == 45
    assert document["policy"]["terms"]["B"]["discounts"] == []
    assert document["policy"]["late_penalty"]["rate_annual"] == 0.2


def test_replications_option_overrides_the_scenario() -> None:
    assert len(_run_json("-n", "1")["replications"]) == 1


def test_same_seed_same_result() -> None:
    first, second = _run_json("-n", "1"), _run_json("-n", "1")
    assert first["replications"] == second["replications"]


def test_jobs_do_not_change_the_result() -> None:
    serial = _run_json("--jobs", "1")
    parallel = _run_json("--jobs", "2")
    assert parallel["replications"] == serial["replications"]
    assert parallel["summary"] == serial["summary"]


# --- progress ------------------------------------------------------------------------------


def test_piped_run_shows_no_progress() -> None:
    result = _ok(["run", str(TINY), "-n", "1"])
    assert "replication 1/1" not in result.stderr
    assert result.stderr == ""


def test_progress_waits_before_showing(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = _Progress(delay=3600.0)
    quiet(1, 2)
    quiet(2, 2)
    assert capsys.readouterr().err == ""
    shown = _Progress(delay=0.0)
    shown(1, 2)
    shown(2, 2)
    err = capsys.readouterr().err
    assert "replication 1/2" in err
    assert err.endswith("\n")


def test_terminal_run_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    class _Terminal:
        def isatty(self) -> bool:
            return True

    seen: list[tuple[int, int]] = []

    class _Recorder:
        def __call__(self, done: int, total: int) -> None:
            seen.append((done, total))

    monkeypatch.setattr("arsim.cli.run.sys", type("S", (), {"stderr": _Terminal()}))
    monkeypatch.setattr("arsim.cli.run._Progress", _Recorder)
    _ok(["run", str(TINY)])
    assert seen == [(1, 2), (2, 2)]


# --- failures while writing ----------------------------------------------------------------


def _failing_csv_writer(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """The second CSV fails after writing part of its content."""
    real = export._write_csv
    calls = {"n": 0}

    def write(frame: pd.DataFrame, stream: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            stream.write("replication,day\n0,1\n")
            raise error
        real(frame, stream, **kwargs)

    monkeypatch.setattr(export, "_write_csv", write)


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_csv_writer(monkeypatch, OSError(28, "No space left on device"))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(TINY), "--out", str(out), "--ledger"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    assert _files(out) == set()


def test_interrupted_write_leaves_no_file(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_csv_writer(monkeypatch, KeyboardInterrupt())
    result = CliRunner().invoke(main, ["run", str(TINY), "--out", str(tmp_path)])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert "Traceback" not in result.stderr
    assert _files(tmp_path) == set()


def test_failed_write_keeps_the_previous_run(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _ok(["run", str(TINY), "--out", str(tmp_path), "-n", "1"])
    before = {name: (tmp_path / name).read_bytes() for name in OUTPUTS}
    _failing_csv_writer(monkeypatch, OSError(5, "Input/output error"))
    result = CliRunner().invoke(main, ["run", str(TINY), "--out", str(tmp_path),
                                       "--seed", "99"])
    assert result.exit_code == 2
    assert _files(tmp_path) == OUTPUTS  # no temporary file left behind
    assert {name: (tmp_path / name).read_bytes() for name in OUTPUTS} == before
