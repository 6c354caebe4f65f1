"""kg build, kg ground, kg coverage: the pipeline and the curator's checks of the sources."""

from __future__ import annotations

import argparse
import time

from kg.cli.common import Command, err, settings_of
from kg.errors import EXIT_CHECK_FAILED, EXIT_OK


def build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-validate", action="store_true", help="skip SHACL and the quality checks")
    p.add_argument("--infer", action="store_true",
                   help="add the OWL 2 RL entailments (subclass, inverse, property chains) as graph/inferred")
    p.add_argument("--allow-contradictions", action="store_true",
                   help="write a graph that contradicts itself (listed as a warning), e.g. for kg reason to explain")


def run_build(args: argparse.Namespace) -> int:
    """kg build."""
    from kg.build import build

    started = time.perf_counter()
    result = build(settings_of(args), validate=not args.no_validate, infer=args.infer,
                   allow_contradictions=args.allow_contradictions)
    elapsed = time.perf_counter() - started
    info = result.info
    print(f"built {info['quads']} quads from {len(info['sources'])} sources in {elapsed:.2f} s")
    for source_id, s in info["sources"].items():
        evidence = "rows" if s["quotes"].startswith("rows") else "facts"
        print(f"  {source_id}: {s['facts']} {evidence}, {s['asserted_triples']} asserted triples; "
              + (s["quotes"] if evidence == "rows" else f"quotes {s['quotes']}"))
    _report_skipped(info.get("skipped_sources", {}))
    missing = [s for s, details in info["sources"].items() if details["quotes"].startswith("recorded")]
    if missing:
        settings = settings_of(args)
        err(f"kg build: the texts of {len(missing)} source(s) were not found, so their quotes were not re-verified: "
            f"{', '.join(missing)} (searched {', '.join(map(str, settings.text_path or []))}; add directories "
            "with --texts or KG_TEXTS)")
    if info.get("contradictions"):
        err("kg build: warning: the graph contradicts itself (written because of --allow-contradictions)\n"
            + info["contradictions"])
    if info.get("wikidata_snapshot"):
        print(f"  wikidata snapshot: {info['wikidata_snapshot']}")
    if args.infer:
        print(f"OWL 2 RL: {info['inferred_triples']} inferred triples in graph/inferred")
    print("checks: " + ("skipped (--no-validate)" if args.no_validate else "SHACL and quality checks passed"))
    for path in result.outputs:
        print(f"wrote {path}")
    return EXIT_OK


def ground_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="source ids (default: all)")


def run_ground(args: argparse.Namespace) -> int:
    """kg ground."""
    from kg.sources.corpus import record_anchors

    for path in record_anchors(settings_of(args), args.sources or None):
        print(f"wrote {path}")
    return EXIT_OK


def coverage_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="source ids (default: every source that is not a reference file)")


def run_coverage(args: argparse.Namespace) -> int:
    """kg coverage."""
    from kg.sources.corpus import coverage_reports

    failed = False
    for source_id, report in coverage_reports(settings_of(args), args.sources or None):
        if report is None:
            err(f"{source_id}: text not available; coverage needs it")
            failed = True
            continue
        print(f"{source_id}: {report.covered}/{report.total} sentences covered by facts "
              f"({report.excluded} lines excluded as headings or boilerplate)")
        for sentence in report.uncovered:
            print(f"  not covered [{sentence.start}:{sentence.end}]: {sentence.text}")
        failed = failed or bool(report.uncovered)
    return EXIT_CHECK_FAILED if failed else EXIT_OK


COMMANDS = (
    Command("build", "build the graph into build/ (checked; atomic)", run_build, build_arguments, data=True),
    Command("ground", "locate every quote in its source text and record anchors.json", run_ground,
            ground_arguments, data=True, build=False),
    Command("coverage", "report the sentences of each source that no fact quotes", run_coverage,
            coverage_arguments, data=True, build=False),
)


def _report_skipped(skipped: dict[str, str]) -> None:
    """Sources the build left out, on stderr: the tables not found in one line (without the machine's paths,
    which build-info.json keeps), any other reason one line each."""
    tables = []
    for source_id, why in skipped.items():
        if why.startswith("its table ") and " is not on the search path" in why:
            tables.append(f"{source_id} ({why.removeprefix('its table ').split(' is not on', 1)[0]})")
        else:
            err(f"kg build: skipped {source_id}: {why}")
    if tables:
        err(f"kg build: skipped {len(tables)} source(s) whose tables are not on the search path: {', '.join(tables)}. "
            "Published datasets are never committed here: put ../shared/datasets beside the project or add their "
            "directory with --texts or KG_TEXTS (build-info.json records the path searched)")
