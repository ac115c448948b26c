"""Checks made before any simulating: a run that cannot deliver fails in its first second.

A read-only ``--out``, a path through a file, a folder holding someone else's files or a
malformed scheduler address used to be found only after the whole run.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from arsim.sim.errors import ArsimError

__all__ = ["check_output_folder"]


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def _is_arsim_result(folder: Path) -> bool:
    """Whether a folder holds an earlier arsim run (its result.json says so)."""
    try:
        document = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and "arsim_version" in document


def _check_writable(folder: Path, out: str) -> None:
    """Create and remove a file where the results will go (os.access is no proof as root)."""
    try:
        handle, temp = tempfile.mkstemp(prefix=".arsim-check.", dir=folder)
    except OSError as exc:
        raise ArsimError(f"--out {out}: cannot write in '{folder}' ({exc.strerror})") from exc
    os.close(handle)
    os.unlink(temp)


def check_output_folder(out: str | None, ledger: bool) -> None:
    """Refuse, before the run, an ``--out`` the results could not be written to.

    The folder may be new, empty or an earlier arsim result (whose files the run replaces
    as one set); a folder holding other files is refused rather than mixed into.

    Raises:
        ArsimError: One line saying what is wrong with the folder.
    """
    if out is None:
        if ledger:
            raise ArsimError("--ledger writes ledger.csv into the --out folder: add --out DIR")
        return
    if not out.strip():
        raise ArsimError("--out is empty: give a folder for the results, e.g. --out results/")
    folder = Path(out)
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        what = "is a file" if existing == folder else f"goes through the file '{existing}'"
        raise ArsimError(f"--out {out}: {what}, not a folder")
    if existing == folder:
        entries = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if entries and not _is_arsim_result(folder):
            raise ArsimError(
                f"--out {out}: the folder is not empty ({_listing(entries)}) and holds no "
                "earlier arsim result; give a new or empty folder")
    _check_writable(existing, out)


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
