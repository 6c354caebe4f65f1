"""Project metadata: CITATION.cff is valid CFF 1.2.0, the changelog follows Keep a Changelog, licences are stated."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import jsonschema
import yaml

from .conftest import ROOT


def cff_schema() -> dict:
    """The CFF 1.2.0 JSON schema as cffconvert ships it (read as a file: the package is installed
    without its dependencies, see the Makefile)."""
    spec = importlib.util.find_spec("cffconvert")
    assert spec is not None and spec.submodule_search_locations, "cffconvert is not installed: run make setup"
    path = Path(spec.submodule_search_locations[0]) / "schemas" / "1.2.0" / "schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def validate_cff(document: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(cff_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document))


def test_citation_cff_is_valid_cff_1_2_0():
    document = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert validate_cff(document) == []
    assert document["cff-version"] == "1.2.0"
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert document["version"] == version.group(1)
    assert set(document["license"]) == {"MIT", "CC-BY-4.0"}


def test_an_invalid_citation_file_is_caught():
    document = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    del document["authors"]
    document["license"] = "Not-A-Licence"
    errors = validate_cff(document)
    assert any("'authors' is a required property" in e for e in errors)
    assert any(e.startswith("license") for e in errors)


def test_changelog_follows_keep_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/en/1.1.0/" in text
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert headings[0] == ("Unreleased", "")
    assert all(date for version, date in headings[1:])
    for section in re.findall(r"^### (.+)$", text, re.M):
        assert section in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_licences_are_stated_for_code_and_data():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "CC BY 4.0" in licence
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Code: MIT" in readme and "CC BY 4.0" in readme
