"""How far two extractions of the same sources agree (issue 11, item 9; docs/reliability.md).

    python scripts/reliability.py reliability/reader1 reliability/reader2
    python scripts/reliability.py dataset/csv reliability/reader1 --disagreements r1.md

A and B are folders of CSV files, one per table with the schema's columns: dataset/csv, or a
reader's folder under reliability/. Only the compared sources count (by default 003 and 004):
a record counts if it has evidence in one of them, and only that evidence is used.

Records are matched by their evidence. A record of a fact table stands for the characters its
evidence quotes cover in the compared sources, a set of (source, offset). Two records of the
same table, one from A and one from B, may match when the characters they share cover at least
half of the smaller set; among those pairs, the most similar (Jaccard: shared / either) are
matched first, greedily, each record at most once. Equally similar pairs (one reader quoting
one sentence for two records, such as two budget figures) are taken in order of how many
compared fields agree, then by id; tables are matched in schema order, so that references to a
table matched before count too. Exclusions are matched the same way, each by its own span.

Per table: records in A and in B, pairs matched, and matched share = 2 * matched / (A + B).

For each matched pair the compared fields are every field of the table's schema except ``id``,
``note`` and free text: a string field with no enum, pattern or codelist that refers to no
table (names, titles, descriptions, summaries, quotes, places, purposes, as_given, items,
venues...). An exclusion's span is what matched it, so its columns are not compared again, nor
is ``review``, which is the workflow's state rather than a reading of the source. Lists compare
as sets, numbers as numbers; both empty is equal. A field that refers to records of a fact
table (a foreign key to its ``id``, or a ``table:id`` link) is compared after B's ids are
turned into A's through that table's matching: an id of an unmatched record equals nothing.
Actor ids compare as they are, since both sides draw on one registry. A column that either
file lacks is left out of that table's comparison, with a warning.

The field share is equal fields / compared fields over all matched pairs. The disagreements
(records only one side has, with their first quote; for matched pairs, each unequal field with
both values) go to the --disagreements file: CSV if its name ends in .csv, else Markdown.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nzdefence.layout import FACT_TABLES
from nzdefence.problems import Problem
from nzdefence.schemas import Field, SchemaError, TableSchema, read_schemas

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("003_8a1f498d118ab299", "004_9f5748521d0dcdb6")
MATCHED_TABLES = (*FACT_TABLES, "exclusions")
NEVER_COMPARED = ("id", "note")
EXCLUSION_SPAN = ("source_id", "quote", "quote_start", "quote_end", "review")
LINK = "table:id"  # a field whose values name their table: agreements:some-id


@dataclass
class Extraction:
    folder: Path
    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    chars: dict[str, dict[str, frozenset]] = field(default_factory=dict)
    first_quote: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Tally:
    in_a: int = 0
    in_b: int = 0
    matched: int = 0
    compared: int = 0
    equal: int = 0

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def read_rows(path: Path, needed: tuple[str, ...], problems: list[Problem]):
    """The file's header and its records, each with the line it starts on."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            header = list(reader.fieldnames or [])
            rows, line = [], 2
            for row in reader:
                if None in row or None in row.values():
                    message = f"record does not have the header's {len(header)} cells"
                    problems.append(Problem(str(path), line, "", message))
                else:
                    rows.append((line, row))
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        problems.append(Problem(str(path), 0, "", f"cannot be read: {error}"))
        return [], []
    for column in needed:
        if column not in header:
            problems.append(Problem(str(path), 1, column, "column is missing"))
    if any(column not in header for column in needed):
        return header, []
    return header, rows


def span(
    path: Path, line: int, row: dict[str, str], problems: list[Problem]
) -> range | None:
    """The characters a quote covers, by its offsets."""
    try:
        start, end = int(row["quote_start"]), int(row["quote_end"])
    except ValueError:
        problems.append(
            Problem(str(path), line, "quote_start", "offsets must be integers")
        )
        return None
    return range(start, end)


