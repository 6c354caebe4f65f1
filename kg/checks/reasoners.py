"""Run the OWL DL reasoners, HermiT and Pellet, through owlready2.

Classification (consistency, inferred types and property values, unsatisfiable classes) goes
through owlready2's ``sync_reasoner_hermit``/``sync_reasoner_pellet``. The explanation search
needs many yes/no consistency checks, and owlready2 offers none that does not also classify and
realise (about twice the time), so those call the same reasoner jars that owlready2 ships, with
the reasoners' own consistency commands (HermiT ``-k``, ``pellet consistency``).

Outcomes are kept apart: "inconsistent" is an answer; a Java or reasoner failure raises
:class:`ReasonerFailed` (or :class:`kg.java.JavaUnavailable`), never "inconsistent".
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg import vocab
from kg.checks.java import JavaRuntime, find_java
from kg.errors import InputError

JAVA_MEMORY_MB = 2000


class ReasonerFailed(InputError):
    """The reasoner could not run or crashed: an environment problem, not an inconsistency."""


@dataclass(frozen=True)
class ReasonerSpec:
    """A reasoner: its name, the oldest Java it runs on and how to ask it for consistency."""

    key: str
    name: str
    minimum_java: int


REASONERS = {
    "hermit": ReasonerSpec("hermit", "HermiT", 8),
    # owlready2 0.51 bundles a Pellet whose patched Jena classes are compiled for Java 25 (class 69).
    "pellet": ReasonerSpec("pellet", "Pellet", 25),
}


@dataclass
class DLResult:
    """What a DL reasoner concluded about a set of triples."""

    reasoner: str
    java: JavaRuntime
    consistent: bool
    seconds: float
    inferred_types: dict[str, list[str]] = field(default_factory=dict)
    inferred_values: list[tuple[str, str, str]] = field(default_factory=list)
    unsatisfiable: list[str] = field(default_factory=list)


def spec(key: str) -> ReasonerSpec:
    """The reasoner called ``key``; an unknown name is a usage error."""
    if key not in REASONERS:
        raise InputError(f"unknown reasoner {key!r}; choose one of {', '.join(REASONERS)}")
    return REASONERS[key]


def java_for(key: str) -> JavaRuntime:
    """The Java runtime the reasoner will run on."""
    reasoner = spec(key)
    return find_java(reasoner.minimum_java, f"{reasoner.name} (owlready2 {_owlready_version()})")


def _owlready_version() -> str:
    from importlib import metadata

    return metadata.version("owlready2")


def _jars(key: str) -> str:
    import owlready2

    here = Path(owlready2.__file__).parent
    if key == "hermit":
        return os.pathsep.join([str(here / "hermit"), str(here / "hermit" / "HermiT.jar")])
    return os.pathsep.join(str(p) for p in sorted((here / "pellet").glob("*.jar")))


def is_consistent(ntriples: bytes, key: str, java: JavaRuntime | None = None) -> bool:
    """Ask the reasoner only whether the ontology in ``ntriples`` is consistent."""
    java = java or java_for(key)
    with tempfile.NamedTemporaryFile(suffix=".nt", delete=False) as handle:
        handle.write(ntriples)
        path = handle.name
    try:
        if key == "hermit":
            command = [java.path, f"-Xmx{JAVA_MEMORY_MB}M", "-cp", _jars(key),
                       "org.semanticweb.HermiT.cli.CommandLine", "-k", Path(path).as_uri()]
        else:
            command = [java.path, f"-Xmx{JAVA_MEMORY_MB}M", "-cp", _jars(key), "pellet.Pellet", "consistency",
                       "--loader", "Jena", "--input-format", "N-Triples", path]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReasonerFailed(f"{spec(key).name} could not run on {java.describe()}: {exc}") from None
    finally:
        os.unlink(path)
    output = completed.stdout + completed.stderr
    if key == "hermit":
        if completed.returncode == 0 and "is satisfiable" in completed.stdout:
            return True
        if "InconsistentOntologyException" in output:
            return False
    else:
        if "Consistent: Yes" in completed.stdout:
            return True
        if "Consistent: No" in completed.stdout:
            return False
    raise ReasonerFailed(f"{spec(key).name} failed on {java.describe()} (exit {completed.returncode}):\n"
                         + _excerpt(output))


def _excerpt(output: str, lines: int = 6) -> str:
    kept = [line for line in output.splitlines() if line.strip() and not line.lstrip().startswith("at ")]
    return "\n".join(kept[:lines])


def classify(ntriples: bytes, key: str, java: JavaRuntime | None = None,
             value_properties: tuple[str, ...] = (vocab.KGO + "pledgesToDefend",)) -> DLResult:
    """Classify and realise with owlready2: consistency, new types, new property values, unsatisfiable classes."""
    import owlready2

    java = java or java_for(key)
    owlready2.JAVA_EXE = java.path
    with tempfile.NamedTemporaryFile(suffix=".nt", delete=False) as handle:
        handle.write(ntriples)
        path = handle.name
    world = owlready2.World()
    started = time.perf_counter()
    try:
        world.get_ontology(Path(path).as_uri()).load(format="ntriples")
        asserted = {ind.iri: _closure_of(ind.is_a) for ind in world.individuals()}
        before = {(ind.iri, prop): set(_values(world, ind, prop)) for ind in world.individuals()
                  for prop in value_properties}
        try:
            if key == "hermit":
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
            else:
                owlready2.sync_reasoner_pellet(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return DLResult(spec(key).name, java, False, time.perf_counter() - started)
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonerFailed(f"{spec(key).name} failed on {java.describe()}:\n{_excerpt(str(exc))}") from None
        seconds = time.perf_counter() - started
        result = DLResult(spec(key).name, java, True, seconds)
        for ind in world.individuals():
            now = _closure_of(ind.INDIRECT_is_a)
            new = sorted(c for c in now - asserted.get(ind.iri, set()) if c.startswith(vocab.KGO))
            if new:
                result.inferred_types[ind.iri] = new
            for prop in value_properties:
                for value in sorted(set(_values(world, ind, prop)) - before.get((ind.iri, prop), set())):
                    result.inferred_values.append((ind.iri, prop, value))
        result.unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if hasattr(c, "iri"))
        return result
    finally:
        world.close()
        os.unlink(path)


def _closure_of(classes) -> set[str]:
    import owlready2

    out: set[str] = set()
    for cls in classes:
        if isinstance(cls, owlready2.ThingClass):
            out |= {c.iri for c in cls.ancestors() if isinstance(c, owlready2.ThingClass)}
    return out


def _values(world, individual, prop_iri: str) -> list[str]:
    prop = world[prop_iri]
    if prop is None:
        return []
    return [v.iri for v in prop[individual] if hasattr(v, "iri")]
