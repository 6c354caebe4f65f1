"""Write files and directories so that a reader never sees half of one and a failure leaves the old one intact."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    write_all_atomically({path: data})


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(path: Path) -> int:
    """The mode a replaced file keeps, or what the umask gives a new one (mkstemp's 0600 is for secrets)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return 0o666 & ~_umask()


def write_output(path: Path, data: bytes) -> None:
    """Write a command's output (``--out PATH``) the way a shell redirection would, but atomically where
    that is possible: a regular file (or a new one) is replaced by a rename and keeps its mode; a link is
    followed and the file it points to replaced (the link stays); a FIFO, a terminal or a device such as
    ``/dev/null`` is written to, never replaced (issue 12: ``--out /dev/null`` replaced the device)."""
    from kg.errors import InputError

    try:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise InputError(f"--out {path}: is a directory; give a file name")
        if info is not None and not stat.S_ISREG(info.st_mode):
            with open(path, "wb") as handle:
                handle.write(data)
            return
        write_atomically(Path(os.path.realpath(path)) if path.is_symlink() else path, data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_all_atomically(files: Mapping[Path, bytes]) -> None:
    """Write several files; none is replaced until all have been written in full.

    Every temporary file is created before any target is touched, so an error while writing
    (disk full, permission) leaves every previous file as it was. A replaced file keeps its mode; a new
    one gets the umask's.
    """
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((path, tmp))
            os.fchmod(fd, new_file_mode(path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for path, tmp in staged:
            os.replace(tmp, path)
        staged.clear()
    finally:
        for _, tmp in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def replace_directory(staging: Path, target: Path) -> None:
    """Put a fully written ``staging`` directory in place of ``target`` by renames: the old one is moved
    aside, the new one renamed in, then the old one removed (a directory cannot be renamed over)."""
    import shutil

    if not target.exists():
        os.rename(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.rename(target, retired / target.name)
    os.rename(staging, target)
    shutil.rmtree(retired, ignore_errors=True)
