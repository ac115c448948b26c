"""The `arsim` console script: Ctrl-C is answered in one line from the very first instant.

Importing the command line takes a few seconds (NumPy, pandas, SciPy, numba); a Ctrl-C then
would print a traceback from whatever module was loading. Until the command line is loaded,
an interrupt ends the process at once with one line and exit code 130: nothing has been
started or written yet. From then on the command line handles it (arsim/cli/__init__.py).
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

__all__ = ["main"]

#: Exit code of a process ended by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("arsim: interrupted\n")
    sys.stderr.flush()
    os._exit(INTERRUPTED)  # nothing to clean up: no worker, no file yet


def main() -> None:
    """Load the command line under the quiet handler, then run it with Python's own."""
    previous = signal.signal(signal.SIGINT, _interrupted_while_loading)
    from arsim.cli import main as command_line  # noqa: PLC0415 - loaded under the handler

    signal.signal(signal.SIGINT, previous)
    command_line(obj={"exiting_process": True})
