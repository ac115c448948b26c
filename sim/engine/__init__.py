"""Engines turn (scenario, policy, seed) into one replication's raw output."""

from __future__ import annotations

from .des import run_des
from .output import CollectorStats, EngineOutput

__all__ = ["CollectorStats", "EngineOutput", "run_des"]
