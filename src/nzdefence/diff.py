"""``nzdefence diff REF``: what a contribution changes, table by table, against the base.

Records are matched by their table's primary key: added, removed, and changed field by field
(before → after, as the CSV cells are written); each added or changed record comes with the
evidence quotes that support it now, so that a maintainer reads the claims beside the words.
Plain text for a terminal; ``--format markdown`` for a workflow's job summary.

Table-diff libraries were weighed first. csv-diff reads the files itself (we read the base
through git and the checkout through validate), knows no line numbers, keeps the last of a
duplicated key without a word and adds click and dictdiffer for some twenty lines of work;
daff's highlighter format and generated code answer a different question (a patch), and
datacompy brings polars and jinja2 for reports of numeric tolerances. Matching two pandas
frames by key (contribution.compare_records) is all this needs.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from .contribution import (
    Base,
    TableChanges,
    base_records,
    compare_records,
    current_records,
)
from .layout import csv_path
from .problems import escaped
from .validate import Checkout

# GitHub cuts a step's job summary at 1 MiB; a summary that would pass it stops before, saying
# so (the whole diff is a command away).
MAX_SUMMARY_BYTES = 1_000_000
# The evidence columns a quote is shown by; READ_BY_THE_CHECKS fixes their names.
QUOTE_COLUMNS = ("source_id", "quote_start", "quote_end", "review", "quote")


@dataclass
class Entry:
    """One record added, changed or removed."""

    kind: str  # "added", "changed" or "removed"
    label: str  # its primary key's values
    line: int  # in the checkout's file; for a removed record, in the base's
    # (column, before, after): before is None for an added record
    fields: list[tuple[str, str | None, str]] = field(default_factory=list)
    # its evidence now; None for a table that has no evidence
    quotes: list[dict[str, str]] | None = None


@dataclass
class TableDiff:
    name: str
    counts: tuple[int, int, int] = (0, 0, 0)  # added, removed, changed
    entries: list[Entry] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    note: str = ""  # why it could not be compared

    @property
    def unchanged(self) -> bool:
        return not (
            self.note or self.entries or self.columns_added or self.columns_removed
        )


@dataclass
class Diff:
    ref: str
    commit: str
    tables: list[TableDiff]


def diff(checkout: Checkout, base: Base) -> Diff:
    """Every table of the checkout against ``base``; raises contribution.BaseUnavailable."""
    ref = base.ref
    quotes, linked_by = _quotes(checkout)
    tables = []
    for name, schema in checkout.schemas.items():
        after = current_records(checkout, name)
        if after is None:
            tables.append(
                TableDiff(name, note="cannot be read; run nzdefence validate")
            )
            continue
        before = base_records(base, name)
        if before is None:  # a table the base does not have: every record is added
            before = after.iloc[:0]
        key = schema.primary_key
        lacking = [column for column in key if column not in before.columns]
        if lacking:
            note = f"cannot be compared: {ref} has no {', '.join(lacking)} column to match by"
            tables.append(TableDiff(name, note=note))
            continue
        changes = compare_records(before, after, key)
        evidence = quotes.get(name, {}) if name in linked_by else None
        tables.append(_table_diff(name, changes, evidence, linked_by.get(name)))
    return Diff(ref, base.commit, tables)


def _table_diff(
    name: str,
    changes: TableChanges,
    quotes: dict[str, list[dict[str, str]]] | None,
    linked_by: str | None,
) -> TableDiff:
    """A table's changes as entries; ``quotes`` are its records' evidence by the value of
    their ``linked_by`` column (None for a table that has no evidence)."""
    key = changes.key

    def evidence(record: dict[str, str]) -> list[dict[str, str]] | None:
        return None if quotes is None else quotes.get(record[linked_by], [])

    entries = []
    for line, record in zip(changes.added.index, changes.added.to_dict("records")):
        fields = [(c, None, v) for c, v in record.items() if v and c not in key]
        entries.append(
            Entry("added", _label(record, key), int(line), fields, evidence(record))
        )
    for line, _, columns in changes.changed:
        record = changes.current.loc[line].to_dict()
        fields = [(c, before, after) for c, (before, after) in columns.items()]
        entries.append(
            Entry("changed", _label(record, key), line, fields, evidence(record))
        )
    for line, record in zip(changes.removed.index, changes.removed.to_dict("records")):
        entries.append(Entry("removed", _label(record, key), int(line)))
    counts = (len(changes.added), len(changes.removed), len(changes.changed))
    return TableDiff(
        name, counts, entries, changes.columns_added, changes.columns_removed
    )


def _label(record: dict[str, str], key: tuple[str, ...]) -> str:
    return " / ".join(record[column] for column in key)


def _quotes(checkout: Checkout):
    """The current evidence of each record, by table and the record's key, and for each table
    that evidence links to, the column its records are linked by."""
    schema = checkout.schemas.get("evidence")
    evidence = current_records(checkout, "evidence") if schema else None
    if evidence is None or not schema.record_links:
        return {}, {}
    link = schema.record_links[0]
    quotes: dict[str, dict[str, list[dict[str, str]]]] = {}
    for record in evidence.to_dict("records"):
        by_record = quotes.setdefault(record[link.table_column], {})
        by_record.setdefault(record[link.record_column], []).append(
            {column: record.get(column, "") for column in QUOTE_COLUMNS}
        )
    return quotes, {table: link.key for table in link.tables}


def text_lines(result: Diff) -> list[str]:
    """The diff as plain text, every piece of data escaped (problems.escaped)."""

    def value(text: str) -> str:
        return f'"{escaped(text)}"'

    lines = [f"Changes against {escaped(result.ref)} (commit {result.commit[:12]}):"]
    unchanged = []
    for table in result.tables:
        name = escaped(table.name)
        if table.unchanged:
            unchanged.append(name)
            continue
        if table.note:
            lines.append(f"{name}: {escaped(table.note)}")
            continue
        added, removed, changed = table.counts
        lines.append(f"{name}: {added} added, {removed} removed, {changed} changed")
        if table.columns_added or table.columns_removed:
            lines.append(
                f"  columns added: {escaped(', '.join(table.columns_added)) or 'none'}; "
                f"removed: {escaped(', '.join(table.columns_removed)) or 'none'}"
            )
        shown = escaped(csv_path(table.name).as_posix())
        for entry in table.entries:
            label = escaped(entry.label)
            if entry.kind == "removed":
                lines.append(
                    f"  removed {label} (line {entry.line} in {escaped(result.ref)})"
                )
                continue
            lines.append(f"  {entry.kind} {label} at {shown}:{entry.line}")
            for column, before, after in entry.fields:
                change = (
                    value(after)
                    if before is None
                    else f"{value(before)} → {value(after)}"
                )
                lines.append(f"    {escaped(column)}: {change}")
            if entry.quotes == []:
                lines.append("    no evidence")
            for quote in entry.quotes or []:
                lines.append(
                    f"    evidence {escaped(quote['source_id'])} "
                    f"{escaped(quote['quote_start'])}–{escaped(quote['quote_end'])}, "
                    f"{escaped(quote['review'])}: {value(quote['quote'])}"
                )
    if len(lines) == 1:
        lines.append("no table changed")
    if unchanged:
        lines.append("unchanged: " + ", ".join(unchanged))
    return lines


# Every ASCII punctuation character written as a character reference: Markdown and HTML see
# plain text in it (no emphasis, link, table cell, tag, code span or heading), shown as written.
_INERT = str.maketrans({char: f"&#{ord(char)};" for char in string.punctuation})


def markdown_text(text: str) -> str:
    """``text`` as inert Markdown on one line: escaped (problems.escaped), then punctuation
    written as character references."""
    return escaped(text).translate(_INERT)


def markdown(result: Diff) -> str:
    """The diff as GitHub Markdown for a job summary, every piece of data inert."""
    md = markdown_text
    ref = md(result.ref)
    head = [
        f"### nzdefence diff against {ref}",
        "",
        f"Commit {result.commit[:12]}. Records are matched by their table's primary key.",
    ]
    counts, unchanged, blocks = [], [], []
    for table in result.tables:
        if table.unchanged:
            unchanged.append(md(table.name))
            continue
        if table.note:
            counts.append(f"| {md(table.name)} | {md(table.note)} | | |")
            continue
        counts.append(f"| {md(table.name)} | {' | '.join(map(str, table.counts))} |")
        blocks.append(["", f"#### {md(table.name)}"])
        if table.columns_added or table.columns_removed:
            added = md(", ".join(table.columns_added)) or "none"
            removed = md(", ".join(table.columns_removed)) or "none"
            blocks[-1] += ["", f"Columns added: {added}; removed: {removed}."]
        shown = md(csv_path(table.name).as_posix())
        for entry in table.entries:
            blocks.append(_markdown_entry(entry, shown, ref))
    if counts:
        head += [
            "",
            "| table | added | removed | changed |",
            "| :-- | --: | --: | --: |",
        ]
        head += counts
    else:
        head += ["", "No table changed."]
    if unchanged:
        head += ["", "Unchanged: " + ", ".join(unchanged) + "."]
    out = ["\n".join(head) + "\n"]
    size = len(out[0].encode())
    for block in blocks:
        text = "\n".join(block) + "\n"
        size += len(text.encode())
        if size > MAX_SUMMARY_BYTES - 1000:
            out.append(
                f"\n**The summary stops here**, short of GitHub's 1 MiB limit: run "
                f"nzdefence diff {ref} for all of it.\n"
            )
            break
        out.append(text)
    return "".join(out)


def _markdown_entry(entry: Entry, shown: str, ref: str) -> list[str]:
    md = markdown_text
    if entry.kind == "removed":
        return ["", f"**removed** {md(entry.label)} (line {entry.line} in {ref})"]
    lines = ["", f"**{entry.kind}** {md(entry.label)}, {shown} line {entry.line}", ""]
    if entry.kind == "added":
        lines += ["| field | value |", "| :-- | :-- |"]
        lines += [
            f"| {md(column)} | {md(after)} |" for column, _, after in entry.fields
        ]
    else:
        lines += ["| field | before | after |", "| :-- | :-- | :-- |"]
        lines += [
            f"| {md(column)} | {md(before or '')} | {md(after)} |"
            for column, before, after in entry.fields
        ]
    if entry.quotes == []:
        lines += ["", "No evidence."]
    elif entry.quotes:
        lines += [
            "",
            "| evidence | characters | review | quote |",
            "| :-- | :-- | :-- | :-- |",
        ]
        lines += [
            f"| {md(q['source_id'])} | {md(q['quote_start'])}–{md(q['quote_end'])} "
            f"| {md(q['review'])} | {md(q['quote'])} |"
            for q in entry.quotes
        ]
    return lines
