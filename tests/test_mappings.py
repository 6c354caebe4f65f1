"""ontology/mappings.sssom.tsv: valid SSSOM, subjects declared, identifiers only from the reference."""

from __future__ import annotations

import pytest
import rdflib

from kg import vocab
from kg.errors import InputError
from kg.graph.mappings import MAPPINGS_FILE, NO_TERM_FOUND, read_sssom
from kg.ontology import build_index, load_ontology_graph

from .conftest import ROOT, rows_of, run_query, verified_wikidata_ids

TABLE = ROOT / "ontology" / MAPPINGS_FILE
ATOP = "https://w3id.org/japan-security-kg/id/atop-category/"


@pytest.mark.filterwarnings("ignore::Warning:sssom.util")  # sssom-py's own pandas deprecations
def test_the_sssom_reference_implementation_validates_the_table():
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(str(TABLE))
    reports = validate(msdf, [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness],
                       fail_on_error=False)
    assert {kind.name: report.results for kind, report in reports.items()} == {
        "JsonSchema": [], "PrefixMapCompleteness": []}
    # our small reader sees the same mappings as the reference implementation
    ours = {(m.subject, m.predicate, m.object) for m in read_sssom(TABLE).mappings}
    theirs = {tuple(msdf.converter.expand(row[c]) for c in ("subject_id", "predicate_id", "object_id"))
              for _, row in msdf.df.iterrows()}
    assert ours == theirs and len(ours) == len(msdf.df) > 20


def test_every_subject_is_a_declared_kgo_term():
    index = build_index(load_ontology_graph(ROOT / "ontology"))
    declared = index.classes | index.all_properties() | set(index.individuals)
    for m in read_sssom(TABLE).mappings:
        assert m.subject.startswith(vocab.KGO) and m.subject in declared, (m.line, m.subject)


def test_every_wikidata_identifier_is_verified_in_the_reference():
    verified = verified_wikidata_ids()
    wikidata = [m for m in read_sssom(TABLE).mappings if m.object.startswith(vocab.WD)]
    assert len(wikidata) >= 14
    for m in wikidata:
        qid = m.object[len(vocab.WD):]
        assert qid in verified, (m.line, qid)
        assert f" {qid} " in f" {m.comment} ", (m.line, "the comment names the reference row")


def test_atop_mappings_agree_with_the_ontology_annotations():
    g = load_ontology_graph(ROOT / "ontology")
    kgo = rdflib.Namespace(vocab.KGO)
    kinds = set(g.subjects(rdflib.RDF.type, kgo.ObligationKind))
    table = {m.subject: m for m in read_sssom(TABLE).mappings if m.object_source == "http://www.atopdata.org/"}
    assert {str(k) for k in kinds} == set(table)  # every kind is mapped, found or not
    for kind in kinds:
        category = g.value(kind, kgo.atopCategory)
        mapping = table[str(kind)]
        assert mapping.object == (ATOP + str(category) if category else NO_TERM_FOUND), kind


def test_property_mappings_repeat_the_ontology_annotations():
    g = load_ontology_graph(ROOT / "ontology")
    in_ontology = {(str(s), str(p), str(o)) for p in (rdflib.SKOS.closeMatch, rdflib.SKOS.exactMatch)
                   for s, o in g.subject_objects(p) if str(o).startswith(vocab.WD + "P")}
    in_table = {(m.subject, m.predicate, m.object) for m in read_sssom(TABLE).mappings
                if m.object.startswith(vocab.WD + "P")}
    assert in_ontology == in_table and len(in_table) == 7


def test_the_build_loads_the_mappings_into_their_own_graph(store):
    rows = rows_of(run_query(store, """
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?term ?match ?item WHERE {
          GRAPH <https://w3id.org/japan-security-kg/graph/mappings> { ?term ?match ?item }
          VALUES ?term { kgo:State kgo:kindDefence kgo:ThinkTank }
        } ORDER BY ?term ?match"""))
    assert rows == [("kgo:State", "skos:broadMatch", "wd:Q6256"), ("kgo:State", "skos:closeMatch", "wd:Q3624078"),
                    ("kgo:kindDefence", "skos:exactMatch", "atop-category/defense")]  # no triple for NoTermFound


def test_a_bad_row_is_refused_with_its_line(tmp_path):
    bad = tmp_path / MAPPINGS_FILE
    text = TABLE.read_text(encoding="utf-8").replace("kgo:University\tuniversity\tskos:exactMatch",
                                                     "kgo:University\tuniversity\tex:sameish")
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if t.startswith("kgo:University"))
    with pytest.raises(InputError, match=rf"{MAPPINGS_FILE}:{line}: predicate_id 'ex:sameish' is not a CURIE"):
        read_sssom(bad)
