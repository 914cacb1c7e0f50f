"""``nzdefence validate``: every check on a checkout, every problem reported at once.

The flow, top to bottom: read the schemas → read each table and run its single-table checks →
the cross-table checks → Frictionless's check of ``datapackage.json`` → one report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from . import csvio, files, provenance, stages
from .dtypes import to_frame
from .layout import (
    CSV_DIR,
    PARQUET_DIR,
    SCHEMA_DIR,
    TABLES,
    csv_path,
    parquet_path,
    schema_path,
)
from .problems import NOT_A_ROW, Problem
from .schemas import SchemaError, TableSchema, read_schemas

# A table's CSV file may be at most this large: a million rows of the real tables' width take
# about a tenth of it, and reading it takes a few times its size in memory.
MAX_CSV_BYTES = 1024 * files.MiB


@dataclass
class Checkout:
    """A dataset checkout read and typed: what build and the checks work from."""

    root: Path
    schemas: dict[str, TableSchema]
    tables: dict[str, pa.Table] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # The SHA-256 of each table's CSV file, which its Parquet file records when built.
    csv_sha256: dict[str, str] = field(default_factory=dict)


def shown(name: str) -> str:
    """How a table's file is named in messages."""
    return csv_path(name).as_posix()


def read_checkout(root: Path) -> Checkout:
    """Read every table of the checkout at ``root`` and run its single-table checks."""
    from .pandera_checks import schema_problems

    root = Path(root)
    try:
        schemas = read_schemas(root)
    except SchemaError as error:
        return Checkout(root, {}, problems=error.problems)
    checkout = Checkout(root, schemas)
    for name, schema in schemas.items():
        try:
            raw = files.read_bytes(root, shown(name), limit=MAX_CSV_BYTES)
        except FileNotFoundError:
            raw = None
        except files.UnsafePath as error:
            checkout.problems.append(Problem(shown(name), NOT_A_ROW, "", error.reason))
            continue
        if raw is not None:
            checkout.csv_sha256[name] = hashlib.sha256(raw).hexdigest()
        table, problems, lines = csvio.read_table(raw, schema, shown(name))
        checkout.problems += problems
        if table is None:
            continue
        # Each record is labelled by the physical line it starts on, which every check
        # reports it by: the line an editor or a pull request's diff shows.
        frame = to_frame(table).set_axis(pd.Index(lines, name="line"))
        checkout.tables[name], checkout.frames[name] = table, frame
        unreadable = {(problem.line, problem.column) for problem in problems}
        checkout.problems += schema_problems(frame, schema, shown(name), unreadable)
    return checkout


def cross_table_problems(checkout: Checkout) -> list[Problem]:
    """Foreign keys, evidence links, numbers in their quotes, source files, quotes at their
    offsets and quoted statements verbatim."""
    frames, problems = checkout.frames, []
    for name, schema in checkout.schemas.items():
        for key in schema.foreign_keys:
            if name in frames and key.resource in frames:
                problems += provenance.foreign_key_problems(
                    frames[name], key, frames[key.resource], shown(name)
                )
        if name not in frames:
            continue
        for link in schema.record_links:
            linked = {table: frames[table] for table in link.tables if table in frames}
            if link.table_column is None:  # table:id values, as statements' about
                is_list = schema.field(link.record_column).type == "list"
                problems += provenance.record_link_problems(
                    frames[name], linked, shown(name), link, is_list
                )
                continue
            names = {table: shown(table) for table in (*link.tables, name)}
            problems += provenance.evidence_link_problems(
                frames[name], linked, names, link
            )
            numeric = {
                table: [
                    f.name
                    for f in checkout.schemas[table].fields
                    if f.type in ("integer", "number")
                ]
                for table in linked
            }
            problems += provenance.number_problems(
                linked, numeric, frames[name], names, link
            )
            if "statements" in frames:
                problems += provenance.statement_quote_problems(
                    frames["statements"], frames[name], shown("statements"), link
                )
    if "agreements" in frames and "milestones" in frames:
        stage_order = checkout.schemas["milestones"].field("stage").enum or ()
        problems += stages.status_problems(
            frames["agreements"], frames["milestones"], stage_order, shown("agreements")
        )
    problems += _unknown_files(checkout.root)
    if "sources" in frames:
        files, found = provenance.SourceFiles.load(
            checkout.root, frames["sources"], shown("sources")
        )
        problems += found
        for name in ("evidence", "exclusions"):
            if name in frames:
                problems += provenance.quote_problems(frames[name], files, shown(name))
    return problems


