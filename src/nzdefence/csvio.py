"""Reading a table's CSV file into typed Arrow columns, with located problems instead of errors.

The fast path is pyarrow's CSV reader with every column read as text, so that cells such as
``NA`` or ``null`` stay text and the only missing value is the empty cell. When pyarrow cannot
parse a file, Python's csv module reads it again to say which row is broken.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .dtypes import arrow_type
from .problems import HEADER_ROW, Problem, nearest
from .schemas import TableSchema

UTF8_BOM = b"\xef\xbb\xbf"
# A hand-verified cell is a quote, a name or a sentence or two; anything much longer is a
# mistake or an attack on whoever opens the file, and would slow every reader down.
MAX_CELL_CHARACTERS = 5_000
# Spreadsheets treat a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Numbers are written canonically (no leading zeros, no trailing decimal zeros, no -0, at most
# 15 significant digits) so that CSV -> Parquet -> CSV gives back every cell exactly.
_INTEGER = r"0|-?[1-9][0-9]{0,14}"
_NUMBER = r"(0|-?[1-9][0-9]*)(\.[0-9]*[1-9])?|-0\.[0-9]*[1-9]"
_MAX_DIGITS = 15  # a float64 holds every number of 15 digits exactly
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# A header may hold thousands of unknown names; the first few say what is wrong.
MAX_UNKNOWN_COLUMNS = 20


def line_of(raw: bytes, byte_offset: int) -> int:
    return raw.count(b"\n", 0, byte_offset) + 1


def read_table(
    raw: bytes | None, table: TableSchema, shown: str
) -> tuple[pa.Table | None, list[Problem], np.ndarray]:
    """Read and type one table from its file's bytes (None if there is no file).

    Returns the typed table (None if unreadable), the problems, and for each record the
    physical line of the file it starts on, which every problem in it is located by."""
    problems: list[Problem] = []
    no_lines = np.zeros(0, dtype=np.int64)

    def problem(line: int, column: str, message: str) -> None:
        problems.append(Problem(shown, line, column, message))

    if raw is None:
        problem(
            HEADER_ROW, "", f"file is missing; it should hold the {table.name} table"
        )
        return None, problems, no_lines
    file_bytes = raw
    if raw.startswith(UTF8_BOM):
        problem(
            HEADER_ROW,
            "",
            "file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM",
        )
        raw = raw[len(UTF8_BOM) :]

    # Said instead of every later problem when the file is not UTF-8 (usually a spreadsheet's
    # Windows-1252 export); checked only when pyarrow, which checks UTF-8 as it reads, fails.
    def not_utf8() -> list[Problem] | None:
        try:
            file_bytes.decode("utf-8")
            return None
        except UnicodeDecodeError as error:
            return bom_problems + [
                Problem(
                    shown,
                    line_of(file_bytes, error.start),
                    "",
                    f"file is not valid UTF-8 (byte 0x{file_bytes[error.start]:02x} at offset "
                    f"{error.start}); it may be Latin-1 or Windows-1252: save it as UTF-8",
                )
            ]

    bom_problems = list(problems)
    if b"\x00" in raw:
        problem(
            line_of(raw, raw.index(b"\x00")),
            "",
            "file holds a NUL byte; it is not a text CSV file",
        )
        return None, problems, no_lines
    if b"\r" in raw:
        problem(
            line_of(raw, raw.index(b"\r")),
            "",
            "file has CR or CRLF line ends; use \\n (LF) line ends",
        )
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not raw or raw.isspace():
        problem(
            HEADER_ROW,
            "",
            f"file is empty; it needs at least the header row: {','.join(table.field_names)}",
        )
        return None, problems, no_lines

    parsed = _parse(raw)
    if parsed.strings is None:
        structure = _structural_problems(
            raw.decode("utf-8", errors="replace"), parsed.header, shown
        )
        return None, not_utf8() or problems + structure, no_lines
    header_problems = _header_problems(parsed.header, table, shown)
    if header_problems:
        # pyarrow converted, and so checked, only the columns the header names: maybe none.
        return None, not_utf8() or problems + header_problems, no_lines
    strings = parsed.strings.rename_columns(table.field_names)
    lines = _record_lines(strings, parsed.first_line, parsed.body_lines)
    strings, lines, blank = _without_blank_lines(strings, lines, raw)
    problems += [
        Problem(
            shown, line, "", "line is blank; a CSV file has no blank lines: remove it"
        )
        for line in blank
    ]
    problems += _cell_problems(strings, table, shown, lines)
    typed, conversion = _typed(strings, table, shown, lines)
    return typed, problems + conversion, lines


@dataclass(frozen=True)
class _Parsed:
    header: list[str] | None
    strings: pa.Table | None  # None when pyarrow cannot read the records
    first_line: int  # the physical line the first record starts on
    body_lines: int = 0  # the physical lines after the header


def _end_of_header(raw: bytes) -> int:
    """The offset of the newline that ends the header record (a quoted cell may hold
    newlines), or -1 if the file has no complete header record."""
    quotes, position = 0, 0
    while True:
        end = raw.find(b"\n", position)
        if end == -1:
            return -1
        quotes += raw.count(b'"', position, end)
        if quotes % 2 == 0:
            return end
        position = end + 1


def _parse(raw: bytes) -> _Parsed:
    """The header and every cell as text, empty cells as null."""
    import pyarrow.csv as pacsv

    end = _end_of_header(raw)
    header_bytes = raw if end == -1 else raw[:end]
    first_line = header_bytes.count(b"\n") + 2
    try:
        header = next(
            csv.reader(
                io.StringIO(header_bytes.decode("utf-8"), newline=""), strict=True
            ),
            [],
        )
    except (UnicodeDecodeError, csv.Error):
        return _Parsed(None, None, first_line)
    if (
        raw.count(b'"') % 2
    ):  # a quote left open: pyarrow would take the rest as one cell
        return _Parsed(header, None, first_line)
    names = [f"c{i}" for i in range(len(header))]
    body = pa.py_buffer(raw)[len(raw) if end == -1 else end + 1 :]
    if not body:  # a header and no records
        empty = pa.table({name: pa.array([], pa.string()) for name in names})
        return _Parsed(header, empty, first_line)
    body_lines = raw.count(b"\n", end + 1) + (not raw.endswith(b"\n"))
    # Parsing without newlines in cells is faster and splits across threads; a file that has
    # a quoted newline is parsed again allowing them, and one with a cell longer than pyarrow's
    # block in a single block. pyarrow stops at the first row that breaks the structure (a
    # blank line included) or is not UTF-8; the slow, exact reading then locates them all.
    for newlines_in_values, block_size in (
        (False, None),
        (True, None),
        (True, len(body) + 1),
    ):
        read_options = pacsv.ReadOptions(column_names=names)
        if block_size is not None:
            read_options.block_size = block_size
        try:
            strings = pacsv.read_csv(
                pa.BufferReader(body),
                read_options=read_options,
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=newlines_in_values, ignore_empty_lines=False
                ),
                # Only the empty cell is missing: NA, null and None stay text.
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in names},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except (pa.ArrowInvalid, ValueError):
            continue
        return _Parsed(header, strings, first_line, body_lines)
    return _Parsed(header, None, first_line)


def _without_blank_lines(
    strings: pa.Table, lines: np.ndarray, raw: bytes
) -> tuple[pa.Table, np.ndarray, list[int]]:
    """The records without the blank lines that pyarrow read as records of empty cells, and
    the lines they were on."""
    empty = np.ones(strings.num_rows, dtype=bool)
    for column in strings.columns:
        empty &= column.is_null().to_numpy(zero_copy_only=False)
    if not empty.any():
        return strings, lines, []
    # Only now split the file: a record of empty cells written as commas is not blank.
    physical = raw.split(b"\n")
    blank = np.array([physical[line - 1] == b"" for line in lines[empty]])
    drop = np.zeros(strings.num_rows, dtype=bool)
    drop[np.flatnonzero(empty)[blank]] = True
    return strings.filter(pa.array(~drop)), lines[~drop], lines[drop].tolist()


def _record_lines(strings: pa.Table, first_line: int, body_lines: int) -> np.ndarray:
    """The physical line each record starts on: one more than the last, plus the newlines
    inside the cells of the records before it."""
    if strings.num_rows == body_lines:  # one line a record: no cell holds a newline
        return first_line + np.arange(strings.num_rows, dtype=np.int64)
    newlines = np.zeros(strings.num_rows, dtype=np.int64)
    for column in strings.columns:
        newlines += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy()
    before = (
        np.concatenate([[0], np.cumsum(newlines)[:-1]]) if len(newlines) else newlines
    )
    return first_line + np.arange(strings.num_rows, dtype=np.int64) + before


def _structural_problems(
    text: str, header: list[str] | None, shown: str
) -> list[Problem]:
    """Locate records that break the CSV structure, reading the file again with Python's csv."""
    problems = []
    width = 0 if header is None else len(header)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    record = 0
    while True:
        start_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            reason = (
                f"a cell is longer than {MAX_CELL_CHARACTERS} characters"
                if "field larger than field limit" in str(error)
                else f"CSV syntax error: {error} (is a quoted cell left open, or a quote mark "
                "inside an unquoted cell?)"
            )
            problems.append(Problem(shown, start_line, "", reason))
            break
        record += 1
        if record > HEADER_ROW and len(cells) != width:
            problems.append(
                Problem(
                    shown,
                    start_line,
                    "",
                    f"row has {len(cells)} cells; the header has {width}",
                )
            )
    if not problems:
        problems.append(
            Problem(shown, HEADER_ROW, "", "file could not be parsed as CSV")
        )
    return problems


