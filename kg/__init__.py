"""Japan security knowledge graph: security arrangements, obligations and the evidence for them.

The small public API::

    from kg import Settings, build, run_stored_query

    result = build(Settings())                        # data/ -> build/dataset.nq (checked)
    rows = run_stored_query("partners-without-defence-pledge")

Names are imported lazily, so ``import kg`` stays cheap for the command line.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "BuildResult": "kg.build",
    "build": "kg.build",
    "Settings": "kg.config",
    "CheckFailed": "kg.errors",
    "InputError": "kg.errors",
    "KgError": "kg.errors",
}


def run_stored_query(name: str, params: dict[str, str] | None = None, settings: Any = None):
    """Run a stored query on the built graph (pyoxigraph); returns :class:`kg.query.store.Results`."""
    from kg.config import Settings
    from kg.query.catalogue import bind, find_built
    from kg.query.store import collect, open_oxigraph, select_oxigraph

    settings = settings or Settings()
    query = find_built(settings, name)
    store = open_oxigraph(settings.dataset_file)
    return collect(select_oxigraph(store, query.text, bind(query, params or {})))


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


__all__ = ["BuildResult", "CheckFailed", "InputError", "KgError", "Settings", "build", "run_stored_query"]
