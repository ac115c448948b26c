"""Chinese in raster figures: a CJK font found on the machine, or one clear warning.

SVG keeps its text as text, so the reader's browser draws Chinese with its own fonts and the
writing machine needs none (figures.STYLE). A PNG is drawn here, by matplotlib, with a font
it can find: this module looks for one that covers Chinese among the fonts matplotlib knows,
and where there is none says so once, rather than leaving boxes to be discovered in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import matplotlib as mpl
from matplotlib import font_manager

from .figures import FONTS

__all__ = ["CJK_HINTS", "cjk_font", "no_cjk_font_warning", "raster_fonts"]

#: Parts of the family names of fonts that cover Chinese (Noto/Source Han, WenQuanYi, the
#: Windows, macOS and Arphic families, Droid's fallback).
CJK_HINTS = ("CJK", "Han Sans", "Han Serif", "WenQuanYi", "YaHei", "PingFang", "SimHei",
             "SimSun", "Heiti", "Songti", "Kaiti", "Hiragino Sans GB", "AR PL", "Sarasa",
             "Droid Sans Fallback")


@cache
def cjk_font() -> str | None:
    """The family name of a font matplotlib knows that covers Chinese, or None: the
    preferred families of the report style first, then any other whose name says CJK."""
    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    for preferred in FONTS:
        if preferred in names and any(h in preferred for h in CJK_HINTS):
            return preferred
    return next((n for n in names if any(h.lower() in n.lower() for h in CJK_HINTS)), None)


def no_cjk_font_warning(language: str) -> str | None:
    """The one line to tell the user when a Chinese PNG cannot be drawn properly here."""
    if language != "zh" or cjk_font() is not None:
        return None
    return ("warning: no Chinese (CJK) font found by matplotlib on this machine, so the "
            "Chinese text of the PNG figures shows as boxes; the SVG figures and the HTML "
            "report are right (install one, e.g. apt-get install fonts-noto-cjk)")


@contextmanager
def raster_fonts(language: str) -> Iterator[None]:
    """Draw a figure into a raster file with the CJK font first where the text is Chinese."""
    font = cjk_font() if language == "zh" else None
    families = [font, *FONTS] if font is not None else list(FONTS)
    with mpl.rc_context({"font.sans-serif": families}):
        yield
