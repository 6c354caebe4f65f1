"""Time and many sources (docs/time-model.md): lifecycle events, status observations, derived periods,
answers as of a date, disagreeing sources, and the build's refusal of a graph that contradicts itself."""

from __future__ import annotations

import json
import os
from datetime import date

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.build import build
from kg.errors import CheckFailed, InputError
from kg.graph.lifecycle import Bounds, derive_periods
from kg.query.catalogue import date_term, find

from .conftest import ROOT, make_settings, rows_of, run_query
from .corpora import ARTICLE, ARTICLE_CORPUS, ARTICLE_SOURCE_ARGS, FIXTURES

K, TIME, RDF = vocab.KGO, vocab.TIME, vocab.RDF
D = date.fromisoformat


# ------------------------------------------------------------------ the derivation, edge by edge


def _quads(*triples) -> list[ox.Quad]:
    graph = ox.NamedNode(vocab.source_graph("edges"))

    def term(value):
        if isinstance(value, ox.Literal):
            return value
        return ox.NamedNode(value if "://" in value else vocab.entity_iri(value))

    return [ox.Quad(term(s), term(p), term(o), graph) for s, p, o in triples]


def _when(node: str, earliest: str | None, latest: str | None) -> list[tuple]:
    dt = vocab.XSD + "dateTime"
    out = []
    if earliest:
        out.append((node, K + "earliestDate", ox.Literal(f"{earliest}T00:00:00", datatype=ox.NamedNode(dt))))
    if latest:
        out.append((node, K + "latestDate", ox.Literal(f"{latest}T00:00:00", datatype=ox.NamedNode(dt))))
    return out


ONTOLOGY = [(K + "Signing", K + "resultingStatus", K + "Signed"),
            (K + "NegotiationLaunch", K + "resultingStatus", K + "UnderNegotiation"),
            (K + "EntryIntoForce", K + "resultingStatus", K + "InForce"),
            (K + "Termination", K + "resultingStatus", K + "Terminated")]
ORDER = [(K + s, K + "stageOrder", ox.Literal(str(n), datatype=ox.NamedNode(vocab.XSD + "integer")))
         for s, n in (("UnderNegotiation", 2), ("Signed", 4), ("InForce", 6), ("Terminated", 8))]


def _event(name: str, cls: str, earliest: str | None, latest: str | None, arrangement: str = "agreement/a"):
    return [(f"event/{name}", RDF + "type", K + cls), (f"event/{name}", K + "ofArrangement", arrangement),
            (f"event/{name}", TIME + "hasTime", f"time/{name}"), *_when(f"time/{name}", earliest, latest)]


def _periods(*events, published=None):
    return derive_periods(_quads(*ONTOLOGY, *ORDER, *[t for e in events for t in e]), published or {})


def test_events_make_consecutive_status_periods():
    periods = _periods(_event("talks", "NegotiationLaunch", "2021-09-28", "2021-09-28"),
                       _event("signed", "Signing", "2023-01-11", "2023-01-11"),
                       _event("force", "EntryIntoForce", "2023-10-15", "2023-10-15"))
    assert [(p.status.removeprefix(K), p.start.earliest, p.end.earliest) for p in periods] == [
        ("UnderNegotiation", D("2021-09-28"), D("2023-01-11")),
        ("Signed", D("2023-01-11"), D("2023-10-15")),
        ("InForce", D("2023-10-15"), None)]


def test_two_sources_dating_one_event_narrow_it_and_disagreeing_ones_widen_it():
    agreeing = _periods([*_event("signed", "Signing", "2023-01-09", "2023-01-13"),
                         ("event/signed", TIME + "hasTime", "time/exact"),
                         *_when("time/exact", "2023-01-11", "2023-01-11")])
    assert (agreeing[0].start.earliest, agreeing[0].start.latest) == (D("2023-01-11"), D("2023-01-11"))
    disagreeing = _periods([*_event("signed", "Signing", "2023-01-11", "2023-01-11"),
                            ("event/signed", TIME + "hasTime", "time/other"), *_when("time/other", "2023-01-12",
                                                                                   "2023-01-12")])
    assert (disagreeing[0].start.earliest, disagreeing[0].start.latest) == (D("2023-01-11"), D("2023-01-12"))


