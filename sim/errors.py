"""The one exception hierarchy of arsim.

Library code raises these; only the CLI turns them into a line on stderr and exit code 2.
"""

from __future__ import annotations


class ArsimError(Exception):
    """Base class of every error arsim raises on purpose."""


class ScenarioError(ArsimError):
    """A scenario file or model is malformed or impossible."""


class PolicyError(ArsimError):
    """A credit policy is malformed or impossible."""


class EngineError(ArsimError):
    """An engine cannot run the scenario it was given."""


class CalcError(ArsimError):
    """A textbook calculation got impossible inputs, or a figures file is malformed."""
