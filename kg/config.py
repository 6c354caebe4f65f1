"""Where things are: the project directory, its data, ontology, queries, build and source texts.

The project directory is ``KG_HOME`` if set, else the nearest directory at or above the working
directory that holds ``ontology/kgo.ttl`` and ``queries/``, else the directory this package was
installed from (an editable install). Source texts are not part of the project (copyright); they
are looked up on a search path: the directories of ``--texts`` and ``KG_TEXTS`` (``os.pathsep``-
separated), then ``../shared/sources``, ``../shared/reference`` and ``../shared/datasets`` (the published
data tables of the tabular sources) beside the project (added to, never replaced, so a directory of
one's own texts does not hide the shared ones). ``KG_SKIP_DATASETS=1`` leaves ``../shared/datasets``
out: a build then skips the tabular sources and says so (quick builds of the curated sources alone).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What ``kg build`` writes into the build directory.
DATASET_FILE = "dataset.nq"
BUILD_INFO_FILE = "build-info.json"
STORE_DIR = "store"
QUERY_HEADERS_FILE = "query-headers.json"  # the stored queries' parsed headers (kg.query.catalogue.header_cache)


def _looks_like_project(path: Path) -> bool:
    return (path / "ontology" / "kgo.ttl").is_file() and (path / "queries").is_dir()


def project_root() -> Path:
    """The project directory (see module docstring)."""
    env = os.environ.get("KG_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _looks_like_project(candidate):
            return candidate
    return Path(__file__).resolve().parent.parent


def default_text_path(root: Path, extra: list[Path] | None = None) -> list[Path]:
    """Search path for source texts: ``extra`` (--texts), then KG_TEXTS, then the shared folders beside
    the project; each directory once, in that order."""
    env = os.environ.get("KG_TEXTS", "")
    shared = root.parent / "shared"
    path: list[Path] = []
    datasets = [] if os.environ.get("KG_SKIP_DATASETS") else [shared / "datasets"]
    for directory in [*(extra or []), *(Path(p) for p in env.split(os.pathsep) if p),
                      shared / "sources", shared / "reference", *datasets]:
        if directory not in path:
            path.append(directory)
    return path


@dataclass
class Settings:
    """Resolved locations for one run."""

    root: Path = field(default_factory=project_root)
    data_dir: Path | None = None
    build_dir: Path | None = None
    text_path: list[Path] | None = None
    extra_sources: list[Path] = field(default_factory=list)
    only_sources: list[str] | None = None  # build only these sources of data/ (the extra ones always)
    _lease: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir) if self.data_dir else self.root / "data"
        self.build_dir = Path(self.build_dir) if self.build_dir else self.root / "build"
        self.text_path = [Path(p) for p in self.text_path] if self.text_path else default_text_path(self.root)

    @property
    def ontology_dir(self) -> Path:
        """The ontology directory (kgo.ttl, shapes.ttl)."""
        return self.root / "ontology"

    @property
    def queries_dir(self) -> Path:
        """Stored queries (*.rq) and quality checks (qc/*.rq)."""
        return self.root / "queries"

    @property
    def current_build(self) -> Path:
        """The directory of the build this run reads: ``current`` resolved once, on first use, and held
        (:func:`kg.builds.lease_current`), so the dataset, its description and the store all come from
        one whole build even when another build switches in meanwhile. Before any build, the build
        directory itself (where the error messages then say nothing was built)."""
        assert self.build_dir is not None
        if self._lease is None:
            from kg.builds import lease_current

            self._lease = lease_current(self.build_dir) or False
        return self._lease.directory if self._lease else self.build_dir

    def refresh_build(self) -> None:
        """Let go of the build read so far; the next read resolves ``current`` again (after a build)."""
        if self._lease:
            self._lease.release()
        self._lease = None

    @property
    def dataset_file(self) -> Path:
        """The built dataset that queries run on (canonical, sorted N-Quads)."""
        return self.current_build / DATASET_FILE

    @property
    def build_info_file(self) -> Path:
        """What the last build holds: counts per source and graph, inferred triples (JSON)."""
        return self.current_build / BUILD_INFO_FILE

    @property
    def query_headers_file(self) -> Path:
        """The stored queries' headers as the build parsed them (a cache: a cold ``kg query`` skips PyYAML)."""
        return self.current_build / QUERY_HEADERS_FILE

    @property
    def store_dir(self) -> Path:
        """The persistent Oxigraph store (RocksDB) that ``kg build`` writes beside the dataset."""
        return self.current_build / STORE_DIR
