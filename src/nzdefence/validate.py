"""``nzdefence validate``: every check on a checkout, every problem reported at once."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from . import csvio, parallel, provenance
from .datapackage import start_datapackage_check
from .layout import SCHEMA_DIR, csv_path, schema_path
from .load import to_frame
from .problems import NOT_A_ROW, Problem, data_row
from .schemas import (
    TableSchema,
    descriptor_problems,
    primary_key_message,
    read_schemas,
    rule_checks,
)

# Checking in a forked child pays off once the per-row work outweighs what the child repeats
# (setting up Pandera, about 0.3 s of one core); below this many rows, threads do as well.
FORK_FROM_ROWS = 100_000


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
        schemas = read_schemas(root / SCHEMA_DIR)
    except (OSError, ValueError, KeyError) as error:
        checkout = Checkout(root, {})
        checkout.problems.append(
            Problem(
                SCHEMA_DIR.as_posix(),
                NOT_A_ROW,
                "",
                f"cannot read the table schemas: {error}",
            )
        )
        return checkout, {}
    broken = [
        Problem(schema_path(name).as_posix(), NOT_A_ROW, "", message)
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
    record_schema_checks(checkout, unchecked, schema_check_results(checkout, unchecked))


def schema_check_results(
    checkout: Checkout, unchecked: dict
) -> dict[str, list[Problem]]:
    """The reading and Pandera problems of each table read in phase 1; changes nothing."""
    return {
        name: _single_table_checks(
            checkout.schemas[name],
            checkout.frames.get(name),
            problems,
            checkout.shown(name),
        )
        for name, (key, problems) in unchecked.items()
    }


def record_schema_checks(
    checkout: Checkout, unchecked: dict, results: dict[str, list[Problem]]
) -> None:
    """Add the single-table problems to the checkout, and remember them by content."""
    for name, (key, _) in unchecked.items():
        problems = results[name]
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
            0 if evidence is None else int((evidence["review"] == "verified").sum())
        )
        return (
            f"ok: {len(frames)} tables, {rows} rows, {evidence_rows} evidence rows "
            f"({verified} verified)"
        )


def keyed_problems(checkout: Checkout) -> list[Problem]:
    """Foreign keys, evidence links and numbers: Arrow hashing, mostly outside the GIL."""
    frames = checkout.frames
    problems = foreign_key_problems(checkout)
    if "evidence" not in frames:
        return problems
    for link in checkout.schemas["evidence"].links():
        facts = {name: frames[name] for name in link.tables if name in frames}
        shown = {name: checkout.shown(name) for name in (*link.tables, "evidence")}
        problems += provenance.evidence_link_problems(
            frames["evidence"], facts, shown, link
        )
        numeric = {
            name: [
                f["name"]
                for f in checkout.schemas[name].fields
                if f["type"] in ("integer", "number")
            ]
            for name in facts
        }
        problems += provenance.number_problems(
            facts, numeric, frames["evidence"], shown, link
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
        for link in checkout.schemas["evidence"].links():
            problems += provenance.statement_quote_problems(
                frames["statements"],
                frames["evidence"],
                checkout.shown("statements"),
                link,
            )
    return problems


def _set_up_pandera() -> None:
    """Import Pandera and register its pandas backends (which it does on first use)."""
    import pandera.pandas

    pandera.pandas.DataFrameSchema().validate(pd.DataFrame())


def validate(
    root: Path,
    *,
    with_frictionless: bool = True,
    datapackage_check: Callable[[], list[Problem]] | None = None,
) -> Report:
    """Every check on the checkout at ``root``.

    ``datapackage_check``: Frictionless's check of datapackage.json if the caller has already
    started it (``start_datapackage_check``); otherwise it is started here."""
    root = Path(root)
    if not with_frictionless:
        datapackage_check = list
    elif datapackage_check is None:
        datapackage_check = start_datapackage_check(root)
    # Importing and setting up Pandera is Python work of ~0.3 s; reading the CSV files is
    # mostly Arrow's, outside the GIL. Done together, the one hides behind the other.
    pandera_ready = threading.Thread(target=_set_up_pandera)
    pandera_ready.start()
    checkout, unchecked = read_tables(root)
    pandera_ready.join()
    problems = []
    unchecked_rows = sum(
        len(checkout.frames[name]) for name in unchecked if name in checkout.frames
    )
    schema_results = None
    if unchecked_rows >= FORK_FROM_ROWS and parallel.can_fork():
        # On two cores, in two processes: the Pandera checks in a forked child, the
        # cross-table checks here.
        with contextlib.suppress(OSError):  # no fork now: threads below do it all
            schema_results = parallel.in_child(
                lambda: schema_check_results(checkout, unchecked)
            )
    if schema_results is not None:
        try:
            if checkout.schemas:
                problems += keyed_problems(checkout) + text_problems(checkout)
        finally:
            try:
                results = schema_results()
            except parallel.ChildLost:
                results = schema_check_results(checkout, unchecked)
            record_schema_checks(checkout, unchecked, results)
    else:
        # On two cores, in threads: the Arrow-heavy key checks run beside the Pandera checks
        # and the Python string checks, which need the GIL.
        with ThreadPoolExecutor(max_workers=1) as pool:
            background = pool.submit(
                lambda: keyed_problems(checkout) if checkout.schemas else []
            )
            run_schema_checks(checkout, unchecked)
            if checkout.schemas:
                problems += text_problems(checkout)
            problems += background.result()
    problems += checkout.problems + datapackage_check()
    return Report(
        sorted(set(problems), key=lambda p: (p.path, p.row, p.column, p.message)),
        checkout,
    )
