"""Ready scenarios shipped with arsim, as commented YAML files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["available", "path"]


def available() -> list[str]:
    """Return the names (without ``.yaml``) of the shipped scenarios."""
    root = resources.files(__name__)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def path(name: str) -> Path:
    """Return the file path of a shipped scenario, e.g. ``path("default")``."""
    return Path(str(resources.files(__name__).joinpath(f"{name}.yaml")))