def _header_problems(
    header: list[str], table: TableSchema, shown: str
) -> list[Problem]:
    expected = table.field_names
    if header == expected:
        return []
    problems = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(shown, HEADER_ROW, column, message))

    counts = Counter(header)
    for name in sorted(name for name, count in counts.items() if count > 1):
        problem(name, f"column {name!r} appears {counts[name]} times")
    missing = [name for name in expected if name not in counts]
    known = set(expected)
    unknown = [name for name in header if name not in known][:MAX_UNKNOWN_COLUMNS]
    for name in unknown:
        close = nearest(name, missing, n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else f"; the columns are: {','.join(expected)}"
        )
        problem(name, f"column {name!r} is not in the {table.name} schema{hint}")
    for name in missing:
        problem(name, f"column {name!r} is missing")
    if not problems:
        problem(
            "",
            f"columns are not in the schema's order; the header must be: {','.join(expected)}",
        )
    return problems


def _rows(mask, lines: np.ndarray) -> list[tuple[int, int]]:
    """(position, physical line) of each record where ``mask`` is true."""
    return [(i, int(lines[i])) for i in pc.indices_nonzero(mask).to_pylist()]


def _cell_problems(
    strings: pa.Table, table: TableSchema, shown: str, lines: np.ndarray
) -> list[Problem]:
    problems = []
    for field in table.fields:
        name = field.name
        column = strings[name]
        # A cell has at least as many bytes as characters, and no more than its whole column:
        # count bytes only in a column that could hold a long cell (a small table's columns
        # cannot), and characters only in cells whose bytes could exceed the limit.
        if column.nbytes > MAX_CELL_CHARACTERS:
            long_cells = pc.greater(pc.binary_length(column), MAX_CELL_CHARACTERS)
            if pc.any(long_cells).as_py():
                long_cells = pc.and_(
                    long_cells,
                    pc.greater(pc.utf8_length(column), MAX_CELL_CHARACTERS),
                )
            for _, row in _rows(long_cells, lines):
                problems.append(
                    Problem(
                        shown,
                        row,
                        name,
                        f"cell is longer than {MAX_CELL_CHARACTERS} characters",
                    )
                )
        if field.type not in ("string", "list") or field.enum is not None:
            continue  # numbers, dates and enums cannot hold a formula and pass their own checks
        # Each prefix is one character: the first characters are looked up in one pass.
        formula = pc.is_in(
            pc.utf8_slice_codeunits(column, 0, 1),
            value_set=pa.array(FORMULA_PREFIXES, pa.string()),
        )
        for _, row in _rows(formula, lines):
            problems.append(
                Problem(
                    shown,
                    row,
                    name,
                    "cell starts with =, +, -, @, a tab or a carriage return, which spreadsheets "
                    "run as a formula; reword it or remove the leading character",
                )
            )
    return problems


