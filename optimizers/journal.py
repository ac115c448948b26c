"""The append-only journal of a study: one JSON object a line, each flushed to disk.

The journal is the study's only state. Every line is written whole, flushed and fsynced before
the next evaluation starts, so a crash or Ctrl-C can at worst leave the last line half-written;
reading skips such a torn last line (and `repair` cuts it off before anything is appended, so
the next record starts on a line of its own). A damaged line anywhere else is an error: the
journal was edited or mixed with something else, and replaying it would be guessing.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from arsim.sim.errors import ArsimError

__all__ = ["Journal", "JournalError", "clean"]


class JournalError(ArsimError):
    """A journal that cannot be replayed (damaged, or written by another study)."""


def clean(value: Any) -> Any:
    """Plain JSON: NaN and infinities become null (JSON has no literal for them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


class Journal:
    """A JSON-lines file of records, appended one at a time and durable once appended."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def _lines(self) -> tuple[list[dict[str, Any]], int]:
        """The records and the byte length of the intact part of the file."""
        if not self.path.is_file():
            return [], 0
        data = self.path.read_bytes()
        records: list[dict[str, Any]] = []
        good = 0
        lines = data.split(b"\n")
        for number, raw in enumerate(lines, start=1):
            last = number == len(lines)
            if last and not raw:
                break  # the file ends with a newline, as it should
            try:
                record = json.loads(raw)
                if not isinstance(record, dict):
                    raise ValueError("not a record")
            except ValueError as exc:
                if last:
                    break  # torn: the process stopped while writing this line
                raise JournalError(f"{self.path}:{number}: damaged journal line ({exc}); "
                                   "start a new study or remove the line") from exc
            if last:
                break  # a whole record without its newline is still an unfinished write
            records.append(record)
            good += len(raw) + 1
        return records, good

    def read(self) -> list[dict[str, Any]]:
        """Every complete record, in the order written (a torn last line is skipped)."""
        return self._lines()[0]

    def repair(self) -> list[dict[str, Any]]:
        """Read, and cut a torn last line off the file so that appending starts clean."""
        records, good = self._lines()
        if self.path.is_file() and self.path.stat().st_size > good:
            with self.path.open("r+b") as handle:
                handle.truncate(good)
                handle.flush()
                os.fsync(handle.fileno())
        return records

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line, and return only once it is on disk."""
        line = json.dumps(clean(record), ensure_ascii=False, allow_nan=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
