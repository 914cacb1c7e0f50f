"""The table schemas in ``schema/``, read once into a small typed model and checked on read.

The Frictionless Table Schema files are the one definition of the tables. Frictionless checks
their standard properties; a JSON Schema built here checks the subset of Table Schema that
nzdefence supports and its own properties:

- ``enumDescriptions`` on a field: the meaning of each allowed value (or list item), in order;
- ``codelist`` on a field: a standard code list (``rules.CODELISTS``) every value, or every
  list item, must be in;
- ``itemConstraints`` on a list field: ``enum``, the values each item may take (Table Schema's
  ``constraints`` compare whole cells);
- ``itemForeignKeys`` on a table: foreign keys from a list field, checked item by item;
- ``rules`` on a table: named cross-column rules (``rules.RULES``) with the columns they take;
- ``recordLinks`` on a table: links to records of several tables. Two fields (evidence's
  ``record_table`` and ``record_id``): one names the table, the other the record. One field
  (``about``): each value, or list item, is ``table:id``.

- ``compositeForeignKeys`` on a table: foreign keys of several fields, checked on the rows
  where every field is filled (SQL's MATCH SIMPLE; Frictionless checks a standard composite
  key wherever any field is filled, so standard ``foreignKeys`` keep to one field). The last
  field names the record, the others qualify it: (speaker, speaker_office) -> offices
  (holder, id) says the office is the speaker's.

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
    "agreements": {"id": "string", "status": "string"},
    "milestones": {
        "id": "string",
        "agreement": "string",
        "stage": "string",
        "date_start": "date",
        "date_end": "date",
    },
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
    item_enum: tuple[str, ...] | None = None  # lists only: the values an item may take


# The properties that hold foreign keys, and whether their fields are lists checked item by item.
KEY_PROPERTIES = (
    ("foreignKeys", False),
    ("itemForeignKeys", True),
    ("compositeForeignKeys", False),
)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    resource: str
    targets: tuple[str, ...]  # the columns of ``resource`` they refer to, in order
    each_item: bool = False  # an itemForeignKey: every item of a list column refers
    # A composite key (several columns) is checked where every one of them is filled.

    @property
    def column(self) -> str:
        """The column that names the record; in a composite key the others qualify it."""
        return self.columns[-1]

    @property
    def target(self) -> str:
        return self.targets[-1]


@dataclass(frozen=True)
class RecordLink:
    """Each row names records of other tables: in two columns (evidence's ``record_table``
    and ``record_id``), or in one whose values or items are ``table:id`` (statements'
    ``about``)."""

    table_column: str | None  # names the linked table (its enum lists the tables); None
    # when the table is written in the value, before a colon
    record_column: str  # names the record in that table
    key: str  # the column of the linked tables that record_column refers to
    tables: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Rule:
    kind: str  # a key of rules.RULES
    arguments: tuple[tuple[str, str], ...]  # (parameter, the column or value it names)

    def checks(self) -> list[RuleCheck]:
        return RULES[self.kind].checks(**dict(self.arguments))

    def description(self) -> str:
        return RULES[self.kind].description.format(**dict(self.arguments))


@dataclass(frozen=True)
class TableSchema:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()  # itemForeignKeys among them
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

    try:
        report = frictionless.Schema.validate_descriptor(descriptor)
    except Exception as error:  # noqa: BLE001 (untrusted input; see below)
        # Frictionless raises, instead of reporting, on some malformed forms (a field that is
        # null, a reference that is a string); our JSON Schema says what is wrong with them.
        return [f"frictionless could not read the schema ({type(error).__name__})"]
    return [f"frictionless: {error.message}" for error in report.errors]


def extension_json_schema() -> dict[str, Any]:
    """A JSON Schema for what Frictionless does not check: nzdefence's own properties, the
    subset of Table Schema types it supports, and the whole form of every property that the
    checks after it read (an object where they expect one, a name where they index by it)."""
    one_column = {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "maxItems": 1,
    }
    strings = {"type": "object", "additionalProperties": {"type": "string"}}
    field = {
        "name": {"type": "string"},
        "type": {"enum": list(ARROW_TYPES)},
        "codelist": {"enum": list(CODELISTS)},
        "enumDescriptions": strings,
        "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
        "itemConstraints": {
            "type": "object",
            "required": ["enum"],
            "additionalProperties": False,
            "properties": {
                "enum": {"type": "array", "items": {"type": "string"}, "minItems": 1}
            },
        },
    }
    some_columns = {**one_column, "minItems": 2, "maxItems": 8}
    link = {
        "type": "object",
        "required": ["fields", "reference", "description"],
        "properties": {"description": {"type": "string"}},
        "oneOf": [
            {
                "properties": {
                    "fields": {**one_column, "minItems": 2, "maxItems": 2},
                    "reference": {
                        "type": "object",
                        "required": ["resourceFromField", "fields"],
                        "additionalProperties": False,
                        "properties": {
                            "resourceFromField": {"type": "string"},
                            "fields": one_column,
                        },
                    },
                }
            },
            {
                "properties": {
                    "fields": one_column,
                    "reference": {
                        "type": "object",
                        "required": ["resources", "fields"],
                        "additionalProperties": False,
                        "properties": {
                            "resources": {
                                "type": "array",
                                "items": {"type": "string"},
                                "minItems": 1,
                            },
                            "fields": one_column,
                        },
                    },
                }
            },
        ],
    }
    rule = {
        "type": "object",
        "required": ["rule"],
        "properties": {"rule": {"enum": list(RULES)}},
        "allOf": [
            {
                "if": {"properties": {"rule": {"const": name}}},
                "then": {
                    "required": list(kind.parameters),
                    "propertyNames": {"enum": ["rule", *kind.parameters]},
                    "additionalProperties": {"type": "string"},
                },
            }
            for name, kind in RULES.items()
        ],
    }
    number = {"type": "number"}
    field["constraints"] = {
        "type": "object",
        "properties": {
            "minimum": number,
            "maximum": number,
            "enum": {"type": "array", "items": {"type": "string"}},
            "pattern": {"type": "string"},
        },
    }
    return {
        "type": "object",
        "required": ["name", "fields", "primaryKey"],
        "properties": {
            "name": {"type": "string"},
            "primaryKey": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "fields": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["name", "type"],
                    "properties": field,
                },
            },
            "foreignKeys": _foreign_keys(one_column),
            "itemForeignKeys": _foreign_keys(one_column),
            "compositeForeignKeys": _foreign_keys(some_columns),
            "recordLinks": {"type": "array", "items": link},
            "rules": {"type": "array", "items": rule},
        },
    }


def _foreign_keys(columns: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a list of foreign keys whose fields take ``columns``."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["fields", "reference"],
            "properties": {
                "fields": columns,
                "reference": {
                    "type": "object",
                    "required": ["resource", "fields"],
                    "properties": {"resource": {"type": "string"}, "fields": columns},
                },
            },
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
        allowed = constraints.get("enum", field.get("itemConstraints", {}).get("enum"))
        if allowed is not None and list(field.get("enumDescriptions", {})) != list(
            allowed
        ):
            problems.append(
                f"field {field['name']!r}: enumDescriptions must describe each enum value, in order"
            )
        if field["type"] != "list" and (
            {"delimiter", "itemType", "itemConstraints"} & set(field)
        ):
            problems.append(
                f"field {field['name']!r}: delimiter, itemType and itemConstraints are for list fields"
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
    types = {field["name"]: field["type"] for field in fields}
    for keys, wanted in KEY_PROPERTIES:
        for key in descriptor.get(keys, []):
            for column in key["fields"]:
                if column not in names:
                    problems.append(
                        f"{keys}: a key names column {column!r}, which the table lacks"
                    )
                elif (types[column] == "list") != wanted:
                    problems.append(
                        f"{keys}: column {column!r} is {'not ' if wanted else ''}a list; "
                        f"{'itemForeignKeys' if types[column] == 'list' else 'foreignKeys'} are for it"
                    )
            if len(key["fields"]) != len(key["reference"]["fields"]):
                problems.append(
                    f"{keys}: {key['fields']} and the reference's fields must be as many"
                )
    for rule in descriptor.get("rules", []):
        for parameter in RULES[rule["rule"]].columns:  # its values are not columns
            if rule[parameter] not in names:
                problems.append(
                    f"rule {rule['rule']!r} names column {rule[parameter]!r} for {parameter}, which the table lacks"
                )
    for link in descriptor.get("recordLinks", []):
        if "resources" in link["reference"]:
            if link["fields"][0] not in names:
                problems.append(
                    f"a record link names column {link['fields'][0]!r}, which the table lacks"
                )
            continue
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
                item_enum=(
                    tuple(field["itemConstraints"]["enum"])
                    if "itemConstraints" in field
                    else None
                ),
            )
        )
    by_name = {field.name: field for field in fields}
    links = []
    for link in descriptor.get("recordLinks", []):
        reference = link["reference"]
        if "resources" in reference:  # one field: its values are table:id
            table_column, tables = None, tuple(reference["resources"])
            (record_column,) = link["fields"]
        else:
            table_column = reference["resourceFromField"]
            tables = by_name[table_column].enum
            (record_column,) = [f for f in link["fields"] if f != table_column]
        links.append(
            RecordLink(
                table_column,
                record_column,
                reference["fields"][0],
                tables,
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
                tuple(key["fields"]),
                key["reference"]["resource"],
                tuple(key["reference"]["fields"]),
                each_item,
            )
            for keys, each_item in KEY_PROPERTIES
            for key in descriptor.get(keys, [])
        ),
        record_links=tuple(links),
        rules=tuple(
            Rule(
                rule["rule"],
                tuple((p, rule[p]) for p in RULES[rule["rule"]].parameters),
            )
            for rule in descriptor.get("rules", [])
        ),
    )


def _reference_problems(
    schema: TableSchema, schemas: dict[str, TableSchema]
) -> list[str]:
    """Every foreign key and record link must name an existing table and its columns."""
    problems = []
    for key in schema.foreign_keys:
        named = ", ".join(key.columns)
        named = named if len(key.columns) == 1 else f"({named})"
        target = schemas.get(key.resource)
        if target is None:
            problems.append(
                f"foreign key {named}: there is no table {key.resource!r}; the tables are: {', '.join(schemas)}"
            )
            continue
        for column in key.targets:
            if _type_of(target, column) != "string":
                problems.append(
                    f"foreign key {named}: table {key.resource!r} has no string column {column!r}"
                )
    for link in schema.record_links:
        named_by = (
            link.table_column or link.record_column
        )  # a one-field link: its only column
        for table in link.tables:
            target = schemas.get(table)
            if target is None:
                problems.append(f"record link {named_by}: there is no table {table!r}")
            elif _type_of(target, link.key) != "string":
                problems.append(
                    f"record link {named_by}: table {table!r} has no string column {link.key!r}"
                )
    return problems


def _type_of(schema: TableSchema, column: str) -> str | None:
    return next((field.type for field in schema.fields if field.name == column), None)
