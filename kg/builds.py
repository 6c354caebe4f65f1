"""The build directory: every build whole, switched in by one rename, read whole.

Layout (``build/`` by default)::

    .kg-build                    marker: kg build made this directory's build files
    .lock                        held (flock) by the build that is writing; others wait for it
    builds/000007/               one complete build: dataset.nq, build-info.json, store/, query-headers.json, .lease
    builds/.staging-000008-…     a build being written (a build that finds one removes it: its writer died)
    current -> builds/000007     THE pointer: a build is switched in by renaming a new symlink over it
    dataset.nq, build-info.json, store -> current/…   fixed links, for people and other tools

A build writes everything into its staging directory, renames it to its number, and then renames a
new ``current`` link over the old one: one rename switches the dataset, its description and the
store together, so a kill at any point leaves either the old build or the new one, never a mix.

Readers (``kg query``, ``kg serve``, …) resolve ``current`` once, then read only inside that build;
they hold a shared lock on its ``.lease`` while they do. After switching, a build removes every
older build nobody holds a lease on (an exclusive lock it cannot take means someone is reading).
Locks are ``flock``: the kernel releases them when a process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from kg.config import BUILD_INFO_FILE, DATASET_FILE, STORE_DIR
from kg.errors import InputError

MARKER = ".kg-build"
LOCK = ".lock"
BUILDS = "builds"
CURRENT = "current"
LEASE = ".lease"
STAGING_PREFIX = ".staging-"
TRASH_PREFIX = ".trash-"
LINKED = (DATASET_FILE, BUILD_INFO_FILE, STORE_DIR)  # names in the build directory that point into current/
_NUMBER = re.compile(r"\d{6,}")


def check_build_dir(build_dir: Path) -> None:
    """Refuse a build directory that holds files of the names kg build writes, which kg build did not make
    (issue 12: ``--build DIR`` deleted a ``DIR/store`` it had not created)."""
    if not build_dir.exists():
        return
    if not build_dir.is_dir():
        raise InputError(f"--build {build_dir}: exists and is not a directory")
    if (build_dir / MARKER).is_file() or _is_legacy_build(build_dir):
        return
    foreign = [n for n in (*LINKED, CURRENT, BUILDS) if (build_dir / n).exists() or (build_dir / n).is_symlink()]
    if foreign:
        raise InputError(f"{build_dir}: holds {', '.join(foreign)} that kg build did not make (no {MARKER} marker); "
                         "refusing to replace them: choose another --build directory, or remove them yourself")


def _is_legacy_build(build_dir: Path) -> bool:
    """A build directory of an earlier kg (files in place, no pointer): it is moved into builds/ once."""
    dataset, info, store = (build_dir / n for n in LINKED)
    if dataset.is_symlink() or not dataset.is_file() or info.is_symlink() or not info.is_file():
        return False
    if (build_dir / CURRENT).is_symlink() or (build_dir / BUILDS).exists():
        return False
    if store.exists() and (store.is_symlink() or not (store / "CURRENT").is_file()):
        return False
    try:
        described = json.loads(info.read_bytes().decode("utf-8"))
    except (ValueError, OSError):
        return False
    return isinstance(described, dict) and {"software_version", "quads"} <= set(described)


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold the build directory's lock: one build writes at a time; a second waits for the first."""
    build_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(build_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            print(f"kg build: waiting for the build already writing in {build_dir} (pid {holder})", file=sys.stderr,
                  flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def start(build_dir: Path) -> Path:
    """Under the build lock: make the build directory ours (migrating an earlier layout), remove what
    killed builds left, and create a staging directory for the next build."""
    check_build_dir(build_dir)
    if _is_legacy_build(build_dir):
        _migrate_legacy(build_dir)
    (build_dir / MARKER).write_text("This directory holds kg build's builds; see kg/builds.py.\n", encoding="utf-8")
    builds = build_dir / BUILDS
    builds.mkdir(exist_ok=True)
    remove_leftovers(build_dir)
    number = max((int(p.name) for p in builds.iterdir() if _NUMBER.fullmatch(p.name)), default=0) + 1
    staging = builds / f"{STAGING_PREFIX}{number:06d}-{os.getpid()}"
    staging.mkdir()
    return staging


def remove_leftovers(build_dir: Path) -> list[Path]:
    """Staging and trash of builds that died (only called under the build lock, so none is alive), and the
    temporary files of earlier kg versions. Returns what was removed."""
    removed = []
    builds = build_dir / BUILDS
    candidates = [p for p in builds.iterdir() if p.name.startswith((STAGING_PREFIX, TRASH_PREFIX))] \
        if builds.is_dir() else []
    candidates += [p for p in build_dir.glob(".store-new-*") if p.is_dir()]
    candidates += [p for p in build_dir.glob(".store.*.old") if p.is_dir()]
    candidates += list(build_dir.glob(f".{DATASET_FILE}.*.tmp")) + list(build_dir.glob(f".{BUILD_INFO_FILE}.*.tmp"))
    candidates += list(build_dir.glob(f".{CURRENT}.*.tmp"))
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        removed.append(path)
    return removed


def publish(build_dir: Path, staging: Path) -> Path:
    """Switch a complete staged build in: rename it to its number, then rename a new ``current`` link over
    the old one (the one atomic step), then remove older builds no one reads. Returns the build's directory."""
    (staging / LEASE).write_bytes(b"")
    _fsync_tree(staging)
    number = staging.name[len(STAGING_PREFIX):].split("-")[0]
    final = staging.parent / number
    os.rename(staging, final)
    _fsync_dir(final.parent)
    link = build_dir / f".{CURRENT}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(f"{BUILDS}/{number}", link)
    os.replace(link, build_dir / CURRENT)
    _fsync_dir(build_dir)
    _ensure_links(build_dir)
    collect_garbage(build_dir)
    return final


def _ensure_links(build_dir: Path) -> None:
    """The fixed links dataset.nq, build-info.json and store -> current/… (made once; never switched)."""
    for name in LINKED:
        path = build_dir / name
        if path.is_symlink() and os.readlink(path) == f"{CURRENT}/{name}":
            continue
        if path.exists() or path.is_symlink():
            continue  # check_build_dir refused foreign files; a legacy file was moved away before
        os.symlink(f"{CURRENT}/{name}", path)


def _migrate_legacy(build_dir: Path) -> None:
    """Move an earlier kg's dataset.nq, build-info.json and store into builds/000000 and point at it."""
    builds = build_dir / BUILDS
    builds.mkdir(exist_ok=True)
    legacy = builds / f"{STAGING_PREFIX}000000-{os.getpid()}"
    legacy.mkdir()
    for name in LINKED:
        if (build_dir / name).exists():
            os.rename(build_dir / name, legacy / name)
    publish(build_dir, legacy)


def collect_garbage(build_dir: Path) -> list[Path]:
    """Remove every numbered build except the current one, unless a reader holds its lease."""
    current = current_build(build_dir)
    removed = []
    for path in sorted((build_dir / BUILDS).iterdir()):
        if not _NUMBER.fullmatch(path.name) or (current is not None and path.name == current.name):
            continue
        try:
            fd = os.open(path / LEASE, os.O_RDONLY)
        except FileNotFoundError:
            fd = None
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # someone is reading it; a later build removes it
            trash = path.parent / f"{TRASH_PREFIX}{path.name}-{os.getpid()}"
            os.rename(path, trash)
        finally:
            if fd is not None:
                os.close(fd)
        shutil.rmtree(trash, ignore_errors=True)
        removed.append(path)
    return removed


def current_build(build_dir: Path) -> Path | None:
    """The directory ``current`` points to now (not leased), or None before the first build."""
    try:
        target = os.readlink(build_dir / CURRENT)
    except (FileNotFoundError, OSError):
        return None
    return build_dir / target


class Lease:
    """A reader's hold on one build: the build is not removed while the lease is held."""

    def __init__(self, directory: Path, fd: int | None) -> None:
        self.directory = directory
        self._fd = fd

    @property
    def number(self) -> str:
        """The build's number (its directory's name)."""
        return self.directory.name

    def release(self) -> None:
        """Let the build be removed (it is, by the next build, if it is no longer current)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.release()


def lease_current(build_dir: Path) -> Lease | None:
    """Resolve ``current`` once and hold a shared lock on that build, so that everything a command
    reads comes from one whole build; None when there is no build here (or an earlier kg's layout,
    read in place)."""
    for _ in range(20):
        directory = current_build(build_dir)
        if directory is None:
            return None
        try:
            fd = os.open(directory / LEASE, os.O_RDONLY)
        except FileNotFoundError:
            if not directory.exists() and current_build(build_dir) == directory:
                return None  # a dangling pointer: nothing to read
            continue  # removed just now; read the pointer again
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            still_there = os.stat(directory / LEASE).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            still_there = False
        if still_there:
            return Lease(directory, fd)
        os.close(fd)
    return None


def is_build_file(path: Path, build_dir: Path) -> bool:
    """Whether ``path`` names one of the build's own files (through any link): writing there would
    break the build (issue 12: ``kg export --out build/dataset.nq``)."""
    try:
        target = path.resolve()
        root = build_dir.resolve()
    except (OSError, RuntimeError):
        return False
    if target == root or (root / BUILDS) in target.parents or target == root / BUILDS:
        return True
    return any(target == (root / name).resolve() or target == root / name for name in (*LINKED, CURRENT, MARKER,
                                                                                         LOCK))


def refuse_build_file(path: Path, build_dir: Path) -> None:
    """An InputError when an output would be written over the build itself."""
    if is_build_file(path, build_dir):
        raise InputError(f"--out {path}: that is a file of the build in {build_dir}; writing it would break the "
                         "build. Choose another path")


def _fsync_tree(root: Path) -> None:
    """Flush every file of a staged build to disk before it is switched in."""
    for directory, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(directory))


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
