"""kg reason, kg validate: OWL DL reasoning, SHACL and the quality checks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.cli.common import Command, settings_of
from kg.errors import EXIT_CHECK_FAILED, EXIT_OK


def reason_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reasoner", choices=("hermit", "pellet"), default="hermit")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--max-conflicts", type=int, default=3, metavar="N",
                   help="how many distinct contradictions to explain at most (default 3)")


def run_reason(args: argparse.Namespace) -> int:
    """kg reason."""
    from kg.checks.reasoning import reason, render_json, render_text

    report = reason(settings_of(args).dataset_file, args.reasoner, args.max_conflicts)
    sys.stdout.write(render_json(report) if args.format == "json" else render_text(report))
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", help="RDF file to check (default: build/dataset.nq)")


def run_validate(args: argparse.Namespace) -> int:
    """kg validate [PATH]."""
    from kg.checks.validate import check_file

    settings = settings_of(args)
    path = Path(args.path) if args.path else settings.dataset_file
    report, quads = check_file(path, settings.ontology_dir, settings.queries_dir)
    print(report.summary() if not report.ok else f"{path}: {quads} quads; SHACL conforms; "
          f"{len(report.violations)} quality checks passed")
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


REASON = Command("reason", "OWL DL consistency and classification; explain contradictions (exit 1)", run_reason,
                 reason_arguments, extra="reason")
VALIDATE = Command("validate", "SHACL and quality checks of the build (or of an RDF file)", run_validate,
                   validate_arguments)
