"""Interrupting a study and reading its journal: what the resume tests share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arsim.optimizers import study as study_module
from arsim.optimizers.journal import Journal


def evaluations(path: Path) -> list[tuple[str, str, int]]:
    """(candidate, engine, replication) of every evaluation in a journal."""
    done = []
    for record in Journal(path).read():
        if record["kind"] == "evaluation":
            done += [(record["candidate"], record["engine"], record["first"] + i)
                     for i in range(len(record["metrics"]))]
    return done


def interrupt_after(monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    """Ctrl-C as the study starts its simulation run number `calls` + 1."""
    real = study_module.run
    count = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        count["n"] += 1
        if count["n"] > calls:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(study_module, "run", flaky)