def _typed(
    strings: pa.Table, table: TableSchema, shown: str, lines: np.ndarray
) -> tuple[pa.Table, list[Problem]]:
    """Convert the text columns to their schema types; unconvertible cells become empty."""
    problems = []
    columns = []
    for field in table.fields:
        name, kind = field.name, field.type
        text = strings[name] if strings.num_rows else pa.array([], pa.string())

        def reject(mask, message: str, name=name, text=text) -> None:
            for position, line in _rows(mask, lines):
                value = text[position].as_py()
                problems.append(Problem(shown, line, name, message.format(value=value)))

        if kind == "string" or field.enum is not None:
            columns.append(text)
        elif kind in ("integer", "number"):
            pattern = _INTEGER if kind == "integer" else _NUMBER
            # A cell of at most 15 bytes has at most 15 digits: digits are counted, a slow
            # regex pass, only when some cell is longer.
            too_many_digits = pc.greater(pc.binary_length(text), _MAX_DIGITS)
            if pc.any(too_many_digits).as_py():
                too_many_digits = pc.and_(
                    too_many_digits,
                    pc.greater(pc.count_substring_regex(text, "[0-9]"), _MAX_DIGITS),
                )
            well_formed = pc.and_not(
                pc.match_substring_regex(text, f"^(?:{pattern})$"), too_many_digits
            )
            bad = pc.invert(pc.fill_null(well_formed, True))
            word = (
                "a whole number written plainly (digits, no leading zeros, at most 15 digits)"
                if kind == "integer"
                else "a number written plainly (digits and an optional decimal point; no leading or "
                "trailing zeros, no exponent, at most 15 digits)"
            )
            reject(bad, f"{{value!r}} is not {word}")
            valid = pc.if_else(bad, pa.scalar(None, pa.string()), text)
            columns.append(pc.cast(valid, arrow_type(kind)))
        elif kind == "date":
            columns.append(_dates(text, reject))
        else:  # list
            delimiter = field.delimiter
            items = pc.split_pattern(text, delimiter)
            blank_item = _has_blank_item(items)
            reject(
                blank_item,
                f"{{value!r}} has an empty item; separate items with a single {delimiter!r} and no spaces",
            )
            columns.append(items)
    return pa.table(columns, names=table.field_names), problems


