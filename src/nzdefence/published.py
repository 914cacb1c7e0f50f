"""The published dataset beyond its tables: where its files are, its schemas, its source
documents, and the evidence that joins a record to the exact words behind it.

An installed package carries, under ``nzdefence/data/``, the Parquet files, the source
documents, the table schemas and ``datapackage.json`` (pyproject's force-include), so every
quote can be checked offline; an editable install reads the checkout it was installed from.
Imports neither pandera nor frictionless: the schemas were checked when the data was built.

A checkout's files are untrusted (``show`` and ``site`` take any checkout): they are read
only through ``files.read_bytes``, within size limits, and each Parquet file is checked
against its schema before it is decoded (``parquet.read_table``). A file that cannot be read
so is a DataError saying ``path:line:column: message``.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from . import files
from .layout import (
    DATAPACKAGE,
    PACKAGED_DATA,
    PACKAGED_DATAPACKAGE,
    PACKAGED_PARQUET,
    PACKAGED_SCHEMA,
    PACKAGED_SOURCES,
    PARQUET_DIR,
    SCHEMA_DIR,
    SOURCES_DIR,
    TABLES,
    parquet_path,
    schema_path,
    source_path,
)
from .problems import NOT_A_ROW, Problem

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from .schemas import RecordLink, TableSchema

EVIDENCE = "evidence"  # the table whose record link joins a record to its quotes
EXCLUSIONS = (
    "exclusions"  # passages of the sources deliberately left out, with a reason
)
# At most this many characters of a paragraph are shown either side of a quote.
PARAGRAPH_LIMIT = 400
EVIDENCE_COLUMNS = (
    "evidence_quotes",
    "evidence_sources",
    "evidence_starts",
    "evidence_ends",
)


class DataError(ValueError):
    """The published files cannot be read as nzdefence data; the message says which and why."""


def located(where: str, reason: str) -> DataError:
    """A DataError about a whole file, as ``path:0:-: reason`` with its text escaped."""
    return DataError(str(Problem(where, NOT_A_ROW, "", reason)))


@dataclass(frozen=True)
class DataFolders:
    """Where one copy of the published dataset keeps its files."""

    parquet: Path
    sources: Path
    schema: Path
    datapackage: Path
    checkout: Path | None  # the checkout's root, or None for the data inside a package

    def _packaged(self, relative: Path) -> Path:
        """Where a file or folder of the checkout layout (layout's paths) is in this copy."""
        folders = {
            PARQUET_DIR: self.parquet,
            SCHEMA_DIR: self.schema,
            SOURCES_DIR: self.sources,
        }
        if relative in folders:
            return folders[relative]
        return folders[relative.parent] / relative.name

    def shown(self, relative: Path) -> str:
        """How a file is named in messages: its path in the checkout, else where it is."""
        if self.checkout is not None:
            return relative.as_posix()
        return str(self._packaged(relative))

    def read(self, relative: Path, *, limit: int) -> bytes:
        """The bytes of a file, named by its path in a checkout (layout's paths). Raises
        FileNotFoundError if it is missing, DataError if it cannot be read safely."""
        try:
            if self.checkout is None:
                # The installed package's own data, which its build wrote into the wheel.
                return self._packaged(relative).read_bytes()
            return files.read_bytes(self.checkout, relative.as_posix(), limit=limit)
        except files.UnsafePath as error:
            raise located(error.relative.as_posix(), error.reason) from None
        except FileNotFoundError:
            raise
        except OSError as error:
            raise located(
                self.shown(relative), f"cannot be read: {error.strerror}"
            ) from None

    def names(self, folder: Path) -> list[str]:
        """The names in a folder (layout's paths), sorted; empty if it is missing."""
        try:
            if self.checkout is None:
                # The installed package's own data, which its build wrote into the wheel.
                return sorted(os.listdir(self._packaged(folder)))
            return files.list_folder(self.checkout, folder.as_posix())
        except files.UnsafePath as error:
            raise located(error.relative.as_posix(), error.reason) from None
        except FileNotFoundError:
            return []
        except OSError as error:
            raise located(
                self.shown(folder), f"cannot be listed: {error.strerror}"
            ) from None


def checkout_folders(root: str | Path) -> DataFolders:
    root = Path(root)
    return DataFolders(
        root / PARQUET_DIR,
        root / SOURCES_DIR,
        root / SCHEMA_DIR,
        root / DATAPACKAGE,
        root,
    )


def data_folders(root: str | Path | None = None) -> DataFolders:
    """The checkout at ``root``; without one, the data inside the installed package, or the
    checkout an editable install points at."""
    if root is not None:
        return checkout_folders(root)
    packaged = resources.files("nzdefence") / PACKAGED_DATA.as_posix()
    if packaged.is_dir():
        base = Path(str(packaged))
        return DataFolders(
            base / PACKAGED_PARQUET,
            base / PACKAGED_SOURCES,
            base / PACKAGED_SCHEMA,
            base / PACKAGED_DATAPACKAGE,
            None,
        )
    return checkout_folders(Path(__file__).resolve().parents[2])


def folders_of_parquet(directory: str | Path | None) -> DataFolders:
    """The folders of the dataset whose Parquet files are in ``directory`` (None: the default
    data), when it is laid out as a checkout or a package; for ``load(evidence=True)``."""
    default = data_folders()
    if directory is None or Path(directory).resolve() == default.parquet.resolve():
        return default
    directory = Path(directory).resolve()
    depth = len(PARQUET_DIR.parts)
    if directory.parts[-depth:] == PARQUET_DIR.parts:
        return checkout_folders(directory.parents[depth - 1])
    raise DataError(
        f"{directory}: evidence=True needs the schemas next to the Parquet files; pass the "
        f"{PARQUET_DIR.as_posix()} folder of a checkout"
    )


def read_schemas(folders: DataFolders) -> dict[str, TableSchema]:
    """The table schemas of the published data, by table, in ``TABLES`` order.

    They were checked by ``nzdefence validate`` before the data was built, so they are only
    parsed here (without Frictionless); a file that cannot be parsed is a DataError.
    """
    from .schemas import MAX_SCHEMA_BYTES, parse_descriptor

    schemas = {}
    for name in TABLES:
        relative = schema_path(name)
        try:
            raw = folders.read(relative, limit=MAX_SCHEMA_BYTES)
        except FileNotFoundError:
            continue  # a table this copy of the data does not have
        try:
            descriptor = json.loads(raw.decode("utf-8"))
            schemas[name] = parse_descriptor(descriptor)
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            RecursionError,
        ) as error:
            raise located(
                folders.shown(relative),
                f"not a usable table schema ({type(error).__name__}: {error}); "
                "run nzdefence validate",
            ) from None
    return schemas