def test_same_day_events_follow_the_order_of_stages():
    periods = _periods(_event("force", "EntryIntoForce", "2023-10-15", "2023-10-15"),
                       _event("signed", "Signing", "2023-10-15", "2023-10-15"))
    assert [p.status.removeprefix(K) for p in periods] == ["Signed", "InForce"]


def test_an_undated_event_starts_no_period_and_an_open_one_keeps_its_unknown_bound():
    periods = _periods(_event("undated", "Signing", None, None), _event("by", "EntryIntoForce", None, "2020-06-30"))
    assert len(periods) == 1
    assert (periods[0].status, periods[0].start.earliest, periods[0].start.latest) == (K + "InForce", None,
                                                                                      D("2020-06-30"))


def test_a_stated_absence_holds_from_its_source_until_a_later_pledge_begins():
    absence = [("absence/x", RDF + "type", K + "StatedAbsenceOfObligation"), ("absence/x", K + "obligor", "state/a"),
               ("absence/x", K + "beneficiary", "state/b"), ("absence/x", K + "obligationKind", K + "kindDefence")]
    pledge = [("obligation/y", RDF + "type", K + "Obligation"), ("obligation/y", K + "obligor", "state/a"),
              ("obligation/y", K + "beneficiary", "state/b"), ("obligation/y", K + "obligationKind", K + "kindDefence"),
              ("obligation/y", K + "createdBy", "agreement/a")]
    window = {vocab.source_graph("edges"): Bounds(D("2023-01-14"), D("2023-01-20"))}
    periods = {p.of.rsplit("/", 1)[-1]: p for p in _periods(absence, pledge, _event(
        "signed", "Signing", "2024-07-08", "2024-07-08"), published=window)}
    assert (periods["x"].start.earliest, periods["x"].start.latest) == (D("2023-01-14"), D("2023-01-20"))
    assert periods["x"].end.earliest == D("2024-07-08") and periods["x"].ended_by == [vocab.entity_iri("obligation/y")]
    assert periods["y"].start.earliest == D("2024-07-08") and not periods["y"].ended_by


def test_an_obligation_ends_with_its_arrangement():
    pledge = [("obligation/y", RDF + "type", K + "Obligation"), ("obligation/y", K + "createdBy", "agreement/a")]
    periods = {p.of.rsplit("/", 1)[-1]: p for p in _periods(
        pledge, _event("signed", "Signing", "1902-01-30", "1902-01-30"),
        _event("ended", "Termination", "1923-08-17", "1923-08-17"))}
    assert (periods["y"].start.earliest, periods["y"].end.earliest) == (D("1902-01-30"), D("1923-08-17"))


# ------------------------------------------------------------------ "as of", on the article and a later source


def _status(corpus_build, corpus: str, day: str, arrangement: str) -> list[tuple[str, str, str]]:
    query = find(ROOT / "queries", "status-as-of")
    store = ox.Store()
    store.bulk_load(path=str(corpus_build(corpus).dataset_file), format=ox.RdfFormat.N_QUADS)
    from kg.query.catalogue import bind

    rows = rows_of(run_query(store, query.text, bind(query, {"asOf": day})))
    return sorted({(r[2], r[3], r[4]) for r in rows if r[0] == arrangement})


CANADA = "agreement/japan-canada-information-security-agreement"


@pytest.mark.parametrize("day, expected", [
    ("2023-01-13", []),  # before the article: nothing dated
    ("2023-01-17", [("planned", "possibly", "2023-01-14/2023-01-20")]),  # inside the publication window
    ("2023-02-28", [("planned", "certainly", "2023-01-14/2023-01-20")]),  # "in March" cannot be before March
    ("2023-03-15", [("planned", "possibly", "2023-01-14/2023-01-20"),
                    ("under negotiation", "possibly", "2023-03-01/2023-03-31")]),  # "in March": unknown day
    ("2023-04-01", [("under negotiation", "certainly", "2023-03-01/2023-03-31")]),
    ("2025-07-17", [("under negotiation", "certainly", "2023-03-01/2023-03-31")]),  # the day before the signing
    ("2025-07-18", [("signed", "certainly", "2025-07-18")]),  # the same day
    ("2030-01-01", [("signed", "certainly", "2025-07-18")]),  # an open end
])
def test_a_later_signing_moves_the_status_from_its_day_and_not_before(corpus_build, day, expected):
    assert _status(corpus_build, "later-signing", day, CANADA) == expected


