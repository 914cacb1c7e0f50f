"""A contribution checked against the branch it would change: ``nzdefence validate --base REF``.

Everything in a pull request is the contributor's to write: a source document's words can be
rewritten together with its ``sha256``, its length and its quotes, and the contribution's own
evidence marked ``verified``, and every check of the checkout alone passes. Only the base branch
knows what was there before. Its files are read with git (argument lists, never a shell; no
hooks, no system configuration, no network, a timeout); the checkout's files are read as every
other check reads them, through validate's checkout.

What is refused: any change to a source document the base has (its bytes, or its removal), and
any change to the ``sha256``, ``characters`` or ``path`` of a sources row the base has. What is
reported, for a maintainer to see: evidence marked ``verified`` that the base did not have
verified in that very form.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from . import files
from .csvio import cell_text
from .layout import SOURCES_DIR, csv_path
from .problems import NOT_A_ROW, Problem, escaped
from .provenance import MAX_SOURCE_BYTES
from .validate import MAX_CSV_BYTES, Checkout

# Reading a few files of a local repository takes well under a second; a git that takes longer
# is stuck (a lock, a hook we failed to disable, a prompt), and CI should say so.
GIT_TIMEOUT_SECONDS = 60
# A branch name, a tag, a remote-tracking branch or a commit, with ~ and ^ for ancestors. Never
# a leading '-' (git would read an option), never ':' (REF:path names a file, not a commit),
# never a space or a control character.
REF_PATTERN = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./@{}~^+-]*")
# The columns of a sources row that pin its document; READ_BY_THE_CHECKS fixes their names.
PINNED_SOURCE_COLUMNS = ("sha256", "characters", "path")
REVIEW, VERIFIED = "review", "verified"
ONLY_A_MAINTAINER = (
    "only a maintainer's second reading may verify; set review=extracted"
)
NEWLY_VERIFIED = f"newly marked verified: {ONLY_A_MAINTAINER}"
FROZEN_SOURCE = (
    "a published source document may not change; add it as a new source with its own id"
)


class BaseUnavailable(Exception):
    """git, or the base it should read, is not there; the message says what to do."""


@dataclass(frozen=True)
class _Entry:
    mode: str
    kind: str
    object_id: str
    size: int


class Base:
    """The files of the base commit, read with git from the repository holding ``root``."""

    def __init__(self, root: Path, ref: str):
        if not REF_PATTERN.fullmatch(ref):
            raise BaseUnavailable(
                f"{escaped(ref)}: not a git branch, tag or commit name (it must not start "
                "with '-' or hold ':', spaces or control characters)"
            )
        self.root, self.ref = Path(root), ref
        found = self._git(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            unknown=f"{ref}: no such branch, tag or commit here; fetch it first (in GitHub "
            "Actions: actions/checkout with fetch-depth: 0)",
        )
        self.commit = found.decode("ascii").strip()
        self._format = self._git("rev-parse", "--show-object-format").decode().strip()
        # Paths relative to root (ls-tree names them relative to its working folder).
        listing = self._git("ls-tree", "-r", "-z", "-l", self.commit, "--", "dataset")
        self.entries: dict[str, _Entry] = {}
        for record in listing.split(b"\0"):
            if record:
                meta, _, path = record.partition(b"\t")
                mode, kind, object_id, size = meta.decode("ascii").split()
                entry = _Entry(mode, kind, object_id, -1 if size == "-" else int(size))
                self.entries[path.decode("utf-8", "surrogateescape")] = entry

    def _git(self, *arguments: str, unknown: str | None = None) -> bytes:
        command = [
            "git",
            "-C",
            str(self.root),
            # Nothing a repository or its hostile content configures runs: no hooks, no file
            # system monitor, no transport (a partial clone would fetch missing objects).
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "protocol.allow=never",
            *arguments,
        ]
        environment = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_NO_LAZY_FETCH": "1",
            "GIT_OPTIONAL_LOCKS": "0",
            "LC_ALL": "C",
        }
        try:
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=environment,
                timeout=GIT_TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError:
            raise BaseUnavailable(
                "git is not installed (or not on PATH); --base and diff read the base with git"
            ) from None
        except subprocess.TimeoutExpired:
            raise BaseUnavailable(
                f"git {arguments[0]} took longer than {GIT_TIMEOUT_SECONDS} s; gave up"
            ) from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            if unknown is not None and not said:
                raise BaseUnavailable(escaped(unknown))
            reason = said[0] if said else f"exit status {done.returncode}"
            raise BaseUnavailable(escaped(f"git {arguments[0]} failed: {reason}"))
        return done.stdout

    def is_file(self, relative: str) -> bool:
        """Whether the base has a regular file (not a link, not a folder) at ``relative``."""
        entry = self.entries.get(relative)
        return (
            entry is not None
            and entry.kind == "blob"
            and entry.mode in ("100644", "100755")
        )

    def read(self, relative: str, *, limit: int) -> bytes | None:
        """A regular file of the base, or None if the base has none there."""
        if not self.is_file(relative):
            return None
        entry = self.entries[relative]
        if entry.size > limit:
            raise BaseUnavailable(
                escaped(f"{self.ref}:{relative} is larger than {limit:,} bytes")
            )
        return self._git("cat-file", "blob", entry.object_id)

    def holds_bytes(self, relative: str, data: bytes) -> bool:
        """Whether the base's file at ``relative`` is exactly ``data``: git names a file by
        the hash of its bytes, so nothing but ``data`` needs reading."""
        header = b"blob %d\0" % len(data)
        object_id = hashlib.new(self._format, header + data).hexdigest()
        return self.entries[relative].object_id == object_id


def base_records(base: Base, name: str) -> pd.DataFrame | None:
    """The base's table ``name`` as the text of its cells (a missing cell is ""), indexed by
    the physical line each record starts on; None if the base has no such file."""
    relative = csv_path(name).as_posix()
    raw = base.read(relative, limit=MAX_CSV_BYTES)
    if raw is None:
        return None
    where = escaped(f"{base.ref}:{relative}")
    try:
        reader = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""), strict=True)
        header = next(reader, [])
        records, lines = [], []
        while True:
            line = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                break
            if row:  # a blank line
                records.append((row + [""] * len(header))[: len(header)])
                lines.append(line)
    except (UnicodeDecodeError, csv.Error) as error:
        raise BaseUnavailable(
            f"{where} cannot be read: {escaped(str(error))}"
        ) from None
    return _frame(header, records, lines)


def current_records(checkout: Checkout, name: str) -> pd.DataFrame | None:
    """The checkout's table ``name`` as the text of its cells, written back as the CSV holds
    them (a missing cell is ""), indexed by line; None if it could not be read."""
    table = checkout.tables.get(name)
    if table is None:
        return None
    schema = checkout.schemas[name]
    columns = [
        [cell_text(value, field.delimiter) for value in table[field.name].to_pylist()]
        for field in schema.fields
    ]
    return _frame(
        schema.field_names, list(zip(*columns)), list(checkout.frames[name].index)
    )


def _frame(header: list[str], records: list, lines: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(
        records, columns=range(len(header)), nrows=len(records)
    )
    frame = frame.astype(object) if len(records) else frame
    frame.columns = pd.Index(header, dtype=object)
    frame.index = pd.Index(lines, name="line", dtype=np.int64)
    return frame


@dataclass
class TableChanges:
    """What a table's records are now against the base's, matched by primary key."""

    key: tuple[str, ...]
    # every current record (the first of a duplicated key), by line
    current: pd.DataFrame
    added: pd.DataFrame  # current records, by line
    removed: pd.DataFrame  # base records, by their line in the base
    # (the current record's line, the base record's line, {column: (before, after)})
    changed: list[tuple[int, int, dict[str, tuple[str, str]]]]
    columns_added: list[str]
    columns_removed: list[str]


def compare_records(
    before: pd.DataFrame, after: pd.DataFrame, key: tuple[str, ...]
) -> TableChanges:
    """The records added, removed and changed from ``before`` to ``after``, which both have
    the ``key`` columns. A key held by several records counts once, by its first (validate
    reports the duplicates)."""
    before = before[~before.duplicated(list(key))]
    after = after[~after.duplicated(list(key))]
    before_keys = pd.MultiIndex.from_frame(before[list(key)].astype(str))
    after_keys = pd.MultiIndex.from_frame(after[list(key)].astype(str))
    # The position of each current record's key among the base's: -1 for a new key.
    position = before_keys.get_indexer(after_keys)
    kept = position >= 0
    removed = ~before_keys.isin(after_keys)
    shared = [column for column in after.columns if column in before.columns]
    old = before[shared].to_numpy()[position[kept]]
    new = after[shared].to_numpy()[kept]
    differs = old != new
    changed = []
    for row in np.flatnonzero(differs.any(axis=1)):
        columns = np.flatnonzero(differs[row])
        changed.append(
            (
                int(after.index[kept][row]),
                int(before.index[position[kept][row]]),
                {shared[c]: (old[row, c], new[row, c]) for c in columns},
            )
        )
    return TableChanges(
        key=key,
        current=after,
        added=after[~kept],
        removed=before[removed],
        changed=changed,
        columns_added=[c for c in after.columns if c not in before.columns],
        columns_removed=[c for c in before.columns if c not in after.columns],
    )


def base_problems(checkout: Checkout, base: Base) -> list[Problem]:
    """What the checkout changes that a contribution may not, against ``base``; raises
    BaseUnavailable if git or the base cannot be read."""
    problems = source_document_problems(base, checkout.root)
    if "sources" in checkout.schemas:
        problems += source_row_problems(base, checkout)
    if "evidence" in checkout.schemas:
        problems += verified_problems(base, checkout)
    return problems


def source_document_problems(base: Base, root: Path) -> list[Problem]:
    """Every source document of the base must be in the checkout, byte for byte."""
    problems = []
    for relative in sorted(base.entries):
        if PurePosixPath(relative).parent != PurePosixPath(SOURCES_DIR.as_posix()):
            continue
        if not base.is_file(relative):
            continue
        line = NOT_A_ROW
        try:
            data = files.read_bytes(root, relative, limit=MAX_SOURCE_BYTES)
        except FileNotFoundError:
            reason = f"removed; {base.ref} has it"
        except files.UnsafePath as error:
            reason = f"{error.reason}; {base.ref} has it as a file"
        else:
            if base.holds_bytes(relative, data):
                continue
            line = _first_different_line(
                base.read(relative, limit=MAX_SOURCE_BYTES), data
            )
            reason = f"differs from {base.ref} from this line on"
        problems.append(Problem(relative, line, "", f"{reason}: {FROZEN_SOURCE}"))
    return problems


def _first_different_line(before: bytes, after: bytes) -> int:
    before_lines, after_lines = before.split(b"\n"), after.split(b"\n")
    for number, (old, new) in enumerate(zip(before_lines, after_lines), start=1):
        if old != new:
            return number
    return min(len(before_lines), len(after_lines))


def source_row_problems(base: Base, checkout: Checkout) -> list[Problem]:
    """A sources row the base has keeps its sha256, characters and path."""
    key = checkout.schemas["sources"].primary_key
    after = current_records(checkout, "sources")
    before = base_records(base, "sources")
    if after is None or before is None:
        return []
    lacking = [c for c in (*key, *PINNED_SOURCE_COLUMNS) if c not in before.columns]
    shown = csv_path("sources").as_posix()
    if lacking:
        return [_incomparable(shown, base, lacking)]
    problems = []
    for line, _, columns in compare_records(before, after, key).changed:
        for column in PINNED_SOURCE_COLUMNS:
            if column in columns:
                was = escaped(columns[column][0])
                problems.append(
                    Problem(
                        shown,
                        line,
                        column,
                        f"changed; {base.ref} has {was!r}: a published "
                        "source's sha256, characters and path may not change; add it as a "
                        "new source with its own id",
                    )
                )
    return problems


def verified_problems(base: Base, checkout: Checkout) -> list[Problem]:
    """Evidence marked verified that was not verified, exactly as it is now and for the record
    as it is now, in the base: a new or newly verified row, a verified row edited, or a
    verified row whose record was edited."""
    schema = checkout.schemas["evidence"]
    after = current_records(checkout, "evidence")
    if after is None:
        return []
    before = base_records(base, "evidence")
    if before is None:
        before = _frame(list(after.columns), [], [])
    shown = csv_path("evidence").as_posix()
    lacking = [c for c in (*schema.primary_key, REVIEW) if c not in before.columns]
    if lacking:
        return [_incomparable(shown, base, lacking)]
    changes = compare_records(before, after, schema.primary_key)
    reasons = {int(line): NEWLY_VERIFIED for line in changes.added.index}
    for line, _, columns in changes.changed:
        reasons[line] = (
            NEWLY_VERIFIED
            if REVIEW in columns
            else f"changed ({', '.join(columns)}) but still marked verified: "
            f"{ONLY_A_MAINTAINER}"
        )
    if schema.record_links:
        # The second reading agreed that the quote supports every field of the record as
        # the base has it, not as the contribution made it.
        link = schema.record_links[0]
        edited = _edited_records(base, checkout, link.tables, link.key)
        for line, table, record in after[
            [link.table_column, link.record_column]
        ].itertuples():
            columns = edited.get((table, record))
            if columns and line not in reasons:
                reasons[line] = (
                    f"its {table} record was changed ({', '.join(columns)}) but this is "
                    f"still marked verified: {ONLY_A_MAINTAINER}"
                )
    verified = set(after.index[after[REVIEW] == VERIFIED])
    return [
        Problem(shown, line, REVIEW, reason)
        for line, reason in sorted(reasons.items())
        if line in verified
    ]


def _edited_records(
    base: Base, checkout: Checkout, tables: tuple[str, ...], key: str
) -> dict[tuple[str, str], list[str]]:
    """The records of ``tables`` that the base has and the checkout changed, by (table, the
    value of their ``key`` column): the columns changed."""
    edited = {}
    for table in tables:
        schema = checkout.schemas.get(table)
        after = current_records(checkout, table) if schema else None
        before = base_records(base, table) if after is not None else None
        if before is None or not {*schema.primary_key, key} <= set(before.columns):
            continue
        for line, _, columns in compare_records(
            before, after, schema.primary_key
        ).changed:
            edited[(table, after.at[line, key])] = list(columns)
    return edited


def _incomparable(shown: str, base: Base, lacking: list[str]) -> Problem:
    return Problem(
        shown,
        NOT_A_ROW,
        "",
        f"cannot be compared with {base.ref}: its header there lacks "
        f"{', '.join(lacking)}; a maintainer must compare them by hand",
    )