def read_arrow(folders: DataFolders, name: str, schema: TableSchema) -> pa.Table:
    """A published table as Arrow, its file checked against ``schema`` before it is decoded.
    Raises DataError if it is missing or refused."""
    from .parquet import MAX_PARQUET_BYTES, ParquetRefused, arrow_schema, read_table

    relative = parquet_path(name)
    try:
        raw = folders.read(relative, limit=MAX_PARQUET_BYTES)
    except FileNotFoundError:
        raise located(folders.shown(relative), "missing; run nzdefence build") from None
    try:
        return read_table(raw, arrow_schema(schema))
    except ParquetRefused as error:
        raise located(folders.shown(relative), str(error)) from None


def evidence_link(schemas: dict[str, TableSchema]) -> RecordLink:
    """The evidence table's link to the records it supports: which column names the table,
    which the record, and the key column of the tables it may name."""
    schema = schemas.get(EVIDENCE)
    if schema is None or not schema.record_links:
        raise located(
            schema_path(EVIDENCE).as_posix(),
            "has no record link; run nzdefence validate",
        )
    return schema.record_links[0]


def _read_table(folders: DataFolders, name: str) -> pd.DataFrame:
    from .load import frame_of

    schemas = read_schemas(folders)
    if name not in schemas:
        raise located(folders.shown(schema_path(name)), "missing")
    return frame_of(read_arrow(folders, name, schemas[name]), name)


def evidence(
    table: str | None = None,
    record_id: str | None = None,
    *,
    root: str | Path | None = None,
) -> pd.DataFrame:
    """Evidence rows: the exact words (``quote``, at ``quote_start``:``quote_end`` of the
    source ``source_id``) that support a record, with their ``review`` state.

    ``table`` keeps the rows supporting records of that table; ``record_id`` those supporting
    that record. ``root`` reads the checkout there instead of the installed data.
    """
    folders = data_folders(root)
    link = evidence_link(read_schemas(folders))
    frame = _read_table(folders, EVIDENCE)
    if table is not None:
        if table not in link.tables:
            raise KeyError(
                f"evidence supports records of {', '.join(link.tables)}; not of {table!r}"
            )
        frame = frame[frame[link.table_column].astype("string") == table]
    if record_id is not None:
        frame = frame[frame[link.record_column].astype("string") == record_id]
    return frame.reset_index(drop=True)


