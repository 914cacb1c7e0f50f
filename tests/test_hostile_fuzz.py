"""Fuzzing with what a hostile contribution commits besides bad cells: symbolic links, control
characters in cells, headers and file names, and files over their size limits, one or two at a
time. Whatever the mix, validate, show and site never raise, print only located lines in which
nothing can act on a terminal, never print what a link points at, and exit 1 when they read
something hostile."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from conftest import LOCATED, TABLES, assemble
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from nzdefence.cli import main
from nzdefence.parquet import MAX_PARQUET_BYTES
from nzdefence.provenance import MAX_SOURCE_BYTES
from nzdefence.schemas import MAX_SCHEMA_BYTES
from nzdefence.validate import MAX_CSV_BYTES

SOURCE_ID = "900_mini"  # the corpus's one source
SECRET = "SECRET of the machine\x1b]0;owned\x07\u202e"
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# What can act on a terminal or reorder what it shows: C0 and C1 controls, bidi controls.
CONTROL = st.text(
    st.one_of(st.characters(categories=["Cc"]), st.sampled_from(BIDI)),
    min_size=1,
    max_size=4,
)

CSVS = [f"dataset/csv/{name}.csv" for name in TABLES]
SCHEMAS = [f"schema/{name}.schema.json" for name in TABLES]
PARQUETS = [f"dataset/parquet/{name}.parquet" for name in TABLES]
SOURCE = f"dataset/sources/{SOURCE_ID}.txt"
FOLDERS = ["schema", "dataset/csv", "dataset/parquet", "dataset/sources"]
LIMITS = {
    **dict.fromkeys(CSVS, MAX_CSV_BYTES),
    **dict.fromkeys(SCHEMAS, MAX_SCHEMA_BYTES),
    **dict.fromkeys(PARQUETS, MAX_PARQUET_BYTES),
    SOURCE: MAX_SOURCE_BYTES,
}
# What show and site read: the published files, not the CSVs.
PUBLISHED = ("schema", "dataset/parquet", "dataset/sources")


def acts_on_a_terminal(char: str) -> bool:
    return (unicodedata.category(char) == "Cc" and char not in "\t\n") or char in BIDI


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """A pristine copy of the corpus's valid checkout, the copy each example breaks, a folder
    outside it that links point at, and where the site is written."""
    base = tmp_path_factory.mktemp("hostile")
    pristine = assemble(base / "pristine")
    root = base / "checkout"
    shutil.copytree(pristine, root)
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret").write_text(SECRET, encoding="utf-8")
    return pristine, root, outside, base / "site"


def restore(root: Path, pristine: Path, relative: str) -> None:
    path, original = root / relative, pristine / relative
    if path.is_symlink() or path.is_file() or path.is_fifo():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    if original.is_dir():
        shutil.copytree(original, path)
    elif original.exists():
        shutil.copy2(original, path)


def rewrite_csv(path: Path, change) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def through_a_link(root: Path, relative: str) -> bool:
    """Whether a path of the checkout is, or is in, a link an earlier change made: the next
    change must not write through it (a test's own write is not nzdefence's)."""
    parts = Path(relative).parts
    return any(
        root.joinpath(*parts[:depth]).is_symlink() for depth in range(1, len(parts) + 1)
    )


def break_checkout(
    data, root: Path, outside: Path
) -> tuple[list[str], list[str], bool]:
    """Apply one hostile change; the paths to restore, the words a problem about it must
    hold, and whether show and site read what it changed."""

    def draw(paths: list[str], label: str) -> str:
        safe = [path for path in paths if not through_a_link(root, path)]
        return data.draw(st.sampled_from(safe), label=label)

    kind = data.draw(
        st.sampled_from(["link", "oversize", "cell", "header", "name"]), label="kind"
    )
    if kind == "link":
        relative = draw([*LIMITS, *FOLDERS], "linked")
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        path.symlink_to(outside if relative in FOLDERS else outside / "secret")
        return [relative], ["is a symbolic link"], relative.startswith(PUBLISHED)
    if kind == "oversize":
        relative = draw(sorted(LIMITS), "oversize")
        os.truncate(root / relative, LIMITS[relative] + 1)  # sparse: nothing is written
        return [relative], ["is larger than"], relative.startswith(PUBLISHED)
    if kind == "name":
        folder = draw(FOLDERS, "folder")
        name = data.draw(
            CONTROL.filter(lambda text: "\x00" not in text and "/" not in text)
        )
        suffix = {"schema": ".schema.json", "dataset/sources": ".txt"}.get(
            folder, f".{folder.rsplit('/', 1)[-1]}"
        )
        (root / folder / f"{name}{suffix}").write_bytes(b"x\n")
        return [folder], [], False
    relative = draw(CSVS, "csv")
    text = data.draw(CONTROL, label="control")

    def change(rows: list[list[str]]) -> None:
        row = (
            0
            if kind == "header" or len(rows) == 1
            else data.draw(st.integers(1, len(rows) - 1))
        )
        column = data.draw(st.integers(0, len(rows[row]) - 1))
        at = data.draw(st.integers(0, len(rows[row][column])))
        rows[row][column] = rows[row][column][:at] + text + rows[row][column][at:]

    rewrite_csv(root / relative, change)
    return [relative], [], False


def run(arguments: list[str]) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(arguments)
    return code, out.getvalue().splitlines(), err.getvalue().splitlines()


def assert_safe(lines: list[str]) -> None:
    for line in lines:
        assert not any(map(acts_on_a_terminal, line)), line
        assert "SECRET" not in line, line


# Each example runs validate, site and show (about half a second), so an eighth of the
# profile's examples: 12 by default, 125 in CI.
# Without the explain phase, which reruns a failing example a hundred times at this cost.
@settings(
    max_examples=max(5, settings.default.max_examples // 8),
    phases=[phase for phase in Phase if phase is not Phase.explain],
)
@given(data=st.data())
def test_hostile_files_are_located_escaped_and_refused(places, data):
    pristine, root, outside, site = places
    touched, words = [], []
    published = False
    try:
        for _ in range(data.draw(st.integers(1, 2), label="changes")):
            paths, expected, read = break_checkout(data, root, outside)
            touched += paths
            words += expected
            published |= read
        code, out, err = run(["validate", str(root)])
        assert code == 1
        assert_safe(out + err)
        assert all(LOCATED.fullmatch(line) for line in out), out
        if len(words) == 1 and len(touched) == 1:
            assert any(words[0] in line for line in out), out
        for arguments in (
            ["site", str(site), str(root)],
            ["show", SOURCE_ID, "0", "10", str(root)],
        ):
            code, out, err = run(arguments)
            assert_safe(out + err)
            if code:
                assert all(LOCATED.fullmatch(line) for line in out), out
            if arguments[0] == "site":
                assert code == (1 if published else 0), out
    finally:
        # Links first: a file restored through a link would be written outside.
        for relative in sorted(set(touched), key=lambda path: len(Path(path).parts)):
            restore(root, pristine, relative)
        written = sorted(p.name for p in outside.iterdir() if p.name != "secret")
        for name in written:
            (outside / name).unlink()  # so that one failure does not fail every example
        secret = (outside / "secret").read_text(encoding="utf-8")
        (outside / "secret").write_text(SECRET, encoding="utf-8")
    assert written == [] and secret == SECRET
