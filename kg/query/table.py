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
    """How a term reads in a table: entity ids and CURIEs for IRIs, the bare value for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return vocab.shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return " ".join(term.value.split())


def render(results: Results, width: int | None = None) -> str:
    """Render rows as a boxed table that fits the terminal, wrapping long cells."""
    width = width or shutil.get_terminal_size((160, 24)).columns
    headers = results.variables
    if not headers:
        return "(no columns)\n"
    table = [[cell_text(row.get(h)) for h in headers] for row in results.rows]
    natural = [max([display_width(h)] + [display_width(r[i]) for r in table]) for i, h in enumerate(headers)]
    widths = _fit(natural, width - (3 * len(headers) + 1))
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [rule, _line(headers, widths), rule.replace("-", "=")]
    for row in table:
        out.append(_line(row, widths))
    out.append(rule)
    out.append(f"{len(table)} row{'s' if len(table) != 1 else ''}")
    return "\n".join(out) + "\n"


def _fit(natural: list[int], budget: int) -> list[int]:
    widths = list(natural)
    while sum(widths) > budget and max(widths) > MIN_WIDTH:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    return widths


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """textwrap's lines, each cut further where wide characters make it overflow ``width`` columns."""
    lines = []
    for line in textwrap.wrap(text, width) or [""]:
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
