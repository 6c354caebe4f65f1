"""kg site, read as files: every page is there, every link resolves, nothing is fetched from the network,
everything is escaped, quotes point at their place in the source, and the output is replaced atomically.
(tests/test_browser.py opens the same site in Chromium.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kg import vocab
from kg.query.catalogue import catalogue

from .conftest import ARTICLE, derived_build

UK_QUOTE = "He signed a deal on mutual troop access with UK premier Rishi Sunak"
UK = vocab.entity_iri("state/united-kingdom")
RAA = vocab.entity_iri("agreement/japan-uk-reciprocal-access-agreement")


class Page(HTMLParser):
    """Links, resource references and ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.resources: list[str] = []
        self.ids: set[str] = set()
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            href = attrs.get("href") or attrs.get("xlink:href")
            if href:
                self.links.append(href)
        if tag == "link" and attrs.get("href"):
            self.resources.append(attrs["href"])
        for name in ("src", "srcset", "data", "poster"):
            if attrs.get(name):
                self.resources.append(attrs[name])
        if tag == "script" and attrs.get("type") != "application/ld+json":
            self.scripts += 1


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_is_there(site, built):
    partners = {"united-states", "united-kingdom", "france", "italy", "canada", "australia", "philippines"}
    assert {p.stem for p in (site / "partners").glob("*.html")} == {f"state-{p}" for p in partners}
    assert {p.stem for p in (site / "queries").glob("*.html")} == set(catalogue(built.queries_dir)) | {"index"}
    assert {p.stem for p in (site / "sources").glob("*.html")} == {
        ARTICLE, "reference-notes", "reference-tour-2023-01", "reference-wikidata-ids", "reference-memberships"}
    for name in ("index.html", "map.svg", "timeline.svg", "assets/site.css", "ontology/index.html", "ontology/kgo.ttl",
                 "ontology/context.jsonld", "data/dataset.nq", "data/void.ttl", ".kg-site"):
        assert (site / name).is_file(), name
    assert (site / "data" / "dataset.nq").read_bytes() == built.dataset_file.read_bytes()


def broken_links(site: Path) -> tuple[list[str], int]:
    """Internal links whose file or #fragment does not exist, and how many links were checked."""
    pages = {path: parse(path) for path in html_files(site)}
    broken, checked = [], 0
    for path, page in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            pylode_internal = path.parts[-2:] == ("ontology", "index.html") and not parts.path
            checked += 1
            if parts.scheme or not target.is_file():
                broken.append(f"{path.relative_to(site)}: {href}")
            elif (parts.fragment and target.suffix == ".html" and not pylode_internal  # pyLODE's own anchors
                  and parts.fragment not in pages[target].ids):
                broken.append(f"{path.relative_to(site)}: no #{parts.fragment} in {href}")
    return broken, checked


def test_every_internal_link_and_fragment_resolves(site):
    broken, checked = broken_links(site)
    assert broken == []
    assert checked > 300


