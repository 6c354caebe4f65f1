"""Expected answers of stored queries, per fixture corpus: tests/expected/<corpus>/<query>[@case].json.

Each file holds the query's name, the corpus, the parameters it is run with (dates explicit: a
default of "today" is pinned to :data:`TODAY` so that answers do not move with the calendar), the
result's variables and its rows as readable cell texts. The rows were reviewed by hand against the
sources when written; ``python -m tests.regen_expected`` rewrites them from the current build, for
review with ``git diff``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kg.query.catalogue import StoredQuery, bind, catalogue

from .corpora import CORPORA, EXPECTED, ROOT

TODAY = "2026-11-26"  # what "today" means in the expected answers (the day they were first written)
QUERIES = catalogue(ROOT / "queries")


@dataclass(frozen=True)
class Case:
    """One expected answer: a query run on a corpus with given parameters."""

    corpus: str
    query: str
    name: str  # "" for the query's defaults
    path: Path

    @property
    def id(self) -> str:
        return f"{self.corpus}/{self.query}" + (f"@{self.name}" if self.name else "")

    def load(self) -> dict:
        return json.loads(self.path.read_text(encoding="utf-8"))


def case_path(corpus: str, query: str, name: str = "") -> Path:
    return EXPECTED / corpus / (f"{query}@{name}.json" if name else f"{query}.json")


def all_cases() -> list[Case]:
    """Every expected answer on disk, for every corpus."""
    cases = []
    for corpus in sorted(CORPORA):
        for path in sorted((EXPECTED / corpus).glob("*.json")):
            query, _, name = path.stem.partition("@")
            cases.append(Case(corpus, query, name, path))
    return cases


def pinned_parameters(query: StoredQuery, given: dict[str, str] | None = None) -> dict[str, str]:
    """The query's parameters with its defaults filled in and "today" pinned to :data:`TODAY`."""
    values = {p.name: p.default for p in query.params if p.default is not None}
    values.update(given or {})
    return {k: (TODAY if v == "today" else v) for k, v in sorted(values.items())}


def bindings_of(query: StoredQuery, parameters: dict[str, str]) -> dict:
    return bind(query, parameters)
