"""The single-table checks of a table schema: its fields' constraints as a Pandera
DataFrameSchema, and its cross-column rules; their failures as located problems.

Each Pandera check carries a code (Pandera's ``name``) and we keep, beside the Pandera schema,
what to say when it fails; a failure case is traced back to its check by position (Pandera's
``check_number``), never by its message text. Patterns run in Arrow's RE2 engine: linear time,
and ``$`` matches only at the very end of a value. The rules (rules.py) are our own vectorised
tests, each True where a row breaks it, and run directly: wrapped as Pandera frame checks they
added nothing but Pandera's fixed cost per check, a fifth of a small checkout's validation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.errors
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from .csvio import rows_with_failing_item
from .problems import NOT_A_ROW, Problem
from .rules import codelist_values
from .schemas import Field, TableSchema, anchored


@dataclass(frozen=True)
class CheckedSchema:
    pandera: pa.DataFrameSchema
    # What to say when a check fails, per column in the order of its Pandera checks: a message
    # that follows the failing cell as the CSV writes it.
    messages: dict[str, list[str]]


def arrow_strings(series: pd.Series) -> pyarrow.Array:
    array = pyarrow.array(series, type=pyarrow.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pyarrow.ChunkedArray) else array


def _passes(field: Field, item_passes) -> pa.Check:
    """A Pandera check applying ``item_passes`` (Arrow strings -> booleans) to each value, or,
    in a list field, to each item of each list. An empty cell passes here, so the checks are
    built with ``ignore_na=False``: Pandera then need not copy the column without its nulls."""
    if field.type == "list":

        def test(series: pd.Series) -> pd.Series:
            lists = pyarrow.array(series, from_pandas=True)
            failing = rows_with_failing_item(
                lists, lambda items: pc.invert(item_passes(items))
            )
            return pd.Series(~failing, index=series.index)

    else:

        def test(series: pd.Series) -> pd.Series:
            passed = pc.fill_null(item_passes(arrow_strings(series)), True)
            return pd.Series(passed.to_numpy(zero_copy_only=False), index=series.index)

    return test


def _field_checks(field: Field) -> list[tuple[pa.Check, str]]:
    found = []

    def add(check: pa.Check, message: str) -> None:
        found.append((check, message))

    if field.pattern is not None:
        regex = anchored(field.pattern)
        item = "an item " if field.type == "list" else ""
        add(
            pa.Check(
                _passes(field, lambda items: pc.match_substring_regex(items, regex)),
                name="pattern",
                ignore_na=False,
            ),
            f"{item}does not match the pattern {field.pattern}",
        )
    if field.enum is not None:
        add(
            pa.Check.isin(list(field.enum), name="enum"),
            f"is not an allowed value; allowed: {', '.join(field.enum)}",
        )
    if field.item_enum is not None:
        allowed = pyarrow.array(list(field.item_enum), pyarrow.large_string())
        add(
            pa.Check(
                _passes(
                    field,
                    lambda items: pc.is_in(
                        items.cast(pyarrow.large_string()), value_set=allowed
                    ),
                ),
                name="item_enum",
                ignore_na=False,
            ),
            f"holds an item that is not allowed; allowed: {', '.join(field.item_enum)}",
        )
    if field.minimum is not None:
        add(
            pa.Check.ge(field.minimum, name="minimum"),
            f"must be at least {field.minimum}",
        )
    if field.maximum is not None:
        add(
            pa.Check.le(field.maximum, name="maximum"),
            f"must be at most {field.maximum}",
        )
    if field.codelist is not None:
        codes = pyarrow.array(
            sorted(codelist_values(field.codelist)), pyarrow.large_string()
        )

        # Every value written as a code (three capital letters) must be in the list; the
        # field's pattern says what else it may hold (budgets.unit: percent_gdp, multiplier).
        def is_code(items: pyarrow.Array) -> pyarrow.Array:
            items = items.cast(pyarrow.large_string())
            return pc.or_(
                pc.invert(pc.match_substring_regex(items, "^[A-Z]{3}$")),
                pc.is_in(items, value_set=codes),
            )

        message = (
            f"holds a code that is not {field.codelist}"
            if field.type == "list"
            else f"is not an {field.codelist} code"
        )
        add(
            pa.Check(_passes(field, is_code), name="codelist", ignore_na=False),
            message,
        )
    return found


def checked_schema(table: TableSchema) -> CheckedSchema:
    """The Pandera schema of a table schema, with what to say when each of its checks fails.

    Column dtypes are not checked: the frames come from our reader, typed from the same type
    table, so that check could only pass. For the same reason a column that may be empty and
    repeat and has no check is left out (each Pandera column has a fixed cost), and the
    columns are not checked against the schema's (``strict``): the reader has checked the
    header."""
    columns, messages = {}, {}
    single_key = table.primary_key[0] if len(table.primary_key) == 1 else None
    for field in table.fields:
        found = _field_checks(field)
        messages[field.name] = [message for _, message in found]
        nullable = not (field.required or field.name in table.primary_key)
        unique = field.unique or field.name == single_key
        if not found and nullable and not unique:
            continue
        columns[field.name] = pa.Column(
            None,
            checks=[check for check, _ in found],
            nullable=nullable,
            unique=unique,
            report_duplicates="exclude_first",
            description=field.description,
            title=field.title,
        )
    schema = pa.DataFrameSchema(
        columns,
        unique=list(table.primary_key) if len(table.primary_key) > 1 else None,
        report_duplicates="exclude_first",
        strict=False,
        coerce=False,
        name=table.name,
        description=table.description,
    )
    return CheckedSchema(schema, messages)


def schema_problems(
    frame: pd.DataFrame,
    table: TableSchema,
    shown: str,
    unreadable: set[tuple[int, str]],
) -> list[Problem]:
    """The problems the single-table checks find in one table. ``unreadable`` holds the (row,
    column) of cells the reader could not type: they are empty in the frame and already
    reported, so neither the cell's emptiness nor a rule of its row is reported again."""
    # No cell to check and no key to repeat: Pandera's fixed cost would buy nothing.
    if frame.empty:
        return []
    unreadable_rows = {row for row, _ in unreadable}
    problems = set()
    for rule in table.rules:
        for check in rule.checks():
            failing = check.failing(frame).to_numpy(dtype=bool, na_value=False)
            problems.update(
                Problem(shown, int(row), check.column, check.message)
                for row in frame.index[failing]
                if row not in unreadable_rows
            )
    checked = checked_schema(table)
    try:
        checked.pandera.validate(frame, lazy=True)
        return sorted(problems)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    for case in cases.itertuples(index=False):
        row = (
            NOT_A_ROW if case.index is None or pd.isna(case.index) else int(case.index)
        )
        number = (
            None
            if case.check_number is None or pd.isna(case.check_number)
            else int(case.check_number)
        )
        column = case.column if isinstance(case.column, str) else ""
        if (row, column) in unreadable:
            continue
        if case.check == "not_nullable":
            message = "is empty but a value is required"
        elif case.check == "field_uniqueness":
            message = f"{_as_written(case.failure_case, table, column)!r} appears more than once; {column} must be unique"
        elif case.check == "multiple_fields_uniqueness":
            column = table.primary_key[-1]
            message = (
                f"another row has the same primary key ({', '.join(table.primary_key)})"
            )
        elif number is not None and column in checked.messages:
            message = f"{_as_written(case.failure_case, table, column)!r} {checked.messages[column][number]}"
        else:  # a check of Pandera's own that we do not expect; say what Pandera says
            message = f"{_as_written(case.failure_case, table, column)!r} {case.check}"
        problems.add(Problem(shown, row, column, message))
    return sorted(problems)


def _as_written(value, table: TableSchema, column: str):
    """A failure case as the contributor wrote it: Python scalars, lists joined by their delimiter."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return table.field(column).delimiter.join(map(str, value))
    return value
