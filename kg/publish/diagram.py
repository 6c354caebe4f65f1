"""The partnership map: the network of :mod:`kg.publish.network` drawn with Graphviz (``dot``).

Japan on the left, each partner on the right, one edge per arrangement, coloured and labelled by
its kind; a multilateral arrangement is a small hub joined to each of its parties. Arrangements
only planned or under negotiation are dashed. Defence pledges (ATOP's defence category: a defence
pledge, a nuclear umbrella) are the only thick red lines, with an arrow to the beneficiary. A
source's explicit "no pledge" draws no line: it shows in the partner's box, which says
its pledge status in three values (pledged / stated: no pledge / not recorded). A legend explains
what the picture uses.

The DOT source is deterministic (sorted input, no timestamps) and carries the SHA-256 of its own
text in a comment, which Graphviz copies into the SVG: that is how a test tells whether a committed
picture is up to date with the graph, whatever Graphviz version drew it.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg import vocab
from kg.errors import InputError
from kg.publish.network import NOT_RECORDED, PLEDGED, STATED_NONE, Arrangement, Commitment, Network

FORMATS = ("svg", "png")
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
DIGEST_COMMENT = "map source sha256 "
DIGEST_RE = re.compile(re.escape(DIGEST_COMMENT) + r"([0-9a-f]{64})")


@dataclass(frozen=True)
class KindStyle:
    """How an arrangement kind is drawn: its name in the legend and its colour (Okabe-Ito palette)."""

    name: str
    colour: str


KINDS: dict[str, KindStyle] = {
    vocab.KGO + "TreatyAlliance": KindStyle("alliance", "#0072B2"),
    vocab.KGO + "ReciprocalAccessAgreement": KindStyle("access", "#009E73"),
    vocab.KGO + "InformationSecurityAgreement": KindStyle("information security", "#CC79A7"),
    vocab.KGO + "JointDevelopmentProgramme": KindStyle("joint programme", "#E69F00"),
    vocab.KGO + "ActionPlan": KindStyle("plan", "#56B4E9"),
    vocab.KGO + "SecurityTalks": KindStyle("talks", "#555555"),
    vocab.KGO + "StrategicPartnership": KindStyle("strategic partnership", "#8C6D1F"),
    vocab.KGO + "DefenceCooperationAgreement": KindStyle("defence cooperation", "#000000"),
}
OTHER_KIND = KindStyle("other arrangement", "#999999")
PLEDGE_COLOUR = "#B2182B"
NODE_FILL = {PLEDGED: "#F4A582", STATED_NONE: "#E4E4E4", NOT_RECORDED: "#FFFFFF"}


def kind_style(kind_iri: str) -> KindStyle:
    """The style of an arrangement kind (a neutral grey for kinds the map does not know yet)."""
    return KINDS.get(kind_iri, OTHER_KIND)


def slug(iri: str) -> str:
    """A readable, file- and id-safe name for an IRI (``state/united-kingdom`` -> ``state-united-kingdom``)."""
    short = vocab.entity_id_of(iri) or vocab.shorten(iri)
    text = re.sub(r"[^A-Za-z0-9]+", "-", short).strip("-").lower()
    return text or hashlib.sha1(iri.encode("utf-8")).hexdigest()[:12]


def _escape(text: str) -> str:
    """Text for a DOT label or tooltip: backslashes and angle brackets taken literally."""
    import graphviz

    return graphviz.escape(text)


def _lines(*parts: str) -> str:
    return r"\n".join(_escape(p) for p in parts if p)


Link = Callable[[str], str | None]


def to_dot(network: Network, link: Link | None = None):
    """The map as a ``graphviz.Digraph``; ``link(partner_iri)`` gives each partner's URL (None: no links)."""
    import graphviz

    link = link or (lambda iri: None)
    state = network.state
    dot = graphviz.Digraph("partnership-map")
    dot.attr(rankdir="LR", ranksep="1.4", nodesep="0.3", fontname=FONT, fontsize="11",
             label=_escape(f"{state.label}'s security partnerships, as recorded in the graph"),
             labelloc="t", labeljust="l", tooltip=_escape(f"{state.label}'s security partnerships"))
    dot.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled", color="#333333")
    dot.attr("edge", fontname=FONT, fontsize="9", dir="none", penwidth="2")
    dot.node(vocab.shorten(state.iri), _lines(state.label), shape="doublecircle", fillcolor="#FDE0DD",
             id=f"state-{slug(state.iri)}", **{"class": "state"})
    for node in _party_nodes(network):
        partner = network.partner(node.iri)
        status = partner.pledge_status if partner else None
        attrs = {"id": f"partner-{slug(node.iri)}", "class": f"partner pledge-{_css(status or 'none')}",
                 "fillcolor": NODE_FILL.get(status or NOT_RECORDED, "#FFFFFF"),
                 "tooltip": _escape(f"{node.label} (defence pledge to {state.label}): {status}" if status
                                    else node.label)}
        url = link(node.iri)
        if url:
            attrs["URL"] = url
        dot.node(vocab.shorten(node.iri), _lines(node.label, _status_line(status)), **attrs)
    for arrangement in network.arrangements:
        _arrangement_edges(dot, network, arrangement, link)
    for commitment in network.commitments:
        _commitment_edge(dot, network, commitment, link)
    _align_unconnected(dot, network)
    _legend(dot, network)
    return dot


