"""The timeline chart (kg/publish/timeline.py, `kg timeline-chart`): Japan's arrangements by partner over
time, drawn from the graph by SPARQL. What it must show is computed here from the graph's own status
periods by a query of the test's own; the committed docs/timeline.svg is checked against the whole
datasets' graph in tests/test_datasets.py."""

from __future__ import annotations

import itertools
import re
from xml.etree import ElementTree

import pytest

from kg import vocab
from kg.publish.timeline import draw_timeline, load_timeline, recorded_digest
from kg.query.store import open_oxigraph

from .conftest import derived_build, rows_of, run_query

SVG = "{http://www.w3.org/2000/svg}"
UK_RAA = vocab.entity_iri("agreement/japan-uk-reciprocal-access-agreement")


@pytest.fixture(scope="module")
def timeline(built):
    return load_timeline(open_oxigraph(built.dataset_file))


def bars_in_graph(store) -> set[tuple[str, str, str, str]]:
    """(partner, arrangement, status, span) of every status period that is not an end, of every
    arrangement Japan is party to, for every other party."""
    return set(rows_of(run_query(store, """
        PREFIX kgo: <https://w3id.org/japan-security-kg/ontology#>
        SELECT ?partner ?arrangement ?status ?span WHERE {
          ?arrangement kgo:party <https://w3id.org/japan-security-kg/id/state/japan> , ?partner .
          ?period kgo:periodOf ?arrangement ; kgo:periodStatus ?status ; kgo:periodSpan ?span .
          FILTER(?partner != <https://w3id.org/japan-security-kg/id/state/japan>
                 && ?status NOT IN (kgo:Terminated, kgo:Superseded))
        }""")))


def drawn_bars(svg: bytes) -> set[tuple[str, str, str]]:
    root = ElementTree.fromstring(svg)
    found = set()
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "partner":
            continue
        for bar in group.iter(f"{SVG}g"):
            if bar.get("class") == "bar":
                found.add((group.get("id"), bar.get("data-arrangement"), bar.find(f"{SVG}title").text))
    return found


def test_every_status_period_of_every_partner_is_one_bar(built, timeline):
    store = open_oxigraph(built.dataset_file)
    want = bars_in_graph(store)
    got = {(r.iri, b.arrangement, b.status, b.span) for r in timeline.rows for b in r.bars}
    assert got == {(vocab.entity_iri(p), vocab.entity_iri(a), vocab.KGO + s.removeprefix("kgo:"), span)
                   for p, a, s, span in want}
    assert len(drawn_bars(draw_timeline(timeline))) == len(got)
    assert UK_RAA in {b.arrangement for r in timeline.rows for b in r.bars}


def test_partners_are_ordered_by_their_first_arrangement(timeline):
    firsts = [r.first for r in timeline.rows]
    assert firsts == sorted(firsts) and len(timeline.rows) > 1
    # the US alliance (1960) comes first in the article's graph
    assert timeline.rows[0].label == "United States"


def test_arrangements_of_one_partner_that_overlap_get_lanes_of_their_own(timeline):
    for row in timeline.rows:
        for lane in row.lanes:
            spans = {}
            for bar in lane:
                first, last = spans.get(bar.arrangement, (bar.start, bar.end))
                spans[bar.arrangement] = (min(first, bar.start), None if (last is None or bar.end is None)
                                          else max(last, bar.end))
            ordered = sorted(spans.values(), key=lambda s: s[0])
            for (_, end), (start, _) in itertools.pairwise(ordered):
                assert end is not None and end <= start, row.label


def test_the_chart_is_drawn_from_the_graph_not_by_hand(built, tmp_path):
    """Remove the UK access agreement from the data: its bars go, the rest stay."""
    slim = derived_build(tmp_path, built, keep=lambda line: f"<{UK_RAA}>" not in line)
    chart = load_timeline(open_oxigraph(slim.dataset_file))
    arrangements = {b.arrangement for r in chart.rows for b in r.bars}
    assert UK_RAA not in arrangements and vocab.entity_iri("agreement/us-japan-alliance") in arrangements
    assert chart.digest() != load_timeline(open_oxigraph(built.dataset_file)).digest()


def test_rendering_is_deterministic_and_records_its_data(timeline):
    first, second = draw_timeline(timeline), draw_timeline(timeline)
    assert first == second
    assert recorded_digest(first) == timeline.digest()
    assert not re.search(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", first)
    root = ElementTree.fromstring(first)
    assert root.tag == f"{SVG}svg"
    legend = "".join(next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend").itertext())
    for status in {b.status_label for r in timeline.rows for b in r.bars}:
        assert status in legend


def test_open_stretches_end_in_an_arrow(timeline):
    root = ElementTree.fromstring(draw_timeline(timeline))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    open_bars = sum(1 for r in timeline.rows for b in r.bars if b.end is None)
    assert open_bars and sum(1 for g in bars if g.find(f"{SVG}path") is not None) == open_bars


def test_an_empty_graph_draws_an_empty_chart(empty_graph_build):
    chart = load_timeline(open_oxigraph(empty_graph_build.dataset_file))
    assert chart.empty
    root = ElementTree.fromstring(draw_timeline(chart))
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert any(t.get("class") == "empty" for t in root.iter(f"{SVG}text"))


def test_cli_timeline_chart(cli, built, tmp_path):
    out = tmp_path / "timeline.svg"
    code, _, err = cli("timeline-chart", "--out", str(out), "--build", str(built.build_dir))
    assert code == 0, err
    chart = load_timeline(open_oxigraph(built.dataset_file))
    assert f"({len(chart.rows)} partners" in err
    assert out.read_bytes() == draw_timeline(chart)
    code, stdout, _ = cli("timeline-chart", "--build", str(built.build_dir), "--state", "state/united-kingdom")
    assert code == 0 and "<svg" in stdout and "Japan" in stdout  # the UK's partners include Japan
    code, _, err = cli("timeline-chart", "--build", str(tmp_path / "nothing"))
    assert code == 2 and "run 'kg build' first" in err
