"""``kg docs``: the ontology's HTML documentation (pyLODE), its JSON-LD context, and the dataset's VoID.

Outputs (all generated, none committed except the context's copy in ``ontology/``):

* ``<out>/ontology.html``: pyLODE's OntPub rendering of ``ontology/kgo.ttl`` (one self-contained
  page, its stylesheet inline);
* ``<out>/context.jsonld``: :mod:`kg.publish.context`;
* ``<build>/void.ttl``: :mod:`kg.publish.void`, counted from ``<build>/dataset.nq``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError

ONTOLOGY_PAGE = "ontology.html"
ANONYMOUS_LINK = re.compile(r'<a href="(c14n\d+)">\1</a>')
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


def _patch_pylode_set_classes() -> None:
    """Let pyLODE 3.x render nested class expressions, in a stable order.

    pyLODE renders a set class (``owl:unionOf`` / ``owl:intersectionOf``) by collecting the HTML of
    its members in a Python ``set`` and joining them with ``pylode.utils.intersperse``, which returns
    a list. A member that is itself a set class (a union inside an intersection, a complement) is
    then a list, which a set cannot hold: ``TypeError: unhashable type: 'list'``; and members come
    out in set order, which changes from run to run. ``intersperse`` has no other caller, so it is
    replaced by one that sorts the members by their HTML and returns a single element. Applied only
    while that is still true of the installed pyLODE.
    """
    import inspect

    import pylode.utils as utils
    from dominate.tags import span

    if getattr(utils.intersperse, "kg_patched", False) or inspect.getsource(utils).count("intersperse(") != 2:
        return
    original = utils.intersperse

    def intersperse(items, sep):
        return span(*original(sorted(items, key=str), sep))

    intersperse.kg_patched = True  # type: ignore[attr-defined]
    utils.intersperse = intersperse


def ontology_html(ontology_dir: Path) -> str:
    """HTML documentation of ``ontology_dir/kgo.ttl`` by pyLODE (OntPub profile)."""
    require("pylode")
    from pylode import OntPub, PylodeError

    _patch_pylode_set_classes()

    from kg.ontology import ONTOLOGY_FILE

    path = ontology_dir / ONTOLOGY_FILE
    if not path.is_file():
        raise InputError(f"{path}: no ontology here")
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # pyLODE logs each background ontology it loads at INFO
    try:
        html = OntPub(_canonical_graph(path), sort_subjects=True).make_html()
    except PylodeError as exc:
        raise InputError(f"{path}: pyLODE cannot document it: {exc}") from None
    finally:
        quiet.setLevel(level)
    # pyLODE does not render a restriction whose filler is itself an anonymous class expression
    # ("obligor of some (obligation and ...)"): it links to the blank node's label, a dead link.
    return ANONYMOUS_LINK.sub(
        '<span class="anonymous-class" title="an anonymous class expression that pyLODE does not render; '
        'see the ontology\'s Turtle">(a class expression: see kgo.ttl)</span>', html)


def _canonical_graph(path: Path):
    """The ontology as an rdflib Graph whose blank nodes carry RDFC-1.0 canonical labels.

    pyLODE orders some output by blank-node label and shows the labels of class expressions it does
    not render; rdflib's parser gives fresh random labels on every run, the canonical ones do not,
    so the same ontology always gives the same page.
    """
    import pyoxigraph as ox
    import rdflib

    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object)
                         for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    def term(t):
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return rdflib.BNode(t.value)
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))

    graph = rdflib.Graph()
    for prefix, namespace in rdflib.Graph().parse(path, format="turtle").namespaces():
        graph.bind(prefix, namespace, override=True)
    for quad in dataset:
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return graph


@dataclass
class DocsOutput:
    """The files ``kg docs`` writes."""

    ontology_page: Path
    context: Path
    void: Path


def write_docs(settings, out_dir: Path | None = None) -> DocsOutput:
    """Generate the ontology page, the context and the VoID description; write them atomically."""
    from kg.atomic import write_all_atomically, write_output
    from kg.builds import refuse_build_file
    from kg.publish.context import context_json
    from kg.publish.void import void_turtle
    from kg.query.store import open_oxigraph
    from kg.version import software_version

    assert settings.build_dir is not None
    out_dir = out_dir or settings.build_dir / "docs"
    store = open_oxigraph(settings.dataset_file)
    outputs = DocsOutput(out_dir / ONTOLOGY_PAGE, out_dir / CONTEXT_FILE, settings.build_dir / VOID_FILE)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: exists and is not a directory")
    for path in (outputs.ontology_page, outputs.context):
        refuse_build_file(path, settings.build_dir)
    files = {
        outputs.ontology_page: ontology_html(settings.ontology_dir).encode("utf-8"),
        outputs.context: context_json(settings.ontology_dir),
        outputs.void: void_turtle(store, settings.dataset_file, software_version()),
    }
    if all(not p.exists() or (p.is_file() and not p.is_symlink()) for p in files):
        try:
            write_all_atomically(files)  # all three or none
        except OSError as exc:
            raise InputError(f"cannot write into {out_dir}: {exc.strerror or exc}") from None
    else:  # a link, FIFO or device among them: written as a redirection would
        for path, data in files.items():
            write_output(path, data)
    return outputs
