"""Synthetic sources with the shape of the real data, for benchmarks at 10^4-10^6 triples.

    .venv/bin/python benchmarks/synthetic.py OUT_DIR --records 1000 [--partners 200] [--per-source 50]

writes ``OUT_DIR/data`` (entities.yaml with the real registry plus synthetic partner states and
officials; sources/<id>/{source.yaml, facts.yaml, anchors.json}) and ``OUT_DIR/texts`` (one invented
text per source). Each record is a short news item about Japan and one partner: an arrangement of
one of the eight kinds with the dated lifecycle event the item reports (a signing, an adoption, the
launch of negotiations; an entry into force a year later for every fifth; a status observation as of
the publication for a planned one), the obligations it creates, for some a
stated absence of a defence pledge (or, for a few, a pledge), and a quoted statement by an
official with a role. Every fact has its verbatim quote, as in the real data, so the whole build
path (parse, check, ground, load, evidence) is exercised. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ARRANGEMENTS = [  # class, sentence verb, status, obligation kinds created (obligor -> beneficiary both ways)
    ("ReciprocalAccessAgreement", "signed a reciprocal access agreement", "Signed", ["kindAccess"]),
    ("InformationSecurityAgreement", "signed an information-security agreement", "Signed",
     ["kindInformationSecurity"]),
    ("DefenceCooperationAgreement", "sealed a defence cooperation agreement", "Signed", ["kindInteroperability"]),
    ("JointDevelopmentProgramme", "agreed to develop a new radar jointly", "Agreed", []),
    ("ActionPlan", "adopted a joint action plan", "Signed", ["kindConsultation"]),
    ("StrategicPartnership", "agreed to upgrade ties to a strategic partnership", "Agreed", ["kindConsultation"]),
    ("SecurityTalks", "opened talks on deepening defence ties", "UnderNegotiation", []),
    ("InformationSecurityAgreement", "are set to negotiate an information-security agreement", "Planned", []),
]


EVENT_OF_STATUS = {"Signed": "Signing", "Agreed": "Adoption", "UnderNegotiation": "NegotiationLaunch"}


def _record(i: int, partner: int, rng: random.Random) -> tuple[list[str], list[dict], list[dict]]:
    """Sentences, facts and source-local entities of one news item."""
    kind, verb, status, kinds = ARRANGEMENTS[i % len(ARRANGEMENTS)]
    state = f"state/partner-{partner:04d}"
    name = f"Partner {partner}"
    agreement = f"agreement/record-{i:07d}"
    day = f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}"
    sentences = [f"Japan and {name} {verb} on {day} (record {i})."]
    facts: list[dict] = [{
        "id": f"r{i}-arrangement", "quote": sentences[0], "about": agreement, "a": kind,
        "label": f"Japan–{name} {kind} (record {i})",
        "set": {"party": ["state/japan", state]},
    }]
    if status == "Planned":
        facts.append({"id": f"r{i}-status", "quote": sentences[0], "about": f"observation/record-{i}",
                      "a": "StatusObservation", "label": f"Record {i} planned",
                      "set": {"ofArrangement": agreement, "observedStatus": status,
                              "time:hasTime": {"from": "2024-01-01", "to": "2024-01-31"}}})
    else:
        facts.append({"id": f"r{i}-event", "quote": sentences[0], "about": f"event/record-{i}",
                      "a": EVENT_OF_STATUS[status], "label": f"{EVENT_OF_STATUS[status]} of record {i}",
                      "set": {"ofArrangement": agreement, "time:hasTime": {"date": day}}})
    if i % 5 == 0 and status in ("Signed", "Agreed"):
        sentence = f"The record {i} arrangement entered into force a year later."
        sentences.append(sentence)
        facts.append({"id": f"r{i}-in-force", "quote": sentence, "about": f"event/record-{i}-in-force",
                      "a": "EntryIntoForce", "label": f"Entry into force of record {i}",
                      "set": {"ofArrangement": agreement, "time:hasTime": {"year": 2023}}})
    for k in kinds:
        for obligor, beneficiary, direction in ((state, "state/japan", "to"), ("state/japan", state, "from")):
            facts.append({
                "id": f"r{i}-{k.lower()}-{direction}", "quote": sentences[0],
                "about": f"obligation/record-{i}-{k.lower()}-{direction}",
                "a": "Obligation", "label": f"{k} {direction} Japan (record {i})",
                "set": {"obligor": obligor, "beneficiary": beneficiary, "obligationKind": k, "createdBy": agreement},
            })
    if i % 3 == 0:
        sentence = f"{name} has made no treaty pledge to help defend Japan (record {i})."
        sentences.append(sentence)
        facts.append({"id": f"r{i}-no-pledge", "quote": sentence, "about": f"absence/record-{i}",
                      "a": "StatedAbsenceOfObligation", "label": f"{name} made no pledge (record {i})",
                      "set": {"obligor": state, "beneficiary": "state/japan", "obligationKind": "kindDefence"}})
    official = f"person/official-{partner:04d}"
    sentence = f"\u201cWe are close security partners,\u201d said a minister of {name} (record {i})."
    sentences.append(sentence)
    holding = f"holding/record-{i}"
    facts.append({"id": f"r{i}-minister", "quote": sentence, "about": holding, "a": "PositionHolding",
                  "label": f"Minister of {name} (record {i})",
                  "set": {"holder": official, "title": "minister", "affiliation": state}})
    facts.append({"id": f"r{i}-quote", "quote": sentence, "about": f"statement/record-{i}", "a": "Quotation",
                  "label": f"Minister of {name}: close security partners (record {i})",
                  "set": {"speaker": official, "speakerRole": holding,
                          "quotedText": "We are close security partners", "about": state}})
    rng.random()
    return sentences, facts, []


def generate(out: Path, records: int, partners: int = 200, per_source: int = 50, seed: int = 1) -> dict:
    """Write the synthetic data and texts; returns counts."""
    import yaml

    from kg.sources.grounding import IndexedText, anchors_document
    from kg.sources.model import Fact, Source

    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    data, texts = out / "data", out / "texts"
    (data / "sources").mkdir(parents=True)
    texts.mkdir()
    registry = yaml.safe_load((ROOT / "data" / "entities.yaml").read_text(encoding="utf-8"))
    registry["entities"] += [{"id": f"state/partner-{p:04d}", "label": f"Partner {p}", "type": "State"}
                             for p in range(partners)]
    registry["entities"] += [{"id": f"person/official-{p:04d}", "label": f"Official {p}", "type": "Person"}
                             for p in range(partners)]
    (data / "entities.yaml").write_text(yaml.safe_dump(registry, sort_keys=False, allow_unicode=True),
                                        encoding="utf-8")
    facts_total = 0
    for first in range(0, records, per_source):
        source_id = f"synthetic-{first // per_source:05d}"
        sentences, facts = ["Synthetic news items for the benchmarks of japan-security-kg; not real reporting."], []
        for i in range(first, min(first + per_source, records)):
            more, item_facts, _ = _record(i, rng.randrange(partners), rng)
            sentences += more
            facts += item_facts
        text = "\n".join(sentences) + "\n"
        (texts / f"{source_id}.txt").write_text(text, encoding="utf-8")
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        directory = data / "sources" / source_id
        directory.mkdir()
        (directory / "source.yaml").write_text(yaml.safe_dump({
            "id": source_id, "title": f"Synthetic source {source_id}", "kind": "test-fixture",
            "text": {"file": f"{source_id}.txt", "sha256": sha},
            "published": {"earliest": "2024-01-01", "latest": "2024-01-31"}}, sort_keys=False), encoding="utf-8")
        (directory / "facts.yaml").write_text(yaml.safe_dump({"source": source_id, "facts": facts}, sort_keys=False,
                                                             allow_unicode=True, width=200), encoding="utf-8")
        indexed = IndexedText(text)
        anchors = {}
        for fact in facts:
            start, end = indexed.find_all(fact["quote"])[0]
            anchors[fact["id"]] = indexed.anchor(start, end)
        source = Source(source_id, directory, "", "", f"{source_id}.txt", sha,
                        facts=[Fact(source_id, f["id"], f["quote"], f["about"]) for f in facts])
        (directory / "anchors.json").write_text(anchors_document(source, anchors), encoding="utf-8")
        facts_total += len(facts)
    return {"records": records, "facts": facts_total, "sources": -(-records // per_source)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--per-source", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.records, args.partners, args.per_source)))


if __name__ == "__main__":
    main()
