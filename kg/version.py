"""The package version, read from the installed metadata (one place: pyproject.toml)."""

from __future__ import annotations

from importlib import metadata


def software_version() -> str:
    """Installed version of this package."""
    try:
        return metadata.version("japan-security-kg")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "0+unknown"
