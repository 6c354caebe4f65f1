"""The review page of a draft: the text with every proposal's quote highlighted, its fields beside it.

One self-contained HTML file (no script or style from the network), written from the draft's own files:
``source.yaml`` (to find the text), ``facts.yaml`` (the proposals and whether each is accepted) and
``anchors.json`` (where each quote is). Clicking a highlighted passage shows the facts its words support;
clicking a fact shows its words.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import yaml

from kg.atomic import write_all_atomically
from kg.errors import InputError, Problem
from kg.sources.grounding import read_text


def write_review(directory: Path, out: Path | None = None, text_path: list[Path] | None = None) -> Path:
    """Write ``review.html`` for a draft directory (or ``out``)."""
    page = review_page(directory, text_path or [])
    target = out or directory / "review.html"
    write_all_atomically({target: page.encode("utf-8")})
    return target


def review_page(directory: Path, text_path: list[Path]) -> str:
    """The page's HTML."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    meta = _yaml(directory / "source.yaml")
    facts = _yaml(directory / "facts.yaml").get("facts") or []
    anchors_file = directory / "anchors.json"
    try:
        anchors = json.loads(anchors_file.read_text(encoding="utf-8"))["anchors"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(Problem(anchors_file, f"cannot read the quote positions ({exc}); run kg ground")) from None
    text = _find_text(directory, meta, text_path)
    spans = {f["id"]: (anchors[f["id"]]["start"], anchors[f["id"]]["end"]) for f in facts if f.get("id") in anchors}
    rows = []
    for fact in facts:
        proposal = fact.get("proposal") or {}
        values = []
        for name, value in (fact.get("set") or {}).items():
            shown = ", ".join(map(_show, value)) if isinstance(value, list) else _show(value)
            values.append((name, shown))
        rows.append({"id": fact.get("id"), "about": fact.get("about"), "type": fact.get("a"),
                     "label": fact.get("label"),
                     "quote": fact.get("quote"), "fields": values, "status": proposal.get("status", "accepted"),
                     "confidence": float(proposal.get("confidence", 1.0)), "rule": proposal.get("rule", "curated"),
                     "cue": proposal.get("cue")})
    env = Environment(loader=PackageLoader("kg.propose", "templates"), autoescape=select_autoescape(["html", "j2"]))
    published = meta.get("published") or {}
    window = " to ".join(dict.fromkeys(v for v in (published.get("earliest"), published.get("latest")) if v))
    return env.get_template("review.html.j2").render(
        source_id=meta.get("id"), title=meta.get("title"), published=window, directory=str(directory),
        facts=rows, segments=_segments(text, spans),
        proposed=sum(r["status"] == "proposed" for r in rows), accepted=sum(r["status"] == "accepted" for r in rows))


def _show(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _segments(text: str, spans: dict[str, tuple[int, int]]) -> list[dict]:
    """The text cut at every quote's ends; each piece with the facts whose quotes cover it."""
    cuts = sorted({0, len(text), *(s for s, _ in spans.values()), *(e for _, e in spans.values())})
    out = []
    for start, end in itertools.pairwise(cuts):
        covering = [f for f, (s, e) in spans.items() if s <= start and end <= e]
        out.append({"text": text[start:end], "facts": covering})
    return out


def _yaml(path: Path) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(Problem(path, f"cannot read it: {exc}")) from None
    if not isinstance(document, dict):
        raise InputError(Problem(path, "not a mapping: is this a draft directory written by kg propose?"))
    return document


def _find_text(directory: Path, meta: dict, text_path: list[Path]) -> str:
    name = (meta.get("text") or {}).get("file", "")
    from kg.config import default_text_path, project_root

    for base in [*text_path, *default_text_path(project_root())]:
        candidate = base / name
        if name and candidate.is_file():
            return read_text(candidate)
    raise InputError(Problem(directory / "source.yaml", f"its text {name!r} is not on the text search path; add its "
                             "directory with --texts"))
