"""The timeline chart: a state's arrangements by partner over time, drawn from the graph as SVG.

One row per partner (every other party of an arrangement the state is party to), in the order of
their first arrangement; in each row one bar per stretch of an arrangement's life with one status
(the status periods ``kg build`` derives: signed, in force, agreed, under negotiation, ...; read by
``kg/publish/sparql/timeline-chart.rq``), from the earliest day it can have begun to the earliest day
it can have ended; a bar still open runs to the chart's right edge and ends in an arrow. Ended stretches
(terminated, superseded) are not drawn: the gap is the end. Arrangements of one partner that overlap
in time are drawn in lanes of their own. Each bar carries a tooltip (the arrangement, its status, its
span as the graph dates it) and, on the site, a link to the partner's page.

The SVG is written here with the standard library's ElementTree rather than a plotting library: a
chart of labelled rectangles needs no layout engine, and writing the elements ourselves keeps the
output byte-for-byte deterministic (no timestamps, no generated ids, sorted input) and free of a new
dependency. Like the partnership map, it carries the SHA-256 of the data it was drawn from, so a
test can tell whether a committed chart (docs/timeline.svg) is up to date with the graph.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pyoxigraph as ox

from kg import vocab

JAPAN = vocab.entity_iri("state/japan")
QUERY_FILE = Path(__file__).parent / "sparql" / "timeline-chart.rq"
DIGEST_COMMENT = "timeline data sha256 "
ENDED = {vocab.KGO + "Terminated", vocab.KGO + "Superseded"}
# Okabe-Ito colours, one per status, in the order of an arrangement's life
STATUS_COLOURS = [
    (vocab.KGO + "Planned", "planned", "#CCCCCC"),
    (vocab.KGO + "UnderNegotiation", "under negotiation", "#999999"),
    (vocab.KGO + "AgreedInPrinciple", "agreed in principle", "#F0E442"),
    (vocab.KGO + "Agreed", "agreed", "#E69F00"),
    (vocab.KGO + "Signed", "signed", "#56B4E9"),
    (vocab.KGO + "Approved", "approved", "#009E73"),
    (vocab.KGO + "InForce", "in force", "#0072B2"),
    (vocab.KGO + "Suspended", "suspended", "#D55E00"),
]
OTHER_COLOUR = "#777777"
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
WIDTH, LABEL_WIDTH, RIGHT_MARGIN, TOP, LANE, ROW_GAP = 1000, 190, 20, 62, 9, 5

Link = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Bar:
    """One stretch of one arrangement's life with one status."""

    arrangement: str
    arrangement_label: str
    status: str
    status_label: str
    start: date
    end: date | None  # None: still open
    span: str  # as the graph dates it (start/end, first..last day, .. for open)


@dataclass
class PartnerRow:
    """A partner and the bars of its arrangements with the state, in lanes that do not overlap."""

    iri: str
    label: str
    bars: list[Bar] = field(default_factory=list)
    lanes: list[list[Bar]] = field(default_factory=list)

    @property
    def first(self) -> date:
        return min(b.start for b in self.bars)