def read_extraction(
    folder: Path, sources: tuple[str, ...], problems: list[Problem]
) -> Extraction:
    """The records of every matched table that have evidence in ``sources``."""
    found = Extraction(folder)
    evidence_path = folder / "evidence.csv"
    _, evidence = read_rows(
        evidence_path,
        ("record_table", "record_id", "source_id", "quote", "quote_start", "quote_end"),
        problems,
    )
    for table in FACT_TABLES:
        header, rows = read_rows(folder / f"{table}.csv", ("id",), problems)
        found.columns[table] = header
        found.rows[table] = {}
        for _, row in rows:
            found.rows[table].setdefault(row["id"], row)
        found.chars[table], found.first_quote[table] = {}, {}
    quoted: dict[tuple[str, str], list] = {}
    for line, row in evidence:
        table, record = row["record_table"], row["record_id"]
        if row["source_id"] not in sources or table not in FACT_TABLES:
            continue
        if record not in found.rows[table]:
            warn(f"{evidence_path}:{line}: {table} has no record {record!r}; ignored")
            continue
        offsets = span(evidence_path, line, row, problems)
        if offsets is not None:
            quoted.setdefault((table, record), []).append((row, offsets))
    for (table, record), quotes in quoted.items():
        found.chars[table][record] = frozenset(
            (row["source_id"], offset) for row, offsets in quotes for offset in offsets
        )
        first, _ = min(quotes, key=lambda q: (q[0]["source_id"], q[1].start))
        found.first_quote[table][record] = first["quote"]
    # A record without evidence in these sources does not count.
    for table in FACT_TABLES:
        found.rows[table] = {
            key: row
            for key, row in found.rows[table].items()
            if key in found.chars[table]
        }

    path = folder / "exclusions.csv"
    header, rows = read_rows(path, EXCLUSION_SPAN[:4], problems)
    found.columns["exclusions"] = header
    found.rows["exclusions"], found.chars["exclusions"] = {}, {}
    found.first_quote["exclusions"] = {}
    for line, row in rows:
        offsets = span(path, line, row, problems)
        if row["source_id"] not in sources or offsets is None:
            continue
        key = f"{row['source_id']}:{offsets.start}"
        found.rows["exclusions"][key] = row
        found.chars["exclusions"][key] = frozenset(
            (row["source_id"], offset) for offset in offsets
        )
        found.first_quote["exclusions"][key] = row["quote"]
    return found


def match(a: dict[str, frozenset], b: dict[str, frozenset], agreeing) -> dict[str, str]:
    """A's record -> B's record, for each pair matched by their characters; equally similar
    pairs taken in descending order of ``agreeing(key_a, key_b)``."""
    candidates = []
    for key_a, chars_a in a.items():
        for key_b, chars_b in b.items():
            shared = len(chars_a & chars_b)
            if shared and 2 * shared >= min(len(chars_a), len(chars_b)):
                similarity = shared / len(chars_a | chars_b)
                candidates.append((-similarity, -agreeing(key_a, key_b), key_a, key_b))
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for *_, key_a, key_b in sorted(candidates):
        if key_a not in pairs and key_b not in taken:
            pairs[key_a] = key_b
            taken.add(key_b)
    return pairs


def references(schema: TableSchema) -> tuple[dict[str, str], set[str]]:
    """The fields that name records of fact tables, each with its table (or LINK when each
    value names its own), and every field that refers to any table, actors included."""
    to_fact_table, referring = {}, set()
    for key in schema.foreign_keys:
        for column, target in zip(key.columns, key.targets):
            referring.add(column)
            if key.resource in FACT_TABLES and target == "id":
                to_fact_table[column] = key.resource
    for link in schema.record_links:
        if link.table_column is None:
            referring.add(link.record_column)
            to_fact_table[link.record_column] = LINK
    return to_fact_table, referring


def compared_fields(schema: TableSchema) -> list[Field]:
    _, referring = references(schema)
    skipped = NEVER_COMPARED + (EXCLUSION_SPAN if schema.name == "exclusions" else ())

    def free_text(f: Field) -> bool:
        plain = not (f.enum or f.pattern or f.codelist)
        return f.type == "string" and plain and f.name not in referring

    return [f for f in schema.fields if f.name not in skipped and not free_text(f)]


def comparable(f: Field, cell: str, refers_to: str | None, b_to_a=None):
    """The cell as a value to compare: lists as sets, numbers as numbers, empty as None, and
    with ``b_to_a`` given, B's record ids as the ids of A's matched records."""
    items = cell.split(f.delimiter) if f.type == "list" else [cell]
    items = [item.strip() for item in items if item.strip()]
    if f.type in ("number", "integer"):
        items = [as_number(item) for item in items]
    if refers_to and b_to_a is not None:
        items = [in_a_terms(item, refers_to, b_to_a) for item in items]
    if f.type == "list":
        return frozenset(items)
    return items[0] if items else None


def as_number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def in_a_terms(item: str, refers_to: str, b_to_a: dict[str, dict[str, str]]):
    """B's record id as the id of A's record matched to it."""
    if refers_to == LINK:
        table, _, record = item.partition(":")
    else:
        table, record = refers_to, item
    if record not in b_to_a.get(table, {}):
        return ("unmatched", item)  # equal to no value of A
    mapped = b_to_a[table][record]
    return f"{table}:{mapped}" if refers_to == LINK else mapped


def shared_fields(a: Extraction, b: Extraction, schema: TableSchema) -> list[Field]:
    """The compared fields of the table that both files have."""
    fields = []
    for f in compared_fields(schema):
        missing = [x.folder for x in (a, b) if f.name not in x.columns[schema.name]]
        for folder in missing:
            warn(
                f"{folder / (schema.name + '.csv')}: no column {f.name!r}; not compared"
            )
        if not missing:
            fields.append(f)
    return fields


