"""Bad input: one fixture per case under tests/fixtures/invalid/<reason>/; each fails with exit 2,
names the file, the fact (where there is one) and the problem, and leaves the previous build untouched.

The cases after the first nine are the hostile-input catalogue of issue 12: each once ended in a
traceback, a runaway process, or a build that accepted wrong data without a word."""

from __future__ import annotations

import hashlib

import pytest

from .conftest import FIXTURE_TEXTS, FIXTURES, shared_text_path

INVALID = FIXTURES / "invalid"

# reason -> (file the message must name, fact it must name (None: no fact), words that say what is wrong)
CASES: dict[str, tuple[str, str | None, str]] = {
    "malformed-yaml": ("malformed-yaml/facts.yaml:", "deeper-ties", "malformed YAML"),
    "unknown-entity": ("unknown-entity/facts.yaml:9", "deeper-ties",
                       "unknown entity 'state/canadaa' in party: not in the registry and not introduced "
                       "by any fact; did you mean 'state/canada'?"),
    "unknown-fact-type": ("unknown-fact-type/facts.yaml:6", "deeper-ties",
                          "unknown class (fact type) 'SecurityTalk'; did you mean 'SecurityTalks'?"),
    "unknown-property": ("unknown-property/facts.yaml:9", "deeper-ties",
                         "unknown property 'parties'; did you mean 'party'?"),
    "quote-not-in-text": ("quote-not-in-text/facts.yaml:3", "deeper-ties",
                          "quote not found in"),
    "duplicate-fact-id": ("duplicate-fact-id/facts.yaml:11", "deeper-ties",
                          "duplicate fact id (first defined at line 3)"),
    "date-outside-window": ("date-outside-window/facts.yaml:11", "deeper-ties",
                            "date 2024-05-07 is outside the source's window: it was published by 2023-02-10"),
    "missing-required-field": ("missing-required-field/facts.yaml:3", "deeper-ties",
                               "'quote' is required but missing"),
    "deprecated-term": ("deprecated-term/facts.yaml:10", "deeper-ties",
                        "'lifecycleStatus' is deprecated; use 'observedStatus' instead (docs/time-model.md: a status "
                        "or a date is recorded as a lifecycle event or a status observation, each with its own time)"),
    "link-not-an-iri": ("link-not-an-iri/facts.yaml:9", "deeper-ties",
                        "owl:sameAs takes the IRI of something outside this graph (a CURIE such as wd:Q17 or "
                        "an absolute IRI), not 'Q17'"),
    # issue 12: once a traceback
    "nested-aliases": ("nested-aliases/facts.yaml:5", None, "its aliases expand it to more than"),
    "deep-nesting": ("deep-nesting/facts.yaml:9", None, "nested more than 32 levels deep"),
    "complex-yaml-key": ("complex-yaml-key/facts.yaml:9", "deeper-ties", "a key must be plain text, not 'a sequence'"),
    "year-as-a-list": ("year-as-a-list/facts.yaml:11", "deeper-ties", "year must be a four-digit year (e.g. 2022), "
                       "not [2023]"),
    "facts-yaml-is-a-directory": ("facts-yaml-is-a-directory/facts.yaml:", None, "is a directory, not a YAML file"),
    "add-source-is-a-file": ("invalid/add-source-is-a-file:", None, "--add-source takes a source directory"),
    "latin-1-text": ("texts/latin1-fixture.txt:", None, "the source text is not UTF-8 (invalid continuation byte at "
                     "byte 62)"),
    "iri-with-angle-bracket": ("iri-with-angle-bracket/facts.yaml:10", "deeper-ties",
                               "owl:sameAs: 'http://example.org/a>b' is not a valid IRI"),
    "iri-with-double-quote": ("iri-with-double-quote/facts.yaml:10", "deeper-ties",
                              "owl:sameAs: 'http://example.org/a\"b' is not a valid IRI"),
    "invalid-language-tag": ("invalid-language-tag/facts.yaml:10", "deeper-ties",
                             "skos:altLabel: lang 'en us' is not a language tag"),
    "source-language-not-a-tag": ("source-language-not-a-tag/source.yaml:10", None,
                                  "language 'english (UK)' is not a language tag"),
    "invalid-coverage-pattern": ("invalid-coverage-pattern/source.yaml:11", None,
                                 "coverage.exclude: '^(Advertisement' is not a valid regular expression"),
    # issue 12: text.file reached outside the text search path
    "text-file-absolute-path": ("text-file-absolute-path/source.yaml:5", None,
                                "text.file '/etc/hostname' is an absolute path"),
    "text-file-outside-search-path": ("text-file-outside-search-path/source.yaml:5", None,
                                      "text.file '../../../README.md' reaches outside the text search path"),
    # issue 12: once accepted silently, with wrong data
    "ill-typed-literal": ("ill-typed-literal/facts.yaml:9", "deeper-ties",
                          "seriesPosition takes a whole number of at least 1, not 'first'"),
    "entity-declared-twice": ("entity-declared-twice/facts.yaml:3", "state/canada",
                              "entity 'state/canada' is already declared at"),
    "near-duplicate-entity": ("near-duplicate-entity/facts.yaml:3", "deeper-ties",
                              "'a:' introduces a new entity 'state/canadaa', one character away from the known "
                              "'state/canada'"),
    "quote-spans-paragraphs": ("quote-spans-paragraphs/facts.yaml:3", "deeper-ties",
                               "the quote spans a paragraph break"),
    "week-date": ("week-date/facts.yaml:11", "deeper-ties",
                  "date must be a calendar date written YYYY-MM-DD (e.g. \"2023-01-13\"), not '2023-W05-2'"),
    "basic-format-date": ("basic-format-date/facts.yaml:11", "deeper-ties",
                          "date must be a calendar date written YYYY-MM-DD (e.g. \"2023-01-13\"), not '20230207'"),
    "empty-language-tag": ("empty-language-tag/facts.yaml:10", "deeper-ties",
                           "skos:altLabel: lang '' is not a language tag"),
    "mapping-for-a-string": ("mapping-for-a-string/facts.yaml:10", "deeper-ties",
                             "factId takes a single xsd:string value, not {'text': 'deeper-ties'"),
    "anchor-length-mismatch": ("anchor-length-mismatch/anchors.json:", None,
                               "the anchor of fact 'deeper-ties' is inconsistent: end - start = 20, but the quoted "
                               "text has 57 characters"),
}


