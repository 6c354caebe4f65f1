"""Median wall time of `kg reason` (HermiT, Pellet) and of OWL 2 RL materialisation, by graph size.

    .venv/bin/kg build --infer
    .venv/bin/python benchmarks/reasoning.py [--sizes 1,10,100] [--runs 5] [--owlrl-cap 120] [--build DIR]

Synthetic graphs are the built article graph copied k times: every fact-introduced entity, fact,
time node, source and graph gets a copy per k (agreements, obligations, statements, evidence),
while the registry's states, people and organisations stay shared — many more facts about the
same actors, which is how the graph grows. Every copy stays consistent.

Reported: medians of fresh `kg reason` processes (so Python start, the OWL view and the Java start
are included), the Java start alone (`java -version`) and HermiT/Pellet on an empty ontology (the
reasoner's fixed cost); materialisation with reasonable against owlrl (the pure-Python reference
implementation) on the same input, owlrl capped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli_timing import KG, median_seconds, wall  # noqa: E402

from kg import vocab  # noqa: E402
from kg.graph.export import read_quads  # noqa: E402


def synthetic(quads: list[ox.Quad], copies: int) -> list[ox.Quad]:
    """The reasoning-relevant graphs of ``quads``, their facts copied ``copies`` times."""
    registry = {q.subject.value for q in quads if q.graph_name.value == vocab.GRAPH_ENTITIES}
    shared = [q for q in quads if q.graph_name.value in (vocab.GRAPH_ONTOLOGY, vocab.GRAPH_ENTITIES)]
    per_source = [q for q in quads if q.graph_name.value.startswith((vocab.GRAPH + "source/",
                                                                      vocab.GRAPH + "provenance/"))]
    out = list(shared)
    for k in range(copies):
        def rename(term, k=k):
            if isinstance(term, ox.NamedNode):
                value = term.value
                if value.startswith(vocab.ID) and value not in registry:
                    kind, _, rest = value[len(vocab.ID):].partition("/")
                    return ox.NamedNode(f"{vocab.ID}{kind}/x{k}-{rest}")
                for prefix in (vocab.GRAPH + "source/", vocab.GRAPH + "provenance/"):
                    if value.startswith(prefix):
                        return ox.NamedNode(f"{prefix}x{k}-{value[len(prefix):]}")
            return term

        out += [ox.Quad(rename(q.subject), q.predicate, rename(q.object), rename(q.graph_name))
                for q in per_source]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--build", default=str(ROOT / "build"), help="the build whose dataset is copied")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--owlrl-cap", type=float, default=120.0, help="skip owlrl above this many seconds")
    args = parser.parse_args()
    from kg.checks.owl2rl import materialise
    from kg.checks.owl_view import ReasoningInput, build_input
    from kg.checks.reasoners import is_consistent, java_for

    base = read_quads(Path(args.build) / "dataset.nq")
    rows = []
    owlrl_over_cap = False
    with tempfile.TemporaryDirectory() as tmp:
        tbox = ReasoningInput(tbox=build_input(base).tbox, units={}).ntriples()
        for reasoner in ("hermit", "pellet"):
            java = java_for(reasoner)
            jvm = statistics.median(wall([java.path, "-version"], args.runs, warmup=False))
            fixed = median_seconds(lambda reasoner=reasoner, java=java: is_consistent(tbox, reasoner, java), args.runs)
            print(f"{reasoner}: {java.describe()}; Java start (java -version) {jvm * 1000:.0f} ms; "
                  f"consistency of the ontology alone {fixed * 1000:.0f} ms", flush=True)
        for size in (int(s) for s in args.sizes.split(",")):
            quads = synthetic(base, size)
            directory = Path(tmp) / f"x{size}"
            directory.mkdir()
            (directory / "dataset.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
            asserted = sum(1 for q in quads if q.graph_name.value.startswith(vocab.GRAPH + "source/"))
            row = {"size": f"{size}x", "quads": len(quads), "asserted": asserted}
            for reasoner in ("hermit", "pellet"):
                times = wall([*KG, "reason", "--reasoner", reasoner, "--build", str(directory)], args.runs,
                             warmup=False)
                row[reasoner] = statistics.median(times)
            row["rl"] = median_seconds(lambda quads=quads: materialise(quads), args.runs)
            inferred = materialise(quads)
            row["inferred"] = sum(1 for q in inferred if q.graph_name.value == vocab.GRAPH_INFERRED)
            if owlrl_over_cap:
                row["owlrl"] = None
            else:
                row["owlrl"] = owlrl_seconds(quads)
                owlrl_over_cap = row["owlrl"] > args.owlrl_cap
            rows.append(row)
            print(row, flush=True)
    print()
    print("| graph | quads | asserted triples | kg reason HermiT | kg reason Pellet | OWL 2 RL (reasonable) "
          "| inferred | owlrl, same input | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        owlrl_text = f"{r['owlrl']:.2f} s" if r["owlrl"] is not None else "not run (over cap)"
        ratio = f"{r['owlrl'] / r['rl']:.0f}x" if r["owlrl"] is not None else "-"
        print(f"| {r['size']} | {r['quads']:,} | {r['asserted']:,} | {r['hermit']:.2f} s | {r['pellet']:.2f} s | "
              f"{r['rl']:.2f} s | {r['inferred']:,} | {owlrl_text} | {ratio} |")
    print(f"(medians of {args.runs} runs; owlrl timed once per size)")


def owlrl_seconds(quads: list[ox.Quad]) -> float:
    """One owlrl run on the same input as materialise (:func:`kg.owl2rl.rl_inputs`)."""
    import owlrl

    from kg.checks.owl2rl import rl_inputs
    from kg.terms import rdflib_graph

    graph = rdflib_graph(rl_inputs(quads)[0])
    start = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
