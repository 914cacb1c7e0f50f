"""``nzdefence build``: validate, then publish Parquet files and datapackage.json atomically."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import __version__
from .problems import NOT_A_ROW, Problem
from .schemas import TABLES, TableSchema, arrow_schema, enum_values
from .validate import Checkout, Report, csv_path, datapackage_problems, validate

PARQUET_DIR = Path("dataset") / "parquet"
DATAPACKAGE = Path("datapackage.json")
TABLE_LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
SOURCE_RIGHTS = (
    "The source documents are third-party publications, stored unchanged only so that every "
    "quote can be checked; their copyright stays with their authors and publishers and the "
    "CC-BY-4.0 licence of the tables does not extend to them."
)


def parquet_path(name: str) -> Path:
    return PARQUET_DIR / f"{name}.parquet"


def publishable(table: pa.Table, schema: TableSchema) -> pa.Table:
    """The typed table in its published Arrow form: enums as dictionaries of all allowed values."""
    columns = []
    for field in schema.fields:
        column = table[field["name"]].combine_chunks()
        allowed = enum_values(field)
        if allowed is not None:
            dictionary = pa.array(allowed, pa.string())
            column = pa.DictionaryArray.from_arrays(
                pc.index_in(column, value_set=dictionary), dictionary
            )
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=arrow_schema(schema))


def parquet_bytes(table: pa.Table) -> bytes:
    # Fixed options: the same table always gives the same bytes (for one pyarrow version).
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=9,
        version="2.6",
        use_dictionary=True,
    )
    return sink.getvalue()


def datapackage(checkout: Checkout) -> dict:
    """The Frictionless Data Package descriptor for the checkout."""
    sources = checkout.frames["sources"]
    resources = []
    for name in TABLES:
        schema = checkout.schemas[name]
        resources.append(
            {
                "name": name,
                "title": schema.descriptor.get("title", name),
                "description": schema.description,
                "path": csv_path(name).as_posix(),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": f"schema/{name}.schema.json",
                "licenses": [TABLE_LICENSE],
            }
        )
    package_sources = []
    for row in sources.itertuples(index=False):
        raw = (checkout.root / row.path).read_bytes()
        title = (
            row.title
            if isinstance(row.title, str)
            else f"Untitled source {row.source_id}"
        )
        resources.append(
            {
                "name": row.source_id.lower(),
                "title": title,
                "path": row.path,
                "format": "txt",
                "mediatype": "text/plain",
                "encoding": "utf-8",
                "bytes": len(raw),
                "hash": f"sha256:{row.sha256}",
                "rights": SOURCE_RIGHTS,
            }
        )
        package_sources.append({"title": title, "path": row.path})
    return {
        "name": "nzdefence",
        "title": "nzdefence: New Zealand's defence and foreign-policy alignment",
        "description": (
            "Hand-verified tables of New Zealand's defence agreements, exercises, deployments, "
            "budgets and statements, each row traced to the exact words of a source document."
        ),
        "version": __version__,
        "licenses": [TABLE_LICENSE],
        "contributors": [{"title": "nzdefence contributors", "role": "author"}],
        "sources": package_sources,
        "resources": resources,
    }


def outputs(checkout: Checkout) -> dict[Path, bytes]:
    """Every file a build writes, by path relative to the root, with its bytes."""
    files: dict[Path, bytes] = {}
    for name in TABLES:
        files[parquet_path(name)] = parquet_bytes(
            publishable(checkout.tables[name], checkout.schemas[name])
        )
    text = json.dumps(datapackage(checkout), ensure_ascii=False, indent=2) + "\n"
    files[DATAPACKAGE] = text.encode("utf-8")
    return files


def same_output(path: Path, current: Path, built: bytes) -> bool:
    """Whether the committed file holds what a build would write.

    Parquet files are compared by content (schema with its metadata, and every value): the
    bytes also carry the writing library's version, which a reader's install may not share.
    """
    if not current.is_file():
        return False
    if path.suffix != ".parquet":
        return current.read_bytes() == built
    try:
        committed = pq.read_table(current)
    except (OSError, pa.ArrowInvalid):
        return False
    fresh = pq.read_table(io.BytesIO(built))
    return committed.schema.equals(
        fresh.schema, check_metadata=True
    ) and committed.equals(fresh)


def write_atomically(files: dict[Path, bytes], root: Path) -> None:
    """Write every file to a temporary name first, then rename them all into place."""
    staged = []
    try:
        for relative, content in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            staged.append((temporary, target))
    except BaseException:
        for temporary, _ in staged:
            os.unlink(temporary)
        raise
    for temporary, target in staged:
        os.replace(temporary, target)


def build(root: Path, *, check: bool = False) -> Report:
    """Validate the CSVs and write (or, with ``check``, compare) every published file."""
    root = Path(root)
    report = validate(root, with_frictionless=False)
    if not report.ok:
        return report
    files = outputs(report.checkout)
    if check:
        stale = [
            path
            for path, content in files.items()
            if not same_output(path, root / path, content)
        ]
        report.problems += [
            Problem(
                path.as_posix(),
                NOT_A_ROW,
                "",
                "differs from what nzdefence build writes; run nzdefence build",
            )
            for path in stale
        ]
        return report
    write_atomically(files, root)
    report.problems += datapackage_problems(root)
    return report
