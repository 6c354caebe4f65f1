"""``kg site``: a static site to open from disk (file://), no server and no network needed.

Pages (Jinja2 templates in ``kg/publish/templates/``, every value escaped):

* ``index.html``: the partnership map (the SVG of :mod:`kg.publish.diagram`, inline, each partner and edge
  a link), the timeline chart of :mod:`kg.publish.timeline` (``timeline.svg``, inline, each partner a
  link), the headline answer, the partners, the sources, the downloads;
* ``partners/<id>.html``: one page per partner: pledge status in three values with the deciding
  quotes, arrangements with the state, obligations, stated absences, Wikidata identity and a
  reasoner's inferences where the graph has them, and every fact that mentions the partner;
* ``sources/<id>.html``: per source, what is needed to cite it and check a quote (title, publisher,
  publication window, SHA-256 of the text, how offsets count), and each passage the site quotes,
  in text order, with its offsets and 24 characters of context either side. The site never
  holds a source's text: only the passages its pages quote;
* ``queries/``: every stored query, its SPARQL, and its current results;
* ``ontology/``: pyLODE's documentation of the ontology, the ontology, its JSON-LD context;
* ``data/``: the dataset (N-Quads) and its VoID + DCAT description.

The site is built in a temporary directory beside the target, which then replaces the target in
two renames; a target that exists but was not made by ``kg site`` is refused, never deleted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import vocab
from kg.atomic import replace_directory
from kg.config import Settings
from kg.errors import InputError
from kg.publish.diagram import draw, slug
from kg.publish.docs import ontology_html, require
from kg.publish.evidence import EvidenceIndex, Fact, load_evidence
from kg.publish.network import NOT_RECORDED, PLEDGED, STATED_NONE, Network, load_network
from kg.publish.timeline import draw_timeline, load_timeline

MARKER = ".kg-site"
PLEDGE_EXPLAINED = {
    PLEDGED: "The graph records a defence pledge (an obligation of ATOP's defence category) owed to {state}.",
    STATED_NONE: "A source states explicitly that this partner has made no defence pledge to {state} "
                 "(in general, or for the contingencies named). This is the source's statement, not an "
                 "inference from silence.",
    NOT_RECORDED: "The graph holds neither a pledge nor a source's denial of one. This says nothing about "
                  "the world: the graph is silent (closed-world reading of an open-world graph).",
}


@dataclass
class SiteReport:
    """What ``kg site`` wrote."""

    out_dir: Path
    pages: int = 0
    partners: int = 0
    queries: int = 0
    sources: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Passage:
    """A passage of a source that the site quotes, and where."""

    fact: Fact
    cited_on: list[tuple[str, str]] = field(default_factory=list)  # (page path from the site root, title)


class _Citations:
    """Collects every passage a page quotes, so each source page can list them all (and only them)."""

    def __init__(self) -> None:
        self.passages: dict[tuple[str, int, int], Passage] = {}

    def cite(self, facts: Iterable[Fact], page: str, title: str) -> None:
        for fact in facts:
            passage = self.passages.setdefault((fact.source, fact.start, fact.end), Passage(fact))
            if (page, title) not in passage.cited_on:
                passage.cited_on.append((page, title))

    def of_source(self, source_id: str) -> list[Passage]:
        return [p for (s, _, _), p in sorted(self.passages.items()) if s == source_id]


def partner_page(iri: str) -> str:
    """Path of a partner's page from the site root."""
    return f"partners/{slug(iri)}.html"


def _environment():
    jinja2 = require("jinja2")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kg.publish", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["short"] = vocab.shorten
    env.filters["slug"] = slug
    return env


def _inline_svg(svg: bytes) -> str:
    """The SVG element only (no XML declaration or doctype), for inlining in HTML."""
    text = svg.decode("utf-8")
    return text[text.index("<svg"):]


def _with_nav(html: str, nav: str) -> str:
    """pyLODE's page with a link back to the site after its <body> tag."""
    marker = "<body>"
    at = html.find(marker)
    return html if at < 0 else html[: at + len(marker)] + nav + html[at + len(marker):]


