"""Parquet files as nzdefence publishes them: the Arrow schema a table is written with, and
reading a file that may be hostile with its work bounded.

A checkout's Parquet files are untrusted like the rest of it, and a few hundred bytes of
Parquet can declare gigabytes: a dictionary page holding one long text that every row
repeats, or run-length-encoded values. So a file is checked before it is decoded: its schema
must be the one expected, its encodings those nzdefence writes, and what its footer declares
(rows, values, uncompressed bytes) within a limit; its text columns are then decoded as
dictionaries, which cost only their distinct values, and measured exactly before they are
expanded.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .dtypes import arrow_type
from .files import MiB

if TYPE_CHECKING:
    from .schemas import TableSchema

# A published Parquet file may be at most this large (validate's limit for a table's CSV).
MAX_PARQUET_BYTES = 1024 * MiB
# And decode to at most this much: twice the largest CSV, as a number or a date takes more
# bytes in memory than in the CSV.
MAX_DECODED_BYTES = 2048 * MiB
# The encodings pyarrow writes for nzdefence's types; others (DELTA_*, BYTE_STREAM_SPLIT) are
# never in a file nzdefence wrote, and the delta ones can expand a little data into a lot.
ENCODINGS = frozenset(
    {"PLAIN", "PLAIN_DICTIONARY", "RLE", "RLE_DICTIONARY", "BIT_PACKED"}
)
# Bytes a value takes at most in memory beside its text: an int64 or float64, or an offset
# with its validity bit.
VALUE_BYTES = 9


class ParquetRefused(ValueError):
    """A Parquet file that nzdefence will not decode; the message says why."""


def arrow_schema(schema: TableSchema, csv_sha256: str = "") -> pa.Schema:
    """The Arrow schema of a table's Parquet file, with each field's description as metadata."""
    fields = []
    for field in schema.fields:
        metadata = {"description": field.description}
        if field.enum is not None or field.item_enum is not None:  # value or item
            metadata["enum"] = json.dumps(
                dict(field.enum_descriptions), ensure_ascii=False
            )
        kind = arrow_type(field.type, enum=field.enum is not None)
        fields.append(pa.field(field.name, kind, nullable=True, metadata=metadata))
    return pa.schema(
        fields,
        metadata={
            "table": schema.name,
            "description": schema.description,
            "csv_sha256": csv_sha256,
        },
    )


def _footer_problem(
    file: pq.ParquetFile,
    expected: pa.Schema,
    rows: int | None,
    check_metadata: bool,
    limit: int,
) -> str | None:
    """What is wrong with the file by its footer alone, or None."""
    found = file.schema_arrow
    if not found.equals(expected, check_metadata=check_metadata):
        names = ", ".join(f"{f.name} {f.type}" for f in expected)
        return f"does not have the columns and types its schema gives ({names})"
    metadata = file.metadata
    if rows is not None and metadata.num_rows != rows:
        return f"has {metadata.num_rows} rows, not {rows}"
    declared = values = 0
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        declared += row_group.total_byte_size
        for column in range(row_group.num_columns):
            chunk = row_group.column(column)
            unknown = set(chunk.encodings) - ENCODINGS
            if unknown:
                return (
                    f"column {chunk.path_in_schema} uses encodings that nzdefence never "
                    f"writes ({', '.join(sorted(unknown))}); run nzdefence build"
                )
            declared += chunk.total_uncompressed_size
            values += chunk.num_values
    if declared > limit or VALUE_BYTES * max(values, metadata.num_rows) > limit:
        return f"declares more than the {limit:,} bytes a table may decode to"
    return None


def _text_size(array: pa.Array) -> int:
    """The bytes the text of a column decoded as dictionaries takes once expanded."""
    while pa.types.is_list(array.type):
        array = array.flatten()
    if not pa.types.is_dictionary(array.type):
        return 0
    lengths = pc.take(pc.binary_length(array.dictionary), array.indices)
    return pc.sum(lengths).as_py() or 0


def read_table(
    raw: bytes,
    expected: pa.Schema,
    *,
    rows: int | None = None,
    check_metadata: bool = False,
    limit: int = MAX_DECODED_BYTES,
) -> pa.Table:
    """The table in ``raw``, a Parquet file that must have the ``expected`` schema (with its
    metadata if ``check_metadata``) and, if given, ``rows`` rows, and decode to at most
    ``limit`` bytes. Raises ParquetRefused, saying why, before decoding what it refuses."""
    try:
        file = pq.ParquetFile(pa.BufferReader(raw))
        problem = _footer_problem(file, expected, rows, check_metadata, limit)
        if problem:
            raise ParquetRefused(problem)
        columns = file.schema
        texts = [
            columns.column(i).path
            for i in range(len(columns))
            if columns.column(i).physical_type == "BYTE_ARRAY"
        ]
        compact = pq.ParquetFile(pa.BufferReader(raw), read_dictionary=texts).read()
        size = compact.nbytes + sum(
            _text_size(chunk) for column in compact.columns for chunk in column.chunks
        )
        if size > limit:
            raise ParquetRefused(
                f"decodes to more than the {limit:,} bytes a table may take"
            )
        return compact.cast(file.schema_arrow)
    except (OSError, pa.ArrowException) as error:
        raise ParquetRefused(f"cannot be read as Parquet: {error}") from None
