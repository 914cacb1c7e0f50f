"""``nzdefence show``: a record with its quotes in their paragraphs, or a span of a source."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nzdefence.cli import main
from nzdefence.layout import PARQUET_DIR
from nzdefence.published import data_folders, evidence_link, read_schemas

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = read_schemas(data_folders(REPO))
LINK = evidence_link(SCHEMAS)


def rows(name: str, root: Path = REPO) -> list[dict]:
    return pq.read_table(root / PARQUET_DIR / f"{name}.parquet").to_pylist()


def first_evidence() -> dict:
    return rows("evidence")[0]


def test_a_record_its_fields_and_each_quote_marked_in_its_paragraph(capsys):
    row = first_evidence()
    table, record_id = row[LINK.table_column], row[LINK.record_column]
    assert main(["show", table, record_id]) == 0
    out = capsys.readouterr().out
    for field in SCHEMAS[table].field_names:
        assert f"\n  {field} " in out
    quotes = [
        r
        for r in rows("evidence")
        if r[LINK.table_column] == table and r[LINK.record_column] == record_id
    ]
    assert f"Evidence: {len(quotes)} quote" in out
    for quote in quotes:
        assert f"»{quote['quote']}«" in out
        assert f"(review: {quote['review']})" in out
    source = next(s for s in rows("sources") if s["source_id"] == row["source_id"])
    for part in ("title", "author", "outlet"):
        if source[part]:
            assert source[part] in out
    assert "\x1b" not in out  # not a terminal: no escape codes


def test_bold_marks_only_on_a_terminal(capsys, monkeypatch):
    row = first_evidence()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["show", row[LINK.table_column], row[LINK.record_column]]) == 0
    out = capsys.readouterr().out
    assert f"\x1b[1m{row['quote']}\x1b[0m" in out and "»" not in out


@pytest.mark.parametrize(
    "arguments,expected",
    [
        (["agreementz", "five-eyes"], "did you mean agreements"),
        (["agreements", "five-eye"], "nearest ids are: five-eyes"),
        (["evidence", "five-eyes"], "together, not by one id"),
        (["000_80944da66ceb52dd", "10", "5"], "0 <= START <= END"),
        (["000_80944da66ceb52dd", "ten", "20"], "whole numbers"),
        (["../../pyproject", "1", "2"], "no source"),
        (["agreements"], "usage"),
    ],
)
def test_what_is_not_there_is_a_message_and_exit_1(capsys, arguments, expected):
    assert main(["show", *arguments]) == 1
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_a_span_shows_the_evidence_and_exclusions_over_it(capsys):
    row = first_evidence()
    start, end = row["quote_start"], row["quote_end"]
    assert main(["show", row["source_id"], str(start), str(end)]) == 0
    out = capsys.readouterr().out
    assert f"»{row['quote']}«" in out
    assert f"{row[LINK.table_column]}/{row[LINK.record_column]}  {start}–{end}" in out
    excluded = rows("exclusions")[0]
    assert (
        main(
            ["show", excluded["source_id"]]
            + [str(excluded["quote_start"]), str(excluded["quote_end"])]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert (
        f"{excluded['quote_start']}–{excluded['quote_end']} {excluded['reason']}" in out
    )


def test_control_characters_in_the_data_are_escaped(checkout, capsys):
    """A hostile value cannot colour, clear or reorder the terminal."""
    path = checkout / PARQUET_DIR / "actors.parquet"
    table = pq.read_table(path)
    names = table["name"].to_pylist()
    names[0] = "Evil\x1b[2J\x07 \u202eName"
    table = table.set_column(
        table.schema.get_field_index("name"),
        table.schema.field("name"),
        pa.array(names, pa.string()),
    )
    pq.write_table(table, path)
    record_id = table["id"][0].as_py()
    assert main(["show", "actors", record_id, str(checkout)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "Evil\\x1b[2J\\x07 \\u202eName" in out


def test_a_path_without_published_data_is_a_message(tmp_path, capsys):
    assert main(["show", "actors", "x", str(tmp_path)]) == 1
    assert "no published data here" in capsys.readouterr().out
