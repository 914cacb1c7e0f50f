"""The corpus of broken contributions in tests/contributions/: every one rejected, located.

Each case folder holds ``case.txt`` (what is broken), ``overlay/`` (the files it changes in the
small valid checkout ``base/``) and ``expected.txt`` (lines, or their beginnings, that
``nzdefence validate`` must print).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from nzdefence.cli import main

CORPUS = Path(__file__).parent / "contributions"
CASES = sorted(
    path for path in CORPUS.iterdir() if path.is_dir() and path.name != "base"
)
# path:row:column: message, one problem per line.
LOCATED = re.compile(r"[^\s:][^:\n]*:\d+:[^\n]+?: \S.*")


def assemble(target: Path, case: Path | None = None) -> Path:
    shutil.copytree(REPO / "schema", target / "schema")
    shutil.copytree(CORPUS / "base", target, dirs_exist_ok=True)
    if case is not None:
        shutil.copytree(case / "overlay", target, dirs_exist_ok=True)
    return target


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


def test_base_is_a_valid_checkout(tmp_path, capsys):
    root = assemble(tmp_path / "base")
    assert main(["build", str(root)]) == 0
    assert main(["validate", str(root)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ok: 9 tables, 13 rows")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_contribution_is_rejected_with_located_lines(case, tmp_path, capsys):
    root = assemble(tmp_path / "checkout", case)
    assert main(["validate", str(root)]) == 1, (case / "case.txt").read_text()
    printed = capsys.readouterr().out.splitlines()
    assert printed, "no problem reported"
    assert [line for line in printed if not LOCATED.fullmatch(line)] == []
    for expected in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        assert any(line.startswith(expected) for line in printed), (expected, printed)


def test_text_na_none_null_are_kept_as_text(tmp_path):
    root = assemble(tmp_path / "checkout")
    path = root / "dataset/csv/actors.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",NA"
    lines.append("null,None,person,NZL,null")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["build", str(root)]) == 0
    import pyarrow.parquet as pq

    actors = pq.read_table(root / "dataset/parquet/actors.parquet").to_pylist()
    assert actors[0]["note"] == "NA"
    assert (actors[1]["id"], actors[1]["name"], actors[1]["note"]) == (
        "null",
        "None",
        "null",
    )
