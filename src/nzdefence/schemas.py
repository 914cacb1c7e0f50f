"""The table schemas in ``schema/``: reading them, and deriving Pandera and Arrow schemas from them.

The Frictionless Table Schema files are the one definition of the tables. Besides standard
Table Schema properties they carry three of our own, which this module gives meaning to:

- ``enumDescriptions`` on a field: one line per allowed value;
- ``codelist`` on a field: ``"ISO 3166-1 alpha-3"`` or ``"ISO 4217"``, checked with pycountry
  (for a ``list`` field, each item is checked);
- ``rules`` on a table: named cross-column rules, with the columns they apply to.

Pandera and pyarrow are imported inside the functions that need them, so that
``import nzdefence`` stays light.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .layout import schema_path

FACT_TABLES = ("agreements", "exercises", "deployments", "budgets", "statements")
# Order matters for validation: referenced tables come before the tables that point at them.
TABLES = ("sources", "actors", *FACT_TABLES, "evidence", "exclusions")


@dataclass(frozen=True)
class RecordLink:
    """A ``recordLinks`` entry: each row names a record of another table, and which table is
    the value of one of its columns (evidence's ``table`` and ``record_id``)."""

    table_column: str  # names the linked table; its enum lists the tables it may name
    record_column: str  # names the record in that table
    key: str  # the column of the linked tables that record_column refers to
    tables: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """A table's Frictionless descriptor with a few conveniences."""

    name: str
    descriptor: dict[str, Any]

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.descriptor["fields"]

    @property
    def field_names(self) -> list[str]:
        return [field["name"] for field in self.fields]

    @property
    def primary_key(self) -> list[str]:
        key = self.descriptor.get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    @property
    def foreign_keys(self) -> list[dict[str, Any]]:
        return self.descriptor.get("foreignKeys", [])

    @property
    def record_links(self) -> list[dict[str, Any]]:
        return self.descriptor.get("recordLinks", [])

    def links(self) -> list[RecordLink]:
        """The ``recordLinks`` entries, read (once ``descriptor_problems`` finds none broken)."""
        found = []
        for link in self.record_links:
            table_column = link["reference"]["resourceFromField"]
            (record_column,) = [f for f in link["fields"] if f != table_column]
            (key,) = link["reference"]["fields"]
            tables = tuple(enum_values(self.field(table_column)))
            found.append(RecordLink(table_column, record_column, key, tables))
        return found

    @property
    def rules(self) -> list[dict[str, Any]]:
        return self.descriptor.get("rules", [])

    @property
    def description(self) -> str:
        return self.descriptor.get("description", "")

    def field(self, name: str) -> dict[str, Any]:
        for field in self.fields:
            if field["name"] == name:
                return field
        raise KeyError(name)


def read_schema(path: Path) -> TableSchema:
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    return TableSchema(descriptor["name"], descriptor)


def read_schemas(schema_dir: Path) -> dict[str, TableSchema]:
    """All table schemas in ``schema_dir``, in validation order."""
    return {
        name: read_schema(Path(schema_dir) / schema_path(name).name) for name in TABLES
    }


SUPPORTED_TYPES = ("string", "integer", "number", "date", "list")


def descriptor_problems(table: TableSchema) -> list[str]:
    """What in a schema file would stop us from checking its table: unsupported types, unknown
    rules or code lists, keys or rules naming absent columns, enums without their meanings."""
    problems = []
    names = set(table.field_names)
    for field in table.fields:
        if field.get("type") not in SUPPORTED_TYPES:
            problems.append(
                f"field {field.get('name')!r} has type {field.get('type')!r}; supported: {', '.join(SUPPORTED_TYPES)}"
            )
        if "codelist" in field and field["codelist"] not in CODELISTS:
            problems.append(
                f"field {field['name']!r} has codelist {field['codelist']!r}; known: {', '.join(CODELISTS)}"
            )
        allowed = constraints(field).get("enum")
        if allowed is not None and list(field.get("enumDescriptions", {})) != list(
            allowed
        ):
            problems.append(
                f"field {field['name']!r}: enumDescriptions must describe each enum value, in order"
            )
    for rule in table.rules:
        known = RULES.get(rule.get("rule"))
        if known is None:
            problems.append(
                f"unknown rule {rule.get('rule')!r}; known: {', '.join(RULES)}"
            )
            continue
        for key in known.columns:
            if rule.get(key) not in names:
                problems.append(
                    f"rule {rule['rule']!r} names column {rule.get(key)!r} for {key}, which the table lacks"
                )
    for column in table.primary_key + [
        c for key in table.foreign_keys for c in key.get("fields", [])
    ]:
        if column not in names:
            problems.append(f"a key names column {column!r}, which the table lacks")
    for link in table.record_links:
        table_column = link.get("reference", {}).get("resourceFromField")
        fields = link.get("fields", [])
        if (
            len(fields) != 2
            or table_column not in fields
            or not set(fields) <= names
            or len(link["reference"].get("fields", [])) != 1
            or enum_values(table.field(table_column)) is None
        ):
            problems.append(
                "a record link needs two fields of the table, one of them its reference's "
                "resourceFromField with an enum of the tables it may name, and one reference field"
            )
    return problems


def constraints(field: dict[str, Any]) -> dict[str, Any]:
    return field.get("constraints", {})


def enum_values(field: dict[str, Any]) -> list[str] | None:
    return constraints(field).get("enum")


# --- code lists -------------------------------------------------------------------------------


# The standard code lists a schema's ``codelist`` property may name, and where their codes come from.
CODELISTS = {
    "ISO 3166-1 alpha-3": lambda pycountry: pycountry.countries,
    "ISO 4217": lambda pycountry: pycountry.currencies,
}


@cache
def codelist_values(codelist: str) -> frozenset[str]:
    """The valid codes of a standard code list named in a schema's ``codelist`` property."""
    import pycountry

    return frozenset(entry.alpha_3 for entry in CODELISTS[codelist](pycountry))


# --- cross-column rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    """One cross-column check: the column it reports on, its message, and a vectorised test."""

    column: str
    message: str
    failing: Callable[
        [Any], Any
    ]  # DataFrame -> boolean Series, True where the row breaks it


_MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def _date_range_checks(rule: dict[str, str]) -> list[RuleCheck]:
    start, end, precision, basis, note = (
        rule[k] for k in ("start", "end", "precision", "basis", "note")
    )
    date_columns = [start, end, precision, basis]

    import numpy as np
    import pandas as pd

    def partly_filled(frame):
        filled = frame[date_columns].notna()
        return filled.any(axis=1) & ~filled.all(axis=1)

    def reversed_(frame):
        return (frame[end] < frame[start]).fillna(False).astype(bool)

    def off_period(frame):
        # month, quarter, half, year: start is the first and end the last day of such a period.
        s, e, p = frame[start], frame[end], frame[precision]
        months = pd.Series(np.nan, index=frame.index)
        for name, count in _MONTHS_PER_PERIOD.items():
            months[(p == name).fillna(False).to_numpy(dtype=bool)] = count
        coarse = months.notna() & s.notna() & e.notna()
        start_ok = (s.dt.day == 1) & ((s.dt.month - 1) % months.fillna(1) == 0)
        end_ok = e.dt.is_month_end & (e.dt.month % months.fillna(1) == 0)
        return (coarse & ~(start_ok & end_ok)).fillna(False).astype(bool)

    def inferred_without_note(frame):
        return (frame[basis].astype("object") == "inferred") & frame[note].isna()

    names = ", ".join(date_columns)
    return [
        RuleCheck(start, f"{names} must be all filled or all empty", partly_filled),
        RuleCheck(end, f"{end} is before {start}", reversed_),
        RuleCheck(
            precision,
            f"the dates contradict {precision}: for month, quarter, half or year, {start} must be the "
            f"first day and {end} the last day of such a period",
            off_period,
        ),
        RuleCheck(
            note,
            f"{basis} is 'inferred' but {note} does not say how the date was inferred",
            inferred_without_note,
        ),
    ]


def _requires_checks(rule: dict[str, str]) -> list[RuleCheck]:
    column, required = rule["column"], rule["requires"]
    return [
        RuleCheck(
            column,
            f"{column} is given but {required} is empty",
            lambda frame: frame[column].notna() & frame[required].isna(),
        )
    ]


def _ordered_checks(rule: dict[str, str]) -> list[RuleCheck]:
    smaller, larger = rule["smaller"], rule["larger"]
    return [
        RuleCheck(
            larger,
            f"{larger} must be greater than {smaller}",
            lambda frame: (frame[larger] <= frame[smaller]).fillna(False).astype(bool),
        )
    ]


@dataclass(frozen=True)
class Rule:
    """A named cross-column rule a schema may use: the columns it names, its checks, and how
    the data dictionary describes it (a template filled with the rule's columns)."""

    columns: tuple[str, ...]
    checks: Callable[[dict[str, str]], list[RuleCheck]]
    description: str


RULES = {
    "date_range": Rule(
        ("start", "end", "precision", "basis", "note"),
        _date_range_checks,
        "`{start}`, `{end}`, `{precision}` and `{basis}` are all filled or all empty; "
        "`{end}` is not before `{start}`; for `month`, `quarter`, `half` or `year` precision, "
        "`{start}` is the first and `{end}` the last day of such a period; an `inferred` "
        "`{basis}` needs a `{note}` saying how.",
    ),
    "requires": Rule(
        ("column", "requires"),
        _requires_checks,
        "`{column}` is given only together with `{requires}`.",
    ),
    "ordered": Rule(
        ("smaller", "larger"),
        _ordered_checks,
        "`{larger}` is greater than `{smaller}`.",
    ),
}


def rule_checks(rule: dict[str, Any]) -> list[RuleCheck]:
    """The checks that one named rule of a table schema stands for."""
    return RULES[rule["rule"]].checks(rule)


# --- Pandera ----------------------------------------------------------------------------------


def validation_dtype(field: dict[str, Any]) -> Any:
    """The pandas dtype a field has while it is validated (enums are still plain text here)."""
    if field["type"] == "list":
        import pandas as pd
        import pyarrow as pa

        return pd.ArrowDtype(pa.list_(pa.string()))
    return {
        "string": "str",
        "integer": "Int64",
        "number": "Float64",
        "date": "datetime64[ms]",
    }[field["type"]]


def pandera_schema(table: TableSchema, *, with_dtypes: bool = True):
    """A Pandera DataFrameSchema derived from a Frictionless table schema.

    ``with_dtypes=False`` leaves out the per-column dtype checks, for frames whose columns are
    already typed by our reader (they cost about a millisecond a column and can only pass).

    Pandera's own ``from_frictionless_schema`` maps ``date`` to string and ``integer`` to a
    non-nullable int, so this small translator maps types itself and reuses Pandera's checks.
    Cross-column ``rules`` become dataframe-level checks that return one boolean per row.
    """
    import pandera.pandas as pa

    columns = {}
    single_key = table.primary_key if len(table.primary_key) == 1 else []
    for field in table.fields:
        name, cons = field["name"], constraints(field)
        checks = []
        if "pattern" in cons:
            pattern = cons["pattern"]
            check = pa.Check.str_matches(
                f"^(?:{pattern})$", error=f"does not match the pattern {pattern}"
            )
            checks.append(_each_item(check, field, pattern))
        if enum_values(field) is not None:
            allowed = enum_values(field)
            checks.append(
                pa.Check.isin(
                    allowed,
                    error=f"is not an allowed value; allowed: {', '.join(allowed)}",
                )
            )
        if "minimum" in cons:
            checks.append(
                pa.Check.ge(
                    cons["minimum"], error=f"must be at least {cons['minimum']}"
                )
            )
        if "maximum" in cons:
            checks.append(
                pa.Check.le(cons["maximum"], error=f"must be at most {cons['maximum']}")
            )
        if "codelist" in field:
            checks.append(_codelist_check(field))
        columns[name] = pa.Column(
            validation_dtype(field) if with_dtypes else None,
            checks=[c for c in checks if c is not None],
            nullable=not (cons.get("required") or name in table.primary_key),
            unique=bool(cons.get("unique") or name in single_key),
            description=field.get("description"),
            title=field.get("title"),
            report_duplicates="exclude_first",
        )
    frame_checks = [
        pa.Check(lambda frame, check=check: ~check.failing(frame), error=check.message)
        for rule in table.rules
        for check in rule_checks(rule)
    ]
    if len(table.primary_key) > 1:
        # A composite key as one dataframe check: pandas' duplicated() is about three times
        # faster than Pandera's built-in multi-column uniqueness on large tables.
        key = list(table.primary_key)
        frame_checks.append(
            pa.Check(
                lambda frame: ~frame.duplicated(subset=key, keep="first"),
                error=primary_key_message(table),
            )
        )
    return pa.DataFrameSchema(
        columns,
        checks=frame_checks,
        strict=True,
        coerce=False,
        name=table.name,
        description=table.description,
        report_duplicates="exclude_first",
    )


def primary_key_message(table: TableSchema) -> str:
    return f"another row has the same primary key ({', '.join(table.primary_key)})"


def rows_with_failing_item(lists, item_fails) -> Any:
    """For an Arrow array of lists: a NumPy mask, True for each list holding an item for which
    ``item_fails`` (Arrow items -> boolean array, null counting as passing) is true. Computed
    on the flattened items rather than row by row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    failing_items = pc.fill_null(item_fails(pc.list_flatten(lists)), False)
    failing_rows = np.zeros(len(lists), dtype=bool)
    failing_rows[pc.filter(pc.list_parent_indices(lists), failing_items).to_numpy()] = (
        True
    )
    return failing_rows


def _items_pass(series, item_test) -> Any:
    """For a pandas column of lists: True where every item passes ``item_test`` (an Arrow
    array -> boolean array function; a null result fails)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    failing = rows_with_failing_item(
        pa.array(series, from_pandas=True),
        lambda items: pc.invert(pc.fill_null(item_test(items), False)),
    )
    return pd.Series(~failing, index=series.index)


def _each_item(check, field, pattern: str):
    """For list fields, test each item against the pattern instead of the whole cell."""
    if field["type"] != "list":
        return check
    import pandera.pandas as pa
    import pyarrow.compute as pc

    return pa.Check(
        lambda series: _items_pass(
            series, lambda items: pc.match_substring_regex(items, f"^(?:{pattern})$")
        ),
        error=check.error.replace("does not", "an item does not"),
    )


def _codelist_check(field):
    import pandera.pandas as pa
    import pyarrow as pyarrow_
    import pyarrow.compute as pc

    codelist = field["codelist"]
    codes = codelist_values(codelist)
    if field["type"] == "list":
        value_set = pyarrow_.array(sorted(codes), pyarrow_.large_string())
        return pa.Check(
            lambda series: _items_pass(
                series,
                lambda items: pc.is_in(
                    items.cast(pyarrow_.large_string()), value_set=value_set
                ),
            ),
            error=f"holds a code that is not {codelist}",
        )
    pattern = constraints(field).get("pattern", "")
    # Fields such as budgets.unit admit a few named units beside the codes: only 3-letter
    # upper-case values are taken to be codes.
    if "|" in pattern:
        return pa.Check(
            lambda s: ~s.str.fullmatch("[A-Z]{3}") | s.isin(codes),
            error=f"is not an {codelist} code",
        )
    return pa.Check.isin(sorted(codes), error=f"is not an {codelist} code")


# --- Arrow ------------------------------------------------------------------------------------


def arrow_schema(table: TableSchema):
    """The Arrow schema of a table's Parquet file, with each field's description as metadata."""
    import pyarrow as pa

    fields = []
    for field in table.fields:
        metadata = {"description": field.get("description", "")}
        if "enumDescriptions" in field:
            metadata["enum"] = json.dumps(field["enumDescriptions"], ensure_ascii=False)
        fields.append(
            pa.field(field["name"], arrow_type(field), nullable=True, metadata=metadata)
        )
    return pa.schema(
        fields,
        metadata={"table": table.name, "description": table.description},
    )


def arrow_type(field: dict[str, Any]):
    import pyarrow as pa

    if enum_values(field) is not None:
        return pa.dictionary(pa.int32(), pa.string())
    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "date": pa.date32(),
        "list": pa.list_(pa.string()),
    }[field["type"]]
