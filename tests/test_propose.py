"""kg propose: dates, mentions, the rules, the draft (refused until accepted, then built and checked),
kg accept, the evaluation's matching rule, and the texts kept aside from rule writing.

Most tests run on short invented texts written here, against the real registry (data/); the ones that
score the curated texts need the source texts (../shared or KG_TEXTS).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from kg.cli import main
from kg.config import Settings
from kg.errors import InputError
from kg.propose import dates
from kg.propose.draft import accept
from kg.propose.evaluate import KEPT_ASIDE, Score, _dates_match
from kg.propose.extractor import Proposer, check_extraction
from kg.propose.model import Extraction, Proposal, TextInfo
from kg.sources.corpus import load_checked_corpus

from .conftest import FIXTURE_TEXTS, ROOT, make_settings

INVENTED = """Japan and New Zealand sign defence pact

Written in Tokyo on 14 March 2024 for the tests of japan-security-kg; invented, not real reporting.

Japan and New Zealand signed a reciprocal access agreement on Monday, allowing their forces to train together.
The agreement does not commit either country to defend the other.
"This is a historic day for our two nations," said Prime Minister Fumio Kishida.
Washington welcomed the deal, while talks on an information-security agreement with Canada are under way.
The two countries will exchange diplomatic notes, and the agreement will enter into force on April 30.
"""


@cache
def proposer() -> Proposer:
    return Proposer.for_corpus(load_checked_corpus(Settings(root=ROOT)))


def extract(text: str, published: date | None = date(2024, 3, 14)) -> Extraction:
    return proposer().propose(text, TextInfo("invented", published, published, "org/fixture-news"))


# ------------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(("words", "expected"), [
    ("on Friday", {"date": "2023-01-13"}),
    ("last year", {"year": 2022}),
    ("in July", {"month": "2022-07"}),
    ("September 15", {"date": "2022-09-15"}),
    ("last week", {"from": "2023-01-09", "to": "2023-01-15", "precision": "week"}),
    ("earlier this year", {"year": 2023}),
    ("yesterday", {"date": "2023-01-15"}),
])
def test_relative_dates_keep_their_precision(words, expected):
    resolved = dates.resolve(words, date(2023, 1, 16), date(2023, 1, 16))
    assert resolved is not None
    assert {k: v for k, v in resolved.items() if k in expected} == expected
    assert resolved["expression"] == words


def test_an_announced_date_is_read_forwards_and_a_window_gives_an_interval():
    assert dates.resolve("on October 7", date(2021, 9, 28), date(2021, 9, 28), prefer="future")["date"] == "2021-10-07"
    assert dates.resolve("on October 7", date(2021, 9, 28), date(2021, 9, 28))["date"] == "2020-10-07"
    # an undated article appeared 14-20 January: "last week" is either of two weeks, never one made-up day
    hull = dates.resolve("last week", date(2023, 1, 14), date(2023, 1, 20))
    assert (hull["from"], hull["to"]) == ("2023-01-02", "2023-01-15")
    assert dates.resolve("last week", None, None) is None


def test_a_date_line_is_the_publication_date():
    assert dates.date_line("Press Releases\n\nSeptember 28, 2021\n  1. The Government") == date(2021, 9, 28)
    assert dates.date_line(" date 2023-01-12 10 Downing Street\nPM meeting") == date(2023, 1, 12)
    assert dates.date_line("No date here.\nNor here.") is None


# ------------------------------------------------------------------------------------------------ mentions


def test_metonyms_titles_and_new_entities():
    extraction = extract(INVENTED)
    by_text = {(m.text, m.entity_id, m.how) for m in extraction.mentions}
    assert ("Washington", "state/united-states", "metonym") in by_text  # "Washington welcomed": the government
    assert ("Tokyo", "place/tokyo", "label") in by_text  # "in Tokyo": the city
    assert ("Fumio Kishida", "person/fumio-kishida", "label") in by_text
    holding = [p for p in extraction.proposals if p.fact_type == "holding"]
    assert holding and holding[0].values["position"] == "position/prime-minister-of-japan"


def test_a_new_state_and_a_new_person_are_introduced_by_facts():
    text = "Mr. HAYASHI Yoshimasa, Minister for Foreign Affairs of Japan, met India's Foreign Minister in Tokyo."
    extraction = extract(text)
    new = {p.subject: p for p in extraction.proposals if p.fact_type == "entity"}
    # the registry knows Hayashi (from a curated source): resolved by name, family name first
    assert any(m.entity_id == "person/yoshimasa-hayashi" for m in extraction.mentions)
    assert "person/yoshimasa-hayashi" not in new
    text = ("Prime Minister Jacinda Ardern of New Zealand signed an information-security agreement with Japan "
            "on 2 May 2022.")
    extraction = extract(text, date(2022, 5, 3))
    new = {p.subject: p for p in extraction.proposals if p.fact_type == "entity"}
    assert new["state/new-zealand"].types == ["State"] and new["person/jacinda-ardern"].types == ["Person"]
    assert new["person/jacinda-ardern"].quote == "Jacinda Ardern"


# ------------------------------------------------------------------------------------------------ the rules


def by_type(extraction: Extraction, fact_type: str) -> list[Proposal]:
    return [p for p in extraction.proposals if p.fact_type == fact_type]


def test_arrangement_kind_parties_event_date_and_stated_absence():
    extraction = extract(INVENTED)
    arrangements = {p.subject: p for p in by_type(extraction, "arrangement")}
    raa = arrangements["agreement/japan-new-zealand-reciprocal-access-agreement"]
    assert raa.types == ["ReciprocalAccessAgreement"]
    assert raa.values["party"] == ["state/japan", "state/new-zealand"]
    signing = next(p for p in by_type(extraction, "event") if p.types == ["Signing"])
    assert signing.values["time:hasTime"] == {"date": "2024-03-11", "expression": "on Monday"}
    absences = by_type(extraction, "absence")
    assert {(a.values["obligor"], a.values["beneficiary"]) for a in absences} == {
        ("state/japan", "state/new-zealand"), ("state/new-zealand", "state/japan")}
    for absence in absences:  # scoped to the agreement, never 'createdBy' (that would make it an obligation)
        assert absence.values.get("notCreatedBy") == raa.subject and "createdBy" not in absence.values
    assert all(p.quote == INVENTED[p.start:p.end] for p in extraction.proposals)
    assert not check_extraction(INVENTED, extraction)


def test_announced_events_are_scheduled_and_statements_have_speakers():
    extraction = extract(INVENTED)
    scheduled = [p for p in by_type(extraction, "event") if "kgo:scheduledAt" in p.values]
    assert scheduled and scheduled[0].values["kgo:scheduledAt"]["date"] == "2024-04-30"
    quotation = next(p for p in by_type(extraction, "statement") if p.types == ["Quotation"])
    assert quotation.values["speaker"] == "person/fumio-kishida"
    assert quotation.values["quotedText"] == "This is a historic day for our two nations,".rstrip(",")
    talks = [p for p in by_type(extraction, "observation") if p.values["observedStatus"] == "UnderNegotiation"]
    assert talks and talks[0].values["ofArrangement"] == "agreement/japan-canada-information-security-agreement"


def test_a_denial_is_an_absence_and_the_contrasted_state_the_obligor():
    text = ("Japan and India signed a defence agreement in 2021. Japan has an alliance with the US. "
            "Unlike the US, India has made no treaty pledges to help defend Japan.")
    extraction = extract(text)
    absences = {(p.values["obligor"], p.values["beneficiary"]) for p in by_type(extraction, "absence")}
    pledges = {(p.values["obligor"], p.values["beneficiary"]) for p in by_type(extraction, "obligation")}
    assert absences == {("state/india", "state/japan")}
    assert ("state/united-states", "state/japan") in pledges


def test_an_extractor_that_breaks_the_contract_is_a_bug():
    bad = Extraction([Proposal("arrangement", "agreement/x", 0, 5, "not the text", 0.5, "rule")])
    assert check_extraction("Japan and X", bad)


# ------------------------------------------------------------------------------------------------ drafts


@pytest.fixture(scope="module")
def invented_text(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("texts")
    path = directory / "invented-new-zealand.txt"
    path.write_text(INVENTED, encoding="utf-8")
    return path


def propose_cli(text: Path, out: Path, *extra: str) -> int:
    return main(["propose", str(text), "--source-id", out.name, "--out", str(out), "--texts", str(text.parent),
                 *extra])


def test_draft_is_refused_until_accepted_then_builds_and_passes_every_check(invented_text, tmp_path, capsys):
    out = tmp_path / "invented-new-zealand"
    assert propose_cli(invented_text, out, "--published", "2024-03-14") == 0
    facts = (out / "facts.yaml").read_text()
    count = facts.count("status: proposed")
    assert count == len(re.findall(r"^- id: ", facts, re.MULTILINE)) > 5
    settings = make_settings(tmp_path / "build", extra_sources=[out])
    settings.text_path = [invented_text.parent, *settings.text_path]
    from kg.build import build

    with pytest.raises(InputError, match=rf"{count} of {count} facts are proposals not yet accepted"):
        build(settings)
    first = re.search(r"^- id: (\S+)", facts, re.MULTILINE).group(1)
    accepted, remaining = accept(out, [first])
    assert accepted == [first] and remaining == count - 1
    with pytest.raises(InputError, match=rf"{count - 1} of {count} facts are proposals"):
        build(settings)
    accepted, remaining = accept(out, [], accept_all=True)
    assert remaining == 0 and len(accepted) == count - 1
    result = build(settings)  # SHACL, the quality checks and the consistency rules all pass
    assert result.info["sources"]["invented-new-zealand"]["quotes"] == "verified against the text"


def test_accept_names_an_unknown_fact_and_a_second_draft_is_not_overwritten(invented_text, tmp_path, capsys):
    out = tmp_path / "invented-new-zealand"
    assert propose_cli(invented_text, out, "--published", "2024-03-14") == 0
    with pytest.raises(InputError, match="no fact 'nonsense'"):
        accept(out, ["nonsense"])
    assert propose_cli(invented_text, out, "--published", "2024-03-14") == 2
    assert "pass --force" in capsys.readouterr().err
    assert propose_cli(invented_text, out, "--published", "2024-03-14", "--force") == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--published", "14 March"], "--published takes a day"),
    (["--published", "2024-03-14..2024-03-01"], "the earlier first"),
    (["--publisher", "org/nobody"], "not an entity of the registry"),
])
def test_bad_input_is_a_clear_error(invented_text, tmp_path, capsys, args, message):
    assert propose_cli(invented_text, tmp_path / "invented-new-zealand", *args) == 2
    assert message in capsys.readouterr().err


def test_propose_without_a_source_id_says_so(invented_text, capsys):
    assert main(["propose", str(invented_text)]) == 2
    assert "needs --source-id" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ evaluation


@pytest.mark.parametrize(("a", "b", "same"), [
    ((date(2023, 1, 11), date(2023, 1, 11)), (date(2023, 1, 11), date(2023, 1, 11)), True),
    ((date(2023, 1, 2), date(2023, 1, 15)), (date(2023, 1, 9), date(2023, 1, 13)), True),  # a window's "last week"
    ((date(2023, 1, 1), date(2023, 12, 31)), (date(2023, 1, 11), date(2023, 1, 11)), False),  # a year is not a day
    ((date(2023, 1, 12), date(2023, 1, 12)), (date(2023, 1, 11), date(2023, 1, 12)), True),
    ((date(2023, 1, 13), date(2023, 1, 13)), (date(2023, 1, 11), date(2023, 1, 11)), False),
])
def test_the_date_matching_rule(a, b, same):
    assert _dates_match(a, b) is same and _dates_match(b, a) is same


def test_scores_count_both_sides():
    score = Score(3, 4, 3, 6)
    assert (score.precision, score.recall) == (0.75, 0.5)
    assert Score().precision is None


def test_the_kept_aside_texts_are_recorded_in_the_docs_and_are_curated_sources():
    docs = (ROOT / "docs" / "propose.md").read_text()
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", docs.split("## Texts kept aside")[1].split("\n## ")[0], re.MULTILINE)
    assert tuple(listed) == KEPT_ASIDE
    for source_id in KEPT_ASIDE:
        assert (ROOT / "data" / "sources" / source_id / "facts.yaml").is_file()


def test_every_curated_text_is_scored(require_texts):
    from kg.propose.evaluate import report_json, table
    from kg.propose.run import curated_directories, evaluate_sources

    settings = Settings(root=ROOT, text_path=[*require_texts, FIXTURE_TEXTS])
    directories = curated_directories(settings, ROOT / "tests" / "fixtures" / "valid")
    evaluations = evaluate_sources(settings, directories)
    assert {e.source_id for e in evaluations} >= {*KEPT_ASIDE, "bloomberg-2023-01-japan-looks-beyond-us-alliance",
                                                  "second-source"}
    rendered = table(evaluations)
    for source_id in KEPT_ASIDE:
        assert f"* {source_id}" in rendered
    assert '"kept_aside": true' in report_json(evaluations)
    # the target, on every kept-aside text pooled: a rule change that costs it fails here
    from kg.propose.evaluate import pooled

    aside = pooled([e for e in evaluations if e.kept_aside], "kept-aside", True)
    assert aside.target_met(), (aside.target.precision, aside.target.recall)
    article = next(e for e in evaluations if e.source_id.startswith("bloomberg"))
    # the article is the text the rules were written from: every target slot is found in it
    assert article.target.precision is not None and article.target.recall is not None
    assert article.target.matched_curated > 0


def test_the_speed_benchmark_runs(require_texts):
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "benchmarks/propose_timing.py", "--runs", "1"], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "kg propose on the article (cold)" in completed.stdout and "texts a minute" in completed.stdout


def test_of_two_known_arrangements_between_the_parties_the_one_not_superseded_is_meant():
    from kg.propose.registry import Known, Registry

    def alliance(entity_id: str, **values: list[str]) -> Known:
        return Known(entity_id, types={"TreatyAlliance"}, values={"party": ["state/japan", "state/united-states"],
                                                                   **values})

    parties = {"state/japan", "state/united-states"}
    both = Registry({"agreement/old": alliance("agreement/old", supersededBy=["agreement/new"]),
                     "agreement/new": alliance("agreement/new")})
    assert both.arrangement("TreatyAlliance", parties) == "agreement/new"
    # two that neither supersedes: no guess
    unrelated = Registry({"agreement/a": alliance("agreement/a"), "agreement/b": alliance("agreement/b")})
    assert unrelated.arrangement("TreatyAlliance", parties) is None


def test_kg_propose_reads_the_text_sources_and_the_gazetteer_tables_only():
    from kg.propose.run import _text_and_gazetteer_sources

    sources = set(_text_and_gazetteer_sources(ROOT / "data"))
    assert {"bloomberg-2023-01-japan-looks-beyond-us-alliance", "cow-states-2016", "reference-notes"} <= sources
    assert not sources & {"atop-5-1-members", "atop-5-1-alliances", "dcad-1-0"}


def test_misses_are_listed_for_the_texts_open_to_rule_writing_and_never_for_a_kept_aside_one(require_texts, capsys):
    args = ["propose", "--evaluate", "all", "--misses", "--texts", ":".join(map(str, require_texts))]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "bloomberg-2023-01-japan-looks-beyond-us-alliance:" in out
    assert f"({len(KEPT_ASIDE)} kept-aside text(s) not shown" in out
    for source_id in KEPT_ASIDE:
        assert source_id not in out
    # each listed miss is a part of the target, proposed (+) or curated (-)
    for line in out.splitlines():
        if line.startswith("  ") and not line.strip().startswith("("):
            assert re.match(r"  [+-] (arrangement|event|party|date): \S", line), line


def test_a_known_arrangement_name_in_a_sentence_about_other_states_is_not_that_arrangement():
    # "2+2" names the Japan-US Security Consultative Committee in the registry; here it is Japan and Germany's
    text = ("Japan and Germany hold first 2+2\n\nWritten in Tokyo on 14 March 2024 for the tests of japan-security-kg; "
            "invented, not real reporting.\n\nThe first Japan-Germany “2+2” was held in Tokyo on Monday.\n")
    arrangements = {p.subject: p for p in by_type(extract(text), "arrangement")}
    assert "agreement/japan-us-2plus2" not in arrangements
    talks = [p for p in arrangements.values() if p.types == ["SecurityTalks"]]
    assert [t.values["party"] for t in talks] == [["state/japan", "state/germany"]]
