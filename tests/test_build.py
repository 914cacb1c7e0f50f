"""nzdefence build: typed, deterministic, atomic Parquet and datapackage.json."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, TABLES, edit_table, schema_fields

from nzdefence import files as files_module
from nzdefence.cli import main

STALE = "differs from what nzdefence build writes; run nzdefence build"


def outputs_of(root):
    paths = [root / "dataset/parquet" / f"{name}.parquet" for name in TABLES] + [
        root / "datapackage.json"
    ]
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in paths}


def test_committed_outputs_are_up_to_date():
    assert main(["build", "--check", str(REPO)]) == 0


def test_build_is_byte_identical_for_the_same_csvs(checkout):
    assert main(["build", str(checkout)]) == 0
    first = outputs_of(checkout)
    assert main(["build", str(checkout)]) == 0
    assert outputs_of(checkout) == first


def test_check_fails_when_a_csv_changes(checkout, capsys):
    def reword(rows):
        rows[0]["note"] = "changed after the last build"

    edit_table(checkout, "actors", reword)
    assert main(["build", "--check", str(checkout)]) == 1
    # The data dictionary shows an example value of each column.
    assert capsys.readouterr().out.splitlines() == [
        f"dataset/parquet/actors.parquet:0:-: {STALE}",
        f"docs/data-dictionary.md:0:-: {STALE}",
    ]


def test_check_fails_when_a_schema_description_changes(checkout, capsys):
    path = checkout / "schema/actors.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][1]["description"] += " Reworded."
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False), encoding="utf-8")
    assert main(["build", "--check", str(checkout)]) == 1
    # Parquet carries each column's description; the data dictionary lists them.
    assert capsys.readouterr().out.splitlines() == [
        f"dataset/parquet/actors.parquet:0:-: {STALE}",
        f"docs/data-dictionary.md:0:-: {STALE}",
    ]


def test_parquet_is_typed_and_described():
    for name in TABLES:
        table = pq.read_table(REPO / "dataset/parquet" / f"{name}.parquet")
        for field in schema_fields(name):
            arrow = table.schema.field(field["name"])
            assert arrow.metadata[b"description"].decode() == field["description"]
            if "enum" in field.get("constraints", {}):
                assert pa.types.is_dictionary(arrow.type)
                assert (
                    table[field["name"]].chunk(0).dictionary.to_pylist()
                    == field["constraints"]["enum"]
                )
            else:
                expected = {
                    "string": pa.string(),
                    "integer": pa.int64(),
                    "number": pa.float64(),
                    "date": pa.date32(),
                    "list": pa.list_(pa.string()),
                }[field["type"]]
                assert arrow.type == expected, (name, field["name"])


def test_datapackage_lists_every_table_and_source_with_licences():
    package = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    names = [resource["name"] for resource in package["resources"]]
    assert names[: len(TABLES)] == list(TABLES)
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    texts = [r for r in package["resources"] if r["format"] == "txt"]
    assert len(texts) == len(list((REPO / "dataset/sources").glob("*.txt")))
    assert all(
        r["hash"].startswith("sha256:") and "copyright" in r["rights"] for r in texts
    )


def test_invalid_data_is_not_built(checkout):
    before = outputs_of(checkout)

    def break_kind(rows):
        rows[0]["kind"] = "not-a-kind"

    edit_table(checkout, "exercises", break_kind)
    assert main(["build", str(checkout)]) == 1
    assert outputs_of(checkout) == before


def test_interrupted_build_leaves_previous_outputs_intact(checkout, monkeypatch):
    def reword(rows):
        rows[0]["note"] = "a change that is never published"

    edit_table(checkout, "actors", reword)
    before = outputs_of(checkout)
    real_fsync, calls = files_module.os.fsync, []

    def fail_on_third_file(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(files_module.os, "fsync", fail_on_third_file)
    with pytest.raises(OSError, match="disk full"):
        main(["build", str(checkout)])
    assert outputs_of(checkout) == before
    leftovers = [p for p in checkout.rglob("*.tmp")]
    assert leftovers == []


def test_changed_date_makes_the_timeline_stale_until_rebuilt(checkout, capsys):
    def move(rows):
        dated = next(r for r in rows if r["date_precision"] == "day")
        dated["date_start"] = dated["date_end"] = "2025-12-20"

    edit_table(checkout, "milestones", move)
    assert main(["build", "--check", str(checkout)]) == 1
    assert (
        "docs/timeline.svg:0:-: the timeline shows other data than the CSVs hold"
        in capsys.readouterr().out
    )
    before = (checkout / "docs/timeline.png").read_bytes()
    assert main(["build", str(checkout)]) == 0
    assert (checkout / "docs/timeline.png").read_bytes() != before
    assert main(["build", "--check", str(checkout)]) == 0


def test_data_dictionary_documents_every_table_and_allowed_value():
    # That it is current, build --check checks (test_committed_outputs_are_up_to_date).
    dictionary = (REPO / "docs/data-dictionary.md").read_text(encoding="utf-8")
    headings = [
        line.split(":")[0] for line in dictionary.splitlines() if line.startswith("## ")
    ]
    # Then the derived table, which the build computes from them (tests/test_partners.py).
    assert headings == [f"## `{name}`" for name in TABLES] + ["## `partners_by_year`"]
    assert "- `port_visit`: A visit by naval vessels to a port." in dictionary


def test_two_builds_at_once_leave_whole_outputs_and_no_temporary_files(checkout):
    """Two builds racing on one checkout (two CI jobs, or a build started twice): each writes
    its own temporary files and renames them, so both succeed and what is left is one build's
    whole output."""

    def reword(rows):
        rows[0]["note"] = "changed, so that both builds write every output anew"

    edit_table(checkout, "actors", reword)
    before = outputs_of(checkout)
    command = [sys.executable, "-m", "nzdefence.cli", "build", str(checkout)]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert outputs_of(checkout) != before
    assert [p for p in checkout.rglob("*") if p.name.endswith(".tmp")] == []
    assert main(["build", "--check", str(checkout)]) == 0
