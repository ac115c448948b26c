"""Ready scenarios shipped with arsim, as commented YAML files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["available", "path", "teaching"]

#: The teaching pack: scenarios built from the training material, each with named policies
#: to compare, commented for a trainer (docs/teaching.md).
TEACHING = "teaching"


def available() -> list[str]:
    """Return the names (without ``.yaml``) of the shipped scenarios."""
    root = resources.files(__name__)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def teaching() -> list[str]:
    """Return the names of the teaching-pack scenarios (in ``teaching/``)."""
    root = resources.files(__name__).joinpath(TEACHING)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def path(name: str) -> Path:
    """Return the file path of a shipped scenario, e.g. ``path("default")``; a name of the
    teaching pack (``path("ladders")``) is found in ``teaching/``."""
    root = resources.files(__name__)
    if name not in available() and name in teaching():
        root = root.joinpath(TEACHING)
    return Path(str(root.joinpath(f"{name}.yaml")))