def _css(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _status_line(status: str | None) -> str:
    """The partner's pledge status in the words of the stored query, the site and the legend."""
    return status if status in (PLEDGED, STATED_NONE, NOT_RECORDED) else ""


def _party_nodes(network: Network):
    """Partners, then any other party of the state's arrangements (e.g. an organisation), in order."""
    seen = {network.state.iri}
    nodes = []
    for partner in network.partners:
        if partner.iri not in seen:
            seen.add(partner.iri)
            nodes.append(partner.term)
    for arrangement in network.arrangements:
        for party in arrangement.parties:
            if party.iri not in seen:
                seen.add(party.iri)
                nodes.append(party)
    for commitment in network.commitments:
        for party in (commitment.obligor, commitment.beneficiary):
            if party.iri not in seen:
                seen.add(party.iri)
                nodes.append(party)
    return nodes


def _edge_attrs(arrangement: Arrangement) -> dict[str, str]:
    style = kind_style(arrangement.kind.iri)
    status = arrangement.status
    status_class = _css(vocab.shorten(status.iri).removeprefix("kgo:")) if status else "unknown"
    return {"color": style.colour, "fontcolor": "#222222", "style": "solid" if arrangement.concluded else "dashed",
            "class": f"arrangement kind-{_css(style.name)} status-{status_class}"
                     + ("" if arrangement.concluded else " not-concluded")}


def _arrangement_edges(dot, network: Network, arrangement: Arrangement, link: Link) -> None:
    state = network.state
    partners = arrangement.partners_of(state.iri)
    status = arrangement.status
    caption = _lines(arrangement.kind.label, status.label if status else "")
    tooltip = _escape(f"{arrangement.label} ({arrangement.kind.label}"
                      + (f", {status.label})" if status else ")"))
    attrs = _edge_attrs(arrangement)
    anchor = f"#{slug(arrangement.iri)}"
    if len(partners) <= 1:
        for partner in partners:
            url = link(partner.iri)
            dot.edge(vocab.shorten(state.iri), vocab.shorten(partner.iri), label=caption, tooltip=tooltip,
                     id=f"edge-{slug(arrangement.iri)}", minlen="2", **attrs,
                     **({"URL": url + anchor} if url else {}))
        return
    hub = vocab.shorten(arrangement.iri)
    dot.node(hub, caption, shape="box", style="rounded,filled", fillcolor="#FFFFFF", color=attrs["color"],
             fontsize="9", tooltip=tooltip, id=f"hub-{slug(arrangement.iri)}", **{"class": "hub " + attrs["class"]})
    dot.edge(vocab.shorten(state.iri), hub, tooltip=tooltip, id=f"edge-{slug(arrangement.iri)}", **attrs)
    for partner in partners:
        url = link(partner.iri)
        dot.edge(hub, vocab.shorten(partner.iri), tooltip=tooltip,
                 id=f"edge-{slug(arrangement.iri)}-{slug(partner.iri)}", **attrs,
                 **({"URL": url + anchor} if url else {}))


def _commitment_edge(dot, network: Network, commitment: Commitment, link: Link) -> None:
    """Defence pledges only: the other obligations are part of their arrangement's edge."""
    if not commitment.defence_pledge:
        return
    state = network.state.iri
    other = commitment.obligor if commitment.beneficiary.iri == state else commitment.beneficiary
    towards_state = commitment.beneficiary.iri == state
    url = link(other.iri)
    dot.edge(vocab.shorten(state), vocab.shorten(other.iri), label=_lines(commitment.kind.label),
             tooltip=_escape(commitment.label), color=PLEDGE_COLOUR,
             fontcolor=PLEDGE_COLOUR, penwidth="4.5", arrowsize="0.7", minlen="2",
             dir="back" if towards_state else "forward", arrowtail="normal", arrowhead="normal",
             id=f"pledge-{slug(commitment.iri)}",
             **{"class": f"pledge kind-{_css(commitment.kind.label)}"},
             **({"URL": url + "#commitments"} if url else {}))


def _align_unconnected(dot, network: Network) -> None:
    """An invisible edge puts a partner with no drawn edge (e.g. only a stated absence) in the partners' column."""
    drawn = {p.iri for a in network.arrangements for p in a.parties}
    drawn |= {x.iri for c in network.commitments if c.defence_pledge for x in (c.obligor, c.beneficiary)}
    for node in _party_nodes(network):
        if node.iri not in drawn:
            dot.edge(vocab.shorten(network.state.iri), vocab.shorten(node.iri), style="invis", minlen="2")


def _legend(dot, network: Network) -> None:
    """A table of every line and box the map uses (Graphviz HTML-like label: coloured cell borders)."""
    kinds: dict[str, KindStyle] = {}
    for arrangement in network.arrangements:
        style = kind_style(arrangement.kind.iri)
        kinds.setdefault(style.name, style)
    rows = [_legend_row(_line_cell(style.colour), f"{style.name}") for style in
            sorted(kinds.values(), key=lambda s: s.name)]
    rows.append(_legend_row(_line_cell("#555555", dashed=True), "planned or under negotiation"))
    rows.append(_legend_row(
        f'<TD WIDTH="44" HEIGHT="8" FIXEDSIZE="TRUE" SIDES="B" BORDER="4" COLOR="{PLEDGE_COLOUR}"></TD>',
        "defence pledge or nuclear umbrella (ATOP defence category), arrow to the beneficiary"))
    for status, text in ((PLEDGED, "partner has pledged to defend " + network.state.label),
                         (STATED_NONE, "a source states the partner has made no such pledge"),
                         (NOT_RECORDED, "neither recorded in the graph")):
        rows.append(_legend_row(f'<TD BGCOLOR="{NODE_FILL[status]}" BORDER="1" COLOR="#333333" STYLE="rounded">'
                                f"{html.escape(status)}</TD>", text))
    label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="1">'
             '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>' + "".join(rows) + "</TABLE>>")
    dot.node("legend", label, shape="box", style="rounded", color="#BBBBBB", fontsize="9", id="legend",
             **{"class": "legend"})
    # below the partners' column, out of the edges' way
    last = _party_nodes(network)
    if last:
        dot.edge(vocab.shorten(last[-1].iri), "legend", style="invis", minlen="0")


