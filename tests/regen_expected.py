"""Rewrite the expected answers of stored queries from the current build, for review with git diff.

    .venv/bin/python -m tests.regen_expected                    # every corpus, every existing case
    .venv/bin/python -m tests.regen_expected article later-signing
    .venv/bin/python -m tests.regen_expected --add later-signing status-as-of asOf=2025-07-18 --case signed

Each corpus of tests/corpora.py is built into a temporary directory; every case file of the corpus is
re-run with its own parameters; the article corpus gets a default case for any stored query that has
none. New cases are added with ``--add CORPUS QUERY NAME=VALUE... --case NAME``. Nothing here decides
what is right: read the diff against the sources before committing it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from kg.build import build
from kg.query.store import open_oxigraph

from .conftest import make_settings, rows_of, run_query
from .corpora import CORPORA
from .expected_rows import QUERIES, all_cases, bindings_of, case_path, pinned_parameters


def write_case(path: Path, corpus: str, query_name: str, parameters: dict[str, str], store) -> None:
    query = QUERIES[query_name]
    results = run_query(store, query.text, bindings_of(query, parameters))
    document = {"query": query_name, "corpus": corpus, "parameters": parameters,
                "variables": results.variables, "rows": [list(r) for r in rows_of(results)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path} "
          f"({len(results.rows)} rows)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", help="corpora to rewrite (default: all)")
    parser.add_argument("--add", nargs="+", metavar=("CORPUS QUERY", "NAME=VALUE"),
                        help="add a case: corpus, query and parameters")
    parser.add_argument("--case", default="", help="the added case's name (file <query>@<name>.json)")
    args = parser.parse_args(argv)
    wanted = [args.add[0]] if args.add else (args.corpora or sorted(CORPORA))
    with tempfile.TemporaryDirectory() as tmp:
        for corpus_name in wanted:
            corpus = CORPORA[corpus_name]
            settings = make_settings(Path(tmp) / corpus_name, corpus.fixture_dirs, only_sources=list(corpus.sources))
            build(settings, infer=corpus.infer)
            store = open_oxigraph(settings.dataset_file)
            if args.add:
                query_name = args.add[1]
                given = dict(pair.split("=", 1) for pair in args.add[2:])
                write_case(case_path(corpus_name, query_name, args.case), corpus_name, query_name,
                           pinned_parameters(QUERIES[query_name], given), store)
                continue
            cases = [c for c in all_cases() if c.corpus == corpus_name]
            for case in cases:
                write_case(case.path, corpus_name, case.query,
                           pinned_parameters(QUERIES[case.query], case.load().get("parameters")), store)
            if corpus_name == "article":
                have = {c.query for c in cases}
                for query_name in sorted(set(QUERIES) - have):
                    if QUERIES[query_name].federated:
                        continue
                    write_case(case_path("article", query_name), "article", query_name,
                               pinned_parameters(QUERIES[query_name]), store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
