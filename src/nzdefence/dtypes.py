"""The one type table: the Arrow type of each Table Schema type, and the pandas type of each
Arrow type. The CSV reader, the Parquet files, Pandera and ``load()`` all take types from here."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

# Table Schema type -> the Arrow type its column is read into and published as.
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "date": pa.date32(),
    "list": pa.list_(pa.string()),
}
# An enum is published as a dictionary of its allowed values (a pandas categorical).
ENUM_TYPE = pa.dictionary(pa.int32(), pa.string())


def arrow_type(type_name: str, *, enum: bool = False) -> pa.DataType:
    return ENUM_TYPE if enum else ARROW_TYPES[type_name]


def pandas_dtype(arrow: pa.DataType):
    """The pandas dtype of a column of this Arrow type, for ``Table.to_pandas(types_mapper=…)``:
    nullable Int64 and Float64, Arrow-backed lists; None leaves pyarrow's default (datetime64
    for dates with ``date_as_object=False``, categoricals for dictionaries, str for strings)."""
    if pa.types.is_list(arrow):
        return pd.ArrowDtype(arrow)
    if pa.types.is_int64(arrow):
        return pd.Int64Dtype()
    if pa.types.is_float64(arrow):
        return pd.Float64Dtype()
    return None


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An nzdefence Arrow table as typed pandas."""
    return table.to_pandas(date_as_object=False, types_mapper=pandas_dtype)
