"""The corpus of broken contributions in tests/contributions/: every one rejected, located.

Each case folder holds ``case.txt`` (what is broken), ``overlay/`` (the files it changes in the
small valid checkout ``base/``) and ``expected.txt`` (lines, or their beginnings, that
``nzdefence validate`` must print).
"""

from __future__ import annotations

import os
import re
import shutil
from collections import OrderedDict
from pathlib import Path

import pytest
from conftest import REPO

from nzdefence import parallel
from nzdefence import validate as validate_module
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


@pytest.mark.skipif(not parallel.can_fork(), reason="fork is used only on Linux")
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_forked_checks_report_exactly_what_threaded_checks_report(
    case, tmp_path, capsys, monkeypatch
):
    """Large checkouts run the single-table checks in a forked child; small ones in a thread.
    Forcing each way on every broken contribution must print the same lines."""
    root = assemble(tmp_path / "checkout", case)
    forks = []
    in_child = parallel.in_child

    def counted_in_child(work):
        forks.append(work)
        return in_child(work)

    monkeypatch.setattr(parallel, "in_child", counted_in_child)
    printed = {}
    for way, fork_from_rows in (("threads", 10**12), ("fork", 0)):
        monkeypatch.setattr(validate_module, "_CHECKED", OrderedDict())
        monkeypatch.setattr(validate_module, "FORK_FROM_ROWS", fork_from_rows)
        main(["validate", str(root)])
        printed[way] = capsys.readouterr().out
    assert len(forks) == 1
    assert printed["fork"] == printed["threads"]


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


@pytest.mark.skipif(not parallel.can_fork(), reason="fork is used only on Linux")
@pytest.mark.parametrize("failure", ["fork refused", "child killed"])
def test_validation_completes_when_the_child_cannot_do_its_part(
    failure, tmp_path, capsys, monkeypatch
):
    root = assemble(tmp_path / "checkout", CORPUS / "13-duplicate-id")
    monkeypatch.setattr(validate_module, "_CHECKED", OrderedDict())
    main(["validate", str(root)])
    expected = capsys.readouterr().out
    monkeypatch.setattr(validate_module, "_CHECKED", OrderedDict())
    monkeypatch.setattr(validate_module, "FORK_FROM_ROWS", 0)
    if failure == "fork refused":

        def fork_refused():
            raise BlockingIOError("fork: resource temporarily unavailable")

        monkeypatch.setattr(os, "fork", fork_refused)
    else:
        parent, check = os.getpid(), validate_module.schema_check_results

        def killed_in_child(checkout, unchecked):
            if os.getpid() != parent:
                os._exit(9)  # as the out-of-memory killer would end it
            return check(checkout, unchecked)

        monkeypatch.setattr(validate_module, "schema_check_results", killed_in_child)
    assert main(["validate", str(root)]) == 1
    assert capsys.readouterr().out == expected
