"""The ontology is in OWL 2 DL, with the asserted facts (the OWL API's profile checker says), and passes
the quality checks in the spirit of ROBOT's report (queries/qc/): each check with a case that fails it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.checks.validate import run_quality_checks
from kg.graph.lifecycle import GRAPH_LIFECYCLE

from .conftest import ROOT

pytest.importorskip("jpype", reason="the OWL 2 profile check needs the development extras (make setup)")
from kg.checks.profile import check_file, check_triples

ONTOLOGY = ROOT / "ontology" / "kgo.ttl"
PREFIXES = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
<http://example.org/o> a owl:Ontology .
"""


def test_the_ontology_is_in_owl2_dl():
    assert check_file(ONTOLOGY) == []


def test_the_asserted_facts_are_in_owl2_dl(built):
    """The ontology, the registry, every source's facts and the derived periods: what a knowledge engineer
    loads into a reasoner (the provenance graphs describe the evidence, not the world)."""
    quads = ox.parse(path=str(built.dataset_file), format=ox.RdfFormat.N_QUADS)
    asserted = [q.triple for q in quads
                if q.graph_name.value in (vocab.GRAPH_ONTOLOGY, vocab.GRAPH_ENTITIES, GRAPH_LIFECYCLE)
                or q.graph_name.value.startswith(vocab.GRAPH + "source/")]
    assert len(asserted) > 1000
    assert check_triples(asserted) == []


def test_a_date_outside_the_owl2_datatype_map_is_a_violation(tmp_path):
    """The reason the ontology's dates are xsd:dateTime: xsd:date ranges and literals are outside OWL 2 DL."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(PREFIXES + """
ex:day a owl:DatatypeProperty ; rdfs:range xsd:date .
ex:thing ex:day "2023-01-11"^^xsd:date .
ex:good a owl:DatatypeProperty ; rdfs:range xsd:dateTime .
ex:thing ex:good "2023-01-11T00:00:00"^^xsd:dateTime .
""", encoding="utf-8")
    violations = check_file(bad)
    assert "Use of undeclared datatype" in {v.kind for v in violations}
    assert all("xsd:date" in v.text and "xsd:dateTime" not in v.text for v in violations)
    assert any("rdfs:range" in v.text or "DataPropertyRange" in v.text for v in violations)
    assert any('"2023-01-11"^^xsd:date' in v.text for v in violations)


# ------------------------------------------------------------------ ROBOT-style report: each check can fail


def _violations(store: ox.Store) -> dict[str, int]:
    return {name: len(rows.rows) for name, rows in run_quality_checks(store, ROOT / "queries").items()}


def _with_ontology(extra: str, data: str = "") -> ox.Store:
    store = ox.Store()
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(vocab.GRAPH_ONTOLOGY))
    if extra:
        store.load(extra.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(vocab.GRAPH_ONTOLOGY))
    if data:
        store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(vocab.source_graph("qc")))
    return store


KGO = ("@prefix kgo: <https://w3id.org/japan-security-kg/ontology#> .\n"
       "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
SKOS = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"


def test_the_ontology_passes_every_report_check(built):
    store = ox.Store()
    store.bulk_load(path=str(built.dataset_file), format=ox.RdfFormat.N_QUADS)
    assert {name: n for name, n in _violations(store).items() if n} == {}


@pytest.mark.parametrize("check, extra, data", [
    ("duplicate-label-violation",
     KGO + 'kgo:Obligation rdfs:label "State"@en .', ""),
    ("annotation-whitespace-violation",
     KGO + 'kgo:Obligation rdfs:label "obligation "@en .', ""),
    ("annotation-whitespace-violation",
     KGO + SKOS + 'kgo:Obligation skos:definition "two  spaces"@en .', ""),
    ("deprecated-term-in-use-violation", "",
     KGO + "<https://w3id.org/japan-security-kg/id/agreement/x> kgo:lifecycleStatus kgo:Signed ."),
    ("class-without-definition-violation",
     KGO + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\nkgo:Undefined a owl:Class .", ""),
])
def test_each_report_check_finds_what_it_is_for(check, extra, data):
    assert _violations(_with_ontology("", ""))[check] == 0
    assert _violations(_with_ontology(extra, data))[check] >= 1
