"""``nzdefence validate``: every check on a checkout, every problem reported at once."""

from __future__ import annotations

import json
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from . import csvio, provenance
from .load import to_frame
from .problems import NOT_A_ROW, Problem, data_row
from .schemas import (
    FACT_TABLES,
    TableSchema,
    descriptor_problems,
    primary_key_message,
    read_schemas,
    rule_checks,
)

CSV_DIR = Path("dataset") / "csv"


def csv_path(name: str) -> Path:
    return CSV_DIR / f"{name}.csv"


@dataclass
class Checkout:
    """A dataset checkout read and typed: what build and the checks work from."""

    root: Path
    schemas: dict[str, TableSchema]
    tables: dict[str, pa.Table] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def shown(self, name: str) -> str:
        return csv_path(name).as_posix()


def read_checkout(root: Path) -> Checkout:
    """Read every table of the checkout at ``root`` and run the single-table checks."""
    checkout, unchecked = read_tables(root)
    run_schema_checks(checkout, unchecked)
    return checkout


def read_tables(root: Path) -> tuple[Checkout, dict]:
    """Read and type every table (phase 1). Returns the checkout, whose frames are ready for
    the cross-table checks, and what ``run_schema_checks`` still has to check (phase 2)."""
    root = Path(root)
    try:
        schemas = read_schemas(root / "schema")
    except (OSError, ValueError, KeyError) as error:
        checkout = Checkout(root, {})
        checkout.problems.append(
            Problem("schema", NOT_A_ROW, "", f"cannot read the table schemas: {error}")
        )
        return checkout, {}
    broken = [
        Problem(f"schema/{name}.schema.json", NOT_A_ROW, "", message)
        for name, schema in schemas.items()
        for message in descriptor_problems(schema)
    ]
    if broken:
        checkout = Checkout(root, {})
        checkout.problems += broken
        return checkout, {}
    checkout = Checkout(root, schemas)
    unchecked = {}
    for name, schema in schemas.items():
        path = root / csv_path(name)
        raw = path.read_bytes() if path.is_file() else None
        key = (json.dumps(schema.descriptor, sort_keys=True), raw, checkout.shown(name))
        if key in _CHECKED:
            table, frame, problems = _CHECKED[key]
            checkout.problems += problems
        else:
            table, problems = csvio.read_table(raw, schema, checkout.shown(name))
            frame = None if table is None else to_frame(table)
            unchecked[name] = (key, problems)
        if table is not None:
            checkout.tables[name] = table
            checkout.frames[name] = frame
    return checkout, unchecked


def run_schema_checks(checkout: Checkout, unchecked: dict) -> None:
    """Phase 2: the Pandera checks of every table read in phase 1 (remembered by content)."""
    for name, (key, problems) in unchecked.items():
        problems = _single_table_checks(
            checkout.schemas[name],
            checkout.frames.get(name),
            problems,
            checkout.shown(name),
        )
        _remember(key, (checkout.tables.get(name), checkout.frames.get(name), problems))
        checkout.problems += problems


# Results of the single-table checks by (schema text, file bytes, shown path): validating a
# checkout again after a small change (a contributor's loop, the fuzz tests) re-checks only
# the tables that changed, and a cached result is never stale. Callers must not mutate frames.
_CHECKED: OrderedDict = OrderedDict()
_CACHE_SIZE = 64


def _remember(key, result) -> None:
    _CHECKED[key] = result
    _CHECKED.move_to_end(key)
    while len(_CHECKED) > _CACHE_SIZE:
        _CHECKED.popitem(last=False)


def _single_table_checks(
    schema: TableSchema, frame: pd.DataFrame | None, problems: list[Problem], shown: str
):
    """The reading problems of one table plus those of its Pandera checks."""
    if frame is None:
        return problems
    # A cell that could not be typed is empty in the frame: do not report it again as
    # missing, nor the cross-column rules that its emptiness breaks.
    unreadable_cells = {(p.row, p.column) for p in problems}
    unreadable_rows = {p.row for p in problems}
    rule_messages = {
        check.message for rule in schema.rules for check in rule_checks(rule)
    }
    return problems + [
        p
        for p in schema_problems(frame, schema, shown)
        if (p.row, p.column) not in unreadable_cells
        and not (p.row in unreadable_rows and p.message in rule_messages)
    ]


def schema_problems(
    frame: pd.DataFrame, schema: TableSchema, shown: str
) -> list[Problem]:
    """Run the Pandera schema derived from the table schema; translate its failure cases."""
    import pandera.errors
    import pandera.pandas

    from .schemas import pandera_schema

    try:
        pandera_schema(schema, with_dtypes=False).validate(frame, lazy=True)
        return []
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    rule_columns = {
        check.message: check.column
        for rule in schema.rules
        for check in rule_checks(rule)
    }
    problems = set()
    for case in cases.itertuples(index=False):
        index = case.index
        row = NOT_A_ROW if index is None or pd.isna(index) else data_row(int(index))
        check, value = str(case.check), _plain(case.failure_case)
        column = rule_columns.get(
            check, case.column if isinstance(case.column, str) else ""
        )
        if check in rule_columns:
            message = check
        elif check == "not_nullable":
            message = "is empty but a value is required"
        elif check == "field_uniqueness":
            message = f"{value!r} appears more than once; {column} must be unique"
        elif check == primary_key_message(schema):
            column, message = schema.primary_key[-1], check
        else:
            message = f"{value!r} {check}"
        problems.add(Problem(shown, row, column, message))
    return sorted(problems)


