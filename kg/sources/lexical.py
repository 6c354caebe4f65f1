"""Lexical checks of what a curator writes: XSD literal forms, language tags, IRIs, file names, patterns.

A literal is written into the graph with the datatype the ontology gives its property, so its text
must be in that datatype's lexical space (XML Schema 1.1 Part 2): ``"not-a-year"^^xsd:gYear`` is
ill-typed, and neither pyoxigraph nor SHACL's ``sh:datatype`` on every engine refuses it. Dates are
ISO 8601's *extended* calendar form only (``2023-02-03``), as ``xsd:date`` requires: Python's
``date.fromisoformat`` also takes week dates (``2023-W05-2``) and the basic form (``20230203``).
"""

from __future__ import annotations

import re
from datetime import date

from kg import vocab

_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?(?:[1-9]\d{4,}|\d{4})"
_LEXICAL = {
    "date": re.compile(rf"{_YEAR}-\d\d-\d\d{_TZ}"),
    "dateTime": re.compile(rf"{_YEAR}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?{_TZ}"),
    "gYear": re.compile(rf"{_YEAR}{_TZ}"),
    "gYearMonth": re.compile(rf"{_YEAR}-(?:0[1-9]|1[0-2]){_TZ}"),
    "integer": re.compile(r"[+-]?\d+"),
    "int": re.compile(r"[+-]?\d+"),
    "nonNegativeInteger": re.compile(r"\+?\d+|-0+"),
    "positiveInteger": re.compile(r"\+?0*[1-9]\d*"),
    "decimal": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"),
    "boolean": re.compile(r"true|false|1|0"),
    "hexBinary": re.compile(r"(?:[0-9A-Fa-f]{2})*"),
}
_INT_RANGE = {"int": (-(2**31), 2**31 - 1)}
# BCP 47 as RDF uses it (the language-tag production of Turtle and N-Quads)
LANGUAGE_TAG = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")
# an absolute IRI whose characters an IRIREF may hold (RFC 3987's scheme; no space, <>"{}|^`\)
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def literal_problem(text: str, datatype: str) -> str | None:
    """Why ``text`` is not in the lexical space of ``datatype`` (an XSD IRI), or None when it is (or
    when the datatype is not one checked here)."""
    if CONTROL.search(text):
        return "contains a control character"
    if not datatype.startswith(vocab.XSD):
        return None
    local = datatype[len(vocab.XSD):]
    pattern = _LEXICAL.get(local)
    if pattern is None:
        return None
    name = f"xsd:{local}"
    if not pattern.fullmatch(text):
        return f"{text!r} is not a valid {name}"
    if local == "date":
        try:
            date.fromisoformat(text[:10] if not text.startswith("-") else "0001-01-01")
        except ValueError:
            return f"{text!r} is not a valid {name} (no such day)"
    if local in _INT_RANGE:
        low, high = _INT_RANGE[local]
        if not low <= int(text) <= high:
            return f"{text!r} is out of the range of {name}"
    return None


def parse_iso_date(value: object) -> date | None:
    """A calendar date written ``YYYY-MM-DD`` (and nothing else), or None."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_language_tag(tag: object) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 language tag (as RDF literals take)."""
    return isinstance(tag, str) and bool(LANGUAGE_TAG.fullmatch(tag))


def is_iri(text: object) -> bool:
    """Whether ``text`` is an absolute IRI that RDF syntaxes can write between ``<`` and ``>``."""
    return isinstance(text, str) and bool(IRI.fullmatch(text))


def relative_file_problem(name: str) -> str | None:
    """Why a source's ``text.file`` is not a plain relative path inside the text search path, or None."""
    from pathlib import PurePosixPath, PureWindowsPath

    if CONTROL.search(name) or "\x00" in name:
        return "contains a control character"
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or name.startswith(("/", "\\", "~")):
        return "is an absolute path; give a file name relative to the text search path"
    if any(part == ".." for part in (*posix.parts, *windows.parts)):
        return "reaches outside the text search path ('..'); give a file name inside it"
    return None


def pattern_problem(pattern: object) -> str | None:
    """Why a regular expression (``coverage.exclude``) does not compile, or None."""
    if not isinstance(pattern, str):
        return f"{pattern!r} is not text"
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"{pattern!r} is not a valid regular expression ({exc})"
    return None