@dataclass
class Timeline:
    """What the chart shows: the state, its partners' rows and the years the axis spans."""

    state: str
    state_label: str
    rows: list[PartnerRow]

    @property
    def empty(self) -> bool:
        return not self.rows

    def years(self) -> tuple[int, int]:
        """The axis: from the decade of the first start to the year after the last date the graph gives."""
        days = [d for r in self.rows for b in r.bars for d in (b.start, b.end) if d is not None]
        if not days:
            return 2000, 2010
        return min(days).year // 10 * 10, max(days).year + 1

    def data(self) -> str:
        """The chart's data as canonical JSON (what the recorded digest is of)."""
        return json.dumps([[r.iri, r.label, [[b.arrangement, b.arrangement_label, b.status, b.start.isoformat(),
                                              b.end.isoformat() if b.end else None, b.span] for b in r.bars]]
                           for r in self.rows], ensure_ascii=False, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.sha256(self.data().encode("utf-8")).hexdigest()


def _day(term) -> date | None:
    return date.fromisoformat(term.value[:10]) if term is not None else None


def _text(row: dict, label: str, fallback: str) -> str:
    return row[label].value if row.get(label) is not None else vocab.shorten(row[fallback].value)


def load_timeline(store: ox.Store, state: str = JAPAN) -> Timeline:
    """Read the chart's bars for ``state`` (an IRI) from a store over the built dataset, by SPARQL."""
    from kg.query.store import collect, select_oxigraph

    results = collect(select_oxigraph(store, QUERY_FILE.read_text(encoding="utf-8"),
                                      {"_state_iri": ox.NamedNode(state)}))
    rows: dict[str, PartnerRow] = {}
    seen: set[tuple] = set()
    for row in results.rows:
        if row["status"].value in ENDED:
            continue
        partner = row["partner"].value
        bar = Bar(row["arrangement"].value, _text(row, "arrangementLabel", "arrangement"), row["status"].value,
                  _text(row, "statusLabel", "status"), _day(row["start"]), _day(row.get("end")), row["span"].value)
        if (partner, bar) in seen:
            continue
        seen.add((partner, bar))
        rows.setdefault(partner, PartnerRow(partner, _text(row, "partnerLabel", "partner"))).bars.append(bar)
    ordered = sorted(rows.values(), key=lambda r: (r.first, r.label, r.iri))
    for row in ordered:
        row.bars.sort(key=lambda b: (b.start, b.arrangement, b.status, b.span))
        row.lanes = _lanes(row.bars)
    label_rows = collect(select_oxigraph(
        store, "SELECT ?label WHERE { ?_s_iri <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label",
        {"_s_iri": ox.NamedNode(state)})).rows
    return Timeline(state, label_rows[0]["label"].value if label_rows else vocab.shorten(state), ordered)


def _lanes(bars: list[Bar]) -> list[list[Bar]]:
    """Each arrangement's bars in one lane; arrangements whose lives overlap in different lanes."""
    spans: dict[str, tuple[date, date]] = {}
    for bar in bars:
        first, last = spans.get(bar.arrangement, (bar.start, bar.start))
        spans[bar.arrangement] = (min(first, bar.start), max(last, bar.end or date.max, bar.start))
    lanes: list[list[Bar]] = []
    lane_ends: list[date] = []
    lane_of: dict[str, int] = {}
    for arrangement, (first, last) in sorted(spans.items(), key=lambda item: (item[1][0], item[0])):
        for i, end in enumerate(lane_ends):
            if end <= first:
                lane_of[arrangement], lane_ends[i] = i, last
                break
        else:
            lane_of[arrangement] = len(lane_ends)
            lane_ends.append(last)
            lanes.append([])
    for bar in bars:
        lanes[lane_of[bar.arrangement]].append(bar)
    return lanes


def status_colour(status: str) -> str:
    return next((c for iri, _, c in STATUS_COLOURS if iri == status), OTHER_COLOUR)


def _slug(iri: str) -> str:
    return "-".join(part for part in vocab.shorten(iri).replace("/", "-").replace(":", "-").split("-") if part)


def draw_timeline(timeline: Timeline, link: Link | None = None) -> bytes:
    """The chart as SVG bytes (deterministic). ``link(partner_iri)`` gives a partner row's link, if any."""
    first_year, last_year = timeline.years()
    plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    span_days = (date(last_year + 1, 1, 1) - date(first_year, 1, 1)).days

    def x(day: date) -> float:
        return round(LABEL_WIDTH + plot_width * (day - date(first_year, 1, 1)).days / span_days, 1)

    right = x(date(last_year + 1, 1, 1))
    row_heights = [max(1, len(r.lanes)) * LANE + ROW_GAP for r in timeline.rows]
    plot_bottom = TOP + sum(row_heights)
    legend_top = plot_bottom + 34
    height = legend_top + 24
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "xmlns:xlink": "http://www.w3.org/1999/xlink",
                             "width": str(WIDTH), "height": str(height), "viewBox": f"0 0 {WIDTH} {height}",
                             "font-family": FONT, "font-size": "11", "role": "img",
                             "aria-labelledby": "timeline-title"})
    svg.append(ET.Comment(f" {DIGEST_COMMENT}{timeline.digest()} "))
    ET.SubElement(svg, "title", {"id": "timeline-title"}).text = (
        f"{timeline.state_label}'s security arrangements by partner, {first_year}–{last_year}: "
        f"{len(timeline.rows)} partners, drawn from the knowledge graph")
    ET.SubElement(svg, "rect", {"x": "0", "y": "0", "width": str(WIDTH), "height": str(height), "fill": "#FFFFFF"})
    heading = ET.SubElement(svg, "text", {"x": "10", "y": "20", "font-size": "14", "font-weight": "bold"})
    heading.text = f"{timeline.state_label}'s security arrangements by partner over time"
    note = ET.SubElement(svg, "text", {"x": "10", "y": "36", "fill": "#555555"})
    note.text = ("one bar per stretch of an arrangement's life with one status (as its sources date it); "
                 "an arrow: still open")

    # the axis: a line per decade
    axis = ET.SubElement(svg, "g", {"class": "axis"})
    step = 10 if last_year - first_year > 30 else (5 if last_year - first_year > 10 else 1)
    for year in range((first_year // step) * step, last_year + 1, step):
        if year < first_year:
            continue
        gx = x(date(year, 1, 1))
        ET.SubElement(axis, "line", {"x1": str(gx), "y1": str(TOP - 6), "x2": str(gx), "y2": str(plot_bottom),
                                     "stroke": "#E0E0E0", "stroke-width": "1"})
        label = ET.SubElement(axis, "text", {"x": str(gx), "y": str(TOP - 9), "text-anchor": "middle",
                                             "fill": "#555555"})
        label.text = str(year)

    y = TOP
    for row, row_height in zip(timeline.rows, row_heights, strict=True):
        group = ET.SubElement(svg, "g", {"class": "partner", "id": f"partner-{_slug(row.iri)}"})
        ET.SubElement(group, "title").text = f"{row.label}: {len({b.arrangement for b in row.bars})} arrangements"
        target = link(row.iri) if link else None
        holder = ET.SubElement(group, "a", {"href": target, "xlink:href": target}) if target else group
        name = ET.SubElement(holder, "text", {"x": str(LABEL_WIDTH - 8), "y": str(y + row_height / 2 + 3),
                                              "text-anchor": "end"})
        name.text = row.label
        ET.SubElement(group, "line", {"x1": str(LABEL_WIDTH), "y1": str(y + row_height - ROW_GAP / 2),
                                      "x2": str(right), "y2": str(y + row_height - ROW_GAP / 2),
                                      "stroke": "#F2F2F2", "stroke-width": "1"})
        for lane_index, lane in enumerate(row.lanes):
            top = y + lane_index * LANE + 1
            for bar in lane:
                x1 = x(bar.start)
                x2 = x(bar.end) if bar.end else right
                item = ET.SubElement(group, "g", {"class": "bar", "data-arrangement": vocab.shorten(bar.arrangement),
                                                  "data-status": bar.status_label})
                ET.SubElement(item, "title").text = f"{bar.arrangement_label}: {bar.status_label}, {bar.span}"
                ET.SubElement(item, "rect", {"x": str(x1), "y": str(top), "width": str(max(round(x2 - x1, 1), 1.5)),
                                             "height": str(LANE - 2), "fill": status_colour(bar.status)})
                if bar.end is None:
                    ET.SubElement(item, "path", {"d": f"M{right} {top - 1}l5 {LANE / 2 - 0.5}l-5 {LANE / 2 - 0.5}z",
                                                 "fill": status_colour(bar.status)})
        y += row_height

    if timeline.empty:
        empty = ET.SubElement(svg, "text", {"x": str(LABEL_WIDTH), "y": str(TOP + 20), "class": "empty"})
        empty.text = f"The graph records no dated arrangement of {timeline.state_label} with a partner."

    legend = ET.SubElement(svg, "g", {"class": "legend"})
    lx = 10
    for _, label, colour in STATUS_COLOURS:
        ET.SubElement(legend, "rect", {"x": str(lx), "y": str(legend_top - 8), "width": "14", "height": "8",
                                       "fill": colour})
        text = ET.SubElement(legend, "text", {"x": str(lx + 18), "y": str(legend_top)})
        text.text = label
        lx += 24 + 6.5 * len(label)
    ET.indent(svg, space=" ")
    return ET.tostring(svg, encoding="utf-8", xml_declaration=True) + b"\n"


def recorded_digest(svg: bytes | str) -> str | None:
    """The data digest a drawn chart carries, if any."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    start = text.find(DIGEST_COMMENT)
    return text[start + len(DIGEST_COMMENT):start + len(DIGEST_COMMENT) + 64] if start >= 0 else None
