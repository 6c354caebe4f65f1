"""kg export, kg diagram, kg timeline-chart, kg docs, kg site: the graph as files, a map, a timeline chart,
documentation and a site."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kg.cli.common import Command, err, settings_of
from kg.errors import EXIT_OK, InputError


def export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("trig", "nq", "ttl", "nt", "jsonld", "jsonld-expanded"), required=True,
                   help="TriG or N-Quads (the named graphs), Turtle or N-Triples (merged), JSON-LD compacted with "
                   "the project's context (ontology/context.jsonld, embedded) or expanded")
    p.add_argument("--out", help="output file (default: standard output)")


def run_export(args: argparse.Namespace) -> int:
    """kg export --format F [--out PATH]."""
    from kg.atomic import write_output
    from kg.builds import refuse_build_file
    from kg.graph.export import read_quads, serialise

    settings = settings_of(args)
    if args.out:
        assert settings.build_dir is not None
        refuse_build_file(Path(args.out), settings.build_dir)
    data = serialise(read_quads(settings.dataset_file), args.format, settings.ontology_dir / "context.jsonld")
    if args.out:
        write_output(Path(args.out), data)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def diagram_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("svg", "png"),
                   help="svg or png (default: from --out's extension, else svg)")
    p.add_argument("--out", help="output file (default: standard output)")


def run_diagram(args: argparse.Namespace) -> int:
    """kg diagram [--format svg|png] [--out PATH]."""
    from kg.publish.diagram import draw, format_for
    from kg.publish.network import load_network
    from kg.query.store import open_oxigraph

    settings = settings_of(args)
    out = Path(args.out) if args.out else None
    if out:
        from kg.builds import refuse_build_file

        assert settings.build_dir is not None
        refuse_build_file(out, settings.build_dir)
    fmt = format_for(out, args.format)
    network = load_network(open_oxigraph(settings.dataset_file), settings.queries_dir)
    if network.empty:
        err(f"kg diagram: warning: the graph records no arrangement or obligation of {network.state.label}; "
            "the map is empty")
    data = draw(network, fmt)
    if out:
        from kg.atomic import write_output

        write_output(out, data)
        print(f"wrote {out} ({fmt}, {len(network.partners)} partners, {len(network.arrangements)} arrangements)",
              file=sys.stderr)
    elif fmt == "png" and sys.stdout.isatty():
        raise InputError("refusing to write PNG to a terminal; use --out PATH or redirect the output")
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def timeline_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", default="state/japan", help="the state whose arrangements are drawn, by id or IRI "
                   "(default: state/japan)")
    p.add_argument("--out", help="output SVG file (default: standard output)")


def run_timeline(args: argparse.Namespace) -> int:
    """kg timeline-chart [--state ID] [--out PATH]."""
    from kg import vocab
    from kg.publish.timeline import draw_timeline, load_timeline
    from kg.query.store import open_oxigraph

    settings = settings_of(args)
    out = Path(args.out) if args.out else None
    if out:
        from kg.builds import refuse_build_file

        assert settings.build_dir is not None
        refuse_build_file(out, settings.build_dir)
    state = args.state if "://" in args.state else vocab.entity_iri(args.state)
    timeline = load_timeline(open_oxigraph(settings.dataset_file), state)
    if timeline.empty:
        err(f"kg timeline-chart: warning: the graph records no dated arrangement of {timeline.state_label} "
            "with a partner; the chart is empty")
    data = draw_timeline(timeline)
    if out:
        from kg.atomic import write_output

        write_output(out, data)
        first, last = timeline.years()
        print(f"wrote {out} ({len(timeline.rows)} partners, "
              f"{len({b.arrangement for r in timeline.rows for b in r.bars})} arrangements, {first}-{last})",
              file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def docs_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="directory for ontology.html and context.jsonld (default: build/docs); "
                   "void.ttl goes beside the dataset")


def run_docs(args: argparse.Namespace) -> int:
    """kg docs [--out DIR]."""
    from kg.publish.docs import write_docs

    outputs = write_docs(settings_of(args), Path(args.out) if args.out else None)
    for path in (outputs.ontology_page, outputs.context, outputs.void):
        print(f"wrote {path}")
    return EXIT_OK


def site_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="output directory (default: build/site); replaced as a whole")


def run_site(args: argparse.Namespace) -> int:
    """kg site [--out DIR]."""
    from kg.publish.site import generate_site

    started = time.perf_counter()
    report = generate_site(settings_of(args), Path(args.out) if args.out else None)
    for warning in report.warnings:
        err(f"kg site: warning: {warning}")
    print(f"wrote {report.out_dir} ({report.pages} pages: {report.partners} partners, {report.queries} queries, "
          f"{report.sources} sources) in {time.perf_counter() - started:.2f} s")
    print(f"open {report.out_dir / 'index.html'}")
    return EXIT_OK


COMMANDS = (
    Command("export", "write the built graph as TriG, N-Quads, Turtle, N-Triples or JSON-LD", run_export,
            export_arguments),
    Command("diagram", "draw the partnership map from the graph (Graphviz)", run_diagram, diagram_arguments,
            extra="site"),
    Command("timeline-chart", "draw the state's arrangements by partner over time from the graph (SVG)",
            run_timeline, timeline_arguments),
    Command("docs", "ontology documentation (pyLODE), JSON-LD context and VoID description", run_docs,
            docs_arguments, extra="site"),
    Command("site", "generate the static site: map, partner pages, queries, ontology docs", run_site,
            site_arguments, extra="site"),
)