def test_the_link_checker_finds_a_broken_link(site, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    (copy / "partners" / "state-france.html").unlink()
    page = copy / "partners" / "state-united-kingdom.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        'id="agreement-japan-uk-reciprocal-access-agreement"', 'id="renamed"'), encoding="utf-8")
    broken, _ = broken_links(copy)
    assert any(b.endswith("partners/state-france.html") for b in broken)
    assert any("no #agreement-japan-uk-reciprocal-access-agreement in" in b for b in broken)


def test_a_party_without_a_page_is_drawn_without_a_link(built, tmp_path):
    from kg.publish.site import generate_site

    org = vocab.entity_iri("org/example-defence-organisation")
    graph = vocab.source_graph(ARTICLE)
    extra = (f"<{org}> <{vocab.RDFS}label> \"Example defence organisation\"@en <{graph}> .\n"
             f"<{org}> <{vocab.RDF}type> <{vocab.KGO}Organisation> <{graph}> .\n"
             f"<{RAA}> <{vocab.KGO}party> <{org}> <{graph}> .\n")
    out = generate_site(derived_build(tmp_path, built, extra)).out_dir
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Example defence organisation" in index
    assert broken_links(out)[0] == []


def test_nothing_is_fetched_from_the_network(site):
    for path in html_files(site):
        page = parse(path)
        for ref in page.resources:
            assert not urlsplit(ref).scheme or ref.startswith("data:"), f"{path}: loads {ref}"
        assert page.scripts == 0, f"{path}: runs a script"
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css


def test_uk_page_shows_the_access_agreement_with_its_quote_linked_to_its_position(site, store):
    html = (site / "partners" / "state-united-kingdom.html").read_text(encoding="utf-8")
    assert "<h1>United Kingdom</h1>" in html
    assert 'class="badge pledge-stated-no-pledge">stated: no pledge<' in html
    assert "Japan–UK Reciprocal Access Agreement" in html and "reciprocal access agreement" in html
    assert UK_QUOTE in html
    link = re.search(r'href="\.\./(sources/[^"#]+)#(c\d+-\d+)"[^>]*>\s*Japan Looks Beyond US Alliance[^<]*'
                     r"characters (\d+)–(\d+)</a> · fact <code>uk-reciprocal-access-agreement</code>", html)
    assert link, "the quote links to its position on the source page"
    source_page, anchor, start, end = link.groups()
    assert anchor == f"c{start}-{end}"
    source_html = (site / source_page).read_text(encoding="utf-8")
    row = re.search(rf'<tr id="{anchor}">(.*?)</tr>', source_html, re.S).group(1)
    assert UK_QUOTE in row and "partners/state-united-kingdom.html" in row
    rows = store.query(f"""PREFIX oa: <{vocab.OA}> SELECT ?start ?end WHERE {{ ?sel oa:exact "{UK_QUOTE}" .
        ?t oa:hasSelector ?sel , ?pos . ?pos oa:start ?start ; oa:end ?end }}""", use_default_graph_as_union=True)
    assert next((int(r["start"].value), int(r["end"].value)) for r in rows) == (int(start), int(end))
    assert "86eb695f9ed7251e1877ef4d12ab673ab841b2699ff3fca1c5e477d576fbb96a" in source_html


def test_pledge_status_in_three_values_on_every_partner_page(site):
    statuses = {}
    for path in (site / "partners").glob("*.html"):
        match = re.search(r'<h2>Defence pledge to Japan: <span class="badge pledge-[a-z-]+">([^<]+)</span>',
                          path.read_text(encoding="utf-8"))
        statuses[path.stem] = match.group(1)
    assert statuses.pop("state-united-states") == "pledged"
    assert set(statuses.values()) == {"stated: no pledge"}
    us = (site / "partners" / "state-united-states.html").read_text(encoding="utf-8")
    assert "US treaty pledge to help defend Japan" in us and "defence-pledge" in us


def test_every_stored_query_page_shows_its_current_results(site, built, store):
    from kg.query.catalogue import bind
    from kg.query.store import collect, select_oxigraph

    for name, query in catalogue(built.queries_dir).items():
        rows = collect(select_oxigraph(store, query.text, bind(query, {}))).rows
        html = (site / "queries" / f"{name}.html").read_text(encoding="utf-8")
        assert f"Results ({len(rows)} row" in html, name
        assert html.count("<tr>") == len(rows) + 1, name


def test_map_is_inline_and_links_to_partner_pages(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<svg" in index and 'xlink:href="partners/state-united-kingdom.html"' in index
    assert "<?xml" not in index and 'id="empty-map"' not in index


def test_timeline_chart_is_inline_links_to_partner_pages_and_is_the_graphs(site, built):
    from kg.publish.site import partner_page
    from kg.publish.timeline import draw_timeline, load_timeline, recorded_digest
    from kg.query.store import open_oxigraph

    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'id="timeline"' in index and 'href="timeline.svg"' in index
    chart = load_timeline(open_oxigraph(built.dataset_file))
    assert recorded_digest((site / "timeline.svg").read_bytes()) == chart.digest() == recorded_digest(index[
        index.index('id="timeline"'):])
    section = index[index.index('id="timeline"'):index.index('id="pledges"')]
    linked = set(re.findall(r'<a href="(partners/[^"]+)"', section))
    assert linked == {partner_page(r.iri) for r in chart.rows if (site / partner_page(r.iri)).is_file()} and linked
    assert (site / "timeline.svg").read_bytes() != draw_timeline(chart)  # the site's copy links partners


def test_everything_is_escaped(built, tmp_path):
    from kg.publish.site import generate_site

    hostile = '<script>alert("x")</script> & co'
    extra = (f'<{UK}> <{vocab.RDFS}label> "{hostile.replace(chr(34), chr(92) + chr(34))}"@en '
             f"<{vocab.GRAPH_ENTITIES}> .\n")
    settings = derived_build(tmp_path, built, extra)
    out = generate_site(settings).out_dir
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*.html")] + [(out / "map.svg").read_text("utf-8")]
    assert not any("<script>alert" in t for t in texts)
    assert any("&lt;script&gt;alert(" in t for t in texts)


def test_wikidata_links_and_inferences_are_shown_where_the_graph_has_them(built, tmp_path):
    from kg.publish.network import INFERRED_GRAPH
    from kg.publish.site import generate_site

    def plain(line: str) -> bool:  # the graph without Wikidata links or inferences, whatever the build has
        return f"<{INFERRED_GRAPH}>" not in line and "wikidata.org/entity/" not in line

    without = generate_site(derived_build(tmp_path / "plain", built, keep=plain)).out_dir
    for page in (without / "partners").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "wikidata.org" not in html and 'id="inferred"' not in html
    extra = (f"<{UK}> <{vocab.OWL}sameAs> <http://www.wikidata.org/entity/Q145> <{vocab.GRAPH}wikidata> .\n"
             f"<{RAA}> <{vocab.RDF}type> <{vocab.KGO}SecurityArrangement> <{INFERRED_GRAPH}> .\n"
             f"<{vocab.ID}obligation/uk-access-for-japan> <{vocab.RDF}type> <{vocab.KGO}AccessCommitment> "
             f"<{INFERRED_GRAPH}> .\n"
             f"<{UK}> <{vocab.RDF}type> <{vocab.OWL}Thing> <{INFERRED_GRAPH}> .\n")
    out = generate_site(derived_build(tmp_path / "linked", built, extra, keep=plain)).out_dir
    uk = (out / "partners" / "state-united-kingdom.html").read_text(encoding="utf-8")
    assert 'href="http://www.wikidata.org/entity/Q145">Q145</a>' in uk
    inferred = uk[uk.index('id="inferred"'):uk.index('id="all-facts"')]
    assert "access commitment" in inferred and "security arrangement" in inferred
    assert "owl#Thing" not in inferred and "Thing" not in inferred  # trivial inferences are left out
    france = (out / "partners" / "state-france.html").read_text(encoding="utf-8")
    assert "Q145" not in france and 'id="inferred"' not in france
    # an inferred supertype does not change how the arrangement is drawn
    assert 'class="edge arrangement kind&#45;access' in (out / "map.svg").read_text(encoding="utf-8")


def test_passages_link_to_the_text_with_rfc5147_where_a_source_has_a_url(built, site, tmp_path):
    from kg.publish.site import generate_site

    assert "#char=" not in (site / "sources" / f"{ARTICLE}.html").read_text(encoding="utf-8")
    url = "https://example.org/japan-looks-beyond"
    extra = f"<{vocab.source_iri(ARTICLE)}> <{vocab.RDFS}seeAlso> <{url}> <{vocab.provenance_graph(ARTICLE)}> .\n"
    out = generate_site(derived_build(tmp_path, built, extra)).out_dir
    html = (out / "sources" / f"{ARTICLE}.html").read_text(encoding="utf-8")
    start, end = re.search(r'<tr id="c(\d+)-(\d+)">\s*<td class="offsets">.*?' + re.escape(url), html, re.S).groups()
    assert f'href="{url}#char={start},{end}"' in html


def test_the_site_holds_quotes_not_the_source_text(site, require_texts):
    text = next(d / "japan-looks-beyond-us-alliance.txt" for d in require_texts
                if (d / "japan-looks-beyond-us-alliance.txt").is_file()).read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 250]
    assert len(paragraphs) >= 5
    files = [p.read_text(encoding="utf-8") for p in site.rglob("*") if p.is_file() and p.suffix in
             (".html", ".svg", ".ttl", ".jsonld", ".nq")]
    for paragraph in paragraphs:
        assert not any(paragraph in f for f in files), paragraph[:60]
    assert not any(text.strip()[:1000] in f for f in files)


def test_output_is_replaced_atomically_and_a_foreign_directory_is_refused(built, tmp_path, cli, monkeypatch):
    out = tmp_path / "site"
    code, stdout, err = cli("site", "--out", str(out), "--build", str(built.build_dir))
    assert code == 0, err
    assert f"wrote {out}" in stdout
    assert f"7 partners, {len(catalogue(built.queries_dir))} queries, 5 sources" in stdout
    (out / "stale.html").write_text("left from an older site", encoding="utf-8")
    assert cli("site", "--out", str(out), "--build", str(built.build_dir))[0] == 0
    assert not (out / "stale.html").exists()
    # a failure while generating leaves the previous site as it was, and no temporary directory
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    import kg.publish.site

    def broken(_):
        raise kg.publish.site.InputError("pyLODE exploded")

    monkeypatch.setattr(kg.publish.site, "ontology_html", broken)
    code, _, err = cli("site", "--out", str(out), "--build", str(built.build_dir))
    assert code == 2 and "pyLODE exploded" in err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    # a directory that kg site did not make is never replaced
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, err = cli("site", "--out", str(foreign), "--build", str(built.build_dir))
    assert code == 2 and "is not a site made by 'kg site'" in err
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_an_empty_graph_gives_a_site_that_says_so(cli, empty_graph_build, tmp_path):
    out = tmp_path / "site"
    code, _, err = cli("site", "--out", str(out), "--build", str(empty_graph_build.build_dir))
    assert code == 0 and "the map is empty" in err
    assert 'id="empty-map"' in (out / "index.html").read_text(encoding="utf-8")


def test_generation_is_deterministic(built, site, tmp_path):
    from kg.publish.site import generate_site

    again = generate_site(built, tmp_path / "again").out_dir
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for relative in files:
        assert (again / relative).read_bytes() == (site / relative).read_bytes(), relative


def test_site_needs_a_build(cli, tmp_path):
    code, _, err = cli("site", "--out", str(tmp_path / "s"), "--build", str(tmp_path / "none"))
    assert code == 2 and "run 'kg build' first" in err
    assert not (tmp_path / "s").exists()


def test_licences_are_stated_on_every_page(site):
    for path in html_files(site):
        if path.parts[-2] == "ontology":
            continue  # pyLODE's page states the ontology's own licence (CC BY 4.0, from kgo.ttl)
        html = path.read_text(encoding="utf-8")
        assert "Code: MIT" in html and "CC BY 4.0" in html, path
    assert "creativecommons.org/licenses/by/4.0" in (site / "ontology" / "index.html").read_text(encoding="utf-8")
