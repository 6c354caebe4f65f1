"""The layering of kg/ (docs/architecture.md) is a contract checked by import-linter.

The contract lives in pyproject.toml ([tool.importlinter]); `make lint` runs it, and so does this
test, with a negative case: an upward import in a copy of the package breaks the contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=package_parent, env=env, capture_output=True, text=True)


def test_the_package_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    shutil.copytree(ROOT / "kg", tmp_path / "kg", ignore=shutil.ignore_patterns("__pycache__"))
    model = tmp_path / "kg" / "sources" / "model.py"
    model.write_text(model.read_text(encoding="utf-8") + "\n\ndef _upward():\n    from kg.cli import main\n",
                     encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "BROKEN" in result.stdout and "kg.sources.model -> kg.cli" in result.stdout


def test_a_stray_top_level_module_breaks_the_contract(tmp_path):
    shutil.copytree(ROOT / "kg", tmp_path / "kg", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "kg" / "helpers.py").write_text('"""Belongs nowhere."""\n', encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1 and "kg.helpers" in result.stdout