def test_a_later_signing_leaves_the_article_corpus_unchanged(corpus_build):
    assert _status(corpus_build, "article", "2030-01-01", CANADA) == [("planned", "certainly", "2023-01-14/2023-01-20")]


def test_ongoing_negotiations_forget_an_arrangement_once_it_is_signed(cli, corpus_build):
    build_dir = str(corpus_build("later-signing").build_dir)
    partners = {}
    for day in ("2025-07-17", "2025-07-18"):
        code, out, _ = cli("query", "ongoing-negotiations", "--as-of", day, "--format", "json", "--build", build_dir)
        assert code == 0
        partners[day] = {b["partnerLabel"]["value"] for b in json.loads(out)["results"]["bindings"]}
    assert partners == {"2025-07-17": {"Canada", "Philippines"}, "2025-07-18": {"Philippines"}}


def test_as_of_is_a_plain_parameter_checked_as_a_date(cli, built):
    assert date_term("2023-02-01", "asOf").value == "2023-02-01T00:00:00"
    assert date_term("today", "asOf").value == f"{date.today().isoformat()}T00:00:00"
    for bad in ("2023-02-30", "20230203", "2023-W05-2", "1 Feb 2023", '2023-01-01"^^<x> } #'):
        with pytest.raises(InputError, match="is not a date"):
            date_term(bad, "asOf")
    code, _, err = cli("query", "tour-stops", "--as-of", "2023-01-01", "--build", str(built.build_dir))
    assert code == 2 and "does not take a date" in err
    code, out, _ = cli("query", "status-as-of", "--param", "asOf=2023-01-12", "--format", "csv",
                       "--build", str(built.build_dir))
    code2, out2, _ = cli("query", "status-as-of", "--as-of", "2023-01-12", "--format", "csv",
                         "--build", str(built.build_dir))
    assert code == code2 == 0 and out == out2 and "Japan–UK Reciprocal Access Agreement" in out


# ------------------------------------------------------------------ disagreements


def test_source_disagreements_finds_each_planted_conflict_with_both_quotes(corpus_build):
    query = find(ROOT / "queries", "source-disagreements")
    store = ox.Store()
    store.bulk_load(path=str(corpus_build("disagreeing").dataset_file), format=ox.RdfFormat.N_QUADS)
    rows = [_row_dict(r) for r in run_query(store, query.text, {}).rows]
    kinds = {(r["disagreement"], r["sourceA"], r["sourceB"]) for r in rows}
    assert ("dates", "reference-notes", "disagreeing-source") in kinds
    assert ("statuses", "reference-notes", "disagreeing-source") in kinds
    assert ("statuses", ARTICLE, "disagreeing-source") in kinds
    assert ("commitment and absence", ARTICLE, "disagreeing-source") in kinds
    dates = next(r for r in rows if r["disagreement"] == "dates")
    assert (dates["sideA"], dates["sideB"]) == ("2023-01-11", "2023-01-12 (on 12 January 2023)")
    assert dates["quoteB"] == "The Japan-UK reciprocal access agreement was signed on 12 January 2023."
    assert all(r["quoteA"] and r["quoteB"] for r in rows)


def _row_dict(row: dict) -> dict:
    from kg.query.table import cell_text

    return {k: cell_text(v) for k, v in row.items()}


def test_the_article_corpus_has_no_disagreement(store):
    query = find(ROOT / "queries", "source-disagreements")
    assert run_query(store, query.text, {}).rows == []


# ------------------------------------------------------------------ a graph that contradicts itself is refused


