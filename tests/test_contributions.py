"""The corpus of broken contributions in tests/contributions/: every one rejected, exactly.

Each case folder holds ``case.txt`` (what is broken), ``overlay/`` (the files it changes in the
small valid checkout ``base/``) and ``expected.txt``: everything ``nzdefence validate`` prints
on standard output for it, line for line. A problem missed, a line added, reworded or moved
fails the case. A new case's expected.txt is that output, read and checked against case.txt.
"""

from __future__ import annotations

import pytest
from conftest import CORPUS, LOCATED, assemble

from nzdefence.cli import main

CASES = sorted(
    path for path in CORPUS.iterdir() if path.is_dir() and path.name != "base"
)


def test_corpus_is_large_enough():
    assert len(CASES) >= 50


def test_base_is_a_valid_checkout(tmp_path, capsys):
    # As committed: its Parquet files and datapackage.json must be built from its CSVs.
    root = assemble(tmp_path / "base")
    assert main(["validate", str(root)]) == 0
    assert (
        capsys.readouterr().out
        == "ok: 14 tables, 17 rows, 7 evidence rows (5 verified)\n"
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_contribution_prints_exactly_its_problems(case, tmp_path, capsys):
    root = assemble(tmp_path / "checkout", case)
    assert main(["validate", str(root)]) == 1, (case / "case.txt").read_text()
    printed = capsys.readouterr()
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert printed.out == expected
    lines = expected.splitlines()
    assert lines and all(LOCATED.fullmatch(line) for line in lines)
    assert printed.err == f"{len(lines)} problem(s) found.\n"


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
