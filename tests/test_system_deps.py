"""scripts/system-deps.sh: installs Graphviz and Chromium where missing, and says clearly when it cannot."""

from __future__ import annotations

import shutil
import subprocess

from .conftest import ROOT

SCRIPT = ROOT / "scripts" / "system-deps.sh"
BASH = shutil.which("bash") or "/bin/bash"


def run(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": path} if path is not None else None
    return subprocess.run([BASH, str(SCRIPT), *args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_nothing_to_do_when_both_programs_are_there():
    assert shutil.which("dot") and shutil.which("chromium"), "make setup installs them"
    result = run()
    assert result.returncode == 0 and result.stdout == result.stderr == ""


def test_without_root_a_missing_program_is_named_with_the_command_to_install_it(tmp_path):
    fake_id = tmp_path / "id"  # a non-root user, and no Graphviz on this PATH
    fake_id.write_text("#!/bin/sh\necho 1000\n", encoding="utf-8")
    fake_id.chmod(0o755)
    result = run("graphviz", path=str(tmp_path))
    assert result.returncode == 1
    assert "missing graphviz; installing needs root" in result.stderr
    assert "apt-get install -y --no-install-recommends graphviz" in result.stderr


def test_an_unknown_package_is_a_usage_error():
    result = run("firefox")
    assert result.returncode == 2 and "unknown package 'firefox'" in result.stderr
