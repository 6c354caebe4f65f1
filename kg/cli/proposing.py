"""kg propose, kg review, kg accept: drafts of a new text's facts, reviewed and accepted by a curator."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kg.cli.common import Command, err, settings_of
from kg.errors import EXIT_OK, InputError


def propose_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", metavar="TEXT",
                   help="the text to propose facts from (UTF-8; a path, or a path on the text search path such as "
                   "corpus/some-page.txt), or a directory of *.txt texts")
    p.add_argument("--source-id", help="the draft source's id (lower-case words joined by hyphens); "
                   "a directory's texts take their file names")
    p.add_argument("--published", metavar="DATE",
                   help="publication date YYYY-MM-DD, or a window EARLIEST..LATEST (default: the text's own date "
                   "line, if it has one); relative dates are resolved against it")
    p.add_argument("--out", metavar="DIR", help="the draft source directory (default: drafts/<source-id>); for a "
                   "directory of texts, the directory the drafts go in")
    p.add_argument("--kind", default="news-article", choices=["news-article", "official-document", "reference"],
                   help="what kind of source the text is (source.yaml)")
    p.add_argument("--publisher", metavar="ENTITY", help="the publisher's entity id "
                   "(e.g. org/ministry-of-foreign-affairs-of-japan): the "
                   "author of what the text says in its own voice")
    p.add_argument("--title", help="the text's title (default: its first line)")
    p.add_argument("--force", action="store_true", help="replace a draft already in --out")
    p.add_argument("--html", action="store_true", help="also write the review page (review.html) into the draft")
    p.add_argument("--evaluate", nargs="+", metavar="CURATED_DIR",
                   help="score the proposals for curated sources' texts against their curated facts instead; "
                   "'all' takes every curated text (data/ and tests/fixtures/valid/)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="--evaluate's output")
    p.add_argument("--misses", action="store_true",
                   help="with --evaluate: list what the proposals got wrong in the target parts (proposed and not "
                   "curated, curated and not proposed), for the texts rules may be written from; kept-aside texts "
                   "are never shown")


def run_propose(args: argparse.Namespace) -> int:
    """kg propose."""
    settings = settings_of(args)
    if args.evaluate:
        return _evaluate(args, settings)
    if not args.text:
        raise InputError("kg propose takes a TEXT (or a directory of texts), or --evaluate CURATED_DIR")
    from kg.propose.review import write_review
    from kg.propose.run import propose_directory, propose_text

    started = time.perf_counter()
    text = Path(args.text)
    if text.is_dir():
        out_root = Path(args.out) if args.out else settings.root / "drafts"
        drafted = propose_directory(settings, text, out_root, args.published, args.force)
    else:
        if not args.source_id:
            raise InputError("kg propose TEXT needs --source-id ID (the draft source's id)")
        drafted = [propose_text(settings, text, args.source_id, Path(args.out) if args.out else None, args.published,
                                args.kind, args.publisher, args.title, args.force)]
    for draft in drafted:
        if args.html:
            write_review(draft.directory, text_path=settings.text_path or [])
        counts: dict[str, int] = {}
        for p in draft.extraction.proposals:
            counts[p.fact_type] = counts.get(p.fact_type, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        print(f"{draft.directory}: {len(draft.extraction.proposals)} facts proposed ({summary or 'none'})")
        if not draft.text_found_on_path:
            err("kg propose: the text is not under a directory of the text search path; kg build will need "
                "--texts DIR (its directory) to verify the quotes")
    elapsed = time.perf_counter() - started
    print(f"{len(drafted)} draft(s) in {elapsed:.2f} s; review with 'kg review DIR', accept with "
          "'kg accept DIR FACT_ID... | --all', then 'kg build --add-source DIR'")
    return EXIT_OK


def _evaluate(args: argparse.Namespace, settings) -> int:
    from kg.propose.evaluate import misses_report, report_json, table
    from kg.propose.run import curated_directories, evaluate_sources

    if args.evaluate == ["all"]:
        directories = curated_directories(settings, settings.root / "tests" / "fixtures" / "valid")
        fixture_texts = settings.root / "tests" / "fixtures" / "texts"
        if fixture_texts not in (settings.text_path or []):
            settings.text_path = [*(settings.text_path or []), fixture_texts]
    else:
        directories = [Path(d) for d in args.evaluate]
    evaluations = evaluate_sources(settings, directories)
    if args.misses:
        shown = [e for e in evaluations if not e.kept_aside]
        print(misses_report(shown))
        if len(shown) < len(evaluations):
            print(f"({len(evaluations) - len(shown)} kept-aside text(s) not shown: no rule may be written from them; "
                  "docs/propose.md)")
        return EXIT_OK
    print(report_json(evaluations) if args.format == "json" else table(evaluations), end="" if args.format == "json"
          else "\n")
    return EXIT_OK


def review_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("draft", metavar="DIR", help="a draft source directory written by kg propose")
    p.add_argument("--out", metavar="FILE", help="where to write the page (default: DIR/review.html)")


def run_review(args: argparse.Namespace) -> int:
    """kg review."""
    from kg.propose.review import write_review

    settings = settings_of(args)
    path = write_review(Path(args.draft), Path(args.out) if args.out else None, settings.text_path or [])
    print(f"wrote {path}")
    return EXIT_OK


def accept_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("draft", metavar="DIR", help="a draft source directory written by kg propose")
    p.add_argument("facts", nargs="*", metavar="FACT_ID", help="the facts to accept")
    p.add_argument("--all", action="store_true", help="accept every fact still proposed")


def run_accept(args: argparse.Namespace) -> int:
    """kg accept."""
    from kg.propose.draft import accept

    if not args.facts and not args.all:
        raise InputError("kg accept DIR takes the FACT_IDs to accept, or --all")
    accepted, remaining = accept(Path(args.draft), args.facts, args.all)
    print(f"accepted {len(accepted)} fact(s); {remaining} still proposed")
    return EXIT_OK


PROPOSE = Command("propose", "draft the facts of a new text, each with its quote, for a curator to accept",
                  run_propose, propose_arguments, data=True, build=False, extra="propose")
REVIEW = Command("review", "write the review page of a draft (the text, each proposal highlighted beside it)",
                 run_review, review_arguments, data=True, build=False, extra="propose")
ACCEPT = Command("accept", "accept facts of a draft (kg build refuses facts still proposed)", run_accept,
                 accept_arguments, build=False)
COMMANDS = (PROPOSE, REVIEW, ACCEPT)
