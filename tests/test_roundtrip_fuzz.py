"""Nothing lost, nothing crashes: CSV -> Parquet -> CSV is exact, and mutated CSVs never raise."""

from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq
import pytest
from conftest import LOCATED, REPO, TABLES, assemble
from hypothesis import given
from hypothesis import strategies as st

# The round trips test the two halves of the build without the checks in between, which
# generated rows would fail: these are internals, named here only.
from nzdefence.build import parquet_bytes, publishable
from nzdefence.csvio import read_table, to_csv
from nzdefence.schemas import read_schemas
from nzdefence.validate import validate

SCHEMAS = read_schemas(REPO)


def round_trip(csv_bytes: bytes, name: str) -> str:
    table, problems, _ = read_table(csv_bytes, SCHEMAS[name], name)
    assert table is not None, problems
    published = pq.read_table(
        io.BytesIO(parquet_bytes(publishable(table, SCHEMAS[name])))
    )
    return to_csv(published, SCHEMAS[name])


@pytest.mark.parametrize("name", TABLES)
def test_real_tables_round_trip_byte_for_byte(name):
    original = (REPO / "dataset/csv" / f"{name}.csv").read_bytes()
    assert round_trip(original, name) == original.decode("utf-8")


# Text as contributors write it: commas, quote marks, newlines, non-ASCII, the words NA and null.
cell_text = st.one_of(
    st.sampled_from(
        [
            "NA",
            "None",
            "null",
            "N/A",
            "-",
            "0",
            " spaced ",
            "a,b",
            'say "hi"',
            "line\nbreak",
            "“curly” ‘quotes’ — dash",
        ]
    ),
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
        max_size=40,
    ),
)
# Numbers as the schema requires them written: no leading or trailing zeros, no "-0", no
# exponent. Built rather than filtered, which made generating rows slower than checking them.
fraction = st.integers(1, 9999).map(lambda n: f"{n:04d}".rstrip("0"))
canonical_number = st.one_of(
    st.integers(-(10**14), 10**14).map(str),
    st.builds(
        lambda negative, whole, part: (
            ("-" if negative and (whole or part) else "")
            + str(whole)
            + (f".{part}" if part else "")
        ),
        st.booleans(),
        st.integers(0, 10**9),
        st.one_of(st.just(""), fraction),
    ),
)
iso_date = st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10)
code_list = st.lists(
    st.sampled_from(["NZL", "AUS", "JPN", "USA", "XYZ"]), max_size=4
).map(";".join)


def cell_for(field):
    empty = st.just("")
    if field.enum is not None:
        return st.one_of(empty, st.sampled_from(field.enum))
    kind = field.type
    if kind == "integer":
        return st.one_of(empty, st.integers(-(10**14), 10**14).map(str))
    if kind == "number":
        return st.one_of(empty, canonical_number)
    if kind == "date":
        return st.one_of(empty, iso_date)
    if kind == "list":
        return st.one_of(empty, code_list.filter(bool))
    return cell_text


@st.composite
def table_csv(draw, name: str) -> bytes:
    fields = SCHEMAS[name].fields
    rows = draw(st.lists(st.tuples(*[cell_for(field) for field in fields]), max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([field.name for field in fields])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("name", ["budgets", "exercises", "deployments", "evidence"])
@given(data=st.data())
def test_generated_rows_round_trip_cell_for_cell(name, data):
    original = data.draw(table_csv(name))
    assert round_trip(original, name) == original.decode("utf-8")


# --- fuzzing the validator ---------------------------------------------------------------------

MUTABLE = [f"dataset/csv/{name}.csv" for name in TABLES]
NASTY = [
    "",
    "NA",
    "=1+1",
    "\t",
    "-1",
    "2025-02-30",
    "1e9",
    "../../x",
    "é",
    '"',
    "\n",
    ";",
    "x" * 6000,
    "nz-missing",
    "NZL;XYZ",
]


# Without datapackage.json: its check (by frictionless) would be the same for every example,
# as the CSVs are what is broken here (the corpus covers a broken datapackage.json), and only
# add time. validate reports it missing and checks everything else.
NO_DATAPACKAGE = "datapackage.json:0:-: file is missing; run nzdefence build"


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory):
    """The corpus's valid checkout, which each example breaks and then restores."""
    root = assemble(tmp_path_factory.mktemp("fuzz") / "checkout")
    (root / "datapackage.json").unlink()
    assert [str(problem) for problem in validate(root).problems] == [NO_DATAPACKAGE]
    return root


def mutate_cells(raw: bytes, data) -> bytes:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    for _ in range(data.draw(st.integers(1, 3))):
        r = data.draw(st.integers(0, len(rows) - 1))
        if not rows[r]:
            continue
        c = data.draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = data.draw(st.one_of(st.sampled_from(NASTY), cell_text))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def mutate_rows(raw: bytes, data) -> bytes:
    lines = raw.split(b"\n")
    i = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    action = data.draw(st.sampled_from(["drop", "duplicate", "swap", "truncate"]))
    if action == "drop":
        del lines[i]
    elif action == "duplicate":
        lines.insert(i, lines[i])
    elif action == "swap" and len(lines) > 1:
        lines[0], lines[i] = lines[i], lines[0]
    else:
        lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
    return b"\n".join(lines)


def mutate_bytes(raw: bytes, data) -> bytes:
    edited = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(edited)))
        edit = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = (
            data.draw(
                st.sampled_from(
                    [0, 9, 10, 13, 34, 44, 59, 0xE9, 0xFF, 0xEF, 0xBB, 0xBF, 0x80]
                )
            )
            if edit != "delete"
            else None
        )
        if edit == "insert":
            edited.insert(at, byte)
        elif at < len(edited):
            if edit == "delete":
                del edited[at]
            else:
                edited[at] = byte
    return bytes(edited)


@given(data=st.data())
def test_validator_never_raises_and_always_locates(fuzz_root, data):
    # Up to three files broken at once: each run of the validator, the cost of an example,
    # then tries several mutations and how they meet.
    names = data.draw(
        st.lists(st.sampled_from(MUTABLE), min_size=1, max_size=3, unique=True)
    )
    originals = {name: (fuzz_root / name).read_bytes() for name in names}
    try:
        for name, original in originals.items():
            mutate = data.draw(
                st.sampled_from([mutate_cells, mutate_rows, mutate_bytes])
            )
            (fuzz_root / name).write_bytes(mutate(original, data))
        report = validate(fuzz_root)
    finally:
        for name, original in originals.items():
            (fuzz_root / name).write_bytes(original)
    for problem in report.problems:
        line = str(problem)
        assert "\n" not in line and LOCATED.fullmatch(line), line
        assert problem.line >= 0
