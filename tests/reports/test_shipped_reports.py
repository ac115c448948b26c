"""Every shipped scenario's report, in both languages, and a headless browser opening them.

The runs are cut to one replication of 60 days after a 30-day warm-up: what is tested is the
report (every metric shown and equal to result.json, every figure present), not the model.
The browser is Debian's chromium, which `make test` installs where it is missing; where no
chromium can be found the browser tests are skipped and say why.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.image import imread
from report_support import assert_numbers_agree, report_files

from arsim import scenarios as shipped
from arsim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["-n", "1", "-j", "1", "--set", "scenario.horizon.horizon_days=60",
         "--set", "scenario.horizon.warmup_days=30"]
RUN_FIGURES = ("costs", "ar_time", "dso", "cash", "aging", "days_to_pay", "work", "lost")
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)


def _ok(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (args, result.output, result.exception)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each shipped scenario run short with --ledger, reported in English and Chinese."""
    root = tmp_path_factory.mktemp("shipped")
    folders = {}
    for name in shipped.available():
        out = root / name
        _ok(["run", name, *SHORT, "--out", str(out), "--ledger", "--report",
             str(out / "report.html")])
        _ok(["report", str(out / "result.json"), "--lang", "zh"])
        folders[name] = out
    return folders


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_shipped_scenario_reports_in_both_languages(reports: dict[str, Path],
                                                          language: str) -> None:
    assert set(reports) == set(shipped.available())
    for name, out in reports.items():
        page, md = report_files(out / ("report.html" if language == "en" else "report.zh.html"))
        document = json.loads((out / "result.json").read_text(encoding="utf-8"))
        assert_numbers_agree(page, document)
        shown = set(re.findall(r'data-key="summary\.([^."]+)\.mean"', page))
        hidden = (set() if document["scenario"]["conventions"]["include_inventory_carrying"]
                  else {"inventory_carrying_cost"})
        assert shown == set(document["summary"]) - hidden, name
        for figure in RUN_FIGURES:
            assert f'data-figure="{figure}"' in page, (name, figure)
        assert f'<html lang="{"zh-CN" if language == "zh" else "en"}">' in page
        assert md.startswith("# ") and md.count("data:image/svg+xml;base64,") == len(RUN_FIGURES)
        if language == "zh":
            assert "机会成本" in page and "信用政策说明" in page


def _browser(page: Path, tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    return subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         *flags, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)


def _open(page: Path, tmp_path: Path) -> tuple[str, list[str], np.ndarray]:
    """The page's DOM after loading, its console messages and a screenshot."""
    dom = _browser(page, tmp_path, "--dump-dom")
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    shot = tmp_path / "shot.png"
    taken = _browser(page, tmp_path, f"--screenshot={shot}", "--window-size=1000,2400")
    assert shot.is_file(), taken.stderr[-2000:]
    return dom.stdout, console, imread(shot)


needs_browser = pytest.mark.skipif(
    BROWSER is None, reason="no chromium on this machine and `make test` could not install it "
                            "(apt-get install chromium)")


@needs_browser
def test_the_browser_notices_a_console_error(tmp_path: Path) -> None:
    """The check below can fail: a page that logs an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><p>x</p><script>console.error("broken")</script>',
                   encoding="utf-8")
    _, console, _ = _open(bad, tmp_path)
    assert any("broken" in line for line in console)


@needs_browser
@pytest.mark.parametrize("name", ["report.html", "report.zh.html"])
def test_a_browser_opens_the_report(reports: dict[str, Path], tmp_path: Path,
                                    name: str) -> None:
    dom, console, shot = _open(reports["default"] / name, tmp_path)
    assert console == []
    assert dom.count("<figure") == len(RUN_FIGURES) and dom.count("<svg") == len(RUN_FIGURES)
    # not blank: the page has dark text and figures on white, not one flat colour
    grey = shot[..., :3].mean(axis=2)
    assert grey.std() > 0.05 and (grey < 0.5).mean() > 0.005


@needs_browser
def test_a_browser_opens_a_comparison_report(tmp_path: Path) -> None:
    target = tmp_path / "compare.html"
    _ok(["compare", str(ROOT / "tests" / "data" / "tiny_policies.yaml"), "--report",
         str(target), "--lang", "zh"])
    dom, console, shot = _open(target, tmp_path)
    assert console == [] and dom.count("<svg") == 5
    assert shot[..., :3].mean(axis=2).std() > 0.05
