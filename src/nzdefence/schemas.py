"""The table schemas in ``schema/``, read once into a small typed model and checked on read.

The Frictionless Table Schema files are the one definition of the tables. Frictionless checks
their standard properties; a JSON Schema built here checks the subset of Table Schema that
nzdefence supports and its own properties:

- ``enumDescriptions`` on a field: the meaning of each allowed value, in the enum's order;
- ``codelist`` on a field: a standard code list (``rules.CODELISTS``) every value, or every
  list item, must be in;
- ``rules`` on a table: named cross-column rules (``rules.RULES``) with the columns they take;
- ``recordLinks`` on a table: a link whose target table is named by a column of each row.

Then the schemas are checked against each other: every foreign key and record link must name
an existing table and its columns. A broken schema is a located problem, never a traceback and
never a skipped check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import files
from .dtypes import ARROW_TYPES
from .layout import TABLES, schema_path
from .problems import NOT_A_ROW, Problem
from .rules import CODELISTS, RULES, RuleCheck

MAX_SCHEMA_BYTES = 1_000_000
# The columns that the cross-table checks, coverage and build read, with the type they need.
READ_BY_THE_CHECKS = {
    "sources": {
        "source_id": "string",
        "path": "string",
        "sha256": "string",
        "characters": "integer",
    },
    "evidence": {
        "source_id": "string",
        "quote": "string",
        "quote_start": "integer",
        "quote_end": "integer",
        "review": "string",
    },
    "exclusions": {
        "source_id": "string",
        "quote": "string",
        "quote_start": "integer",
        "quote_end": "integer",
    },
    "statements": {"kind": "string", "text": "string"},
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a key of dtypes.ARROW_TYPES
    description: str = ""
    title: str | None = None
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    enum_descriptions: tuple[tuple[str, str], ...] = ()
    minimum: int | float | None = None
    maximum: int | float | None = None
    codelist: str | None = None
    delimiter: str = ","  # lists only; Table Schema's default


@dataclass(frozen=True)
class ForeignKey:
    column: str
    resource: str
    target: str  # the column of ``resource`` it refers to


@dataclass(frozen=True)
class RecordLink:
    """Each row names a record of another table, and which table is the value of one of its
    columns (evidence's ``table`` and ``record_id``)."""

    table_column: str  # names the linked table; its enum lists the tables it may name
    record_column: str  # names the record in that table
    key: str  # the column of the linked tables that record_column refers to
    tables: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Rule:
    kind: str  # a key of rules.RULES
    columns: tuple[tuple[str, str], ...]  # (the rule's parameter, the column it names)

    def checks(self) -> list[RuleCheck]:
        return RULES[self.kind].checks(**dict(self.columns))

    def description(self) -> str:
        return RULES[self.kind].description.format(**dict(self.columns))


@dataclass(frozen=True)
class TableSchema:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    record_links: tuple[RecordLink, ...] = ()
    rules: tuple[Rule, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]

    def field(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


class SchemaError(ValueError):
    """The schemas cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def read_schemas(root: Path) -> dict[str, TableSchema]:
    """Every table schema of the checkout at ``root``, checked, in ``TABLES`` order; raises
    SchemaError."""
    descriptors, problems = {}, []
    for name in TABLES:
        shown = schema_path(name).as_posix()
        descriptor, found = _read_descriptor(Path(root), name)
        problems += [Problem(shown, NOT_A_ROW, "", message) for message in found]
        if not found:
            descriptors[name] = descriptor
    if problems:
        raise SchemaError(problems)
    schemas = {
        name: parse_descriptor(descriptor) for name, descriptor in descriptors.items()
    }
    problems = [
        Problem(schema_path(name).as_posix(), NOT_A_ROW, "", message)
        for name, schema in schemas.items()
        for message in _reference_problems(schema, schemas)
    ]
    if problems:
        raise SchemaError(problems)
    return schemas


def _read_descriptor(root: Path, name: str) -> tuple[Any, list[str]]:
    try:
        raw = files.read_bytes(
            root, schema_path(name).as_posix(), limit=MAX_SCHEMA_BYTES
        )
    except FileNotFoundError:
        return None, [f"file is missing; it should hold the {name} table schema"]
    except files.UnsafePath as error:
        return None, [error.reason]
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, [f"file is not valid UTF-8: {error.reason} at byte {error.start}"]
    except (json.JSONDecodeError, RecursionError) as error:
        where = (
            f" (line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        return None, [
            f"file is not valid JSON{where}: {getattr(error, 'msg', 'nested too deeply')}"
        ]
    if not isinstance(descriptor, dict):
        return None, ["a table schema must be a JSON object"]
    # Frictionless's and our own JSON Schema together say all that is wrong with its form; the
    # checks after them rely on that form.
    problems = _frictionless_problems(descriptor) + _extension_problems(descriptor)
    return descriptor, problems or _table_problems(descriptor, name)


def _frictionless_problems(descriptor: Any) -> list[str]:
    import frictionless

    report = frictionless.Schema.validate_descriptor(descriptor)
    return [f"frictionless: {error.message}" for error in report.errors]


def extension_json_schema() -> dict[str, Any]:
    """A JSON Schema for what Frictionless does not check: nzdefence's own properties, and
    the subset of Table Schema types it supports."""
    one_column = {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "maxItems": 1,
    }
    strings = {"type": "object", "additionalProperties": {"type": "string"}}
    field = {
        "type": {"enum": list(ARROW_TYPES)},
        "codelist": {"enum": list(CODELISTS)},
        "enumDescriptions": strings,
        "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
    }
    link = {
        "required": ["fields", "reference", "description"],
        "properties": {
            "fields": {**one_column, "minItems": 2, "maxItems": 2},
            "reference": {
                "required": ["resourceFromField", "fields"],
                "properties": {
                    "resourceFromField": {"type": "string"},
                    "fields": one_column,
                },
            },
            "description": {"type": "string"},
        },
    }
    rule = {
        "required": ["rule"],
        "properties": {"rule": {"enum": list(RULES)}},
        "allOf": [
            {
                "if": {"properties": {"rule": {"const": name}}},
                "then": {
                    "required": list(kind.columns),
                    "propertyNames": {"enum": ["rule", *kind.columns]},
                    "additionalProperties": {"type": "string"},
                },
            }
            for name, kind in RULES.items()
        ],
    }
    number = {"type": "number"}
    field["constraints"] = {"properties": {"minimum": number, "maximum": number}}
    return {
        "required": ["name", "fields", "primaryKey"],
        "properties": {
            "primaryKey": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "fields": {"items": {"properties": field}},
            "foreignKeys": {
                "items": {
                    "properties": {
                        "fields": one_column,
                        "reference": {"properties": {"fields": one_column}},
                    }
                }
            },
            "recordLinks": {"type": "array", "items": link},
            "rules": {"type": "array", "items": rule},
        },
    }


def _extension_problems(descriptor: dict[str, Any]) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(extension_json_schema())
    return [
        f"{'/'.join(map(str, error.absolute_path)) or 'the schema'}: {error.message}"
        for error in sorted(
            validator.iter_errors(descriptor),
            key=lambda e: list(map(str, e.absolute_path)),
        )
    ]


def _table_problems(descriptor: dict[str, Any], name: str) -> list[str]:
    """What the JSON Schemas cannot say: names that must match, columns that must exist,
    patterns that must compile, enums and their descriptions that must agree."""
    import pyarrow as pa
    import pyarrow.compute as pc

    problems = []
    if descriptor["name"] != name:
        problems.append(
            f"name is {descriptor['name']!r}; the file holds the {name!r} table"
        )
    fields = descriptor["fields"]
    names = [field["name"] for field in fields]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"field {duplicate!r} is defined more than once")
    for field in fields:
        constraints = field.get("constraints", {})
        pattern = constraints.get("pattern")
        if pattern is not None:
            try:  # the checks run patterns in Arrow's RE2, which guarantees linear time
                pc.match_substring_regex(pa.array([""]), anchored(pattern))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                problems.append(
                    f"field {field['name']!r}: pattern {pattern!r} is not a valid RE2 regular expression: {error}"
                )
        allowed = constraints.get("enum")
        if allowed is not None and list(field.get("enumDescriptions", {})) != list(
            allowed
        ):
            problems.append(
                f"field {field['name']!r}: enumDescriptions must describe each enum value, in order"
            )
        if field["type"] != "list" and ("delimiter" in field or "itemType" in field):
            problems.append(
                f"field {field['name']!r}: delimiter and itemType are for list fields"
            )
    for column, kind in READ_BY_THE_CHECKS.get(name, {}).items():
        found = [field["type"] for field in fields if field["name"] == column]
        if found != [kind]:
            problems.append(
                f"field {column!r} must be there, of type {kind!r}: the checks read it"
            )
    for column in descriptor["primaryKey"]:
        if column not in names:
            problems.append(
                f"primaryKey names column {column!r}, which the table lacks"
            )
    for key in descriptor.get("foreignKeys", []):
        if key["fields"][0] not in names:
            problems.append(
                f"a foreign key names column {key['fields'][0]!r}, which the table lacks"
            )
    for rule in descriptor.get("rules", []):
        for parameter in RULES[rule["rule"]].columns:
            if rule[parameter] not in names:
                problems.append(
                    f"rule {rule['rule']!r} names column {rule[parameter]!r} for {parameter}, which the table lacks"
                )
    for link in descriptor.get("recordLinks", []):
        table_column = link["reference"]["resourceFromField"]
        if table_column not in link["fields"] or not set(link["fields"]) <= set(names):
            problems.append(
                "a record link needs two fields of the table, one of them its reference's resourceFromField"
            )
        elif "enum" not in next(f for f in fields if f["name"] == table_column).get(
            "constraints", {}
        ):
            problems.append(
                f"record link: field {table_column!r} needs an enum of the tables it may name"
            )
    return problems


def anchored(pattern: str) -> str:
    """A Table Schema pattern as a regular expression matching the whole value."""
    return f"^(?:{pattern})$"


def parse_descriptor(descriptor: dict[str, Any]) -> TableSchema:
    """The typed model of a descriptor that passed every check above."""
    fields = []
    for field in descriptor["fields"]:
        constraints = field.get("constraints", {})
        enum = constraints.get("enum")
        fields.append(
            Field(
                name=field["name"],
                type=field["type"],
                description=field.get("description", ""),
                title=field.get("title"),
                required=bool(constraints.get("required")),
                unique=bool(constraints.get("unique")),
                pattern=constraints.get("pattern"),
                enum=None if enum is None else tuple(enum),
                enum_descriptions=tuple(field.get("enumDescriptions", {}).items()),
                minimum=constraints.get("minimum"),
                maximum=constraints.get("maximum"),
                codelist=field.get("codelist"),
                delimiter=field.get("delimiter", ","),
            )
        )
    by_name = {field.name: field for field in fields}
    links = []
    for link in descriptor.get("recordLinks", []):
        table_column = link["reference"]["resourceFromField"]
        (record_column,) = [f for f in link["fields"] if f != table_column]
        links.append(
            RecordLink(
                table_column,
                record_column,
                link["reference"]["fields"][0],
                by_name[table_column].enum,
                link["description"],
            )
        )
    return TableSchema(
        name=descriptor["name"],
        title=descriptor.get("title", descriptor["name"]),
        description=descriptor.get("description", ""),
        fields=tuple(fields),
        primary_key=tuple(descriptor["primaryKey"]),
        foreign_keys=tuple(
            ForeignKey(
                key["fields"][0],
                key["reference"]["resource"],
                key["reference"]["fields"][0],
            )
            for key in descriptor.get("foreignKeys", [])
        ),
        record_links=tuple(links),
        rules=tuple(
            Rule(rule["rule"], tuple((p, rule[p]) for p in RULES[rule["rule"]].columns))
            for rule in descriptor.get("rules", [])
        ),
    )


def _reference_problems(
    schema: TableSchema, schemas: dict[str, TableSchema]
) -> list[str]:
    """Every foreign key and record link must name an existing table and its columns."""
    problems = []
    for key in schema.foreign_keys:
        target = schemas.get(key.resource)
        if target is None:
            problems.append(
                f"foreign key {key.column}: there is no table {key.resource!r}; the tables are: {', '.join(schemas)}"
            )
        elif _type_of(target, key.target) != "string":
            problems.append(
                f"foreign key {key.column}: table {key.resource!r} has no string column {key.target!r}"
            )
    for link in schema.record_links:
        for table in link.tables:
            target = schemas.get(table)
            if target is None:
                problems.append(
                    f"record link {link.table_column}: there is no table {table!r}"
                )
            elif _type_of(target, link.key) != "string":
                problems.append(
                    f"record link {link.table_column}: table {table!r} has no string column {link.key!r}"
                )
    return problems


def _type_of(schema: TableSchema, column: str) -> str | None:
    return next((field.type for field in schema.fields if field.name == column), None)
