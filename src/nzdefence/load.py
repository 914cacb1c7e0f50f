"""Loading the published tables into pandas. Imports neither pandera nor frictionless."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .layout import PARQUET_DIR

if TYPE_CHECKING:
    import pandas as pd

# In a wheel the Parquet files ship inside the package; in a checkout they are in dataset/.
_PACKAGED = Path(__file__).parent / "data" / "parquet"
_CHECKOUT = Path(__file__).resolve().parents[2] / PARQUET_DIR


def parquet_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def to_frame(table):
    """An nzdefence Arrow table as typed pandas: datetime64 dates, nullable Int64 and Float64,
    categoricals for enums (Arrow dictionaries), Arrow-backed lists."""
    import pandas as pd
    import pyarrow as pa

    def pandas_type(arrow_type: pa.DataType):
        if pa.types.is_list(arrow_type):
            return pd.ArrowDtype(arrow_type)
        return {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype()}.get(
            arrow_type
        )

    return table.to_pandas(date_as_object=False, types_mapper=pandas_type)


def tables(directory: str | Path | None = None) -> list[str]:
    """The names of the tables that ``load`` accepts."""
    return sorted(
        path.stem for path in Path(directory or parquet_dir()).glob("*.parquet")
    )


def load(name: str, directory: str | Path | None = None) -> pd.DataFrame:
    """One table as a typed pandas DataFrame.

    Dates are datetime64, counts nullable Int64, numbers Float64, enums categoricals with every
    allowed value, lists Arrow-backed lists. ``df.attrs["descriptions"]`` maps each column to
    its description and ``df.attrs["description"]`` describes the table.

    ``directory`` reads another folder of nzdefence Parquet files (a checkout's
    ``dataset/parquet``) instead of the data shipped with the package.
    """
    import pyarrow.parquet as pq

    folder = Path(directory or parquet_dir())
    names = tables(folder)
    if name not in names:
        raise KeyError(f"no table {name!r}; the tables are: {', '.join(names)}")
    table = pq.read_table(folder / f"{name}.parquet")

    frame = to_frame(table)
    frame.attrs["table"] = name
    frame.attrs["description"] = (
        (table.schema.metadata or {}).get(b"description", b"").decode()
    )
    frame.attrs["descriptions"] = {
        field.name: (field.metadata or {}).get(b"description", b"").decode()
        for field in table.schema
    }
    frame.attrs["enums"] = {
        field.name: json.loads(field.metadata[b"enum"])
        for field in table.schema
        if field.metadata and b"enum" in field.metadata
    }
    return frame
