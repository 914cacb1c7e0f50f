"""nzdefence validate on the real checkout and on broken copies of it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, edit_table, read_rows

from nzdefence import csvio
from nzdefence.cli import main
from nzdefence.schemas import FACT_TABLES, read_schemas
from nzdefence.validate import validate


def problems_of(root) -> list[str]:
    return [str(problem) for problem in validate(root).problems]


def test_real_checkout_is_valid():
    report = validate(REPO)
    assert [str(p) for p in report.problems] == []
    assert report.summary().startswith("ok: 9 tables")


def test_every_fact_table_has_rows():
    report = validate(REPO)
    for table in FACT_TABLES:
        assert len(report.checkout.frames[table]) > 0, table


def test_cli_prints_summary_and_exits_0(capsys):
    assert main(["validate", str(REPO)]) == 0
    assert capsys.readouterr().out.startswith("ok: 9 tables")


def test_quote_moved_by_one_character_is_located(checkout):
    rows = read_rows(checkout / "dataset/csv/evidence.csv")
    start, end = int(rows[0]["quote_start"]), int(rows[0]["quote_end"])

    def shift(rows):
        rows[0]["quote_start"], rows[0]["quote_end"] = str(start + 1), str(end + 1)

    edit_table(checkout, "evidence", shift)
    found = problems_of(checkout)
    assert any(
        p.startswith("dataset/csv/evidence.csv:2:quote: quote is not at")
        and f"set quote_start={start}, quote_end={end}" in p
        for p in found
    ), found


def test_dangling_speaker_is_reported_with_nearest_ids(checkout):
    def dangle(rows):
        rows[0]["speaker"] = rows[0]["speaker"] + "x"

    edit_table(checkout, "statements", dangle)
    found = problems_of(checkout)
    assert any(
        p.startswith("dataset/csv/statements.csv:2:speaker:")
        and "is not among actors.id" in p
        for p in found
    ), found


def test_duplicate_id_is_reported(checkout):
    edit_table(checkout, "exercises", lambda rows: rows.append(dict(rows[0])))
    found = problems_of(checkout)
    last_row = len(read_rows(checkout / "dataset/csv/exercises.csv")) + 1
    assert any(
        p.startswith(f"dataset/csv/exercises.csv:{last_row}:id:")
        and "more than once" in p
        for p in found
    ), found


def test_unknown_enum_value_lists_allowed_values(checkout):
    def bad_kind(rows):
        rows[0]["kind"] = "submarine_race"

    edit_table(checkout, "exercises", bad_kind)
    found = problems_of(checkout)
    assert any(
        p.startswith(
            "dataset/csv/exercises.csv:2:kind: 'submarine_race' is not an allowed value; allowed: exercise,"
        )
        for p in found
    ), found


def test_end_date_before_start_is_reported(checkout):
    def reverse(rows):
        dated = next(r for r in rows if r["date_start"])
        dated["date_start"], dated["date_end"], dated["date_precision"] = (
            "2025-05-02",
            "2025-05-01",
            "day",
        )

    edit_table(checkout, "agreements", reverse)
    assert any(
        ":date_end: date_end is before date_start" in p for p in problems_of(checkout)
    )


def test_precision_contradicting_dates_is_reported(checkout):
    def contradict(rows):
        dated = next(r for r in rows if r["date_precision"] == "month")
        dated["date_start"] = dated["date_start"][:8] + "02"

    edit_table(checkout, "exercises", contradict)
    assert any(
        ":date_precision: the dates contradict date_precision" in p
        for p in problems_of(checkout)
    )


def test_impossible_date_is_reported(checkout):
    def impossible(rows):
        dated = next(r for r in rows if r["date_start"])
        dated["date_start"] = "2025-02-30"

    edit_table(checkout, "exercises", impossible)
    assert any(
        ":date_start: '2025-02-30' is not a real calendar date" in p
        for p in problems_of(checkout)
    )


def test_record_without_evidence_and_evidence_without_record(checkout):
    evidence = read_rows(checkout / "dataset/csv/evidence.csv")
    budget_id = next(r["record_id"] for r in evidence if r["table"] == "budgets")

    def orphan(rows):
        for row in rows:
            if row["table"] == "budgets" and row["record_id"] == budget_id:
                row["record_id"] = budget_id + "-gone"

    edit_table(checkout, "evidence", orphan)
    found = problems_of(checkout)
    assert any(
        p.startswith("dataset/csv/budgets.csv:")
        and f"record {budget_id!r} has no row in evidence.csv" in p
        for p in found
    )
    assert any(
        p.startswith("dataset/csv/evidence.csv:")
        and f"budgets has no record '{budget_id}-gone'" in p
        for p in found
    )


def test_changed_source_file_fails_its_hash(checkout):
    source = min((checkout / "dataset/sources").glob("*.txt"))
    source.write_bytes(source.read_bytes() + b" ")
    found = problems_of(checkout)
    assert any(
        p.startswith("dataset/csv/sources.csv:2:sha256:") and "has changed" in p
        for p in found
    ), found


def test_new_source_file_without_row(checkout):
    (checkout / "dataset/sources/999_unlisted.txt").write_text("text", encoding="utf-8")
    found = problems_of(checkout)
    assert any(
        "dataset/sources/999_unlisted.txt has no row in the sources table" in p
        for p in found
    ), found


def test_quoted_statement_not_in_its_evidence(checkout):
    def reword(rows):
        quoted = next(r for r in rows if r["kind"] == "quote")
        quoted["text"] = quoted["text"] + " indeed"

    edit_table(checkout, "statements", reword)
    assert any(
        ":text: statement of kind 'quote' must have its text verbatim" in p
        for p in problems_of(checkout)
    )


def test_text_na_is_kept_as_text(checkout):
    def na_note(rows):
        rows[0]["note"] = "NA"

    edit_table(checkout, "actors", na_note)
    report = validate(checkout)
    assert report.problems == []
    assert report.checkout.frames["actors"].loc[0, "note"] == "NA"


@pytest.mark.parametrize("table", ["actors", "evidence"])
def test_cli_reports_located_lines_and_exits_1(checkout, capsys, table):
    def blank_required(rows):
        rows[0][next(iter(rows[0]))] = ""

    edit_table(checkout, table, blank_required)
    assert main(["validate", str(checkout)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out and all(
        line.startswith("dataset/csv/") and line.count(":") >= 3 for line in out
    ), out


def test_sources_table_matches_files():
    for row in read_rows(REPO / "dataset/csv/sources.csv"):
        raw = (REPO / row["path"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == row["sha256"]
        assert len(raw.decode("utf-8")) == int(row["characters"])


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
    schema = read_schemas(REPO / "schema")["agreements"]
    position = schema.field_names.index("date_start")

    def date_start_of(cells: list[str]):
        lines = [",".join(schema.field_names)]
        for cell in cells:
            row = [""] * len(schema.field_names)
            row[position] = cell
            lines.append(",".join(row))
        raw = ("\n".join(lines) + "\n").encode("utf-8")
        table, problems = csvio.read_table(raw, schema, "agreements.csv")
        values = table["date_start"].to_pylist()
        return values[0], [
            str(p) for p in problems if p.row == 2 and p.column == "date_start"
        ]

    alone = date_start_of([written])
    assert date_start_of([written, "2024-01-01"]) == alone
    assert date_start_of([written, "not a date"]) == alone
    real = alone[1] == []
    assert (alone[0] is not None) == real


def _break_datapackage(root) -> None:
    path = root / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    package["resources"][0]["name"] = "Not A Valid Name"
    path.write_text(json.dumps(package), encoding="utf-8")


BROKEN_DATAPACKAGE = (
    "datapackage.json:0:-: frictionless: The data resource has an error: "
    "'Not A Valid Name' does not match"
)


def test_frictionless_checks_datapackage_in_a_process_of_its_own(checkout):
    _break_datapackage(checkout)
    code = (
        "import sys; from nzdefence.validate import validate; "
        f"report = validate({str(checkout)!r}); "
        "print('frictionless' in sys.modules); "
        "print(*map(str, report.problems), sep='\\n')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    imported_here, *problems = result.stdout.splitlines()
    assert imported_here == "False"
    assert len(problems) == 1 and problems[0].startswith(BROKEN_DATAPACKAGE)


def test_frictionless_checks_datapackage_here_once_imported(checkout):
    import frictionless  # noqa: F401 -- with it imported, the check runs in this process

    _break_datapackage(checkout)
    problems = problems_of(checkout)
    assert len(problems) == 1 and problems[0].startswith(BROKEN_DATAPACKAGE)


def test_cli_reports_a_broken_datapackage_without_a_traceback(checkout):
    _break_datapackage(checkout)
    (checkout / "dataset/csv/actors.csv").write_bytes(b"id\n")
    result = subprocess.run(
        [sys.executable, "-m", "nzdefence.cli", "validate", str(checkout)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(BROKEN_DATAPACKAGE) for line in lines)
    assert any(line.startswith("dataset/csv/actors.csv:1:") for line in lines)
    assert "Traceback" not in result.stderr


def _read_actors(raw: bytes) -> list[str]:
    schema = read_schemas(REPO / "schema")["actors"]
    return [str(p) for p in csvio.read_table(raw, schema, "actors.csv")[1]]


def test_a_windows_1252_export_is_located_at_its_byte_in_the_file():
    header = b"id,name,kind,country,note"
    raw = (
        header
        + b"\r\nhelen-clark,Helen Clark,person,NZL,\r\ncafe,Caf\xe9,person,NZL,\r\n"
    )
    offset = raw.index(b"\xe9")
    expected = (
        f"actors.csv:3:-: file is not valid UTF-8 (byte 0xe9 at offset {offset}); "
        "it may be Latin-1 or Windows-1252: save it as UTF-8"
    )
    assert _read_actors(raw) == [expected]


def test_an_encoding_error_is_found_behind_an_empty_first_line():
    raw = b"\nid,name,kind,country,note\ncafe,Caf\xe9,person,NZL,\n"
    problems = _read_actors(raw)
    assert len(problems) == 1 and "is not valid UTF-8" in problems[0], problems


def test_a_file_named_like_a_module_in_the_working_directory_changes_nothing(tmp_path):
    # The datapackage check runs in a child Python; the working directory must not be the
    # first place it looks for frictionless.
    (tmp_path / "frictionless.py").write_text("raise ImportError('shadowed')\n")
    console_script = Path(sys.executable).parent / "nzdefence"
    result = subprocess.run(
        [str(console_script), "validate", str(REPO)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("ok: ")


def test_a_malformed_record_link_is_a_schema_problem(checkout):
    path = checkout / "schema/evidence.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["recordLinks"][0]["fields"] = ["table", "no_such_column"]
    path.write_text(json.dumps(schema), encoding="utf-8")
    problems = problems_of(checkout)
    expected = (
        "schema/evidence.schema.json:0:-: a record link needs two fields of the table, one of "
        "them its reference's resourceFromField with an enum of the tables it may name, and "
        "one reference field"
    )
    assert problems == [expected], problems