def _unknown_files(root: Path) -> list[Problem]:
    """Every file of schema/, dataset/csv/ and dataset/parquet/ must belong to a table: an
    extra Parquet file would otherwise be served by load() and shipped in the wheel."""
    problems = []
    for folder, name_of in (
        (SCHEMA_DIR, schema_path),
        (CSV_DIR, csv_path),
        (PARQUET_DIR, parquet_path),
    ):
        expected = {name_of(table).name for table in TABLES}
        try:
            names = files.list_folder(root, folder.as_posix())
        except files.UnsafePath as error:
            problems.append(Problem(folder.as_posix(), NOT_A_ROW, "", error.reason))
            continue
        for name in names:
            if name not in expected and not name.startswith("."):
                problems.append(
                    Problem(
                        (folder / name).as_posix(),
                        NOT_A_ROW,
                        "",
                        f"is not a file of any table; the tables are: {', '.join(TABLES)}",
                    )
                )
    return problems


def _stale_parquet(checkout: Checkout) -> list[Problem]:
    """Each Parquet file (what load() serves) must have been built from the CSV as it is: the
    build records the CSV's SHA-256 in the file's metadata."""
    import pyarrow.parquet as pq

    from .parquet import MAX_PARQUET_BYTES

    problems = []
    for name, digest in checkout.csv_sha256.items():
        relative = parquet_path(name).as_posix()
        try:
            raw = files.read_bytes(checkout.root, relative, limit=MAX_PARQUET_BYTES)
            metadata = pq.read_schema(pa.BufferReader(raw)).metadata or {}
        except FileNotFoundError:
            metadata = {}
        except files.UnsafePath as error:
            problems.append(Problem(relative, NOT_A_ROW, "", error.reason))
            continue
        except (pa.ArrowException, OSError) as error:
            problems.append(
                Problem(relative, NOT_A_ROW, "", f"cannot be read as Parquet: {error}")
            )
            continue
        if metadata.get(b"csv_sha256", b"").decode() != digest:
            problems.append(
                Problem(
                    relative,
                    NOT_A_ROW,
                    "",
                    f"was not built from {shown(name)} as it is now; run nzdefence build",
                )
            )
    return problems


@dataclass
class Report:
    problems: list[Problem]
    checkout: Checkout

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        frames = self.checkout.frames
        rows = sum(len(frame) for frame in frames.values())
        evidence = frames.get("evidence")
        evidence_rows = 0 if evidence is None else len(evidence)
        verified = (
            0 if evidence is None else int((evidence["review"] == "verified").sum())
        )
        return (
            f"ok: {len(frames)} tables, {rows} rows, {evidence_rows} evidence rows "
            f"({verified} verified)"
        )


def validate(root: Path, *, check_outputs: bool = True) -> Report:
    """Every check on the checkout at ``root``. ``check_outputs=False`` leaves out whether the
    published files (the Parquet files, ``datapackage.json``) were built from the checkout as it
    is, for a build that is about to rewrite them."""
    from .datapackage import datapackage_problems

    checkout = read_checkout(root)
    problems = list(checkout.problems)
    if checkout.schemas:
        problems += cross_table_problems(checkout)
    if check_outputs and not problems:
        # Only a valid checkout has outputs to compare: the descriptor needs the sources' files.
        problems += _stale_parquet(checkout)
        problems += datapackage_problems(
            checkout.root, checkout.frames["sources"], checkout.schemas
        )
    return Report(sorted(set(problems)), checkout)
