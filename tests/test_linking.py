"""Wikidata links: counts, reasons, identifiers only from the reference, and checks that can fail."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.build import build
from kg.errors import CheckFailed
from kg.linking.report import link_report, read_reference
from kg.sources.corpus import load_checked_corpus, record_anchors

from .conftest import (
    ALL_SOURCES,
    LINK_PREDICATES,
    copy_data,
    curated_links,
    make_settings,
    reference_file,
    verified_wikidata_ids,
)

LINKS = "data/sources/reference-wikidata-ids/facts.yaml"


def report_for(data_dir=None, only_sources="article"):
    settings = make_settings(build_dir=None, data_dir=data_dir, only_sources=only_sources)
    corpus = load_checked_corpus(settings)
    path = reference_file("wikidata-ids.tsv")
    return link_report(corpus, read_reference(path), path)


def test_links_made_and_left_unlinked_with_reasons():
    report = report_for()
    assert report.problems == []
    curated = curated_links()
    counts = report.counts()
    assert {k: counts.get(k, 0) for k in ("linked", "not-found", *LINK_PREDICATES)} == {
        k: curated[k] for k in ("linked", "not-found", *LINK_PREDICATES)}
    assert counts["no row"] == len(report.entities) - curated["linked"] - curated["not-found"] > 0
    by_id = {e.entity_id: e for e in report.entities}
    assert (by_id["state/japan"].predicate, by_id["state/japan"].item) == ("owl:sameAs", "Q17")
    assert (by_id["position/president-of-france"].predicate, by_id["position/president-of-france"].item) == (
        "skos:exactMatch", "Q191954")
    assert by_id["place/taiwan"].predicate == "skos:closeMatch" and "not certain" in by_id["place/taiwan"].reason
    assert by_id["person/rishi-sunak"].status == "not-found"
    assert "conflicting identifiers seen in unreliable sources" in by_id["person/rishi-sunak"].reason
    assert by_id["person/justin-trudeau"].reason == "no row in the reference"
    unused = [r.name for r in report.unused_rows]
    assert {"Taiwan Strait", "Canberra", "Beijing"} <= set(unused)
    assert not {e.row.line for e in report.entities if e.row} & {r.line for r in report.unused_rows}


def test_no_wikidata_identifier_comes_from_anywhere_but_the_reference(store):
    """Every Wikidata IRI the curated graph holds (ontology, registry, sources, mappings) is a
    verified identifier of the reference; only the Wikidata snapshot may hold others."""
    verified = verified_wikidata_ids()
    used = set()
    for quad in store:
        if isinstance(quad.graph_name, ox.DefaultGraph):  # the merge of the named graphs (kg.query.store)
            continue
        if quad.graph_name.value.startswith(vocab.external_graph("")):
            continue
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(vocab.WD):
                used.add(term.value[len(vocab.WD):])
    assert len(used) > 40
    assert used <= set(verified), sorted(used - set(verified))


def test_kg_link_report_as_json(cli):
    reference_file("wikidata-ids.tsv")  # kg link checks every link against the reference's rows
    code, out, err = cli("link", "--report", "--format", "json")
    assert code == 0, err
    rows = {r["entity"]: r for r in json.loads(out)}
    assert rows["state/united-states"] == {
        "entity": "state/united-states", "label": "United States", "status": "linked", "predicate": "owl:sameAs",
        "wikidata": "wd:Q30", "wikidataLabel": "United States of America", "reason": "reference line 3"}
    assert rows["person/giorgia-meloni"]["status"] == "not-found"


def test_kg_link_summary(cli):
    reference_file("wikidata-ids.tsv")  # kg link checks every link against the reference's rows
    code, out, _ = cli("link")
    assert code == 0
    c = curated_links()
    total = len(report_for(only_sources=ALL_SOURCES).entities)  # kg link reads every source
    no_row = total - c["linked"] - c["not-found"]
    assert out.splitlines()[:2] == [
        f"linked: {c['linked']} of {total} entities ({c['owl:sameAs']} owl:sameAs, "
        f"{c['skos:exactMatch']} skos:exactMatch, {c['skos:closeMatch']} skos:closeMatch)",
        f"not linked: {total - c['linked']} ({c['not-found']} not-found in the reference, "
        f"{no_row} with no row in the reference)"]


def _edit(data_dir, old, new):
    path = data_dir / LINKS.removeprefix("data/")
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_missed_link_is_a_problem(tmp_path, cli):
    data = copy_data(tmp_path)
    _edit(data, '''  - id: germany
    quote: "place Germany Q183 Germany verified"
    about: state/germany
    set:
      owl:sameAs: wd:Q183
''', "")
    report = report_for(data)
    assert report.problems == ["wikidata-ids.tsv:8: 'Germany' (Q183, verified) has the name of state/germany, "
                               "which is not linked: link it or say why not"]
    code, _, _ = cli("link", "--data", str(data))
    assert code == 1


def test_an_identifier_that_is_not_its_rows_fails_the_build_and_the_report(tmp_path):
    data = copy_data(tmp_path)
    _edit(data, "owl:sameAs: wd:Q17\n", "owl:sameAs: wd:Q18\n")
    assert any("links state/japan to Q18, but its row (line 2) gives Q17" in p for p in report_for(data).problems)
    check = "wikidata-link-not-verified-by-its-quote-violation"
    with pytest.raises(CheckFailed, match=f"quality check {check}: 1 violation"):
        build(make_settings(tmp_path / "build", data_dir=data))


def test_two_entities_linked_to_one_item_fail_the_build(tmp_path):
    reference_file("wikidata-ids.tsv")  # re-grounding the edited quote needs the reference text
    data = copy_data(tmp_path)
    # Germany's fact now quotes Japan's row and links Q17: the quote checks pass, identity does not
    _edit(data, '''    quote: "place Germany Q183 Germany verified"
    about: state/germany
    set:
      owl:sameAs: wd:Q183''', '''    quote: "place Japan Q17 Japan verified"
    about: state/germany
    set:
      owl:sameAs: wd:Q17''')
    settings = make_settings(tmp_path / "build", data_dir=data)
    record_anchors(settings, ["reference-wikidata-ids"])
    with pytest.raises(CheckFailed, match="quality check same-as-not-one-to-one-violation: 2 violation"):
        build(settings)


def test_stored_queries_name_only_verified_identifiers():
    import re

    from .conftest import ROOT

    verified = verified_wikidata_ids()
    for path in sorted((ROOT / "queries").rglob("*.rq")):
        for qid in re.findall(r"(?:wd:|www\.wikidata\.org/entity/)([QP][0-9]+)", path.read_text(encoding="utf-8")):
            assert qid in verified, (path.name, qid)