def with_evidence(frame: pd.DataFrame, name: str, folders: DataFolders) -> pd.DataFrame:
    """``frame`` (table ``name``) with four aligned list columns, one item per evidence row
    of the record, ordered by source and offset: ``evidence_quotes``, ``evidence_sources``,
    ``evidence_starts`` and ``evidence_ends``. A record without evidence has empty lists."""
    import pandas as pd
    import pyarrow as pa

    link = evidence_link(read_schemas(folders))
    if name not in link.tables:
        raise ValueError(
            f"evidence supports records of {', '.join(link.tables)}; {name!r} has none"
        )
    rows = _read_table(folders, EVIDENCE)
    rows = rows[rows[link.table_column].astype("string") == name].sort_values(
        [link.record_column, "source_id", "quote_start", "quote_end"], kind="stable"
    )
    by_record: dict[str, list[tuple[str, str, int, int]]] = {}
    for record, source, quote, start, end in zip(
        rows[link.record_column],
        rows["source_id"],
        rows["quote"],
        rows["quote_start"],
        rows["quote_end"],
        strict=True,
    ):
        by_record.setdefault(record, []).append((quote, source, int(start), int(end)))
    found = [by_record.get(key, []) for key in frame[link.key]]
    result = frame.copy()
    kinds = (pa.string(), pa.string(), pa.int64(), pa.int64())
    for position, (column, kind) in enumerate(
        zip(EVIDENCE_COLUMNS, kinds, strict=True)
    ):
        values = pa.array(
            [[item[position] for item in items] for items in found], pa.list_(kind)
        )
        result[column] = pd.Series(
            values, index=frame.index, dtype=pd.ArrowDtype(pa.list_(kind))
        )
    descriptions = dict(result.attrs.get("descriptions", {}))
    descriptions.update(
        evidence_quotes="The quotes that support the record, exactly as in their sources.",
        evidence_sources="sources.source_id of each quote's document, in the same order.",
        evidence_starts="Each quote's start offset in its source (0-based code points).",
        evidence_ends="Each quote's end offset in its source (exclusive).",
    )
    result.attrs["descriptions"] = descriptions
    return result


def source_ids(folders: DataFolders) -> list[str]:
    return [
        name.removesuffix(".txt")
        for name in folders.names(SOURCES_DIR)
        if name.endswith(".txt") and not name.startswith(".")
    ]


def source_text(source_id: str, *, root: str | Path | None = None) -> str:
    """The full text of a source document, exactly as stored: the offsets of the evidence and
    exclusions tables index into this string (code points, newlines untranslated)."""
    return _source_text(data_folders(root), source_id)


def _source_text(folders: DataFolders, source_id: str) -> str:
    from .problems import nearest

    # Only listed files are read: a source id is never used to build a path by itself.
    known = source_ids(folders)
    if source_id not in known:
        hint = nearest(source_id, known)
        raise KeyError(
            f"no source {source_id!r}"
            + (f"; did you mean {', '.join(hint)}?" if hint else "")
            + f" The sources are: {', '.join(known)}"
        )
    from .provenance import MAX_SOURCE_BYTES

    relative = source_path(source_id)
    try:
        return folders.read(relative, limit=MAX_SOURCE_BYTES).decode("utf-8")
    except FileNotFoundError:  # listed a moment ago
        raise located(folders.shown(relative), "missing") from None
    except UnicodeDecodeError as error:
        raise located(
            folders.shown(relative),
            f"is not valid UTF-8: {error.reason} at byte {error.start}",
        ) from None


@dataclass(frozen=True)
class Excerpt:
    """A span of a source with the text around it: ``before + quote + after`` is
    ``text[context_start:context_end]``; ``clipped_start``/``clipped_end`` say whether the
    context stops inside a line rather than at a line's or the text's edge."""

    source_id: str
    start: int
    end: int
    quote: str
    before: str
    after: str
    context_start: int
    context_end: int
    clipped_start: bool
    clipped_end: bool

    def __str__(self) -> str:
        return self.marked("»", "«")

    def marked(self, opening: str, closing: str) -> str:
        """The excerpt as one string, the quote between ``opening`` and ``closing``, with an
        ellipsis where the context is cut short."""
        head = "…" if self.clipped_start else ""
        tail = "…" if self.clipped_end else ""
        return f"{head}{self.before}{opening}{self.quote}{closing}{self.after}{tail}"


def context_bounds(
    text: str, start: int, end: int, context: int | None = None
) -> tuple[int, int]:
    """Where the context of ``text[start:end]`` begins and ends: ``context`` characters either
    side, or (None) the paragraph, that is the lines the span is on, cut to at most
    PARAGRAPH_LIMIT characters either side at a space."""
    if context is not None:
        return max(0, start - context), min(len(text), end + context)
    begin = text.rfind("\n", 0, start) + 1
    finish = text.find("\n", end)
    finish = len(text) if finish == -1 else finish
    if start - begin > PARAGRAPH_LIMIT:
        cut = start - PARAGRAPH_LIMIT
        space = text.find(" ", cut, start)
        begin = cut if space == -1 else space + 1
    if finish - end > PARAGRAPH_LIMIT:
        cut = end + PARAGRAPH_LIMIT
        space = text.rfind(" ", end, cut)
        finish = cut if space == -1 else space
    return begin, finish


