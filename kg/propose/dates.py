"""Temporal expressions: find them in a sentence, and resolve them against the publication date.

The expressions are found by patterns (a date, a month, a year, a weekday, "last week", "yesterday",
"this summer"); dateparser resolves each against the publication date, preferring the past for what
a text reports and the future for what it announces, and says how precise the result is (its
period: day, week, month, year). Precision is kept: "on Friday" is a day, "in July" a month, "last
year" a year, "last week" the seven days of that week. Where the publication date is a window (an
article without a dateline), the expression is resolved against both ends and, when they differ,
asserted as the interval that covers both, never as one made-up day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
          "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?")
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_PATTERNS = [
    # a day: "September 28, 2021", "on 12 January 2023", "On April 17"
    ("day", rf"(?:on )?(?:(?:{MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?"
            rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:{MONTHS})(?: \d{{4}})?)"),
    ("day", r"\d{4}-\d{2}-\d{2}"),
    ("relative", rf"(?:on |last |this (?:past )?)?(?:{WEEKDAYS})"),
    ("relative", r"(?:last|next|this) (?:week|month|year)(?:['’]s)?|(?:earlier|later) this (?:year|month|week)"),
    ("relative", r"yesterday|today|this (?:afternoon|morning|evening)|tonight|just now"),
    ("relative", r"this (?:past )?(?:summer|spring|autumn|fall|winter)"),
    ("month", rf"(?:in |since |by |until |this (?:past )?|last |early |late |mid-)?(?:{MONTHS})(?: \d{{4}})?"),
    ("year", r"(?:in |since |by |until |from |early |late )?(?:19|20)\d{2}"),
]
_FIND = re.compile("|".join(f"(?P<g{i}>(?<![\\w-]){p}(?![\\w-]))" for i, (_, p) in enumerate(_PATTERNS)), re.IGNORECASE)
_LEAD = re.compile(r"^(?:on|in|since|by|until|from|this past|early|late|mid-)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Expression:
    """A temporal expression at offsets of the text."""

    start: int
    end: int
    text: str
    form: str  # day, month, year, relative


def find_expressions(text: str, start: int = 0, end: int | None = None) -> list[Expression]:
    """Every temporal expression in ``text[start:end]``, at offsets of ``text``."""
    found = []
    for match in _FIND.finditer(text, start, len(text) if end is None else end):
        group = next(i for i, (_, _) in enumerate(_PATTERNS) if match.group(f"g{i}"))
        words = match.group(0)
        if (_PATTERNS[group][0] == "month" and words.strip().lower() in {"may", "march"}
                and not _month_context(text, match)):
            continue  # "may" the verb, "march" the noun
        found.append(Expression(match.start(), match.end(), words, _PATTERNS[group][0]))
    return found


def _month_context(text: str, match: re.Match) -> bool:
    """"May" is a month only when written with a capital and after a preposition of time."""
    words = match.group(0)
    before = text[max(0, match.start() - 12):match.start()].lower().split()
    return words[:1].isupper() and bool(before) and before[-1] in {"in", "since", "by", "until", "of", "early", "late"}


@cache
def _parser(base: date, prefer: str):
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": prefer,
        "RETURN_TIME_AS_PERIOD": True, "PREFER_DAY_OF_MONTH": "first"})


@dataclass(frozen=True)
class Resolved:
    """A resolved time: its first and last day and its precision (day, week, month, year, or None)."""

    earliest: date
    latest: date
    precision: str | None


def resolve_at(expression: str, base: date, prefer: str = "past") -> Resolved | None:
    """The days an expression stands for, read on ``base``."""
    words = _LEAD.sub("", expression.strip()).replace("’", "'").removesuffix("'s")
    lowered = words.lower()
    if lowered in {"today", "this afternoon", "this morning", "this evening", "tonight", "just now"}:
        return Resolved(base, base, "day")
    if lowered.startswith(("earlier this year", "later this year", "this year")) or re.fullmatch(
            r"(?:this )?(?:past )?(?:summer|spring|autumn|fall|winter)",
            lowered):
        return Resolved(date(base.year, 1, 1), date(base.year, 12, 31), "year")
    if lowered in {"earlier this month", "later this month"}:
        return _month(base.year, base.month)
    parsed = _parser(base, prefer).get_date_data(words)
    if parsed is None or parsed.date_obj is None:
        return None
    day = parsed.date_obj.date()
    period = parsed.period
    if period == "year":
        return Resolved(date(day.year, 1, 1), date(day.year, 12, 31), "year")
    if period == "month":
        return _month(day.year, day.month)
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return Resolved(monday, monday + timedelta(days=6), "week")
    return Resolved(day, day, "day")


def _month(year: int, month: int) -> Resolved:
    return Resolved(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month")


def resolve(expression: str, earliest: date | None, latest: date | None, prefer: str = "past") -> dict | None:
    """A time as facts.yaml writes it (``{date: ..., expression: ...}``), resolved against the
    publication window; None when it cannot be resolved. Absolute dates need no window."""
    bases = [b for b in dict.fromkeys([earliest, latest]) if b is not None]
    if not bases:
        absolute = re.search(r"\d{4}", expression)
        if not absolute:
            return None
        bases = [date(int(absolute.group(0)), 12, 31)]
    results = [resolve_at(expression, base, prefer) for base in bases]
    if any(r is None for r in results):
        return None
    first, last = min(r.earliest for r in results), max(r.latest for r in results)  # type: ignore[union-attr]
    precision = results[0].precision  # type: ignore[union-attr]
    words = expression.strip()
    if len(set(results)) > 1:
        return {"from": first.isoformat(), "to": last.isoformat(), "precision": precision, "expression": words,
                "note": f"Resolved against each end of the publication window ({bases[0]} to {bases[-1]}); the "
                        "interval covers both readings."}
    if precision == "day":
        return {"date": first.isoformat(), "expression": words}
    if precision == "month":
        return {"month": first.strftime("%Y-%m"), "expression": words}
    if precision == "year":
        return {"year": first.year, "expression": words}
    return {"from": first.isoformat(), "to": last.isoformat(), "precision": precision, "expression": words}


def bounds(time: dict) -> tuple[date | None, date | None]:
    """The first and last day of a time written as facts.yaml writes it."""
    if "date" in time:
        day = date.fromisoformat(time["date"])
        return day, day
    if "month" in time:
        year, month = map(int, time["month"].split("-"))
        r = _month(year, month)
        return r.earliest, r.latest
    if "year" in time:
        return date(int(time["year"]), 1, 1), date(int(time["year"]), 12, 31)
    start = date.fromisoformat(time["from"]) if time.get("from") else None
    end = date.fromisoformat(time["to"]) if time.get("to") else None
    return start, end


def publication_window(earliest: date | None, latest: date | None) -> dict | None:
    """The time of what a text reports as holding when it appeared (a status observation)."""
    if earliest is None and latest is None:
        return None
    if earliest == latest and earliest is not None:
        return {"date": earliest.isoformat(), "expression": "as of the source's publication"}
    out: dict = {"expression": "as of the source's publication"}
    if earliest:
        out["from"] = earliest.isoformat()
    if latest:
        out["to"] = latest.isoformat()
    return out


DATE_LINE = re.compile(rf"^\s*(?:date\s+)?(?:(?:{MONTHS}) \d{{1,2}},? \d{{4}}|\d{{1,2}} (?:{MONTHS}) \d{{4}}"
                       rf"|\d{{4}}-\d{{2}}-\d{{2}})\b",
                       re.IGNORECASE)


def date_line(text: str) -> date | None:
    """The date a text states for itself on a line of its own near its top ("September 28, 2021", the
    archive's " date 2023-01-12"), or None."""
    for line in text.splitlines()[:8]:
        match = DATE_LINE.match(line)
        if match and len(line.strip()) <= len(match.group(0).strip()) + 40:
            words = re.sub(r"^\s*date\s+", "", match.group(0), flags=re.IGNORECASE).strip()
            try:
                return date.fromisoformat(words)
            except ValueError:
                resolved = resolve_at(words, date(2000, 1, 1))
                if resolved and resolved.precision == "day":
                    return resolved.earliest
    return None
