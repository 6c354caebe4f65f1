"""Fixture corpora: named selections of sources, each built once per session, each with its own
expected query answers (tests/expected/<corpus>/).

A test's expected rows belong to the sources it covers: adding a source to data/ changes no corpus
here (each lists its sources), so it breaks only the tests of a corpus it is added to, and the
tests over the whole data, which check properties or compute what they check (docs/testing.md).

    .venv/bin/python -m tests.regen_expected [CORPUS ...]

rewrites the expected rows of the corpora from the current build, for review with ``git diff``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXPECTED = ROOT / "tests" / "expected"
ARTICLE = "bloomberg-2023-01-japan-looks-beyond-us-alliance"
REFERENCES = ["reference-memberships", "reference-notes", "reference-tour-2023-01", "reference-wikidata-ids"]


@dataclass(frozen=True)
class FixtureCorpus:
    """Sources of data/ (by id) and fixture source directories, built together."""

    name: str
    sources: tuple[str, ...]
    fixtures: tuple[str, ...] = ()
    description: str = ""
    infer: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def fixture_dirs(self) -> list[Path]:
        return [FIXTURES / "valid" / f for f in self.fixtures]

    @property
    def expected_dir(self) -> Path:
        return EXPECTED / self.name


ARTICLE_CORPUS = (ARTICLE, *REFERENCES)
ARTICLE_SOURCE_ARGS = tuple(arg for source in ARTICLE_CORPUS for arg in ("--source", source))  # kg build's
UK_RAA_TEXTS = ("mofa-2021-09-28-japan-uk-raa-negotiations-commence",
                "govuk-2022-05-05-pm-meeting-kishida-raa-in-principle",
                "no10-2023-01-12-pm-meeting-kishida-raa-signed-wiredgov",
                "mofa-2023-04-17-japan-uk-foreign-ministers-meeting",
                "mofa-2023-09-15-japan-uk-raa-exchange-of-notes",
                "govuk-undated-uk-japan-treaties-defence-secretary-visits-tokyo")
GCAP_TEXTS = ("mofa-2022-12-09-gcap-joint-leaders-statement-notice",
              "mod-2023-12-14-gcap-trilateral-defence-ministerial-joint-statement")

CORPORA: dict[str, FixtureCorpus] = {c.name: c for c in (
    FixtureCorpus("article", ARTICLE_CORPUS,
                  description="the first article and the four reference tables"),
    FixtureCorpus("second-source", ARTICLE_CORPUS, ("second-source",),
                  description="the article and an invented second article (Japan–Germany)"),
    FixtureCorpus("later-signing", ARTICLE_CORPUS, ("later-signing",),
                  description="the article and an invented later source: the Canada agreement negotiated, then signed"),
    FixtureCorpus("disagreeing", ARTICLE_CORPUS, ("disagreeing-source",),
                  description="the article and an invented source that contradicts it and the references"),
    FixtureCorpus("official-texts", (*ARTICLE_CORPUS, *UK_RAA_TEXTS, *GCAP_TEXTS),
                  description="the article, the references and the official texts on the Japan–UK Reciprocal "
                              "Access Agreement and GCAP (../shared/sources/corpus)"),
    FixtureCorpus("table-source", ARTICLE_CORPUS, ("table-source",),
                  description="the article and an invented table of pacts read through a mapping "
                              "(tests/fixtures/valid/table-source: ATOP's member rows in miniature)"),
    FixtureCorpus("scoped-absence", ARTICLE_CORPUS, ("scoped-absence",),
                  description="the article and a stated absence scoped to the Japan–UK access agreement"),
)}