def compare(a: Extraction, b: Extraction, schemas: dict[str, TableSchema]):
    """The tally per table and the disagreements, as rows."""
    fields = {t: shared_fields(a, b, schemas[t]) for t in MATCHED_TABLES}
    b_to_a: dict[str, dict[str, str]] = {}

    def unequal(table: str, key_a: str, key_b: str) -> list[str]:
        """The fields on which the two records differ, B's ids read through the matchings
        made so far."""
        to_fact_table, _ = references(schemas[table])
        row_a, row_b = a.rows[table][key_a], b.rows[table][key_b]
        return [
            f.name
            for f in fields[table]
            if comparable(f, row_a[f.name], to_fact_table.get(f.name))
            != comparable(f, row_b[f.name], to_fact_table.get(f.name), b_to_a)
        ]

    # Tables are matched in schema order (a table before those that refer to it), so that a
    # tie is broken by references too; the comparison below reads every matching.
    pairs = {}
    for table in MATCHED_TABLES:
        pairs[table] = match(
            a.chars[table],
            b.chars[table],
            lambda key_a, key_b, table=table: -len(unequal(table, key_a, key_b)),
        )
        b_to_a[table] = {key_b: key_a for key_a, key_b in pairs[table].items()}

    tallies, disagreements = {}, []
    for table in MATCHED_TABLES:
        tally = Tally(len(a.rows[table]), len(b.rows[table]), len(pairs[table]))
        for key in sorted(set(a.rows[table]) - set(pairs[table])):
            quote = a.first_quote[table][key]
            disagreements.append((table, key, "", "", quote, "", "record only in A"))
        for key in sorted(set(b.rows[table]) - set(b_to_a[table])):
            quote = b.first_quote[table][key]
            disagreements.append((table, "", key, "", "", quote, "record only in B"))
        for key_a, key_b in sorted(pairs[table].items()):
            differing = unequal(table, key_a, key_b)
            tally.compared += len(fields[table])
            tally.equal += len(fields[table]) - len(differing)
            row_a, row_b = a.rows[table][key_a], b.rows[table][key_b]
            for name in differing:
                disagreements.append(
                    (table, key_a, key_b, name, row_a[name], row_b[name], "")
                )
        tallies[table] = tally
    return tallies, disagreements


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def report(tallies: dict[str, Tally]) -> str:
    lines = [
        "| table | A | B | matched | matched share | fields compared | equal | field share |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    facts = Tally()
    for table in FACT_TABLES:
        facts.add(tallies[table])
    everything = Tally()
    everything.add(facts)
    everything.add(tallies["exclusions"])
    rows = [*((t, tallies[t]) for t in FACT_TABLES), ("**fact tables**", facts)]
    for name, t in [*rows, ("exclusions", tallies["exclusions"])]:
        lines.append(
            f"| {name} | {t.in_a} | {t.in_b} | {t.matched} "
            f"| {share(2 * t.matched, t.in_a + t.in_b)} | {t.compared} | {t.equal} "
            f"| {share(t.equal, t.compared)} |"
        )
    t = everything
    lines += [
        "",
        (
            f"Overall (all records, exclusions included): {t.matched} matched of {t.in_a} "
            f"in A and {t.in_b} in B, matched share {share(2 * t.matched, t.in_a + t.in_b)}; "
            f"{t.equal} of {t.compared} compared fields equal, {share(t.equal, t.compared)}."
        ),
    ]
    return "\n".join(lines) + "\n"


HEADER = ("table", "a_record", "b_record", "field", "a_value", "b_value", "what")


def write_disagreements(path: Path, rows: list[tuple], a: Path, b: Path) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as file:
        if path.suffix == ".csv":
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows)
        else:
            file.write(f"# Disagreements: A = {a}, B = {b}\n")
            for table in MATCHED_TABLES:
                mine = [row for row in rows if row[0] == table]
                if mine:
                    file.write(
                        f"\n## {table}\n\n| A | B | field | A's value | B's value |\n"
                    )
                    file.write("|---|---|---|---|---|\n")
                for _, key_a, key_b, name, value_a, value_b, what in mine:
                    cells = (key_a, key_b, name or what, value_a, value_b)
                    file.write("| " + " | ".join(map(cell, cells)) + " |\n")
    temporary.replace(path)


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", type=Path, help="folder of CSV files, e.g. dataset/csv")
    parser.add_argument(
        "b", type=Path, help="folder of CSV files, e.g. reliability/reader1"
    )
    parser.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="SOURCE_ID",
        help=f"a source to compare on (repeatable; default: {' and '.join(SOURCES)})",
    )
    parser.add_argument(
        "--disagreements", type=Path, help="write the disagreements here (.csv or .md)"
    )
    args = parser.parse_args(argv)
    sources = tuple(args.sources or SOURCES)
    try:
        schemas = read_schemas(REPO)
    except SchemaError as error:
        print(error, file=sys.stderr)
        return 1
    problems: list[Problem] = []
    a = read_extraction(args.a, sources, problems)
    b = read_extraction(args.b, sources, problems)
    if problems:
        print("\n".join(map(str, problems)), file=sys.stderr)
        return 1
    tallies, disagreements = compare(a, b, schemas)
    print(f"A = {args.a}, B = {args.b}; sources: {', '.join(sources)}\n")
    print(report(tallies), end="")
    if args.disagreements:
        write_disagreements(args.disagreements, disagreements, args.a, args.b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
