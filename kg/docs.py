"""``kg docs``: the ontology's HTML documentation (pyLODE), its JSON-LD context, and the dataset's VoID.

Outputs (all generated, none committed except the context's copy in ``ontology/``):

* ``<out>/ontology.html``: pyLODE's OntPub rendering of ``ontology/kgo.ttl`` (one self-contained
  page, its stylesheet inline);
* ``<out>/context.jsonld``: :mod:`kg.context`;
* ``<build>/void.ttl``: :mod:`kg.void`, counted from ``<build>/dataset.nq``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError

ONTOLOGY_PAGE = "ontology.html"
CONTEXT_FILE = "context.jsonld"
VOID_FILE = "void.ttl"


def require(module: str, extra: str = "site"):
    """Import an optional dependency, or explain how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"this command needs the Python package {module!r}: "
                         f"pip install 'japan-security-kg[{extra}]'") from None


def ontology_html(ontology_dir: Path) -> str:
    """HTML documentation of ``ontology_dir/kgo.ttl`` by pyLODE (OntPub profile)."""
    require("pylode")
    from pylode import OntPub, PylodeError

    from kg.ontology import ONTOLOGY_FILE

    path = ontology_dir / ONTOLOGY_FILE
    if not path.is_file():
        raise InputError(f"{path}: no ontology here")
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # pyLODE logs each background ontology it loads at INFO
    try:
        return OntPub(str(path), sort_subjects=True).make_html()
    except PylodeError as exc:
        raise InputError(f"{path}: pyLODE cannot document it: {exc}") from None
    finally:
        quiet.setLevel(level)


@dataclass
class DocsOutput:
    """The files ``kg docs`` writes."""

    ontology_page: Path
    context: Path
    void: Path


def write_docs(settings, out_dir: Path | None = None) -> DocsOutput:
    """Generate the ontology page, the context and the VoID description; write them atomically."""
    from kg.atomic import write_all_atomically
    from kg.context import context_json
    from kg.store import open_oxigraph
    from kg.version import software_version
    from kg.void import void_turtle

    assert settings.build_dir is not None
    out_dir = out_dir or settings.build_dir / "docs"
    store = open_oxigraph(settings.dataset_file)
    outputs = DocsOutput(out_dir / ONTOLOGY_PAGE, out_dir / CONTEXT_FILE, settings.build_dir / VOID_FILE)
    write_all_atomically({
        outputs.ontology_page: ontology_html(settings.ontology_dir).encode("utf-8"),
        outputs.context: context_json(settings.ontology_dir),
        outputs.void: void_turtle(store, settings.dataset_file, software_version()),
    })
    return outputs