def _line_cell(colour: str, dashed: bool = False) -> str:
    style = ' STYLE="dashed"' if dashed else ""
    return f'<TD WIDTH="44" HEIGHT="8" FIXEDSIZE="TRUE" SIDES="B" BORDER="2" COLOR="{colour}"{style}></TD>'


def _legend_row(sample: str, text: str) -> str:
    return f'<TR>{sample}<TD ALIGN="LEFT">{html.escape(text)}</TD></TR>'


def dot_source(network: Network, link: Link | None = None) -> str:
    """The DOT text of the map, with the SHA-256 of that text (without the comment) recorded in it."""
    dot = to_dot(network, link)
    digest = hashlib.sha256(dot.source.encode("utf-8")).hexdigest()
    dot.attr(comment=f"{DIGEST_COMMENT}{digest}")
    return dot.source


def recorded_digest(rendered: bytes | str) -> str | None:
    """The DOT digest a rendered SVG (or DOT text) carries, if any."""
    text = rendered.decode("utf-8", "replace") if isinstance(rendered, bytes) else rendered
    match = DIGEST_RE.search(text)
    return match.group(1) if match else None


def render(source: str, fmt: str = "svg") -> bytes:
    """Lay out and render DOT text with Graphviz's ``dot`` program."""
    import graphviz

    if fmt not in FORMATS:
        raise InputError(f"unknown diagram format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        return graphviz.pipe("dot", fmt, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise InputError("Graphviz's 'dot' program was not found; install the Debian package 'graphviz' "
                         "(as root: scripts/system-deps.sh graphviz, or apt-get install -y graphviz)") from None
    except graphviz.CalledProcessError as exc:  # pragma: no cover - the DOT is generated, not typed
        raise InputError(f"Graphviz failed to draw the map: {exc.stderr!r}") from None


def draw(network: Network, fmt: str = "svg", link: Link | None = None) -> bytes:
    """The rendered map (SVG or PNG bytes)."""
    return render(dot_source(network, link), fmt)


def format_for(path: Path | None, fmt: str | None) -> str:
    """The output format: as given, else from the file's extension, else SVG."""
    if fmt:
        return fmt
    if path is not None and path.suffix.lstrip(".").lower() in FORMATS:
        return path.suffix.lstrip(".").lower()
    return "svg"
