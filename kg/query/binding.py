"""Bind query parameters: each parameter variable becomes its value, as an RDF term, before evaluation.

This is grlc's substitution (``?_name`` replaced by the value) done safely: a value reaches the
query only as a term that pyoxigraph has parsed and serialised — an IRI that parses as an IRI, a
literal with its quotes and backslashes escaped — and it replaces only *variable tokens* of the
query (never text inside strings, IRIs or comments), so user input cannot change the query's
structure. Where the variable is projected (``SELECT ?_x``) it becomes ``(term AS ?_x)``, so the
column keeps its name; in ``GROUP BY`` it is dropped (grouping by a constant changes nothing).

Why not a VALUES clause or the engine's own binding API: every engine here evaluated those as a
join after the fact. A parameter used inside a UNION, for instance, made Oxigraph enumerate every
reified statement of a 10^6-triple graph before the join (1.2 s, and 1.5 s with pyoxigraph's SEP-0007
substitutions) where the same query with the constant takes 4 ms; a trailing VALUES is also out of
scope for a FILTER inside an OPTIONAL, and rdflib's initBindings do not reach subqueries. A
constant means the same on every engine — embedded, the rdflib reference, any remote endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from kg.errors import InputError

_TOKEN = re.compile(
    r'(?P<comment>\#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<var>[?$][A-Za-z0-9_]+)'
    r'|(?P<word>[A-Za-z]+)'
    r'|(?P<other>.)',
    re.DOTALL,
)
_PROJECTION_END = {"WHERE", "FROM"}
_GROUP_END = {"HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}


PAGE_LIMIT, PAGE_OFFSET = "__limit__", "__offset__"  # the paging of a query whose header says "paging: true"


def bind_parameters(query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``query`` with every parameter variable (``?name`` for ``name`` in ``bindings``) replaced by its term,
    and, where the bindings page it, ``LIMIT n`` / ``OFFSET m`` appended (SPARQL takes no variable there;
    n and m are whole numbers checked by :func:`kg.query.catalogue.bind`, written back from Python ints)."""
    paging = "".join(f"\n{word} {int(bindings[key].value)}" for key, word in ((PAGE_LIMIT, "LIMIT"),
                                                                            (PAGE_OFFSET, "OFFSET"))
                     if key in bindings)
    bindings = {k: v for k, v in bindings.items() if k not in (PAGE_LIMIT, PAGE_OFFSET)}
    if not bindings:
        return query + paging
    terms = {}
    for name, term in bindings.items():
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise TypeError(f"cannot bind {term!r}")
        terms[name] = str(term)
    out: list[str] = []
    clause = None  # "select" between SELECT and its pattern, "group" in GROUP BY
    previous = ""  # the previous significant token, upper-cased
    for match in _TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "word":
            word = text.upper()
            if word == "SELECT":
                clause = "select"
            elif word == "BY" and previous == "GROUP":
                clause = "group"
            elif (clause == "select" and word in _PROJECTION_END) or (clause == "group" and word in _GROUP_END):
                clause = None
        elif kind == "other" and text in "{}":
            clause = None
        elif kind == "var" and text[1:] in terms:
            if previous == "AS":
                raise InputError(f"parameter {text} is assigned in the query (AS {text}); it cannot be bound")
            if clause == "group":
                pass  # grouping by a constant changes nothing, and its alias would clash with the SELECT's
            elif clause == "select":
                out.append(f"({terms[text[1:]]} AS {text})")
            else:
                out.append(terms[text[1:]])
            previous = text
            continue
        out.append(text)
        if kind != "comment" and not text.isspace():
            previous = text.upper()
    return "".join(out) + paging


def blank_out_text(query: str) -> str:
    """The query with its comments, strings and IRIs replaced by spaces (same length, same line breaks),
    for lexical checks that must not look inside them (declared prefixes, the query form, GRAPH)."""
    out = []
    for match in _TOKEN.finditer(query):
        text = match.group()
        out.append(re.sub(r"[^\n]", " ", text) if match.lastgroup in ("comment", "string", "iri") else text)
    return "".join(out)


def without_comment_lines(query: str) -> str:
    """The query without its whole-line comments (a grlc header, notes), for engines and parsers that
    read them as text: SPARQLWrapper's query-type guess, parameter discovery."""
    return "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