def excerpt(
    text: str, source_id: str, start: int, end: int, context: int | None = None
) -> Excerpt:
    if not 0 <= start <= end <= len(text):
        raise ValueError(
            f"{source_id} has {len(text)} characters; {start}:{end} is not a span of it"
        )
    if context is not None and context < 0:
        raise ValueError("context must be 0 or more characters")
    begin, finish = context_bounds(text, start, end, context)
    return Excerpt(
        source_id,
        start,
        end,
        text[start:end],
        text[begin:start],
        text[end:finish],
        begin,
        finish,
        clipped_start=begin > 0 and text[begin - 1] != "\n",
        clipped_end=finish < len(text) and text[finish] != "\n",
    )


def passage(
    source_id: str,
    start: int,
    end: int,
    context: int | None = None,
    *,
    root: str | Path | None = None,
) -> Excerpt:
    """The words at ``start``:``end`` of a source with what surrounds them: ``context``
    characters either side, or by default the paragraph they are in (at most
    PARAGRAPH_LIMIT characters either side). ``str()`` of the result marks the quote »so«.

    >>> row = nzdefence.evidence("agreements").iloc[0]
    >>> p = nzdefence.passage(row.source_id, row.quote_start, row.quote_end)
    >>> p.quote == row.quote
    True
    """
    text = _source_text(data_folders(root), source_id)
    return excerpt(text, source_id, int(start), int(end), context)


# Characters that would act on a terminal or a page rather than be read: C0 and C1 controls
# (but tab and newline), and the bidirectional overrides that can reorder what is shown.
_BIDI_CONTROLS = set(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _is_hidden(char: str) -> bool:
    return (
        char not in "\t\n" and unicodedata.category(char) == "Cc"
    ) or char in _BIDI_CONTROLS


_VISIBLE = {
    ord(char): f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}"
    for char in (
        *map(chr, range(0x20)),
        *map(chr, range(0x7F, 0xA0)),
        *_BIDI_CONTROLS,
    )
    if _is_hidden(char)
}


_HIDDEN = re.compile("[" + "".join(map(chr, _VISIBLE)).replace("\\", "\\\\") + "]")


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u202e``),
    so untrusted data can never drive the terminal or reorder what a reader sees."""
    # Searching is much faster than translating, and almost no text has anything to escape.
    return text.translate(_VISIBLE) if _HIDDEN.search(text) else text


# In English whatever the locale (calendar.month_name follows the locale).
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def cell(value) -> str:
    """A value as text: lists joined with "; ", dates in ISO form, whole numbers without
    a decimal point (as the CSVs have them)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(cell(item) for item in value)
    if isinstance(value, float):
        return (
            str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        )
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def published_date(start, end, precision) -> str:
    """A source's or record's date as precise as its precision says: 7 November 2024,
    December 2025, 2025; empty when undated."""
    import pandas as pd

    if start is None or pd.isna(start):
        return ""
    if precision == "day" and start == end:
        return f"{start.day} {_MONTHS[start.month - 1]} {start.year}"
    if precision == "month":
        return f"{_MONTHS[start.month - 1]} {start.year}"
    if precision == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if precision == "half":
        return f"{'first' if start.month <= 6 else 'second'} half of {start.year}"
    if precision == "year":
        return str(start.year)
    shown = f"{start:%Y-%m-%d}"
    return shown if end is None or end == start else f"{shown} to {end:%Y-%m-%d}"


def source_label(source: dict) -> str:
    """One line saying what a source is: title, author, outlet, date and genre, and which of
    them the source does not give."""
    title = source.get("title") or f"untitled ({source['source_id']})"
    author = source.get("author") or "no author named"
    outlet = source.get("outlet") or "no outlet named"
    date = published_date(
        source.get("published_start"),
        source.get("published_end"),
        source.get("published_precision"),
    )
    if date and source.get("published_basis") == "inferred":
        date += " (inferred)"
    genre = source.get("genre") or "genre not given"
    return f"{title} — {author}; {outlet}; {date or 'undated'}; {genre}"


def source_citation(source: dict) -> str:
    """A source as a reference: author, title, outlet, date; what it lacks is left out or
    said (untitled, n.d.), never made up."""
    title = source.get("title")
    title = f"“{title}”" if title else f"Untitled document {source['source_id']}"
    date = published_date(
        source.get("published_start"),
        source.get("published_end"),
        source.get("published_precision"),
    )
    if date and source.get("published_basis") == "inferred":
        date += " (date inferred)"
    parts = [
        source.get("author") or "",
        title,
        source.get("outlet") or "",
        date or "n.d.",
    ]
    return ". ".join(part for part in parts if part) + "."
