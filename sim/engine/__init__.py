"""Engines turn (scenario, policy, seed) into one replication's raw output."""

from __future__ import annotations

from .des import run_des
from .output import CollectorStats, EngineOutput
from .reference import run_reference

__all__ = ["CollectorStats", "EngineOutput", "run_des", "run_reference"]
