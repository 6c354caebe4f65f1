"""Every example output in README.md and docs/*.md is what the code prints now (cog --check through
scripts/doc_examples.py; `make docs` regenerates them). The examples that read the source texts or
reference files are checked in a test of their own, skipped (failed in CI) where the texts are absent."""

from __future__ import annotations

import importlib.util
import re

from .conftest import ROOT

SCRIPT = ROOT / "scripts" / "doc_examples.py"


def check(monkeypatch, capsys, mode: str) -> tuple[int, str]:
    """cog --check over every documentation file, running the examples of one kind (KG_DOC_EXAMPLES)."""
    monkeypatch.setenv("KG_DOC_EXAMPLES", mode)
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("doc_examples_main", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    status = module.main(["--check"])
    out, err = capsys.readouterr()
    return status, out + err


def test_examples_print_what_the_code_prints(monkeypatch, capsys):
    status, output = check(monkeypatch, capsys, "no-texts")
    assert status == 0, output  # the output ends with: run `make docs` and commit the result


def test_examples_that_read_the_source_texts(monkeypatch, capsys, require_texts):
    status, output = check(monkeypatch, capsys, "texts")
    assert status == 0, output


def test_every_documentation_file_has_its_examples_generated():
    """No hand-written console output: every `$ command` in a console block sits inside a cog block."""
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        outside = re.sub(r"\[\[\[cog.*?\[\[\[end\]\]\]", "", text, flags=re.DOTALL)
        assert "```console" not in outside, path.name


def test_a_stale_example_fails_the_check_and_says_to_run_make_docs(monkeypatch, capsys, tmp_path):
    stale = tmp_path / "stale.md"
    stale.write_text('<!-- [[[cog run("kg queries | head -n 1") ]]] -->\n```console\n$ kg queries | head -n 1\n'
                     "no-such-query\n```\n<!-- [[[end]]] -->\n", encoding="utf-8")
    monkeypatch.setenv("KG_DOC_EXAMPLES", "all")
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    from cogapp import Cog

    status = Cog().main(["cog", "-p", "from doc_examples import run", "--check",
                         "--check-fail-msg=run `make docs`", str(stale)])
    out, err = capsys.readouterr()
    assert status != 0 and "Check failed: run `make docs`" in out + err
