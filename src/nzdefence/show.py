"""``nzdefence show``: a record with the words behind it, or a span of a source with what it
supports, as plain text for a terminal.

Every value comes from untrusted data, so every value is printed through ``visible``: a
control character is shown as an escape and can never drive the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from .layout import schema_path
from .problems import nearest
from .published import (
    EVIDENCE,
    EXCLUSIONS,
    DataFolders,
    _source_text,
    cell,
    evidence_link,
    excerpt,
    located,
    read_arrow,
    read_schemas,
    source_ids,
    source_label,
    visible,
)

INDENT = "    "


@dataclass(frozen=True)
class Style:
    """How a quote is marked inside its paragraph."""

    opening: str
    closing: str


PLAIN = Style("»", "«")
BOLD = Style("\x1b[1m", "\x1b[0m")  # only when writing to a terminal


class NotFound(LookupError):
    """No such table, record or source; the message names the nearest ones."""


def _rows(folders: DataFolders, schemas: dict, name: str) -> list[dict]:
    """A table's rows, its file read through the checks every published file gets."""
    if name not in schemas:
        raise located(folders.shown(schema_path(name)), "missing")
    return read_arrow(folders, name, schemas[name]).to_pylist()


def _indented(text: str, indent: str = INDENT) -> str:
    return indent + text.replace("\n", "\n" + indent)


def _sources_by_id(folders: DataFolders, schemas: dict) -> dict[str, dict]:
    return {row["source_id"]: row for row in _rows(folders, schemas, "sources")}


def _quote_lines(
    row: dict, text: str, source: dict | None, style: Style, heading: str
) -> list[str]:
    shown = excerpt(text, row["source_id"], row["quote_start"], row["quote_end"])
    lines = [
        heading,
        _indented(
            visible(source_label(source)) if source else "(not in the sources table)"
        ),
        "",
        _indented(
            f"{'…' if shown.clipped_start else ''}{visible(shown.before)}"
            f"{style.opening}{visible(shown.quote)}{style.closing}"
            f"{visible(shown.after)}{'…' if shown.clipped_end else ''}".strip("\n")
        ),
    ]
    if row.get("note"):
        lines += ["", _indented("note: " + visible(row["note"]))]
    return lines


def record_lines(
    folders: DataFolders, table: str, record_id: str, style: Style
) -> list[str]:
    """The lines ``nzdefence show TABLE ID`` prints."""
    schemas = read_schemas(folders)
    if table not in schemas:
        hint = nearest(table, schemas)
        raise NotFound(
            f"no table {table!r}"
            + (f"; did you mean {', '.join(hint)}?" if hint else ".")
            + f" The tables are: {', '.join(schemas)}"
        )
    schema = schemas[table]
    if len(schema.primary_key) != 1:
        raise NotFound(
            f"{table} rows are identified by {', '.join(schema.primary_key)} together, not by "
            "one id: show the record they belong to, or the span with "
            "nzdefence show SOURCE_ID START END"
        )
    (key,) = schema.primary_key
    records = _rows(folders, schemas, table)
    found = [row for row in records if row[key] == record_id]
    if not found:
        ids = [row[key] for row in records]
        hint = nearest(record_id, ids, n=5)
        shown = (
            f"; the nearest ids are: {visible(', '.join(hint))}"
            if hint
            else f"; its {len(ids)} ids include: {visible(', '.join(sorted(ids)[:5]))}"
            if ids
            else "; the table is empty"
        )
        raise NotFound(f"{table} has no record {visible(record_id)!r}{shown}")
    record = found[0]
    width = max(len(name) for name in schema.field_names)
    lines = [f"{table}/{visible(record_id)}", visible(schema.description), ""]
    for field in schema.fields:
        value = cell(record.get(field.name))
        lines.append(f"  {field.name:<{width}}  {visible(value).replace(chr(10), ' ')}")
    link = evidence_link(schemas)
    if table not in link.tables:
        return lines
    quotes = [
        row
        for row in _rows(folders, schemas, EVIDENCE)
        if row[link.table_column] == table and row[link.record_column] == record_id
    ]
    quotes.sort(
        key=lambda row: (row["source_id"], row["quote_start"], row["quote_end"])
    )
    lines += ["", f"Evidence: {len(quotes)} quote{'' if len(quotes) == 1 else 's'}"]
    sources = _sources_by_id(folders, schemas)
    texts: dict[str, str] = {}
    for number, row in enumerate(quotes, 1):
        source_id = row["source_id"]
        if source_id not in texts:
            texts[source_id] = _source_text(folders, source_id)
        heading = (
            f"{number}. {visible(source_id)}, characters {row['quote_start']}–{row['quote_end']}"
            f" (review: {visible(cell(row.get('review')))})"
        )
        lines += [""] + _quote_lines(
            row, texts[source_id], sources.get(source_id), style, heading
        )
    return lines


def span_lines(
    folders: DataFolders, source_id: str, start: int, end: int, style: Style
) -> list[str]:
    """The lines ``nzdefence show SOURCE_ID START END`` prints: the span in its paragraph,
    then the evidence and exclusions whose quotes overlap it."""
    schemas = read_schemas(folders)
    known = source_ids(folders)
    if source_id not in known:
        hint = nearest(source_id, known)
        raise NotFound(
            f"no source {visible(source_id)!r}"
            + (f"; did you mean {', '.join(hint)}?" if hint else ".")
            + f" The sources are: {', '.join(known)}"
        )
    text = _source_text(folders, source_id)
    if not 0 <= start <= end <= len(text):
        raise NotFound(
            f"{source_id} has {len(text)} characters: START and END must satisfy "
            f"0 <= START <= END <= {len(text)}"
        )
    source = _sources_by_id(folders, schemas).get(source_id)
    row = {"source_id": source_id, "quote_start": start, "quote_end": end}
    lines = _quote_lines(
        row, text, source, style, f"{source_id}, characters {start}–{end}"
    )

    def overlaps(other: dict) -> bool:
        if other["source_id"] != source_id:
            return False
        if start == end:
            return other["quote_start"] <= start < other["quote_end"]
        return other["quote_start"] < end and start < other["quote_end"]

    link = evidence_link(schemas)
    supporting = sorted(
        (r for r in _rows(folders, schemas, EVIDENCE) if overlaps(r)),
        key=lambda r: (
            r["quote_start"],
            r["quote_end"],
            r[link.table_column],
            r[link.record_column],
        ),
    )
    lines += ["", f"Evidence overlapping these characters: {len(supporting) or 'none'}"]
    lines += [
        f"  {visible(r[link.table_column])}/{visible(r[link.record_column])}  "
        f"{r['quote_start']}–{r['quote_end']} (review: {visible(cell(r.get('review')))})"
        for r in supporting
    ]
    if EXCLUSIONS in schemas:
        left_out = sorted(
            (r for r in _rows(folders, schemas, EXCLUSIONS) if overlaps(r)),
            key=lambda r: (r["quote_start"], r["quote_end"]),
        )
        lines += [
            "",
            f"Exclusions overlapping these characters: {len(left_out) or 'none'}",
        ]
        lines += [
            f"  {r['quote_start']}–{r['quote_end']} {visible(cell(r.get('reason')))}"
            + (f": {visible(r['note'])}" if r.get("note") else "")
            for r in left_out
        ]
    return lines