INCONSISTENT = {
    "contradiction-absence-created-by": ("cax-adc", "does not commit either country to defend the other"),
    "contradiction-scoped-absence-created": ("scope rule", "the UK pledges to help defend Japan"),
    "contradiction-observation-two-statuses": ("eq-diff2", "was both signed and in force"),
    "contradiction-denied-pledge": ("prp-npa1", "France has pledged by treaty since 2020"),
    "contradiction-disjoint-kinds": ("cax-adc", "is a mutual defence treaty"),
    "contradiction-obligor-is-beneficiary": ("prp-pdw", "Japan owes itself"),
    "contradiction-period-ends-before-it-begins": ("date rule", "until 2023-03-01"),
    "contradiction-person-as-state": ("cax-adc", "Rishi Sunak is a sovereign state."),
    "contradiction-sources-disagree": ("eq-diff2", "hosted by Italy"),
}


@pytest.mark.parametrize("fixture", sorted(INCONSISTENT))
def test_the_build_refuses_a_graph_that_contradicts_itself(fixture, tmp_path, built):
    settings = make_settings(tmp_path / "build", [FIXTURES / "invalid" / fixture], only_sources=list(ARTICLE_CORPUS))
    # a previous good build in the same directory stays as it was
    build(make_settings(settings.build_dir, only_sources=list(ARTICLE_CORPUS)), validate=False)
    before = settings.dataset_file.read_bytes()
    rule, quote = INCONSISTENT[fixture]
    with pytest.raises(CheckFailed) as refused:
        build(settings, validate=False)
    message = str(refused.value)
    assert "contradicts itself; nothing was written" in message
    assert rule in message and quote in message and fixture in message
    assert settings.dataset_file.read_bytes() == before


def test_the_createdby_trap_cannot_make_a_pledge_of_a_denial(cli, tmp_path):
    fixture = FIXTURES / "invalid" / "contradiction-absence-created-by"
    texts = os.pathsep.join(str(p) for p in make_settings(tmp_path).text_path)
    code, _, err = cli("build", "--infer", "--add-source", str(fixture), "--texts", texts, "--build", str(tmp_path),
                       *ARTICLE_SOURCE_ARGS)
    assert code == 1 and "does not commit either country to defend the other" in err
    assert not (tmp_path / "dataset.nq").exists()


def test_the_right_way_to_scope_an_absence_builds_and_is_no_pledge(corpus_build):
    settings = corpus_build("scoped-absence")
    absence = vocab.entity_iri("absence/uk-defence-under-the-access-agreement")
    types = {q.object.value for q in ox.parse(path=str(settings.dataset_file), format=ox.RdfFormat.N_QUADS)
             if q.subject.value == absence and q.predicate.value == RDF + "type"}
    assert K + "StatedAbsenceOfObligation" in types
    assert not types & {K + "Obligation", K + "DefencePledge"}  # what --infer made of createdBy


def test_deprecated_terms_are_refused_with_their_replacement(tmp_path):
    """(The fixture is one of tests/fixtures/invalid, checked with the others in test_invalid_input.py;
    here: every deprecated term it uses is named, each with what replaces it.)"""
    settings = make_settings(tmp_path / "b", [FIXTURES / "invalid" / "deprecated-term"],
                             only_sources=list(ARTICLE_CORPUS))
    with pytest.raises(InputError) as refused:
        build(settings)
    message = str(refused.value)
    assert "facts.yaml:10: [fact deeper-ties] 'lifecycleStatus' is deprecated; use 'observedStatus'" in message
    assert "facts.yaml:11: [fact deeper-ties] 'concludedAt' is deprecated; use 'LifecycleEvent'" in message


# ------------------------------------------------------------------ texts on the search path


