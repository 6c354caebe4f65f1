"""Issue 12's hostile findings that belong to no single stage: the exit code of a bug, and where
``--out`` writes (FIFOs, links, the build's own files, the umask)."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from .conftest import ROOT


def test_a_bug_exits_4_with_one_line_and_the_traceback_only_under_debug(built, cli, monkeypatch):
    import kg.graph.export

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug planted by the test")

    monkeypatch.setattr(kg.graph.export, "serialise", broken)
    code, _, err = cli("export", "--format", "nq", "--build", str(built.build_dir))
    assert code == 4
    assert "internal error (a bug in kg, not in your input): ZeroDivisionError: a bug planted by the test" in err
    assert "Traceback" not in err and "kg --debug export" in err
    code, _, err = cli("--debug", "export", "--format", "nq", "--build", str(built.build_dir))
    assert code == 4 and "Traceback (most recent call last)" in err and "def broken" not in err


def test_export_to_a_fifo_writes_into_it_and_leaves_it_a_fifo(built, cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _, err = cli("export", "--format", "nq", "--out", str(fifo), "--build", str(built.build_dir))
    reader.join(10)
    assert code == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert cli("export", "--format", "nq", "--out", str(tmp_path / "plain.nq"), "--build", str(built.build_dir))[0] == 0
    assert received == [(tmp_path / "plain.nq").read_bytes()]


def test_export_through_a_link_replaces_the_file_and_keeps_the_link(built, cli, tmp_path):
    target, link = tmp_path / "real.nq", tmp_path / "link.nq"
    target.write_text("old\n", encoding="utf-8")
    os.chmod(target, 0o640)
    link.symlink_to(target)
    assert cli("export", "--format", "nq", "--out", str(link), "--build", str(built.build_dir))[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes().startswith(b"<") and stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_a_new_output_gets_the_umask_mode_not_0600(built, cli, tmp_path):
    old = os.umask(0o022)
    try:
        assert cli("export", "--format", "ttl", "--out", str(tmp_path / "new.ttl"), "--build",
                   str(built.build_dir))[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.ttl").st_mode) == 0o644


@pytest.mark.parametrize("command", [["export", "--format", "nq"], ["diagram"]])
def test_out_over_the_build_itself_is_refused(command, cli, tmp_path):
    from kg.build import build

    from .conftest import make_settings

    settings = make_settings(tmp_path / "build")
    build(settings)
    before = settings.dataset_file.read_bytes()
    for name in ("dataset.nq", "store", "build-info.json", "current"):
        code, _, err = cli(*command, "--out", str(tmp_path / "build" / name), "--build", str(tmp_path / "build"))
        assert code == 2 and "that is a file of the build" in err, err
    assert settings.dataset_file.read_bytes() == before
    assert (ROOT / "queries").is_dir()
