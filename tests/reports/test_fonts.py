"""Chinese in PNG figures: a CJK font where matplotlib finds one, else one warning line.

The machine running the tests may or may not have a CJK font, so the lookup is given a font
list, or replaced, to test both paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib import font_manager

from arsim.cli import main
from arsim.reports import fonts

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"


@pytest.fixture(autouse=True)
def _fresh_lookup() -> Iterator[None]:
    fonts.cjk_font.cache_clear()
    yield
    fonts.cjk_font.cache_clear()


def _known(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    entries = [font_manager.FontEntry(fname=f"/fonts/{n}.ttf", name=n) for n in names]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)


def test_a_cjk_font_is_found_by_its_family_name(monkeypatch: pytest.MonkeyPatch) -> None:
    _known(monkeypatch, "DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK SC")
    assert fonts.cjk_font() == "Noto Sans CJK SC"  # the style's preferred family first
    fonts.cjk_font.cache_clear()
    _known(monkeypatch, "DejaVu Sans", "AR PL UMing CN")
    assert fonts.cjk_font() == "AR PL UMing CN"  # any other that says it covers Chinese
    fonts.cjk_font.cache_clear()
    _known(monkeypatch, "DejaVu Sans", "Liberation Serif")
    assert fonts.cjk_font() is None


def test_one_warning_only_for_chinese_without_a_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    assert fonts.no_cjk_font_warning("en") is None
    message = fonts.no_cjk_font_warning("zh")
    assert message is not None and "\n" not in message and "boxes" in message
    monkeypatch.setattr(fonts, "cjk_font", lambda: "Noto Sans CJK SC")
    assert fonts.no_cjk_font_warning("zh") is None


def test_png_text_is_drawn_with_the_cjk_font_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # a font every matplotlib ships stands in for the CJK font the lookup would find
    monkeypatch.setattr(fonts, "cjk_font", lambda: "DejaVu Sans Mono")
    sans = font_manager.FontProperties(family=["sans-serif"])
    with fonts.raster_fonts("zh"):
        assert Path(font_manager.findfont(sans)).name == "DejaVuSansMono.ttf"
    with fonts.raster_fonts("en"):
        assert Path(font_manager.findfont(sans)).name != "DejaVuSansMono.ttf"


@pytest.mark.parametrize("found", [None, "DejaVu Sans"])
def test_sweep_in_chinese_warns_once_where_no_font_is(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path, found: str | None) -> None:
    monkeypatch.setattr(fonts, "cjk_font", lambda: found)
    out = tmp_path / "sweep"
    result = CliRunner().invoke(main, ["sweep", str(TINY), "--vary", "terms.*.net_days=30,60",
                                       "-n", "1", "--jobs", "1", "--lang", "zh", "--out",
                                       str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    warnings = [line for line in result.stderr.splitlines() if "CJK" in line]
    assert len(warnings) == (1 if found is None else 0)
    assert "Glyph" not in result.stderr  # matplotlib's own per-glyph warnings stay quiet
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    # the SVG keeps the Chinese as text, for the browser's fonts to draw
    assert "各项年成本随" in (out / "sweep.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize("found", [None, "DejaVu Sans"])
def test_the_frontier_in_chinese_warns_once_where_no_font_is(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, found: str | None) -> None:
    monkeypatch.setattr(fonts, "cjk_font", lambda: found)
    space = tmp_path / "space.yaml"
    space.write_text("optimize:\n  variables: [{path: terms.B.net_days, choices: [30, 60]}]\n"
                     "  replications: {search: 2, search_max: 2, select_first: 2, "
                     "select_max: 2, recheck: 2}\n", encoding="utf-8")
    out = tmp_path / "opt"
    args = ["optimize", str(TINY), "--space", str(space), "--frontier", "dso", "--jobs", "1",
            "--lang", "zh", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    warnings = [line for line in result.stderr.splitlines() if "CJK" in line]
    assert len(warnings) == (1 if found is None else 0)
    assert (out / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    svg = (out / "frontier.svg").read_text(encoding="utf-8")
    assert "权衡：总成本与应收账款周转天数" in svg and "Trade-off" not in svg
