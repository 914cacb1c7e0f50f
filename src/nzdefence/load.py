"""Loading the published tables into pandas. Imports neither pandera nor frictionless."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .layout import TABLES

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def parquet_dir() -> Path:
    """Where the published Parquet files are: inside the installed package (a wheel), or in
    the checkout an editable install points at."""
    from .published import data_folders

    return data_folders().parquet


def tables(directory: str | Path | None = None) -> list[str]:
    """The names of the tables that ``load`` accepts."""
    folder = Path(directory or parquet_dir())
    return sorted(name for name in TABLES if (folder / f"{name}.parquet").is_file())


def load(
    name: str, directory: str | Path | None = None, *, evidence: bool = False
) -> pd.DataFrame:
    """One table as a typed pandas DataFrame.

    Dates are datetime64, counts nullable Int64, numbers Float64, enums categoricals with every
    allowed value, lists Arrow-backed lists. ``df.attrs["descriptions"]`` maps each column to
    its description and ``df.attrs["description"]`` describes the table.

    ``directory`` reads another folder of nzdefence Parquet files (a checkout's
    ``dataset/parquet``) instead of the data shipped with the package. Its file is read only
    if it is a regular file (not a link) of at most ``parquet.MAX_PARQUET_BYTES``, else
    ``published.DataError``; its content is trusted as you trust the folder you name (check a
    stranger's checkout with ``nzdefence build --check`` first, which bounds its decoding).

    ``evidence=True`` (fact tables only) adds four aligned list columns, one item per evidence
    row of the record, ordered by source and offset: ``evidence_quotes`` (the exact words),
    ``evidence_sources`` (their source ids), ``evidence_starts`` and ``evidence_ends`` (their
    offsets, for ``nzdefence.passage``); a record without evidence has empty lists.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(directory or parquet_dir())
    names = tables(folder)
    if name not in names:
        raise KeyError(f"no table {name!r}; the tables are: {', '.join(names)}")
    if directory is None:
        # The installed package's own data (or the checkout an editable install is).
        table = pq.read_table(folder / f"{name}.parquet")
    else:
        from . import files
        from .parquet import MAX_PARQUET_BYTES
        from .published import located

        file = f"{name}.parquet"
        try:
            raw = files.read_bytes(folder, file, limit=MAX_PARQUET_BYTES)
        except files.UnsafePath as error:
            raise located(str(folder / error.relative), error.reason) from None
        table = pq.read_table(pa.BufferReader(raw))
    frame = frame_of(table, name)
    if evidence:
        from .published import folders_of_parquet, with_evidence

        frame = with_evidence(frame, name, folders_of_parquet(directory))
    return frame


def frame_of(table: pa.Table, name: str) -> pd.DataFrame:
    """A published table as a typed DataFrame, with its descriptions in ``attrs``."""
    from .dtypes import to_frame

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