def _plain(value):
    """A failure case as the contributor wrote it: Python scalars, lists joined by ';'."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return ";".join(map(str, value))
    return value


def foreign_key_problems(checkout: Checkout) -> list[Problem]:
    """Each foreign key declared in a schema must name an existing row of its resource."""
    problems = []
    for name, schema in checkout.schemas.items():
        frame = checkout.frames.get(name)
        if frame is None:
            continue
        for key in schema.foreign_keys:
            (column,), target = key["fields"], key["reference"]
            (target_column,) = target["fields"]
            target_frame = checkout.frames.get(target["resource"])
            if target_frame is None:
                continue
            known = target_frame[target_column].dropna()
            present = frame[column].notna().to_numpy()
            members = provenance.is_in(
                provenance.strings(frame[column]), provenance.strings(known)
            )
            dangling = frame.loc[present & ~members, column]
            for hinted, (index, value) in enumerate(dangling.items()):
                hint = (
                    provenance._nearest(value, known)
                    if hinted < provenance.MAX_HINTS
                    else ""
                )
                problems.append(
                    Problem(
                        checkout.shown(name),
                        data_row(index),
                        column,
                        f"{value!r} is not among {target['resource']}.{target_column}{hint}",
                    )
                )
    return problems


def datapackage_problems(root: Path) -> list[Problem]:
    """Frictionless's own check of datapackage.json: the package and schema descriptors.

    Rows are checked by our vectorised checks above, which cover every Table Schema
    constraint; Frictionless does here what only it does, and takes the same time however
    many rows there are. The full row-by-row ``frictionless validate datapackage.json``
    passes too (the interoperability tests run it).
    """
    import frictionless

    descriptor = root / "datapackage.json"
    if not descriptor.is_file():
        return [
            Problem(
                "datapackage.json",
                NOT_A_ROW,
                "",
                "file is missing; run nzdefence build",
            )
        ]
    try:
        report = frictionless.Package.validate_descriptor(str(descriptor))
    except (frictionless.FrictionlessException, OSError, ValueError) as error:
        return [
            Problem(
                "datapackage.json",
                NOT_A_ROW,
                "",
                f"frictionless cannot read it: {error}",
            )
        ]
    return [
        Problem("datapackage.json", NOT_A_ROW, "", f"frictionless: {error.message}")
        for error in report.errors
    ]


@dataclass
class Report:
    problems: list[Problem]
    checkout: Checkout

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        frames = self.checkout.frames
        rows = sum(len(frame) for frame in frames.values())
        evidence = frames.get("evidence")
        evidence_rows = 0 if evidence is None else len(evidence)
        verified = (
            0
            if evidence is None
            else int((evidence["review"].astype("object") == "verified").sum())
        )
        return (
            f"ok: {len(frames)} tables, {rows} rows, {evidence_rows} evidence rows "
            f"({verified} verified)"
        )


def keyed_problems(checkout: Checkout) -> list[Problem]:
    """Foreign keys, evidence links and numbers: Arrow hashing, mostly outside the GIL."""
    frames = checkout.frames
    problems = foreign_key_problems(checkout)
    if "evidence" in frames:
        facts = {name: frames[name] for name in FACT_TABLES if name in frames}
        shown = {name: checkout.shown(name) for name in (*FACT_TABLES, "evidence")}
        problems += provenance.evidence_link_problems(frames["evidence"], facts, shown)
        numeric = {
            name: [
                f["name"]
                for f in checkout.schemas[name].fields
                if f["type"] in ("integer", "number")
            ]
            for name in FACT_TABLES
        }
        problems += provenance.number_problems(
            facts, numeric, frames["evidence"], shown
        )
    return problems


def text_problems(checkout: Checkout) -> list[Problem]:
    """Source files, quotes at their offsets, quoted statements verbatim: Python string work."""
    frames = checkout.frames
    if "sources" not in frames:
        return []
    files, problems = provenance.SourceFiles.load(
        checkout.root, frames["sources"], checkout.shown("sources")
    )
    for name in ("evidence", "exclusions"):
        if name in frames:
            problems += provenance.quote_problems(
                frames[name], files, checkout.shown(name)
            )
    if "evidence" in frames and "statements" in frames:
        problems += provenance.statement_quote_problems(
            frames["statements"], frames["evidence"], checkout.shown("statements")
        )
    return problems


def validate(root: Path, *, with_frictionless: bool = True) -> Report:
    """Every check on the checkout at ``root``."""
    root = Path(root)
    checkout, unchecked = read_tables(root)
    problems = []
    # On two cores: the Arrow-heavy key checks and Frictionless's descriptor check run beside
    # the Pandera checks and the Python string checks, which need the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        background = pool.submit(
            lambda: (
                (keyed_problems(checkout) if checkout.schemas else [])
                + (datapackage_problems(root) if with_frictionless else [])
            )
        )
        run_schema_checks(checkout, unchecked)
        if checkout.schemas:
            problems += text_problems(checkout)
        problems += background.result()
    problems += checkout.problems
    return Report(
        sorted(set(problems), key=lambda p: (p.path, p.row, p.column, p.message)),
        checkout,
    )
