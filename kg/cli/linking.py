"""kg link, kg wikidata refresh|seed: the links to Wikidata and the snapshot of what they name."""

from __future__ import annotations

import argparse
from pathlib import Path

from kg.cli.common import Command, err, settings_of
from kg.cli.output import print_plain_table
from kg.errors import EXIT_CHECK_FAILED, EXIT_OK


def link_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report", action="store_true",
                   help="list every entity with its link, or the reason it has none")
    p.add_argument("--format", choices=("table", "json", "tsv"), default="table", help="format of --report")


def run_link(args: argparse.Namespace) -> int:
    """kg link [--report]."""
    from kg.linking.report import link_report, read_reference, reference_path, report_rows
    from kg.sources.corpus import load_checked_corpus

    settings = settings_of(args)
    corpus = load_checked_corpus(settings)
    reference = reference_path(corpus, settings.text_path or [])
    report = link_report(corpus, read_reference(reference), reference)
    if args.report:
        columns, rows = report_rows(report)
        print_plain_table(args.format, columns, rows)
    if args.format == "table" or not args.report:
        print(report.summary())
    elif report.problems:
        err("\n".join(f"problem: {p}" for p in report.problems))
    return EXIT_CHECK_FAILED if report.problems else EXIT_OK


def refresh_arguments(p: argparse.ArgumentParser) -> None:
    from kg.vocab import WIKIDATA_QUERY_SERVICE

    p.add_argument("--endpoint", default=WIKIDATA_QUERY_SERVICE, help="SPARQL endpoint (default: %(default)s)")
    p.add_argument("--contact", help="your e-mail or URL, sent in the User-Agent (required by the Wikidata "
                   "Query Service; default: $KG_WIKIDATA_CONTACT)")
    p.add_argument("--languages", default="en,ja", help="label languages, comma-separated (default: %(default)s)")
    p.add_argument("--timeout", type=int, default=60, help="seconds without data before a request fails "
                   "(default: %(default)s)")
    p.add_argument("--retries", type=int, default=3, help="retries after a 429 or 503 (default: %(default)s)")
    p.add_argument("--max-wait", type=float, default=120.0, help="longest Retry-After honoured, in seconds "
                   "(default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=50, help="items per VALUES batch (default: %(default)s)")
    p.add_argument("--cache", metavar="DIR", help="cache of checked answers (default: BUILD/wikidata-cache)")
    p.add_argument("--cache-max-age", type=float, default=86400.0, help="reuse cached answers younger than this "
                   "many seconds (default: %(default)s; 0: always ask)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on standard error (default: when it is a terminal)")


def run_refresh(args: argparse.Namespace) -> int:
    """kg wikidata refresh."""
    from kg.linking.wikidata import RefreshOptions, default_contact, refresh

    settings = settings_of(args)
    assert settings.build_dir is not None
    languages = tuple(lang.strip() for lang in args.languages.split(",") if lang.strip())
    options = RefreshOptions(
        endpoint=args.endpoint, contact=args.contact or default_contact(), languages=languages,
        timeout=args.timeout, retries=args.retries, max_wait=args.max_wait, batch_size=args.batch_size,
        cache_dir=None if args.no_cache else Path(args.cache) if args.cache else settings.build_dir / "wikidata-cache",
        cache_max_age=args.cache_max_age, progress=args.progress)
    result = refresh(settings, options)
    print(f"refreshed the Wikidata snapshot from {options.endpoint}: {result.triples} triples about "
          f"{result.items} linked items and what they name, {result.queries} queries ({result.from_cache} from "
          f"the cache, {result.retries} retries) in {result.seconds:.2f} s")
    for path in result.files:
        print(f"wrote {path}")
    if result.unlabelled:
        err(f"kg wikidata: warning: no label in {', '.join(options.languages)} for {len(result.unlabelled)} item(s): "
            + ", ".join(i.rsplit("/", 1)[-1] for i in result.unlabelled))
    return EXIT_OK


def run_seed(args: argparse.Namespace) -> int:
    """kg wikidata seed."""
    from kg.linking.wikidata import seed

    files, labels = seed(settings_of(args))
    print(f"wrote the offline Wikidata seed: English labels of {labels} linked items, from the reference")
    for path in files:
        print(f"wrote {path}")
    return EXIT_OK


COMMANDS = (
    Command("link", "check the Wikidata links; --report lists every entity's link or why it has none", run_link,
            link_arguments, data=True, build=False),
    Command("wikidata", "make the Wikidata snapshot (data/wikidata/): refresh it live, or seed it", actions=(
        Command("refresh", "fetch the snapshot live from a SPARQL endpoint (atomic: a failure leaves the old "
                "snapshot)", run_refresh, refresh_arguments, data=True, extra="wikidata"),
        Command("seed", "write the offline snapshot from the reference (English labels only)", run_seed,
                data=True, build=False),
    )),
)
