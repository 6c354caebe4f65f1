"""The package version, read from the installed metadata (one place: pyproject.toml)."""

from __future__ import annotations

import functools
from importlib import metadata


@functools.cache
def software_version() -> str:
    """Installed version of this package (read once per process: each lookup scans the metadata)."""
    try:
        return metadata.version("japan-security-kg")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "0+unknown"