def _dates(text, reject) -> pa.Array:
    """Dates written YYYY-MM-DD as date32; a cell that is not one is rejected and left empty."""
    try:
        # Arrow's cast accepts exactly the real calendar dates written YYYY-MM-DD, and fails
        # on the first cell that is not one; only then is each cell looked at.
        dates = pc.cast(text, pa.date32())
    except pa.ArrowInvalid:
        return _dates_cell_by_cell(text, reject)
    # Arrow also accepts the year 0000, which Python's dates (and so pandas' and every reader's)
    # do not: the years are 0001 to 9999.
    year_zero = pc.fill_null(pc.less(pc.year(dates), 1), False)
    reject(year_zero, "{value!r} is in the year 0000; dates run from 0001-01-01")
    return pc.if_else(year_zero, pa.scalar(None, pa.date32()), dates)


def _dates_cell_by_cell(text, reject) -> pa.Array:
    shaped = pc.fill_null(pc.match_substring_regex(text, f"^{_DATE}$"), False)
    parsed = pc.strptime(
        pc.if_else(shaped, text, pa.scalar(None, pa.string())),
        format="%Y-%m-%d",
        unit="s",
        error_is_null=True,
    )
    # strptime rolls impossible dates over (2025-02-30 becomes 2025-03-02), which always
    # changes the day: a date is real when the parsed month and day are the ones written.
    written = pc.if_else(shaped, text, "0000-00-00")
    written_month = pc.cast(pc.utf8_slice_codeunits(written, 5, 7), pa.int64())
    written_day = pc.cast(pc.utf8_slice_codeunits(written, 8, 10), pa.int64())
    real = pc.fill_null(
        pc.and_(
            pc.equal(pc.month(parsed), written_month),
            pc.equal(pc.day(parsed), written_day),
        ),
        False,
    )
    reject(
        pc.and_not(pc.is_valid(text), shaped),
        "{value!r} is not a date in the form YYYY-MM-DD",
    )
    reject(pc.and_not(shaped, real), "{value!r} is not a real calendar date")
    return pc.cast(pc.if_else(real, parsed, pa.scalar(None, parsed.type)), pa.date32())


def rows_with_failing_item(lists: pa.Array, item_fails) -> np.ndarray:
    """For an Arrow array of lists: a NumPy mask, True for each list holding an item for which
    ``item_fails`` (Arrow items -> boolean array, null counting as passing) is true. Computed
    on the flattened items rather than row by row."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    failing_items = pc.fill_null(item_fails(pc.list_flatten(lists)), False)
    failing_rows = np.zeros(len(lists), dtype=bool)
    failing_rows[pc.filter(pc.list_parent_indices(lists), failing_items).to_numpy()] = (
        True
    )
    return failing_rows


def _has_blank_item(items: pa.Array) -> pa.Array:
    """True for each list that holds an empty or space-padded item."""
    return pa.array(
        rows_with_failing_item(
            items,
            lambda flat: pc.or_(
                pc.equal(flat, ""), pc.not_equal(pc.utf8_trim_whitespace(flat), flat)
            ),
        )
    )


def cell_text(value, delimiter: str = ",") -> str:
    """A typed value as it is written in the CSV files (the inverse of reading them); a list's
    items are joined by its field's ``delimiter``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("the tables have no boolean fields")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return delimiter.join(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def to_csv(table: pa.Table, schema: TableSchema) -> str:
    """A published table written back as CSV: UTF-8 text, ``\\n`` line ends, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    columns = [table[name].to_pylist() for name in table.column_names]
    delimiters = [schema.field(name).delimiter for name in table.column_names]
    writer.writerows(
        [cell_text(value, d) for value, d in zip(row, delimiters)]
        for row in zip(*columns)
    )
    return buffer.getvalue()
