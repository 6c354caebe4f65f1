"""The ontology: well-formed, annotated as the guide asks, and used consistently by the data."""

from __future__ import annotations

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kg import vocab
from kg.ontology import build_index, index_of, load_ontology_graph, read_ontology

from .conftest import ROOT

KGO = rdflib.Namespace(vocab.KGO)
VANN = rdflib.Namespace(vocab.VANN)


def graph():
    return load_ontology_graph(ROOT / "ontology")


def test_ontology_header():
    g = graph()
    onto = rdflib.URIRef(vocab.ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in g
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, OWL.versionIRI, OWL.versionInfo,
                 VANN.preferredNamespacePrefix):
        assert g.value(onto, prop) is not None, prop


def test_every_kgo_term_has_one_label_one_definition_and_is_defined_by():
    g = graph()
    index = build_index(g)
    terms = {t for t in index.classes | index.all_properties() | set(index.individuals)
             if t.startswith(vocab.KGO)}
    assert len(terms) > 100
    for term in terms:
        node = rdflib.URIRef(term)
        assert len([x for x in g.objects(node, RDFS.label) if x.language == "en"]) == 1, term
        assert len([x for x in g.objects(node, SKOS.definition) if x.language == "en"]) == 1, term
        assert g.value(node, RDFS.isDefinedBy) == rdflib.URIRef(vocab.ONTOLOGY_IRI), term


def test_obligation_kinds_follow_atop_where_a_category_exists():
    g = graph()
    assert str(g.value(KGO.kindDefence, KGO.atopCategory)) == "defense"
    assert str(g.value(KGO.kindExtendedNuclearDeterrence, KGO.atopCategory)) == "defense"
    assert str(g.value(KGO.kindConsultation, KGO.atopCategory)) == "consultation"
    assert g.value(KGO.kindAccess, KGO.atopCategory) is None  # ATOP has no access category


def test_every_security_arrangement_kind_the_issue_names_exists():
    index = build_index(graph())
    for name in ("TreatyAlliance", "ReciprocalAccessAgreement", "InformationSecurityAgreement",
                 "DefenceCooperationAgreement", "JointDevelopmentProgramme", "ActionPlan",
                 "StrategicPartnership", "SecurityTalks", "Obligation", "StatedAbsenceOfObligation",
                 "Characterisation", "TerritorialDispute", "ContingencyScenario", "SecurityConcern",
                 "DiplomaticTour", "TourStop", "PositionHolding", "Quotation"):
        assert vocab.KGO + name in index.classes, name


def test_shapes_parse_and_use_only_core_constraints():
    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
    assert len(shapes) > 50
    assert not list(shapes.subject_objects(rdflib.URIRef(vocab.SH + "sparql")))


def test_the_builds_term_index_equals_the_one_rdflib_parses():
    """The build parses the ontology once, with pyoxigraph; its index must be rdflib's, term for term."""
    index = index_of(read_ontology(ROOT / "ontology"))
    assert index == build_index(graph())
    assert len(index.classes) > 50 and index.object_properties and index.datatype_properties
