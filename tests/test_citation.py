"""Citation and versions: one version everywhere; CITATION.cff valid CFF 1.2.0."""

from __future__ import annotations

import json
import re

import jsonschema
import yaml
from conftest import REPO

import nzdefence

# The official CFF 1.2.0 schema (citation-file-format.github.io), kept as test data.
CFF_SCHEMA = json.loads(
    (REPO / "tests/data/cff-1.2.0.schema.json").read_text(encoding="utf-8")
)


def test_citation_cff_is_valid_cff_1_2():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(citation, CFF_SCHEMA)
    assert citation["cff-version"] == "1.2.0"


def test_an_invalid_citation_is_caught():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    del citation["authors"]
    try:
        jsonschema.validate(citation, CFF_SCHEMA)
    except jsonschema.ValidationError as error:
        assert "authors" in error.message
    else:
        raise AssertionError("CFF without authors passed validation")


def test_one_version_everywhere():
    version = nzdefence.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert (
        json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))["version"]
        == version
    )
    assert (
        yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))["version"]
        == version
    )
    from importlib.metadata import version as installed_version

    assert installed_version("nzdefence") == version
    assert f"version {version}" in nzdefence.cite()
    assert f"## {version}" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


def test_cite_names_the_dataset_and_licence():
    text = nzdefence.cite()
    assert text.startswith("nzdefence contributors (")
    assert "CC-BY-4.0" in text
