"""The partnership map: drawn from the graph, styled by what the graph says, deterministic, up to date."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from kg import vocab
from kg.publish.diagram import KINDS, dot_source, draw, recorded_digest, slug
from kg.publish.network import load_network
from kg.query.store import open_oxigraph

from .conftest import ROOT, derived_build

SVG = "{http://www.w3.org/2000/svg}"
COMMITTED_MAP = ROOT / "docs" / "partnership-map.svg"
UK_RAA = vocab.entity_iri("agreement/japan-uk-reciprocal-access-agreement")


@pytest.fixture(scope="module")
def network(built):
    return load_network(open_oxigraph(built.dataset_file), built.queries_dir)


@pytest.fixture(scope="module")
def svg(network) -> ElementTree.Element:
    return ElementTree.fromstring(draw(network, "svg", link=lambda iri: f"partners/{slug(iri)}.html"))


def groups(svg: ElementTree.Element, cls: str) -> list[ElementTree.Element]:
    """SVG groups whose class list contains ``cls``."""
    return [g for g in svg.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def test_every_partner_is_a_node_styled_by_its_pledge_status(svg, network):
    nodes = {g.get("id"): g.get("class") for g in groups(svg, "partner")}
    assert nodes == {
        "partner-state-united-states": "node partner pledge-pledged",
        "partner-state-united-kingdom": "node partner pledge-stated-no-pledge",
        "partner-state-france": "node partner pledge-stated-no-pledge",
        "partner-state-italy": "node partner pledge-stated-no-pledge",
        "partner-state-canada": "node partner pledge-stated-no-pledge",
        "partner-state-australia": "node partner pledge-stated-no-pledge",
        "partner-state-philippines": "node partner pledge-stated-no-pledge",
    }
    fills = {g.get("id"): g.find(f"{SVG}g/{SVG}a/{SVG}path").get("fill") for g in groups(svg, "partner")}
    assert fills["partner-state-united-states"] != fills["partner-state-united-kingdom"]


def test_one_edge_per_arrangement_styled_by_kind(svg, network):
    edges = [e for e in groups(svg, "arrangement") if "edge" in e.get("class").split()]
    per_arrangement = {re.sub(r"-state-[a-z-]+$", "", e.get("id")) for e in edges if e.get("id").startswith("edge-")}
    assert per_arrangement == {f"edge-{slug(a.iri)}" for a in network.arrangements}
    assert len(network.arrangements) == 8
    raa = next(e for e in edges if e.get("id") == f"edge-{slug(UK_RAA)}")
    assert "kind-access" in raa.get("class") and "status-signed" in raa.get("class")
    path = raa.find(f".//{SVG}path")
    assert path.get("stroke").lower() == KINDS[vocab.KGO + "ReciprocalAccessAgreement"].colour.lower()
    # the trilateral fighter-jet programme is a hub joined to Japan, the UK and Italy
    jet = "agreement-japan-uk-italy-next-generation-fighter-jet"
    assert {e.get("id") for e in edges if jet in e.get("id")} == {
        f"edge-{jet}", f"edge-{jet}-state-united-kingdom", f"edge-{jet}-state-italy"}


def test_arrangements_not_yet_concluded_are_dashed_and_only_they(svg):
    dashed, solid = set(), set()
    for edge in groups(svg, "arrangement"):
        if "edge" not in edge.get("class").split():
            continue
        is_dashed = edge.find(f".//{SVG}path").get("stroke-dasharray") is not None
        (dashed if is_dashed else solid).add(edge.get("id"))
        assert is_dashed == ("not-concluded" in edge.get("class")), edge.get("id")
    assert dashed == {"edge-agreement-japan-canada-information-security-agreement",
                      "edge-agreement-japan-philippines-defence-talks"}
    assert f"edge-{slug(UK_RAA)}" in solid


def test_defence_pledges_are_distinct_from_everything_else(svg):
    pledges = groups(svg, "pledge")
    assert {p.get("id") for p in pledges} == {"pledge-obligation-us-defence-pledge-to-japan",
                                              "pledge-obligation-us-nuclear-umbrella-over-japan"}
    pledge_strokes = {(p.find(f".//{SVG}path").get("stroke"), p.find(f".//{SVG}path").get("stroke-width"))
                      for p in pledges}
    other_strokes = {(e.find(f".//{SVG}path").get("stroke"), e.find(f".//{SVG}path").get("stroke-width"))
                     for e in groups(svg, "arrangement") if "edge" in e.get("class").split()}
    assert len(pledge_strokes) == 1 and not pledge_strokes & other_strokes
    # the arrow points at the beneficiary, Japan
    assert all(p.find(f".//{SVG}polygon") is not None for p in pledges)


def test_partners_and_lines_link_to_partner_pages(svg):
    xlink = "{http://www.w3.org/1999/xlink}href"
    uk = next(g for g in groups(svg, "partner") if g.get("id") == "partner-state-united-kingdom")
    assert uk.find(f".//{SVG}a").get(xlink) == "partners/state-united-kingdom.html"
    raa = next(e for e in groups(svg, "arrangement") if e.get("id") == f"edge-{slug(UK_RAA)}")
    assert raa.find(f".//{SVG}a").get(xlink) == f"partners/state-united-kingdom.html#{slug(UK_RAA)}"


def test_legend_explains_every_kind_drawn(svg, network):
    legend = "".join(groups(svg, "legend")[0].itertext())
    for arrangement in network.arrangements:
        assert KINDS[arrangement.kind.iri].name in legend
    for words in ("planned or under negotiation", "defence pledge", "stated: no pledge", "not recorded"):
        assert words in legend


def test_the_map_is_drawn_from_the_graph_not_by_hand(built, tmp_path):
    """Remove the UK access agreement from the data: its edge goes, the rest stays."""
    slim = derived_build(tmp_path, built, keep=lambda line: f"<{UK_RAA}>" not in line)
    network = load_network(open_oxigraph(slim.dataset_file), slim.queries_dir)
    assert UK_RAA not in {a.iri for a in network.arrangements}
    svg = ElementTree.fromstring(draw(network, "svg"))
    ids = {g.get("id") for g in groups(svg, "arrangement")}
    assert f"edge-{slug(UK_RAA)}" not in ids
    assert "edge-agreement-us-japan-alliance" in ids


def test_rendering_is_deterministic_and_carries_no_timestamp(network):
    first, second = draw(network, "svg"), draw(network, "svg")
    assert first == second
    assert not re.search(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|CreationDate|dc:date", first)
    assert recorded_digest(first) is not None


def test_committed_map_is_up_to_date_with_the_graph(full_build):
    """docs/partnership-map.svg records the digest of the DOT it was drawn from (every source of data/);
    `make regen` redraws it."""
    committed = recorded_digest(COMMITTED_MAP.read_bytes())
    network = load_network(open_oxigraph(full_build.dataset_file), full_build.queries_dir)
    assert committed == recorded_digest(dot_source(network)), \
        "docs/partnership-map.svg is out of date with the graph: run `make regen` and commit it"


def test_a_changed_graph_makes_the_committed_map_stale(built, tmp_path):
    slim = derived_build(tmp_path, built, keep=lambda line: f"<{UK_RAA}>" not in line)
    changed = load_network(open_oxigraph(slim.dataset_file), slim.queries_dir)
    assert recorded_digest(dot_source(changed)) != recorded_digest(COMMITTED_MAP.read_bytes())


def test_an_empty_graph_draws_an_empty_map(empty_graph_build):
    network = load_network(open_oxigraph(empty_graph_build.dataset_file), empty_graph_build.queries_dir)
    assert network.empty and not network.partners
    svg = ElementTree.fromstring(draw(network, "svg"))
    assert not groups(svg, "arrangement") and not groups(svg, "partner") and not groups(svg, "pledge")


def test_cli_diagram_formats_and_errors(cli, built, tmp_path, monkeypatch):
    png = tmp_path / "map.png"
    code, _, err = cli("diagram", "--out", str(png), "--build", str(built.build_dir))
    assert code == 0, err
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "7 partners, 8 arrangements" in err
    code, out, _ = cli("diagram", "--format", "svg", "--build", str(built.build_dir))
    assert code == 0 and "<svg" in out and "United Kingdom" in out
    assert cli("diagram", "--format", "gif", "--build", str(built.build_dir))[0] == 2
    code, _, err = cli("diagram", "--build", str(tmp_path / "nothing"))
    assert code == 2 and "run 'kg build' first" in err
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on the path
    code, _, err = cli("diagram", "--out", str(tmp_path / "x.svg"), "--build", str(built.build_dir))
    assert code == 2 and "Graphviz's 'dot' program was not found" in err and "apt-get install" in err
    assert not (tmp_path / "x.svg").exists()


def test_cli_diagram_warns_when_the_map_is_empty(cli, empty_graph_build, tmp_path):
    code, _, err = cli("diagram", "--out", str(tmp_path / "empty.svg"), "--build", str(empty_graph_build.build_dir))
    assert code == 0
    assert "the map is empty" in err


@pytest.mark.parametrize("argv", [["query", "partners-without-defence-pledge", "--format", "csv"],
                                  ["diagram", "--format", "svg"]])
def test_query_and_diagram_do_not_import_the_heavy_libraries(built, argv):
    """`kg query` and `kg diagram` stay light: no rdflib, Jinja2 or pyLODE on their path."""
    import subprocess
    import sys

    code = ("import sys; from kg.cli import main; main(sys.argv[1:]); "
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'jinja2', 'pylode', 'pyshacl'}); "
            "print('HEAVY', heavy, file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code, *argv, "--build", str(built.build_dir)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "HEAVY []" in run.stderr