def test_kg_texts_adds_to_the_shared_folders(monkeypatch, tmp_path):
    from kg.config import default_text_path

    monkeypatch.setenv("KG_TEXTS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    monkeypatch.delenv("KG_SKIP_DATASETS", raising=False)  # set for the test session (tests/conftest.py)
    path = default_text_path(ROOT)
    assert path[:2] == [tmp_path / "a", tmp_path / "b"]
    assert path[2:] == [ROOT.parent / "shared" / "sources", ROOT.parent / "shared" / "reference",
                        ROOT.parent / "shared" / "datasets"]
    monkeypatch.setenv("KG_SKIP_DATASETS", "1")  # the published datasets left out on purpose
    assert default_text_path(ROOT)[2:] == [ROOT.parent / "shared" / "sources", ROOT.parent / "shared" / "reference"]
    assert default_text_path(ROOT, [tmp_path / "c"])[0] == tmp_path / "c"


def test_the_build_names_every_source_whose_text_it_did_not_find(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(ROOT))
    monkeypatch.setattr("kg.config.default_text_path", lambda root, extra=None: [tmp_path / "nothing-here"])
    code, _, err = cli("build", "--build", str(tmp_path / "b"), "--source", ARTICLE, "--source", "reference-notes")
    assert code == 0
    assert "the texts of 2 source(s) were not found" in err and ARTICLE in err and "reference-notes" in err


# ------------------------------------------------------------------ the Japan–UK agreement, from the official texts


UK_RAA = "agreement/japan-uk-reciprocal-access-agreement"


def test_the_uk_agreements_history_has_every_stage_from_several_sources(corpus_build):
    from kg.query.catalogue import bind

    query = find(ROOT / "queries", "arrangement-history")
    store = ox.Store()
    store.bulk_load(path=str(corpus_build("official-texts").dataset_file), format=ox.RdfFormat.N_QUADS)
    rows = rows_of(run_query(store, query.text, bind(query, {"arrangement": UK_RAA})))
    stages = {r[4].removesuffix(" (as scheduled)") for r in rows}
    assert {"launch of negotiations", "signing", "exchange of diplomatic notes", "entry into force"} <= stages
    assert "agreed in principle" in {r[5] for r in rows}  # observed on 2022-05-05 (the readout gives no event)
    assert len({r[8] for r in rows}) >= 4
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # in order


@pytest.mark.parametrize("day, status, since", [
    ("2021-10-01", "under negotiation", "2021-09-28"),
    ("2022-06-01", "agreed in principle", "2022-05-05"),
    ("2023-02-01", "signed", "2023-01-11"),
    ("2023-11-01", "in force", "2023-10-15"),
])
def test_the_uk_agreements_status_on_four_dates(corpus_build, day, status, since):
    assert _status(corpus_build, "official-texts", day, UK_RAA) == [(status, "certainly", since)]


def test_a_scheduled_date_may_follow_the_publication_and_only_a_scheduled_one(tmp_path):
    """The exchange of notes of 2023-09-15 announces the entry into force for 2023-10-15 (kgo:scheduledAt);
    the same date as time:hasTime is a date the source cannot have reported."""
    source = tmp_path / "announced"
    source.mkdir()
    text = tmp_path / "texts" / "announced.txt"
    text.parent.mkdir()
    text.write_text("The agreement will enter into force on 15 October 2023.\n", encoding="utf-8")
    import hashlib

    (source / "source.yaml").write_text(
        "id: announced\ntitle: Announced\nkind: test-fixture\n"
        f"text: {{file: announced.txt, sha256: {hashlib.sha256(text.read_bytes()).hexdigest()}}}\n"
        'published: {earliest: "2023-09-15", latest: "2023-09-15"}\n', encoding="utf-8")
    fact = ("source: announced\nfacts:\n  - id: eif\n"
            "    quote: The agreement will enter into force on 15 October 2023.\n"
            "    about: event/japan-uk-reciprocal-access-agreement-entry-into-force\n    a: EntryIntoForce\n"
            "    label: Entry into force of the Japan–UK Reciprocal Access Agreement\n"
            f"    set:\n      ofArrangement: {UK_RAA}\n      PROPERTY: {{date: \"2023-10-15\"}}\n")
    settings = make_settings(tmp_path / "b", [source], only_sources=list(ARTICLE_CORPUS))
    settings.text_path = [*settings.text_path, text.parent]
    (source / "facts.yaml").write_text(fact.replace("PROPERTY", "time:hasTime"), encoding="utf-8")
    with pytest.raises(InputError, match="date 2023-10-15 is outside the source's window"):
        build(settings)
    (source / "facts.yaml").write_text(fact.replace("PROPERTY", "scheduledAt"), encoding="utf-8")
    from kg.sources.corpus import record_anchors

    record_anchors(settings, ["announced"])
    build(settings)
