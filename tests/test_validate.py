"""nzdefence validate on the real checkout, and what the corpus of broken contributions
(test_contributions.py) does not show: a date read alike beside any neighbours, no traceback
from the command, sources identical to the shared originals."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO, TABLES, read_rows

from nzdefence import csvio
from nzdefence.schemas import read_schemas
from nzdefence.validate import validate


def test_real_checkout_is_valid_and_summarised(real_report):
    assert [str(problem) for problem in real_report.problems] == []
    tables = {name: read_rows(REPO / f"dataset/csv/{name}.csv") for name in TABLES}
    rows = sum(len(table) for table in tables.values())
    evidence = tables["evidence"]
    verified = sum(row["review"] == "verified" for row in evidence)
    assert real_report.summary() == (
        f"ok: {len(TABLES)} tables, {rows} rows, {len(evidence)} evidence rows "
        f"({verified} verified)"
    )


def test_a_hand_edited_datapackage_is_reported_and_never_followed(checkout):
    """validate compares datapackage.json with what the build writes; it never hands the
    committed file to Frictionless, which would read its schema paths and fetch its URLs."""
    path = checkout / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    package["resources"][0]["name"] = "Not A Valid Name"
    package["resources"][1]["schema"] = "http://198.51.100.1/schema.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "nzdefence.cli", "validate", str(checkout)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (1, "1 problem(s) found.\n")
    assert result.stdout == (
        "datapackage.json:0:-: differs from what nzdefence build writes; run nzdefence build\n"
    )


SHARED_SOURCES = REPO.parent / "shared" / "sources"


@pytest.mark.skipif(
    not SHARED_SOURCES.is_dir(),
    reason="the project's shared/ folder is not beside this checkout",
)
def test_sources_are_byte_for_byte_copies_of_the_shared_originals():
    originals = sorted(path.name for path in SHARED_SOURCES.glob("*.txt"))
    assert originals == sorted(
        path.name for path in (REPO / "dataset/sources").glob("*.txt")
    )
    for name in originals:
        assert (REPO / "dataset/sources" / name).read_bytes() == (
            SHARED_SOURCES / name
        ).read_bytes()


# Written dates at the edges of what is allowed. A column whose every cell is a real date is
# typed by one Arrow cast; a column with any bad cell is typed cell by cell. Both must agree.
EDGE_DATES = [
    "2024-02-29", "2000-02-29", "1900-02-29", "2023-02-29", "2024-04-31", "2024-13-01",
    "2024-00-10", "2024-01-00", "0001-01-01", "9999-12-31", "2024-3-1", " 2024-03-01",
    "2024-03-01 ", "2024-03-01T00:00", "+2024-03-01", "-2024-03-01", "02024-03-01",
    "20240301", "2024/03/01", "2024-060",
]  # fmt: skip


@pytest.mark.parametrize("written", EDGE_DATES)
def test_a_date_is_read_alike_beside_good_and_bad_cells(written):
    schema = read_schemas(REPO)["agreements"]
    position = schema.field_names.index("date_start")

    def date_start_of(cells: list[str]):
        lines = [",".join(schema.field_names)]
        for cell in cells:
            row = [""] * len(schema.field_names)
            row[position] = cell
            lines.append(",".join(row))
        raw = ("\n".join(lines) + "\n").encode("utf-8")
        table, problems, _ = csvio.read_table(raw, schema, "agreements.csv")
        values = table["date_start"].to_pylist()
        return values[0], [
            str(p) for p in problems if p.line == 2 and p.column == "date_start"
        ]

    alone = date_start_of([written])
    assert date_start_of([written, "2024-01-01"]) == alone
    assert date_start_of([written, "not a date"]) == alone
    real = alone[1] == []
    assert (alone[0] is not None) == real


def test_a_malformed_record_link_is_a_schema_problem(checkout):
    path = checkout / "schema/evidence.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["recordLinks"][0]["fields"] = ["record_table", "no_such_column"]
    path.write_text(json.dumps(schema), encoding="utf-8")
    problems = [str(problem) for problem in validate(checkout).problems]
    expected = (
        "schema/evidence.schema.json:0:-: a record link needs two fields of the table, one of "
        "them its reference's resourceFromField"
    )
    assert problems == [expected], problems


@pytest.mark.parametrize(
    "notes, lines",
    [
        (['"one\ntwo\nthree"', "", ""], [2, 5, 6]),
        (["", '"one\n\ntwo"', ""], [2, 3, 6]),
        (["", "", '"one\ntwo"'], [2, 3, 4]),
        (["", "", ""], [2, 3, 4]),
    ],
)
@pytest.mark.parametrize("last_newline", ["\n", ""])
def test_each_record_is_located_by_the_line_it_starts_on(notes, lines, last_newline):
    schema = read_schemas(REPO)["actors"]
    rows = [f"actor-{i},Actor {i},person,NZL,{note}" for i, note in enumerate(notes)]
    raw = ("\n".join([",".join(schema.field_names), *rows]) + last_newline).encode()
    table, problems, found = csvio.read_table(raw, schema, "actors.csv")
    assert (table.num_rows, problems) == (len(notes), [])
    assert found.tolist() == lines
