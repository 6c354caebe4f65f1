"""Check a SPARQL query's shape before an engine sees it: size, nesting, long chains, SERVICE, FROM.

Oxigraph's parser and optimiser recurse: a query of 5,000 nested braces (10 KB) overflowed the stack
and aborted the process (``kg serve`` died without a word, ``kg sparql`` with a segmentation fault).
Measured on pyoxigraph 0.5.13 in an 8 MiB main-thread stack, the process aborts at about 2,200
nested braces, 265 OPTIONALs in one group, 210 triple patterns or GRAPH blocks, 1,000 steps of a
``/`` property path, 2,500 BINDs or 7,000 ``+`` terms. The limits here are far below those, and generous for
queries people write (the stored queries nest 7 deep and use at most 40 of the counted words).

The lexer is deliberately conservative: ``\\uXXXX`` escapes are decoded first (SPARQL applies them
before parsing, so ``\\u007B`` is a brace), strings and comments are skipped, and brackets are
counted even inside IRIs — it may over-count, never under-count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import InputError

MAX_DEPTH = 64  # nested (), {} and []
MAX_CLAUSES = 176  # OPTIONAL, MINUS, UNION, BIND, FILTER, GRAPH, SERVICE, VALUES, SELECT, EXISTS, and . ; ,
# (176: the headline, written as four complete patterns for speed at millions of quads, has 164; Oxigraph
# aborted at about 210 triple patterns in one group, docs/robustness.md)
MAX_OPERATORS = 512  # / | || && + - * = != < > <= >= ! ^
MAX_BYTES = 100_000  # the endpoint's limit on a query's size (kg serve --max-query-bytes)

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# SPARQL's name characters, written as the complement of what is not one below U+00C0: a class with
# a range up to U+FFFF costs re.compile a 65,536-character table (17 of a cold `kg query`'s milliseconds)
# where a complement of small ranges costs a 256-bit map. Letters: A-Z a-z U+00C0 and up; names add
# 0-9, _, U+00B7 (and -, . inside a word).
_TOKEN = re.compile(
    r'(?P<comment>\#[^\n\r]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*(?:\'\'\'|$)'
    r'|"(?:[^"\\\n\r]|\\.)*"?|\'(?:[^\'\\\n\r]|\\.)*\'?)'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<var>[?$][^\x00-/:-@\[-^`{-\xb6\xb8-\xbf]+)'
    r'|(?P<word>[^\x00-@\[-^`{-\xbf][^\x00-,/:-@\[-^`{-\xb6\xb8-\xbf]*(?::[^\s{}()\[\];,<>"\'#]*)?'
    r'|:[^\s{}()\[\];,<>"\'#]*)'
    r'|(?P<op>\|\||&&|!=|<=|>=|\^\^|[/|+\-*=<>!^,;.])'
    r'|(?P<open>[({\[])|(?P<close>[)}\]])',
    re.DOTALL,
)  # anything else (white space, digits, other punctuation) is skipped by the search between tokens
_CLAUSES = {"OPTIONAL", "MINUS", "UNION", "BIND", "FILTER", "GRAPH", "SERVICE", "VALUES", "SELECT", "EXISTS"}


@dataclass(frozen=True)
class Shape:
    """What the guard measured of a query."""

    depth: int
    clauses: int
    operators: int
    service: bool  # a SERVICE clause (federation: the engine would call out)
    dataset: bool  # FROM or FROM NAMED (the query names its own dataset)


def decode_escapes(text: str) -> str:
    """SPARQL's codepoint escapes (``\\u0041``, ``\\U0001F600``) decoded, as the parser does first."""
    def one(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(one, text)


def measure(query: str) -> Shape:
    """The query's nesting depth, clause and operator counts, and whether it uses SERVICE or FROM."""
    shapes = [_measure(query)]
    decoded = decode_escapes(query)
    if decoded != query:
        shapes.append(_measure(decoded))
    return Shape(max(s.depth for s in shapes), max(s.clauses for s in shapes), max(s.operators for s in shapes),
                 any(s.service for s in shapes), any(s.dataset for s in shapes))


def _measure(text: str) -> Shape:
    depth = max_depth = clauses = operators = 0
    service = dataset = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            max_depth = max(max_depth, depth)
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "iri":
            # brackets inside an IRI are counted too: where the engine reads '<' as "less than", they nest
            inner = match.group()
            for ch in inner:
                if ch in "([":
                    depth += 1
                    max_depth = max(max_depth, depth)
                elif ch in ")]":
                    depth = max(0, depth - 1)
        elif kind == "word":
            word = match.group().upper()
            if word in _CLAUSES:
                clauses += 1
            if word == "SERVICE":
                service = True
            elif word == "FROM":
                dataset = True
        elif kind == "op":
            if match.group() in ".;,":  # each adds a triple pattern (or an argument): patterns nest in the engine
                clauses += 1
            else:
                operators += 1
    return Shape(max_depth, clauses, operators, service, dataset)


def check_query(query: str, *, max_bytes: int | None = None, allow_service: bool = True,
                max_depth: int = MAX_DEPTH, max_clauses: int = MAX_CLAUSES,
                max_operators: int = MAX_OPERATORS) -> Shape:
    """The query's :class:`Shape`, or an InputError saying which limit it passes: checked before any
    engine parses it."""
    if max_bytes is not None and len(query.encode("utf-8", "surrogatepass")) > max_bytes:
        raise InputError(f"the query is {len(query.encode('utf-8', 'surrogatepass')):,} bytes; the limit is "
                         f"{max_bytes:,}")
    shape = measure(query)
    if shape.depth > max_depth:
        raise InputError(f"the query nests brackets {shape.depth} levels deep; the limit is {max_depth}")
    if shape.clauses > max_clauses:
        raise InputError(f"the query has {shape.clauses} graph-pattern clauses and triple patterns (OPTIONAL, UNION, "
                         f"BIND, FILTER, '.', …); the limit is {max_clauses}")
    if shape.operators > max_operators:
        raise InputError(f"the query has {shape.operators} operators (/, |, &&, +, =, ',' …); the limit is "
                         f"{max_operators}")
    if shape.service and not allow_service:
        raise InputError("SERVICE (federated queries) is not allowed on this endpoint: it would make the server "
                         "send requests to other hosts (kg serve --allow-service enables it)")
    return shape
