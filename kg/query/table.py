"""Readable terminal tables for query results."""

from __future__ import annotations

import shutil
import textwrap
import unicodedata

import pyoxigraph as ox

from kg import vocab
from kg.query.store import Results

MIN_WIDTH = 6


def cell_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """How a term reads: entity ids and CURIEs for IRIs, the bare value for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return vocab.shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return " ".join(term.value.split())


def display_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """How a term reads in a terminal table: :func:`cell_text`, and a string that is only an IRI (as when a
    query shows an unlabelled property as STR(?p)) shortened like an IRI."""
    text = cell_text(term)
    if isinstance(term, ox.Literal) and text.startswith(("http://", "https://")) and " " not in text:
        return vocab.shorten(text)
    return text


MAX_WORD = 24  # a literal's word longer than this may be cut; ids and IRIs never are


def render(results: Results, width: int | None = None, wide: bool = False, hidden: list[str] | None = None,
           atomic: tuple[str, ...] = ()) -> str:
    """Rows as a boxed table that fits ``width`` columns (default: the terminal's), wrapping long values
    at spaces; headers, ids and IRIs (and the values of the ``atomic`` columns) are never cut. ``wide``:
    every value on one line, however wide. ``hidden`` names columns left out, for the footnote that says
    how to see them."""
    width = width or shutil.get_terminal_size((160, 24)).columns
    headers = results.variables
    if not headers:
        return "(no columns)\n"
    cells = [[row.get(h) for h in headers] for row in results.rows]
    table = [[display_text(term) for term in row] for row in cells]
    natural = [max([display_width(h)] + [display_width(r[i]) for r in table]) for i, h in enumerate(headers)]
    if wide:
        widths = natural
    else:
        budget = width - (3 * len(headers) + 1)
        widths = natural
        for limit in (MAX_WORD, 0):  # first keep words whole (up to MAX_WORD); if that is too wide, cut them
            least = [max([display_width(h)] + [_least_width(term, text, limit, h in atomic) for term, text in
                                                zip((r[i] for r in cells), (r[i] for r in table), strict=True)])
                     for i, h in enumerate(headers)]
            widths = _fit(natural, least, budget)
            if sum(widths) <= budget:
                break
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [rule, _line(headers, widths), rule.replace("-", "=")]
    for row in table:
        out.append(_line(row, widths))
    out.append(rule)
    footer = f"{len(table)} row{'s' if len(table) != 1 else ''}"
    if hidden:
        footer += f"; not shown: {', '.join(hidden)} (--wide shows every column, --columns A,B picks)"
    out.extend(textwrap.wrap(footer, max(width, 40), break_on_hyphens=False) if not wide else [footer])
    return "\n".join(out) + "\n"


def _least_width(term, text: str, limit: int, atomic: bool = False) -> int:
    """The narrowest a cell may be: a whole id or IRI, else its longest word (at most ``limit``)."""
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return display_width(text)
    longest = max((display_width(word) for word in text.split()), default=0)
    return longest if atomic else min(limit, longest)


def _fit(natural: list[int], least: list[int], budget: int) -> list[int]:
    """Narrow the widest columns, one character at a time, down to their least widths, until they fit."""
    widths = list(natural)
    while sum(widths) > budget:
        narrowable = [i for i, w in enumerate(widths) if w > max(least[i], MIN_WIDTH)]
        if not narrowable:
            break
        widest = max(narrowable, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide and full-width characters take two."""
    if text.isascii():  # the common case, without a Unicode lookup per character
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """textwrap's lines, each cut further where wide characters make it overflow ``width`` columns."""
    lines = []
    if display_width(text) <= width:
        return [text]
    for line in textwrap.wrap(text, width, break_on_hyphens=False) or [""]:
        while display_width(line) > width:
            cut, used = 0, 0
            while cut < len(line) and used + display_width(line[cut]) <= width:
                used += display_width(line[cut])
                cut += 1
            lines.append(line[: max(cut, 1)])
            line = line[max(cut, 1) :]
        lines.append(line)
    return lines


def _line(cells: list[str], widths: list[int]) -> str:
    wrapped = [_wrap(c, w) for c, w in zip(cells, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    lines = []
    for i in range(height):
        parts = [_pad(w[i] if i < len(w) else "", width) for w, width in zip(wrapped, widths, strict=True)]
        lines.append("| " + " | ".join(parts) + " |")
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))