def test_every_invalid_fixture_has_a_case():
    """Input errors here; the contradiction-* fixtures parse but contradict (tests/test_reasoning.py)."""
    inputs = [p.name for p in INVALID.iterdir() if not p.name.startswith("contradiction-")]
    assert sorted(inputs) == sorted(CASES)


@pytest.fixture(scope="module")
def previous_build(tmp_path_factory):
    """A good build, whose files must survive every failed build unchanged."""
    from kg.cli import main

    build_dir = tmp_path_factory.mktemp("previous")
    assert main(["build", "--build", str(build_dir)]) == 0
    return build_dir


def _digest(build_dir):
    """Every file of the build, the persistent store included."""
    return {p.relative_to(build_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(build_dir.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("reason", sorted(CASES))
def test_invalid_fixture_fails_with_exit_2_and_a_precise_message(reason, cli, previous_build):
    before = _digest(previous_build)
    texts = ":".join(str(p) for p in [*shared_text_path(), FIXTURE_TEXTS])
    code, _, err = cli("build", "--add-source", str(INVALID / reason), "--texts", texts,
                         "--build", str(previous_build))
    file_part, fact, problem = CASES[reason]
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert file_part in err
    if fact:
        assert f"[fact {fact}]" in err
    assert problem in err
    assert _digest(previous_build) == before, "a failed build must leave the previous build intact"


def test_quote_not_in_text_shows_the_closest_passage(cli, tmp_path):
    texts = ":".join(str(p) for p in [*shared_text_path(), FIXTURE_TEXTS])
    code, _, err = cli("build", "--add-source", str(INVALID / "quote-not-in-text"), "--texts", texts,
                       "--build", str(tmp_path))
    assert code == 2
    assert "closest passage: 'Japan and Canada agreed on Tuesday to deepen defence ties." in err
    assert not any(tmp_path.iterdir()), "nothing is written when a build fails"


def test_all_problems_are_reported_together(cli, tmp_path):
    """Several broken sources at once: every problem is listed in one run."""
    texts = ":".join(str(p) for p in [*shared_text_path(), FIXTURE_TEXTS])
    args = ["build", "--texts", texts, "--build", str(tmp_path)]
    for reason in ("unknown-entity", "unknown-property", "date-outside-window"):
        args += ["--add-source", str(INVALID / reason)]
    code, _, err = cli(*args)
    assert code == 2
    assert "unknown entity 'state/canadaa'" in err
    assert "unknown property 'parties'" in err
    assert "outside the source's window" in err


def test_the_fast_schema_check_never_accepts_what_jsonschema_rejects():
    """check_schema trusts fastjsonschema's 'valid'; it must agree with jsonschema on every data file."""
    import jsonschema

    from kg.sources.yamlio import _fast_validator, _schema, read_yaml

    from .conftest import ROOT

    files = [(ROOT / "data" / "entities.yaml", "entities")]
    for directory in [*(ROOT / "data" / "sources").iterdir(), *(FIXTURES / "valid").iterdir(),
                      *INVALID.iterdir()]:
        files += [(directory / "source.yaml", "source"), (directory / "facts.yaml", "facts")]
    checked = 0
    for path, name in files:
        try:
            document = read_yaml(path)
        except Exception:  # the malformed-YAML fixture
            continue
        reference_valid = not list(jsonschema.validators.validator_for(_schema(name))(_schema(name))
                                   .iter_errors(document))
        try:
            _fast_validator(name)(document)
            fast_valid = True
        except Exception:
            fast_valid = False
        assert fast_valid == reference_valid, path
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("items, deep", [(15, False), (16, True), (30, True)])
def test_the_depth_check_of_a_file_without_anchors_names_the_same_line_as_the_full_check(tmp_path, items, deep):
    """A data file without '&' has no anchor and so no alias: only its depth is checked (a third of the time
    of reading it). The full check, forced here by a first line holding '&', must say the same thing."""
    import re

    from kg.errors import InputError
    from kg.sources.yamlio import read_yaml

    lines = ["facts:"] + [" " * 2 * level + "- k:" for level in range(1, items)] + [" " * 2 * items + "- x"]
    outcomes = []
    for comment in ("", "# R&D\n"):
        path = tmp_path / f"nested{len(comment)}.yaml"
        path.write_text(comment + "\n".join(lines) + "\n", encoding="utf-8")
        try:
            read_yaml(path)
            outcomes.append(None)
        except InputError as exc:
            line = int(re.search(rf"{path.name}:(\d+)", str(exc)).group(1)) - comment.count("\n")
            outcomes.append((line, str(exc).split(": ", 1)[1]))
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] is not None) == deep
    if deep:
        assert "nested more than 32 levels deep" in outcomes[0][1]
