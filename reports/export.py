"""Write a run to a folder: result.json and CSV tables, written all or nothing."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from arsim import __version__
from arsim.sim.replicate import RunResult, as_jsonable, interrupts_held

from .tables import aging_frame, daily_frame, ledger_frame, replications_frame
from .wording import LANGUAGES

__all__ = ["ARSIM_FILES", "LEDGER_ROW_BYTES", "REPORT_FILES", "default_report", "jsonable",
           "result_document", "write_all", "write_atomic", "write_run"]

#: Every file a run writes to its --out folder. A run replaces them as one set: a file the
#: new run does not write (an earlier run's ledger.csv) goes, so no folder mixes two runs.
ARSIM_FILES = ("result.json", "replications.csv", "daily.csv", "aging.csv", "ledger.csv")


def default_report(language: str) -> str:
    """The report `arsim report` writes beside a result.json: report.html (report.zh.html in
    Chinese), with its Markdown twin (.md)."""
    return "report.html" if language == "en" else f"report.{language}.html"


#: The reports made from an earlier result under their default names: a run that replaces
#: the result removes them too, so that no report of the old figures sits beside the new ones
REPORT_FILES = tuple(name for language in LANGUAGES
                     for name in (default_report(language),
                                  default_report(language).removesuffix(".html") + ".md"))


#: Bytes a ledger.csv row takes, measured: 33,962,020 bytes for 196,199 rows of the default
#: scenario (173 a row; days are written to 17 digits).
LEDGER_ROW_BYTES = 173
#: Rows written at a time, so that a long ledger shows progress and Ctrl-C is seen.
CHUNK_ROWS = 100_000

Progress = Callable[[str, int, int], None]


def _write_csv(frame: pd.DataFrame, stream: TextIO, name: str = "",
               progress: Progress | None = None) -> None:
    """A table as CSV, in chunks of rows, reporting (name, rows written, rows) after each."""
    total = len(frame)
    for first in range(0, max(total, 1), CHUNK_ROWS):
        frame.iloc[first:first + CHUNK_ROWS].to_csv(stream, index=False, header=first == 0)
        if progress is not None:
            progress(name, min(first + CHUNK_ROWS, total), total)


def write_atomic(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write a file through a temporary file in the same folder, then rename it into place.

    An interrupted or failed write leaves the old file (or none), never half of a new one.
    """
    _write_all({path: write})


def _write_all(files: dict[Path, Callable[[TextIO], None]], stale: tuple[Path, ...] = ()
               ) -> None:
    """Write every file to a temporary file first and rename them into place only when all
    are complete: a failure leaves the folder as it was (no partial file, no temp file, no
    mix of new and old files). `stale` files (an earlier run's that this one does not
    write) are removed just before the new ones are renamed into place."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, write in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                            dir=path.parent)
            temps.append((temp, path))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                os.chmod(temp, 0o666 & ~_umask())  # as open() would make it, not mkstemp's 0600
                write(stream)
        with interrupts_held():  # the set is replaced whole, never half by Ctrl-C
            for path in stale:
                path.unlink(missing_ok=True)
            for temp, path in temps:
                os.replace(temp, path)
    except BaseException:
        for temp, _ in temps:
            Path(temp).unlink(missing_ok=True)
        raise


def write_all(files: dict[Path, Callable[[TextIO], None]]) -> None:
    """Write several files all or nothing (see `write_run`)."""
    _write_all(files)


def jsonable(value: Any) -> Any:
    """Plain data with every NaN or infinity turned into None, as result.json holds it."""
    return _clean(value)




def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return as_jsonable(value)


def result_document(result: RunResult, provenance: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
    """The content of result.json: scenario echo, version, seeds, metrics and summary, and
    (from the command line) how the run was asked for: the command, the what-ifs and the
    scenario file's hash."""
    return _clean({
        "arsim_version": __version__,
        "run": provenance or {},
        "engine": result.engine,
        "root_seed": result.root_seed,
        "scenario": result.scenario.model_dump(mode="json"),
        "policy": result.policy.model_dump(mode="json"),
        "replications": [{"index": r.index, "seed": r.seed, "metrics": r.metrics}
                         for r in result.replications],
        "summary": {k: v.to_dict() for k, v in result.summary.items()},
        "warnings": result.warnings,
        "discount_costs": {g: [asdict(t) for t in tiers]
                           for g, tiers in result.discount_costs.items()},
    })


def write_run(result: RunResult, folder: str | Path, ledger: bool = False,
              provenance: dict[str, Any] | None = None,
              progress: Progress | None = None) -> list[Path]:
    """Write result.json, replications.csv, daily.csv, aging.csv (and ledger.csv).

    The files appear together once all are complete; a failure or Ctrl-C leaves none of them
    (and any earlier run's files in the folder untouched).
    """
    root = Path(folder)
    document = result_document(result, provenance)
    files: dict[Path, Callable[[TextIO], None]] = {
        root / "result.json": lambda f: json.dump(document, f, indent=2, ensure_ascii=False)}
    tables = {"replications.csv": replications_frame(result), "daily.csv": daily_frame(result),
              "aging.csv": aging_frame(result)}
    if ledger:
        tables["ledger.csv"] = ledger_frame(result)
    for name, frame in tables.items():
        files[root / name] = partial(_write_csv, frame, name=name, progress=progress)
    _write_all(files, tuple(root / name for name in ARSIM_FILES + REPORT_FILES
                            if root / name not in files))
    return list(files)
