"""Evidence in Python: evidence(), load(evidence=True), source_text() and passage(), on the
real data, and from a wheel installed without the checkout."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

import nzdefence
from nzdefence.layout import PARQUET_DIR
from nzdefence.published import data_folders, evidence_link, read_schemas

REPO = Path(__file__).resolve().parents[1]
LINK = evidence_link(read_schemas(data_folders(REPO)))


def evidence_rows() -> list[dict]:
    return pq.read_table(REPO / PARQUET_DIR / "evidence.parquet").to_pylist()


def test_every_quote_is_at_its_offsets_through_passage():
    rows = evidence_rows()
    assert rows
    for row in rows:
        shown = nzdefence.passage(
            row["source_id"], row["quote_start"], row["quote_end"]
        )
        assert shown.quote == row["quote"], row
        text = nzdefence.source_text(row["source_id"])
        assert (
            shown.before + shown.quote + shown.after
            == text[shown.context_start : shown.context_end]
        )
        # The default context is the paragraph: it never reaches past a line end.
        assert "\n" not in shown.before and "\n" not in shown.after


def test_source_text_is_the_stored_file_undecoded_newlines():
    for path in sorted((REPO / "dataset/sources").glob("*.txt")):
        assert nzdefence.source_text(path.stem) == path.read_bytes().decode("utf-8")


def test_passage_with_a_character_context_and_its_marks():
    row = evidence_rows()[0]
    start, end = row["quote_start"], row["quote_end"]
    shown = nzdefence.passage(row["source_id"], start, end, context=10)
    text = nzdefence.source_text(row["source_id"])
    assert shown.before == text[max(0, start - 10) : start]
    assert shown.after == text[end : end + 10]
    assert f"»{row['quote']}«" in str(shown)
    assert str(shown).endswith("…") == (end + 10 < len(text) and text[end + 10] != "\n")


@pytest.mark.parametrize("start,end", [(-1, 5), (10, 5), (0, 10**9)])
def test_passage_refuses_a_span_outside_the_text(start, end):
    source_id = evidence_rows()[0]["source_id"]
    with pytest.raises(ValueError, match="not a span"):
        nzdefence.passage(source_id, start, end)


@pytest.mark.parametrize("source_id", ["nope", "../../pyproject", "/etc/passwd"])
def test_unknown_source_names_the_sources(source_id):
    with pytest.raises(KeyError, match="000_80944da66ceb52dd"):
        nzdefence.source_text(source_id)


def test_evidence_filters_by_table_and_record():
    everything = nzdefence.evidence()
    assert len(everything) == len(evidence_rows())
    table = LINK.tables[0]
    some = nzdefence.evidence(table)
    assert len(some) and set(some[LINK.table_column].astype(str)) == {table}
    record = some[LINK.record_column].iloc[0]
    one = nzdefence.evidence(table, record)
    expected = [
        r
        for r in evidence_rows()
        if r[LINK.table_column] == table and r[LINK.record_column] == record
    ]
    assert sorted(one["quote"]) == sorted(r["quote"] for r in expected)
    with pytest.raises(KeyError, match="supports records of"):
        nzdefence.evidence("sources")


@pytest.mark.parametrize("name", LINK.tables)
def test_load_with_evidence_gives_each_record_its_quotes(name):
    if not (REPO / PARQUET_DIR / f"{name}.parquet").is_file():
        pytest.skip(f"no {name} table in this checkout yet")
    frame = nzdefence.load(name, evidence=True)
    plain = nzdefence.load(name)
    assert frame[plain.columns].equals(plain)
    by_record: dict[str, list[tuple]] = {}
    for r in evidence_rows():
        if r[LINK.table_column] == name:
            by_record.setdefault(r[LINK.record_column], []).append(
                (r["source_id"], r["quote_start"], r["quote_end"], r["quote"])
            )
    for record in frame.itertuples(index=False):
        key = getattr(record, LINK.key)
        got = list(
            zip(
                record.evidence_sources,
                record.evidence_starts,
                record.evidence_ends,
                record.evidence_quotes,
                strict=True,
            )
        )
        assert got == sorted(by_record.get(key, [])), key
    assert "evidence_quotes" in frame.attrs["descriptions"]


def test_a_record_without_evidence_has_empty_lists(checkout):
    """Evidence of one record removed from a copy's Parquet: its lists are empty, not NA."""
    path = checkout / PARQUET_DIR / "evidence.parquet"
    table = pq.read_table(path)
    first = table.slice(0, 1).to_pylist()[0]
    name, record = first[LINK.table_column], first[LINK.record_column]
    keep = [
        not (r[LINK.table_column] == name and r[LINK.record_column] == record)
        for r in table.to_pylist()
    ]
    pq.write_table(table.filter(keep), path)
    frame = nzdefence.load(name, directory=checkout / PARQUET_DIR, evidence=True)
    row = frame[frame[LINK.key] == record].iloc[0]
    assert list(row["evidence_quotes"]) == [] and list(row["evidence_sources"]) == []
    others = frame[frame[LINK.key] != record]
    assert others["evidence_quotes"].map(len).min() >= 1


def test_load_with_evidence_refuses_a_table_evidence_does_not_support():
    with pytest.raises(ValueError, match="supports records of"):
        nzdefence.load("sources", evidence=True)
