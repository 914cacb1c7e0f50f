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
from .problems import NOT_A_ROW, Problem, data_row
from .schemas import FACT_TABLES, TableSchema, read_schemas, rule_checks

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


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A typed Arrow table as the pandas frame Pandera validates."""

    def pandas_type(arrow_type: pa.DataType):
        if pa.types.is_list(arrow_type):
            return pd.ArrowDtype(arrow_type)
        return {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype()}.get(
            arrow_type
        )

    return table.to_pandas(date_as_object=False, types_mapper=pandas_type)


def read_checkout(root: Path) -> Checkout:
    """Read every table of the checkout at ``root`` and run the single-table checks."""
    root = Path(root)
    schema_dir = root / "schema"
    try:
        schemas = read_schemas(schema_dir)
    except (OSError, ValueError, KeyError) as error:
        checkout = Checkout(root, {})
        checkout.problems.append(
            Problem("schema", NOT_A_ROW, "", f"cannot read the table schemas: {error}")
        )
        return checkout
    checkout = Checkout(root, schemas)
    jobs = {}
    for name, schema in schemas.items():
        path = root / csv_path(name)
        raw = path.read_bytes() if path.is_file() else None
        jobs[name] = (
            json.dumps(schema.descriptor, sort_keys=True),
            raw,
            checkout.shown(name),
        )
    results = {name: _CHECKED[jobs[name]] for name in schemas if jobs[name] in _CHECKED}
    to_read = [name for name in schemas if name not in results]
    # Phase 1 on both cores: Arrow parses and types the CSVs outside the GIL, while a third
    # thread imports the validation libraries. Phase 2: Pandera, one table at a time.
    with ThreadPoolExecutor(max_workers=3) as pool:
        warming = pool.submit(_import_validation_libraries)
        read = dict(
            zip(
                to_read,
                pool.map(
                    lambda name: csvio.read_table(
                        jobs[name][1], schemas[name], jobs[name][2]
                    ),
                    to_read,
                ),
            )
        )
        warming.result()
    for name in to_read:
        results[name] = _single_table_checks(schemas[name], *read[name], jobs[name][2])
        _remember(jobs[name], results[name])
    for name in schemas:
        table, frame, problems = results[name]
        checkout.problems += problems
        if table is not None:
            checkout.tables[name] = table
            checkout.frames[name] = frame
    return checkout


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


def _import_validation_libraries() -> None:
    import frictionless  # noqa: F401
    import pandera.pandas  # noqa: F401


def _single_table_checks(
    schema: TableSchema, table: pa.Table | None, problems: list[Problem], shown: str
):
    """(typed table, frame, problems) after the Pandera checks of one read table."""
    if table is None:
        return None, None, problems
    frame = to_frame(table)
    # A cell that could not be typed is empty in the frame: do not report it again as
    # missing, nor the cross-column rules that its emptiness breaks.
    unreadable_cells = {(p.row, p.column) for p in problems}
    unreadable_rows = {p.row for p in problems}
    rule_messages = {
        check.message for rule in schema.rules for check in rule_checks(rule)
    }
    problems = problems + [
        p
        for p in schema_problems(frame, schema, shown)
        if (p.row, p.column) not in unreadable_cells
        and not (p.row in unreadable_rows and p.message in rule_messages)
    ]
    return table, frame, problems


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
        elif check == "multiple_fields_uniqueness":
            key = ", ".join(schema.primary_key)
            column, message = (
                schema.primary_key[-1],
                f"another row has the same primary key ({key})",
            )
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


def cross_table_problems(checkout: Checkout) -> list[Problem]:
    """Checks that span tables and files: keys, source files, quotes, evidence links."""
    frames = checkout.frames
    if "sources" not in frames:
        return foreign_key_problems(checkout)
    facts = {name: frames[name] for name in FACT_TABLES if name in frames}
    shown = {name: checkout.shown(name) for name in (*FACT_TABLES, "evidence")}

    def keyed_checks() -> list[Problem]:
        # Mostly Arrow hashing and string kernels, which run outside the GIL.
        problems = foreign_key_problems(checkout)
        if "evidence" in frames:
            problems += provenance.evidence_link_problems(
                frames["evidence"], facts, shown
            )
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

    with ThreadPoolExecutor(max_workers=1) as pool:
        keyed = pool.submit(keyed_checks)
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
        problems += keyed.result()
    return problems


def validate(root: Path, *, with_frictionless: bool = True) -> Report:
    """Every check on the checkout at ``root``."""
    root = Path(root)
    checkout = read_checkout(root)
    problems = list(checkout.problems)
    with ThreadPoolExecutor(max_workers=1) as pool:
        descriptor = (
            pool.submit(datapackage_problems, root) if with_frictionless else None
        )
        if checkout.schemas:
            problems += cross_table_problems(checkout)
        if descriptor is not None:
            problems += descriptor.result()
    return Report(
        sorted(set(problems), key=lambda p: (p.path, p.row, p.column, p.message)),
        checkout,
    )