def generate_site(settings: Settings, out_dir: Path | None = None) -> SiteReport:
    """Generate the site into ``out_dir`` (default ``build/site``), replacing a previous site there."""
    from kg.query.store import open_oxigraph

    assert settings.build_dir is not None
    out = (out_dir or settings.build_dir / "site").resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise InputError(f"{out}: exists and is not a site made by 'kg site'; refusing to replace it "
                         "(choose another --out, or remove it yourself)")
    store = open_oxigraph(settings.dataset_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        report = _write_site(settings, store, staging)
        report.out_dir = out
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the site is meant to be read
        replace_directory(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


class _Writer:
    """Renders templates into the staging directory and counts pages."""

    def __init__(self, root: Path, env, common: dict) -> None:
        self.root, self.env, self.common, self.pages = root, env, common, 0

    def page(self, page_path: str, template: str, **context) -> None:
        depth = page_path.count("/")
        html = self.env.get_template(template).render(**self.common, root="../" * depth, page_path=page_path,
                                                      **context)
        self.write(page_path, html.encode("utf-8"))
        self.pages += 1

    def write(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _write_site(settings: Settings, store: ox.Store, root: Path) -> SiteReport:
    from kg.publish.context import context_json
    from kg.publish.void import void_turtle
    from kg.query.catalogue import bind, catalogue
    from kg.query.store import collect, select_oxigraph
    from kg.version import software_version

    env = _environment()
    network = load_network(store, settings.queries_dir)
    evidence = load_evidence(store)
    dataset_bytes = settings.dataset_file.read_bytes()
    version = software_version()
    common = {
        "version": version,
        "dataset_sha256": hashlib.sha256(dataset_bytes).hexdigest(),
        "state": network.state,
        "sources": evidence.sources,
        "partner_page": partner_page,
        "source_page": source_page,
        "partner_iris": {p.iri for p in network.partners},
    }
    writer = _Writer(root, env, common)
    citations = _Citations()
    report = SiteReport(out_dir=root)
    if network.empty:
        report.warnings.append(f"the graph records no arrangement or obligation of {network.state.label}; "
                               "the map is empty")

    # partners
    partner_views = []
    for partner in network.partners:
        view = _partner_view(network, evidence, partner.iri)
        path = partner_page(partner.iri)
        citations.cite(view["cited"], path, partner.label)
        writer.page(path, "partner.html.j2", **view)
        partner_views.append(view)
    report.partners = len(partner_views)

    # queries, run with their defaults
    queries = []
    for query in catalogue(settings.queries_dir).values():
        results = collect(select_oxigraph(store, query.text, bind(query, {})))
        rows = [_row_view(results.variables, row, evidence) for row in results.rows]
        path = f"queries/{query.name}.html"
        citations.cite([r["fact"] for r in rows if r["fact"]], path, f"query {query.name}")
        queries.append({"query": query, "variables": results.variables, "rows": rows, "href": path})
    for item in queries:
        writer.page(item["href"], "query.html.j2", **item)
    writer.page("queries/index.html", "queries.html.j2", queries=queries)
    report.queries = len(queries)

    # the map and the home page (the headline decisions are quoted there too)
    headline = [(p, _decision_facts(p, evidence)) for p in network.partners]
    citations.cite([f for _, facts in headline for f in facts], "index.html", "partnership map")
    partner_iris = {p.iri for p in network.partners}  # other parties (e.g. an organisation) have no page
    svg = draw(network, "svg", link=lambda iri: partner_page(iri) if iri in partner_iris else None)
    writer.write("map.svg", svg)
    # the timeline chart: the same partners over time (kg/publish/timeline.py)
    timeline = load_timeline(store, network.state.iri)
    timeline_svg = draw_timeline(timeline, link=lambda iri: partner_page(iri) if iri in partner_iris else None)
    writer.write("timeline.svg", timeline_svg)
    writer.page("index.html", "index.html.j2", network=network, map_svg=_inline_svg(svg), headline=headline,
                explained=PLEDGE_EXPLAINED, queries=queries, empty=network.empty,
                timeline_svg=_inline_svg(timeline_svg), timeline=timeline)

    # sources: every passage the pages above quote, in text order
    for source_id, source in sorted(evidence.sources.items()):
        writer.page(source_page(source_id), "source.html.j2",
                    source=source, passages=citations.of_source(source_id))
    report.sources = len(evidence.sources)

    # ontology documentation and data
    nav = ('<nav style="font:14px sans-serif;padding:6px 12px;background:#f2f2f2">'
           '<a href="../index.html">&larr; Japan Security Knowledge Graph</a> · '
           '<a href="kgo.ttl">kgo.ttl</a> · <a href="context.jsonld">context.jsonld</a></nav>')
    writer.write("ontology/index.html", _with_nav(ontology_html(settings.ontology_dir), nav).encode("utf-8"))
    writer.pages += 1
    writer.write("ontology/kgo.ttl", (settings.ontology_dir / "kgo.ttl").read_bytes())
    writer.write("ontology/context.jsonld", context_json(settings.ontology_dir))
    writer.write("data/dataset.nq", dataset_bytes)
    writer.write("data/void.ttl", void_turtle(store, settings.dataset_file, version))
    writer.write("assets/site.css", _template_bytes("site.css"))
    writer.write(MARKER, f"generated by kg site {version}\n".encode())
    report.pages = writer.pages
    return report


def _template_bytes(name: str) -> bytes:
    from importlib import resources

    return resources.files("kg.publish").joinpath("templates", name).read_bytes()


def source_page(source_id: str) -> str:
    """Path of a source's page from the site root (source ids are already file-safe)."""
    return f"sources/{source_id}.html" if vocab.SOURCE_ID_RE.match(source_id) else f"sources/{slug(source_id)}.html"


def _decision_facts(partner, evidence: EvidenceIndex) -> list[Fact]:
    """The facts whose quotes decide a partner's pledge status, as the headline query reports them.

    One quote can back several facts (e.g. one sentence, a stated absence for each of four partners);
    the fact whose statements mention this partner is preferred.
    """
    found = []
    for decision in partner.decisions:
        key = (decision.source, decision.start, decision.end, decision.quote)
        same = [f for f in evidence.facts if (f.source, f.start, f.end, f.quote) == key]
        own = [f for f in same if any(partner.iri in (s.subject, s.object) for s in f.statements)]
        for fact in (own or same)[:1]:
            if fact not in found:
                found.append(fact)
    return found


def _partner_view(network: Network, evidence: EvidenceIndex, iri: str) -> dict:
    partner = network.partner(iri)
    assert partner is not None
    arrangements = network.arrangements_with(iri)
    commitments = network.commitments_with(iri)
    obligations = [c for c in commitments if not c.absence]
    absences = [c for c in commitments if c.absence]
    decisions = _decision_facts(partner, evidence)
    sections = {
        "arrangements": [(a, evidence.about(a.iri)) for a in arrangements],
        "obligations": [(c, evidence.about(c.iri)) for c in obligations],
        "absences": [(c, evidence.about(c.iri)) for c in absences],
    }
    mentioning = evidence.mentioning(iri)
    subjects = [iri, *(a.iri for a in arrangements), *(c.iri for c in commitments)]
    inferred = [(evidence.label(s), s, network.inferred[s]) for s in subjects if s in network.inferred]
    cited = [*decisions, *mentioning, *(f for group in sections.values() for _, facts in group for f in facts)]
    return {
        "partner": partner,
        "explanation": PLEDGE_EXPLAINED[partner.pledge_status].format(state=network.state.label),
        "decisions": decisions,
        "wikidata": network.wikidata.get(iri, []),
        "inferred": inferred,
        "mentioning": mentioning,
        "cited": cited,
        "labels": evidence.labels,
        **sections,
    }


def _row_view(variables: list[str], row: dict, evidence: EvidenceIndex) -> dict:
    """A result row for the page: each cell's text, a link for IRIs of partners, and the quote's fact."""
    cells = []
    for name in variables:
        term = row.get(name)
        if term is None:
            cells.append({"text": "", "iri": None})
        elif isinstance(term, ox.NamedNode):
            cells.append({"text": vocab.shorten(term.value), "iri": term.value})
        else:
            cells.append({"text": term.value, "iri": None})
    fact = None
    if all(k in row for k in ("quote", "source", "start", "end")):
        key = (row["source"].value, int(row["start"].value), int(row["end"].value))
        fact = next((f for f in evidence.facts if (f.source, f.start, f.end) == key), None)
    return {"cells": cells, "fact": fact}
